"""``qa chat``: an interactive conversation in the terminal, streamed, with sources."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

NAME = "chat"
HELP = "Type a question and press Enter. /new starts a new conversation, /quit (or Ctrl-D) leaves."


def register(sub: Any) -> Callable[[argparse.Namespace], int]:
    from qa.cli import add_common, add_llm

    p = sub.add_parser(NAME, help="interactive conversation in the terminal")
    add_common(p)
    add_llm(p)
    return run


def run(args: argparse.Namespace, read: Callable[[str], str] = input) -> int:
    from qa.assistant import Assistant
    from qa.cli import print_sources, settings_from
    from qa.errors import BadQuestionError
    from qa.types import Answer

    assistant = Assistant.open(settings=settings_from(args))
    conversation = assistant.conversation()
    print(HELP)
    while True:
        try:
            question = read("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in {"/quit", "/exit"}:
            return 0
        if question == "/new":
            conversation.reset()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            print("qa> ", end="", flush=True)
            for item in conversation.stream(question):
                if isinstance(item, Answer):
                    print()
                    if item.rewritten_question:
                        print(f"  (understood as: {item.rewritten_question})")
                    print_sources(item)
                else:
                    print(item, end="", flush=True)
        except BadQuestionError as exc:
            print(f"\n{exc}", file=sys.stderr)
        except KeyboardInterrupt:
            print("\n(interrupted)")
