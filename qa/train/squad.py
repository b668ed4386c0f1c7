"""The SQuAD 2.0 training pool as a corpus (one file per paragraph) and gold questions, split by article."""

from __future__ import annotations

import json
from pathlib import Path

from qa.train.groups import GoldQuestion

POOL = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "squad2-pool.json"

# The articles held out to calibrate and choose the threshold (five development-set articles and
# one training-set article with unanswerable questions, about a third of the questions), the same
# as the feature scorer's (scripts/train_scorer.py), so the two are compared on the same questions.
HELD_OUT = (
    "Huguenot",
    "Packet_switching",
    "Yuan_dynasty",
    "Islamism",
    "Force",
    "Sino-Tibetan_relations_during_the_Ming_dynasty",
)


def pool_corpus(pool: Path, corpus: Path) -> list[GoldQuestion]:
    """Write every pool paragraph into ``corpus`` as a .txt file and return the questions, sorted."""
    from qa.evaluation.squad import document_name

    data = json.loads(pool.read_text(encoding="utf-8"))["data"]
    corpus.mkdir(parents=True, exist_ok=True)
    questions: list[GoldQuestion] = []
    names = set()
    for article in sorted(data, key=lambda a: a["title"]):
        for i, para in enumerate(article["paragraphs"]):
            name = document_name(article["title"], i)
            names.add(name)
            path = corpus / name
            text = para["context"] + "\n"
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                spans = _spans(qa.get("answers", []))
                near = _spans(qa.get("plausible_answers", [])) if impossible else ()
                questions.append(
                    GoldQuestion(
                        qa["id"],
                        "squad",
                        "unanswerable" if impossible else "answerable",
                        article["title"],
                        name,
                        qa["question"],
                        not impossible,
                        spans,
                        near,
                    )  # fmt: skip
                )
    for old in corpus.glob("*.txt"):
        if old.name not in names:
            old.unlink()
    questions.sort(key=lambda q: (q.group, q.source, q.id))
    return questions


def _spans(answers: list[dict[str, object]]) -> tuple[tuple[int, int], ...]:
    out = set()
    for a in answers:
        text = str(a.get("text", ""))
        start = a.get("answer_start")
        if text.strip() and isinstance(start, int):
            out.add((start, start + len(text)))
    return tuple(sorted(out))
