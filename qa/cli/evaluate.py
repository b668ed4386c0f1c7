"""``qa eval``: score the pipeline on golden questions (or a SQuAD file), optionally against the starter baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.cli.common import add_llm

NAME = "eval"


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {n}")
    return n


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``qa eval`` to the command line."""
    p = subparsers.add_parser(
        NAME,
        help="score retrieval, answers, citations and abstention on golden questions",
        description="Ask every golden question and score what comes back. Prints a table, or JSON with --json.",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--golden", metavar="FILE", type=Path, help="golden JSON Lines file (default: the seeds and the docs sets)"
    )
    source.add_argument(
        "--squad", metavar="FILE", type=Path, help="a SQuAD 2.0 JSON file: its paragraphs become a temporary corpus"
    )
    p.add_argument("--corpus", dest="corpus_dir", metavar="DIR", help="folder of documents (default: seeds)")
    p.add_argument("--index-dir", dest="index_dir", metavar="DIR", help="index folder (default: index)")
    p.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="use a Chroma server (or QA_CHROMA_URL)")
    add_llm(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--report", metavar="DIR", type=Path, help="also write an HTML report (index.html) into DIR")
    p.add_argument("--baseline", action="store_true", help="also run the LlamaIndex starter configuration")
    p.add_argument("--limit", type=_positive, metavar="N", help="only N questions, spread evenly over the file")
    p.add_argument("--check", action="store_true", help="exit with status 1 if a quality-gate threshold is missed")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from qa.cli.common import settings_from
    from qa.errors import ConfigError

    settings = settings_from(args)
    progress = _progress if sys.stderr.isatty() else None
    if args.squad is not None:
        if args.corpus_dir or args.index_dir:
            raise ConfigError("--corpus and --index-dir do not apply to --squad: its paragraphs get a temporary index")
        from qa.evaluation.suite import evaluate_squad

        run = evaluate_squad(settings, args.squad, args.limit, args.baseline, progress)
        runs = [run]
    elif args.golden is None and args.corpus_dir is None:
        from qa.evaluation.suite import evaluate_sets

        runs = evaluate_sets(settings, args.limit, args.baseline, progress)  # the seeds and the docs sets
    else:
        from qa.evaluation.suite import evaluate_golden

        runs = [evaluate_golden(settings, args.golden, args.limit, args.baseline, progress)]
    if progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)

    if args.report is not None:
        from qa.evaluation.report import write_report

        for run in runs:
            page = write_report(run, args.report if len(runs) == 1 else args.report / run.name)
            print(f"report: {page}", file=sys.stderr)
    if args.json:
        # The contract's keys (docs/architecture.md) at the top level for the first set; the others under "sets".
        out = runs[0].to_dict()
        if len(runs) > 1:
            out["sets"] = {r.name: r.to_dict() for r in runs[1:]}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        from qa.evaluation.table import render

        print("\n\n".join(render(r) if len(runs) == 1 else f"== golden set: {r.name} ==\n{render(r)}" for r in runs))
    if args.check:
        from qa.evaluation.thresholds import misses

        missed = [(r.name, t, actual) for r in runs for t, actual in misses(r.scores.to_dict(), r.name)]
        for name, t, actual in missed:
            print(f"gate ({name}): {t.metric} = {actual} (needs {t.op} {t.value})", file=sys.stderr)
        return 1 if missed else 0
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} questions", end="", file=sys.stderr, flush=True)
