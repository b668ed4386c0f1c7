"""SQuAD 2.0 files as an evaluation set: every paragraph a document, every question a golden question."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.evaluation.golden import GoldenFileError, GoldenQuestion

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SquadParagraph:
    """One paragraph, stored as the document ``name`` (title + paragraph number)."""

    name: str
    title: str
    number: int
    context: str


@dataclass(frozen=True)
class SquadSet:
    """A SQuAD file as documents and questions."""

    path: Path
    articles: tuple[str, ...]
    paragraphs: tuple[SquadParagraph, ...]
    questions: tuple[GoldenQuestion, ...]

    @property
    def unanswerable(self) -> int:
        return sum(1 for q in self.questions if not q.answerable)

    def write_corpus(self, folder: Path) -> None:
        """Write every paragraph to ``folder`` as a UTF-8 .txt file named after it."""
        folder.mkdir(parents=True, exist_ok=True)
        for p in self.paragraphs:
            (folder / p.name).write_text(p.context + "\n", encoding="utf-8")


def document_name(title: str, number: int) -> str:
    """Return the file name of paragraph ``number`` (0-based) of article ``title``."""
    return f"{_UNSAFE.sub('_', title).strip('_') or 'article'}_{number:03d}.txt"


def load_squad(path: str | Path) -> SquadSet:
    """Return the paragraphs and questions of a SQuAD 2.0 JSON file, or raise GoldenFileError.

    An answerable question has one key-fact group: its distinct ``answers[].text``, matched
    ignoring case and punctuation; a passage or citation counts when it comes from the
    question's paragraph. An ``is_impossible`` question should be abstained on.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldenFileError(f"SQuAD file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenFileError(f"cannot read SQuAD file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise GoldenFileError(f"{path} is not a SQuAD file: no top-level 'data' list")
    articles: list[str] = []
    paragraphs: list[SquadParagraph] = []
    questions: list[GoldenQuestion] = []
    for a, article in enumerate(data["data"]):
        title = _field(article, "title", str, f"{path}: data[{a}]")
        articles.append(title)
        for i, para in enumerate(_field(article, "paragraphs", list, f"{path}: data[{a}]")):
            where = f"{path}: data[{a}].paragraphs[{i}]"
            p = SquadParagraph(document_name(title, i), title, i, _field(para, "context", str, where))
            paragraphs.append(p)
            for j, qa in enumerate(_field(para, "qas", list, where)):
                questions.append(_question(qa, p, f"{where}.qas[{j}]"))
    if not questions:
        raise GoldenFileError(f"SQuAD file {path} holds no questions")
    return SquadSet(path, tuple(articles), tuple(paragraphs), tuple(questions))


def _question(qa: Any, p: SquadParagraph, where: str) -> GoldenQuestion:
    qid = _field(qa, "id", str, where)
    text = _field(qa, "question", str, where)
    impossible = bool(qa.get("is_impossible", False))
    raw = qa.get("answers", [])
    texts = [a.get("text") for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
    answers = tuple(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
    if not impossible and not answers:
        raise GoldenFileError(f"{where}: an answerable question without answers")
    return GoldenQuestion(
        id=qid,
        question=text,
        answerable=not impossible,
        type="unanswerable" if impossible else "answerable",
        key_facts=() if impossible else (answers,),
        gold_sources=() if impossible else (p.name,),
        reference_answer=answers[0] if answers else "",
        fact_match="squad",
    )


def _field(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        raise GoldenFileError(f"{where}: missing or malformed {key!r}")
    return obj[key]
