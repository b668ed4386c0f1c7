"""An in-process scripted chat model, for unit tests of the generated-answer path.

    chat = ScriptedChat(lambda messages: "Paris [1].", context_window=512)
    Assistant.open(settings=..., embedder=HashingEmbedder(), stores=MemoryStores(), chat=chat)

The reply is streamed one word-piece at a time, as real backends stream one token at a
time; ``pulled`` counts the pieces the consumer asked for, so a test can see that a stream
was stopped, and ``closed`` that it was closed. Token counts are words * 1.3, rounded up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence

Messages = Sequence[dict[str, str]]


def pieces(text: str) -> list[str]:
    """Split ``text`` into word pieces that join back to it exactly."""
    return re.findall(r"\s*\S+|\s+$", text)


class ScriptedChat:
    def __init__(
        self,
        reply: str | Callable[[Messages], str],
        context_window: int = 4096,
        name: str = "fake:scripted",
        endless: bool = False,  # keep repeating the reply forever, as a looping model does
    ) -> None:
        self.reply = reply
        self.context_window = context_window
        self.name = name
        self.endless = endless
        self.prompts: list[list[dict[str, str]]] = []
        self.pulled = 0
        self.closed = False

    def count_tokens(self, messages: Messages) -> int:
        return sum(math.ceil(len(m["content"].split()) * 1.3) + 4 for m in messages)

    def stream(self, messages: Messages) -> Iterator[str]:
        self.prompts.append([dict(m) for m in messages])
        text = self.reply(messages) if callable(self.reply) else self.reply
        try:
            while True:
                for piece in pieces(text):
                    self.pulled += 1
                    yield piece
                if not self.endless:
                    return
        finally:
            self.closed = True

    def complete(self, messages: Messages) -> str:
        return "".join(self.stream(messages))
