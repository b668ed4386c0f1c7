"""Scripted model replies that cite the right source, for ScriptedChat and the fake LLM servers.

The prompt numbers the passages it quotes (``<source n="2" ...>``) in whatever order retrieval
ranked them, so a reply citing "the WeChat Pay sentence" has to look up which number that
passage got. ``citing`` does, for any sentence:

    chat = ScriptedChat(citing("cannot use WeChat Pay", "No, it cannot [{n}]."))
    fake_ollama(models=[MODEL], responder=word_by_word(WECHAT_REPLY, 0.1))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qa.types import ABSTAIN_TEXT
from tests.fakes.llm_servers import Reply

Messages = Sequence[Mapping[str, Any]]
SOURCE = re.compile(r'<source n="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


def source_number(messages: Messages, needle: str) -> int | None:
    """The number of the first source block of the last message that contains ``needle`` (any case)."""
    for n, body in SOURCE.findall(str(messages[-1]["content"])):
        if needle.lower() in body.lower():
            return int(n)
    return None


def citing(needle: str, text: str, otherwise: str = ABSTAIN_TEXT) -> Callable[[Messages], str]:
    """A reply: ``text`` with ``{n}`` the source holding ``needle``; ``otherwise`` when no source holds it."""

    def reply(messages: Messages) -> str:
        n = source_number(messages, needle)
        return otherwise if n is None else text.format(n=n)

    return reply


def word_by_word(reply: Callable[[Messages], str], delay: float) -> Callable[[Messages], Reply]:
    """The same reply streamed one word a chunk, ``delay`` seconds apart, like a model writing it."""

    def slow(messages: Messages) -> Reply:
        return Reply(chunks=re.findall(r"\S+\s*", reply(messages)), delay_between_chunks=delay)

    return slow


# The seeds' answer to "Can WeChat Pay be used on Taobao?", cited as a model should.
WECHAT_REPLY = citing(
    "cannot use WeChat Pay", "No. Users still cannot use WeChat Pay for transactions on Taobao [{n}]."
)
