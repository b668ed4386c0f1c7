"""Command line: ``qa index``, ``qa ask``, ... Library errors become one line and an exit code."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from qa.errors import QAError


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--corpus", dest="corpus_dir", metavar="DIR", help="folder of documents (default: seeds, or QA_CORPUS_DIR)"
    )
    p.add_argument(
        "--index-dir", dest="index_dir", metavar="DIR", help="index folder (default: index, or QA_INDEX_DIR)"
    )
    p.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="use a Chroma server (or QA_CHROMA_URL)")


def add_llm(p: argparse.ArgumentParser) -> None:
    from qa.config import LLM_CHOICES

    p.add_argument("--llm", choices=LLM_CHOICES, help="answering backend (default: auto, or QA_LLM)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="qa", description="Ask questions about a folder of documents, with cited answers."
    )
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from the corpus folder")
    add_common(p)
    p.add_argument("--rebuild", action="store_true", help="start from scratch")
    p.add_argument("--json", action="store_true", help="print a JSON report")

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    add_common(p)
    add_llm(p)
    p.add_argument("--top-k", type=int, dest="top_k", metavar="K", help="passages used to answer (default 5)")
    p.add_argument(
        "--source", action="append", dest="sources", metavar="FILE", help="search only this document (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")

    for module in _command_modules():
        COMMANDS[module.NAME] = module.register(sub)
    return root


# Commands that live in their own modules: each has NAME, register(subparsers) -> handler.
# Their modules must import nothing heavy at top level (``qa --help`` stays fast).
COMMAND_MODULES: tuple[str, ...] = ("qa.chat", "qa.doctor", "qa.serve", "qa.evaluation.command", "qa.bench")


def _command_modules() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in COMMAND_MODULES]


def settings_from(args: argparse.Namespace) -> Any:
    from qa.config import Settings

    keys = ("corpus_dir", "index_dir", "chroma_url", "llm", "top_k")
    return Settings.from_env(**{k: getattr(args, k, None) for k in keys})


def cmd_index(args: argparse.Namespace) -> int:
    from qa.embeddings import SentenceTransformerEmbedder
    from qa.indexing import build_index

    settings = settings_from(args)
    report = build_index(settings, SentenceTransformerEmbedder(settings.embed_model), rebuild=args.rebuild)
    if args.json:
        print(json.dumps({**report.__dict__, "unchanged": report.unchanged}, indent=2))
    else:
        print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.questions import clean_question
    from qa.types import Answer

    settings = settings_from(args)
    clean_question(args.question, settings.max_question_chars)  # refuse bad input before loading anything
    assistant = Assistant.open(settings=settings)
    answer: Answer | None = None
    for item in assistant.stream(args.question, sources=args.sources):
        if isinstance(item, Answer):
            answer = item
        elif not args.json:
            print(item, end="", flush=True)
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print()
    print_sources(answer)
    return 0


def print_sources(answer: Any) -> None:
    """Print the citations (or the nearest passages after an abstention) under an answer."""
    if answer.abstained:
        if answer.notice:
            print(f"  ({answer.notice})")
        if answer.hits:
            print("\nNearest passages:")
            for hit in answer.hits[:3]:
                span = hit.passage.span
                print(f"  - {span.source}:{span.line_start}-{span.line_end}  {_short(hit.passage.text)}")
        return
    print()
    for c in answer.citations:
        also = f" (also in {', '.join(c.also_in)})" if c.also_in else ""
        flag = "" if c.supported else "  [NOT VERIFIED]"
        page = f" page {c.page}" if c.page is not None else ""
        print(f"[{c.n}] {c.source}:{c.line_start}-{c.line_end}{page} chars {c.start}-{c.end}{also}{flag}")
        print(f'    "{_short(c.quote, 300)}"')
    if answer.notice:
        print(f"\n({answer.notice})")


def _short(text: str, limit: int = 160) -> str:
    from qa.text import display

    text = display(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"index": cmd_index, "ask": cmd_ask}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record, never a stale stream.

    ``main()`` runs in-process in tests, where stderr is swapped per test; a handler holding
    the first test's stream would later write into a closed file.
    """

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def setup_logging() -> None:
    """Show our warnings as one line each; libraries only when something failed."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(lambda r: r.levelno >= (logging.WARNING if r.name.startswith("qa") else logging.ERROR))
    root = logging.getLogger()
    # Replace only our own handler (a second main() in one process must not print twice);
    # handlers others installed, such as pytest's log capture, stay.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _StderrHandler)] + [handler]
    root.setLevel(logging.WARNING)
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging()
    try:
        return COMMANDS[args.command](args)
    except QAError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not a user mistake: one line unless debugging
        if os.environ.get("QA_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {str(exc)[:200]} (set QA_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
