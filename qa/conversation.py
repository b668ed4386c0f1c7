"""Conversations: per-conversation history, and rewriting follow-ups into standalone questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qa.text import content_words

if TYPE_CHECKING:
    from collections.abc import Iterator

    from qa.assistant import Assistant
    from qa.types import Answer

_FOLLOW_UP_START = re.compile(
    r"^(and|also|but|or|what about|how about|and what about|what of|same for|then)\b[\s,]*", re.I
)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|there)\b", re.I)


def looks_like_follow_up(question: str) -> bool:
    """Return True when the question leans on the conversation ("And Alipay?", "Is it free?")."""
    return bool(_FOLLOW_UP_START.match(question)) or (
        len(content_words(question)) <= 3 and bool(_PRONOUN.search(question))
    )


def condense_by_rule(question: str, history: Sequence[str]) -> str:
    """Return a standalone question for retrieval without an LLM.

    A follow-up keeps its own words first and borrows the earlier question's content
    words, so retrieval still finds the topic: "And Alipay on WeChat mini-programs?"
    after "Can WeChat Pay be used on Taobao?" becomes "Alipay on WeChat mini-programs?
    (about: can wechat pay be used on taobao)".
    """
    if not history or not looks_like_follow_up(question):
        return question
    body = _FOLLOW_UP_START.sub("", question).strip() or question
    body = body[0].upper() + body[1:]
    previous = history[-1].strip().rstrip("?.!")
    return f"{body} (following: {previous})"


@dataclass
class Conversation:
    """One conversation's turns; two conversations never share history."""

    assistant: Assistant
    turns: list[str] = field(default_factory=list)  # earlier user questions, standalone form

    def ask(self, question: str) -> Answer:
        answer = self.assistant.ask(question, history=self.turns)
        self.turns.append(answer.rewritten_question or answer.question)
        return answer

    def stream(self, question: str) -> Iterator[str | Answer]:
        for item in self.assistant.stream(question, history=self.turns):
            if not isinstance(item, str):
                self.turns.append(item.rewritten_question or item.question)
            yield item

    def reset(self) -> None:
        self.turns.clear()
