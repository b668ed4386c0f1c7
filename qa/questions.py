"""Validating a user's question before any work is done."""

from __future__ import annotations

import re

from qa.errors import BadQuestionError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: object, max_chars: int) -> str:
    """Return the question stripped of control characters, or raise BadQuestionError."""
    if not isinstance(question, str):
        raise BadQuestionError(f"the question must be text, not {type(question).__name__}")
    text = _CONTROL.sub(" ", question).strip()
    if not text:
        raise BadQuestionError("the question is empty", "type a question about the documents")
    if len(text) > max_chars:
        raise BadQuestionError(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,}",
            "ask a shorter question",
        )
    return text
