"""The seeds golden set itself: well-formed, grounded in the corpus, and covering every kind of question."""

from __future__ import annotations

from collections import Counter

from qa.evaluation.golden import TYPES, load_golden
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
