"""``qa chat``: an interactive conversation in the terminal, streamed, with sources."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from qa.cli.common import add_common, add_llm

NAME = "chat"
HELP = "Type a question and press Enter. /new starts a new conversation, /quit (or Ctrl-D) leaves."


def register(sub: Any) -> None:

    p = sub.add_parser(NAME, help="interactive conversation in the terminal")
    add_common(p)
    add_llm(p)
    p.set_defaults(func=run)


def line_editing() -> bool:
    """Give ``input()`` line editing and an in-session history (Up arrow); False where unavailable.

    Importing readline is what switches it on; without it the arrow keys print ``^[[A``.
    """
    try:
        import readline  # noqa: F401
    except ImportError:  # e.g. Windows without pyreadline
        return False
    return True


def run(args: argparse.Namespace, read: Callable[[str], str] = input) -> int:
    from qa.assistant import Assistant
    from qa.cli.common import require_named_corpus, settings_from
    from qa.errors import BadQuestionError

    settings = settings_from(args)
    require_named_corpus(args, settings)
    assistant = Assistant.open(settings=settings)
    conversation = assistant.conversation()
    if read is input:
        line_editing()
    told: set[str] = set()  # notices already printed in this conversation
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
            told.clear()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            print("qa> ", end="", flush=True)
            # Closed on the way out, so Ctrl-C mid-answer stops the model too.
            with conversation.stream(question) as stream:
                for text in stream:
                    print(text, end="", flush=True)
                show_end(stream.answer(), told)
        except BadQuestionError as exc:
            print(f"\n{exc}", file=sys.stderr)
        except KeyboardInterrupt:
            print("\n(interrupted)")


def show_end(answer: Any, told: set[str]) -> None:
    """Print what follows an answer's text: its sources, and who answered.

    A notice (such as "Ollama not reachable") is printed the first time in a conversation;
    after that the one-line "quoted from the documents" says the same, compactly.
    """
    from qa.cli.common import answered_by, print_sources

    print()
    if answer.rewritten_question:
        print(f"  (understood as: {answer.rewritten_question})")
    print_sources(answer, notice=bool(answer.notice) and answer.notice not in told)
    if answer.notice:
        told.add(answer.notice)
    print(f"  {answered_by(answer.mode, answer.confidence)}")
