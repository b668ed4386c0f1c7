"""Loading golden Q&A files (JSON Lines) into typed questions, with errors naming file and line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qa.errors import QAError
from qa.text import normalize

TYPES = ("factoid", "yes_no", "multi_fact", "paraphrase", "unanswerable", "follow_up")
FactMatch = Literal["normalized", "squad"]


class GoldenFileError(QAError):
    """A golden file is missing or one of its lines is malformed."""

    exit_code = 2


@dataclass(frozen=True)
class GoldenQuestion:
    """One question with what a correct answer must contain and where the answer is written."""

    id: str
    question: str
    answerable: bool
    type: str = "factoid"
    key_facts: tuple[tuple[str, ...], ...] = ()  # every group needs one alias in the answer
    evidence: tuple[str, ...] = ()  # verbatim (normalised) corpus substrings that answer it
    history: tuple[str, ...] = ()  # earlier user turns, oldest first
    reference_answer: str = ""
    # When set, a passage or citation counts by where it comes from (a SQuAD paragraph's
    # file) instead of by containing evidence text.
    gold_sources: tuple[str, ...] = ()
    # "squad": key facts match ignoring punctuation too, SQuAD's rule for answer spans.
    fact_match: FactMatch = "normalized"


def load_golden(path: str | Path) -> list[GoldenQuestion]:
    """Return the questions of a golden JSON Lines file, or raise GoldenFileError."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise GoldenFileError(f"golden file {path} does not exist", "pass --golden FILE") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenFileError(f"cannot read golden file {path}: {exc}") from None
    questions: list[GoldenQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines are harmless (a trailing newline, a separator)
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        q = parse_question(record, where)
        if q.id in seen:
            raise GoldenFileError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise GoldenFileError(f"golden file {path} holds no questions")
    return questions


def parse_question(record: Any, where: str) -> GoldenQuestion:
    """Return the question in one decoded JSON line; ``where`` prefixes every error."""
    if not isinstance(record, dict):
        raise GoldenFileError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for key in ("id", "question", "answerable"):
        if key not in record:
            raise GoldenFileError(f"{where}: missing field {key!r}")
    qid, question, answerable = record["id"], record["question"], record["answerable"]
    if not isinstance(qid, str) or not qid.strip():
        raise GoldenFileError(f"{where}: 'id' must be a non-empty string")
    if not isinstance(question, str) or not question.strip():
        raise GoldenFileError(f"{where}: 'question' must be a non-empty string")
    if not isinstance(answerable, bool):
        raise GoldenFileError(f"{where}: 'answerable' must be true or false")
    qtype = record.get("type") or ("factoid" if answerable else "unanswerable")
    if qtype not in TYPES:
        raise GoldenFileError(f"{where}: unknown type {qtype!r} (expected one of {', '.join(TYPES)})")
    key_facts = _groups(record.get("key_facts", []), where)
    raw_evidence = record.get("evidence", [])
    # DESIGN.md: evidence "may be missing or empty for an unanswerable question"; "" and [] are its empty forms.
    if not answerable and raw_evidence in ("", [], None):
        raw_evidence = []
    evidence = _strings(raw_evidence, "evidence", where)
    if answerable and not (key_facts or evidence):
        raise GoldenFileError(f"{where}: an answerable question needs key_facts or evidence to be scored")
    return GoldenQuestion(
        id=qid,
        question=question,
        answerable=answerable,
        type=qtype,
        key_facts=key_facts,
        evidence=evidence,
        history=_strings(record.get("history", []), "history", where),
        reference_answer=str(record.get("reference_answer", "")),
    )


def _strings(value: Any, name: str, where: str) -> tuple[str, ...]:
    """Return a string-or-list field as a tuple of non-empty strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        raise GoldenFileError(f"{where}: {name!r} must be a non-empty string or a list of them")
    return tuple(items)


def _groups(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise GoldenFileError(f"{where}: 'key_facts' must be a list of alias lists")
    groups = []
    for group in value:
        if not isinstance(group, list) or not group or not all(isinstance(a, str) and a.strip() for a in group):
            raise GoldenFileError(f"{where}: each key_facts group must be a non-empty list of non-empty strings")
        groups.append(tuple(group))
    return tuple(groups)


def missing_evidence(questions: Iterable[GoldenQuestion], corpus_texts: Sequence[str]) -> list[tuple[str, str]]:
    """Return (question id, evidence) for every evidence string found in none of the texts."""
    haystacks = [normalize(t) for t in corpus_texts]
    return [(q.id, e) for q in questions for e in q.evidence if not any(normalize(e) in text for text in haystacks)]
