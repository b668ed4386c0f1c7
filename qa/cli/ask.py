"""``qa ask``: answer one question, streamed, with its sources (or one JSON object)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from qa.cli.common import add_common, add_llm, answered_by, print_sources, require_named_corpus, settings_from


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    add_common(p)
    add_llm(p)
    p.add_argument("--top-k", type=int, dest="top_k", metavar="K", help="passages used to answer (default 5)")
    p.add_argument(
        "--source", action="append", dest="sources", metavar="FILE", help="search only this document (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.questions import clean_question

    settings = settings_from(args)
    clean_question(args.question, settings.max_question_chars)  # refuse bad input before loading anything
    require_named_corpus(args, settings)
    assistant = Assistant.open(settings=settings)
    with assistant.stream(args.question, sources=args.sources) as stream:
        for text in stream:
            if not args.json:
                print(text, end="", flush=True)
        answer = stream.answer()
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print()
    print_sources(answer)
    print(f"\n{answered_by(answer.mode, answer.confidence)}")
    return 0
