"""Watching a generated answer while it streams: a model repeating itself or running long is stopped.

Small models at temperature 0 fall into loops ("... including a variety of ingredients,
including a variety of ingredients, ...") and would otherwise write until the token cap,
which on a CPU is tens of seconds of text nobody wants. A loop is the end of the text
being one unit repeated back to back (``MIN_REPEATS`` times, three for a unit of three
words or more, five for shorter ones, so "very, very" or a list never trips it), or one
sentence of four words or more written a third time anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.text import normalize

MAX_PERIOD = 60  # longest repeated unit looked for, in words
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]")


def min_repeats(period: int) -> int:
    """Return how many back-to-back copies of a ``period``-word unit count as a loop."""
    return 3 if period >= 3 else 5


def repetition(text: str) -> int | None:
    """Return where to cut ``text`` (after the first copy of what repeats), or None if it does not loop."""
    tokens = list(re.finditer(r"\S+", text))
    words = [normalize(m.group()) for m in tokens]
    n = len(words)
    for period in range(1, min(MAX_PERIOD, n // 3) + 1):
        unit = words[n - period :]
        copies = 1
        while n - (copies + 1) * period >= 0 and words[n - (copies + 1) * period : n - copies * period] == unit:
            copies += 1
        if copies >= min_repeats(period):
            first = n - copies * period
            return tokens[first + period - 1].end()
    seen: dict[str, list[int]] = {}
    for m in _SENTENCE.finditer(text):
        key = normalize(m.group())
        if len(key.split()) >= 4:
            seen.setdefault(key, []).append(m.start())
            if len(seen[key]) >= 3:
                return len(text[: seen[key][1]].rstrip())
    return None


@dataclass
class StreamGuard:
    """Fed each streamed piece; says when to stop and what of the text to keep.

    ``max_tokens``: the cap the backend was given. A piece of a stream is one token for
    llama.cpp, Ollama and OpenAI-compatible servers, so counting pieces tells when the cap
    was reached; a server that ignores the cap is stopped a little after it.
    """

    max_tokens: int
    parts: list[str] = field(default_factory=list)
    stopped: str = ""  # "repetition" or "length" once the stream is cut
    keep: int | None = None  # characters of the text to keep, after a repetition

    def feed(self, delta: str) -> bool:
        """Record ``delta``; return False when the stream should stop here."""
        self.parts.append(delta)
        if len(self.parts) > self.max_tokens + 16:
            self.stopped = "length"
            return False
        if delta.strip():  # a loop only completes on a piece with text in it
            cut = repetition(self.text)
            if cut is not None:
                self.stopped, self.keep = "repetition", cut
                return False
        return True

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def result(self) -> str:
        """Return the text to verify: all of it, or what came before the repetition."""
        if self.stopped != "repetition" and len(self.parts) >= self.max_tokens:
            self.stopped = "length"
        text = self.text
        return text if self.keep is None else text[: self.keep]

    def notice(self) -> str:
        """Return what the user is told about how the stream ended ("" when it ended by itself)."""
        if self.stopped == "repetition":
            return "the model began repeating itself: it was stopped and its answer cut where the repetition began"
        if self.stopped == "length":
            return f"the answer reached the length cap of {self.max_tokens} tokens (QA_MAX_TOKENS) and may be cut short"
        return ""
