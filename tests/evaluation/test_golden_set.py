"""The seeds golden set itself: well-formed, grounded in the corpus, and covering every kind of question."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qa.evaluation.golden import TYPES, load_golden, missing_evidence
from qa.text import normalize
from tests.conftest import GOLDEN, SEEDS


def test_every_evidence_string_is_in_the_normalised_seed_files() -> None:
    corpus = [normalize(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    assert corpus
    missing = [(q.id, e) for q in load_golden(GOLDEN) for e in q.evidence if not any(normalize(e) in t for t in corpus)]
    assert missing == []


def test_size_ids_and_coverage() -> None:
    questions = load_golden(GOLDEN)
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    assert len(questions) >= 50
    assert sum(not q.answerable for q in questions) >= 12
    assert set(Counter(q.type for q in questions)) == set(TYPES)


def test_answerable_questions_carry_facts_and_evidence_and_unanswerable_ones_none() -> None:
    for q in load_golden(GOLDEN):
        assert bool(q.key_facts) == q.answerable, q.id
        assert bool(q.evidence) == q.answerable, q.id
        assert (q.type == "unanswerable") == (not q.answerable), q.id
        assert bool(q.history) == (q.type == "follow_up"), q.id


# The docs set: real documentation nobody here wrote (tests/golden/docs/SOURCES.md).
DOCS = GOLDEN.parent / "docs"
# The development sets (tests/golden/dev*/SOURCES.md): other documents, for checking changes, never reported.
DEV = GOLDEN.parent / "dev"
DEV2 = GOLDEN.parent / "dev2"


@pytest.mark.parametrize("folder", [DOCS, DEV, DEV2], ids=["docs", "dev", "dev2"])
def test_the_docs_set_is_grounded_in_its_documents_as_ingested(folder: Path) -> None:
    from qa.ingest.load import list_files, open_document
    from qa.ingest.split import split_document

    corpus = folder / "corpus"
    docs = [open_document(p, corpus) for p in list_files(corpus)]
    assert all(not isinstance(d, str) for d in docs), [d for d in docs if isinstance(d, str)]
    texts = [d.text for d in docs if not isinstance(d, str)]
    questions = load_golden(folder / "golden.jsonl")
    assert missing_evidence(questions, texts) == []
    # ... and each evidence string inside one passage (or its heading), so retrieval can find it
    passages = [f"{p.heading}\n{p.text}" for d in docs if not isinstance(d, str) for p in split_document(d)]
    assert missing_evidence(questions, passages) == []


def test_the_docs_set_size_and_coverage() -> None:
    questions = load_golden(DOCS / "golden.jsonl")
    assert len(questions) >= 60 and sum(not q.answerable for q in questions) >= 15
    assert len({q.id for q in questions}) == len(questions)
    assert set(Counter(q.type for q in questions)) == set(TYPES)
    formats = {p.suffix for p in (DOCS / "corpus").rglob("*") if p.is_file()}
    assert len(list((DOCS / "corpus").rglob("*.*"))) >= 8 and {".md", ".html", ".pdf", ".txt"} <= formats
    for q in questions:
        assert bool(q.key_facts) == q.answerable, q.id
        assert (q.type == "unanswerable") == (not q.answerable), q.id
        assert bool(q.history) == (q.type == "follow_up"), q.id


@pytest.mark.parametrize(("folder", "others"), [(DEV, [DOCS]), (DEV2, [DOCS, DEV])], ids=["dev", "dev2"])
def test_the_dev_sets_are_kept_apart_from_the_docs_set_and_each_other(folder: Path, others: list[Path]) -> None:
    import hashlib

    def digests(folder: Path) -> set[str]:
        return {hashlib.sha256(p.read_bytes()).hexdigest() for p in (folder / "corpus").rglob("*") if p.is_file()}

    dev = load_golden(folder / "golden.jsonl")
    assert digests(folder) and len(dev) >= 60
    for other in others:
        assert not digests(folder) & digests(other)
        theirs = load_golden(other / "golden.jsonl")
        assert not {q.id for q in dev} & {q.id for q in theirs}
        assert not {normalize(q.question) for q in dev} & {normalize(q.question) for q in theirs}
