"""The SQuAD 2.0 loader: the shared benchmark's structure, and tiny hand-made files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.evaluation.golden import GoldenFileError
from qa.evaluation.metrics import Cited, Outcome, Retrieved, judge
from qa.evaluation.squad import document_name, load_squad
from tests.conftest import SHARED

BENCHMARK = SHARED / "benchmarks" / "squad2-dev-normans-rhine.json"

TINY = {
    "version": "v2.0",
    "data": [
        {
            "title": "Normans",
            "paragraphs": [
                {
                    "context": "The Normans gave their name to Normandy, a region in France.",
                    "qas": [
                        {"id": "a1", "question": "In what country is Normandy?", "is_impossible": False,
                         "answers": [{"text": "France", "answer_start": 53}, {"text": "France", "answer_start": 53}]},
                        {"id": "u1", "question": "Who gave their name to Italy?", "is_impossible": True,
                         "answers": [], "plausible_answers": [{"text": "Normans", "answer_start": 4}]},
                    ],
                }
            ],
        },
        {"title": "Upper Rhine/Lake", "paragraphs": [{"context": "The Rhine is long.", "qas": []}]},
    ],
}  # fmt: skip


@pytest.mark.skipif(not BENCHMARK.is_file(), reason=f"the shared benchmark is not beside the repository ({BENCHMARK})")
def test_the_shared_benchmark_loads_with_its_documented_counts() -> None:
    data = load_squad(BENCHMARK)
    assert data.articles == ("Normans", "Rhine")
    assert len(data.paragraphs) == 83
    assert len(data.questions) == 706
    assert data.unanswerable == 320
    assert len({p.name for p in data.paragraphs}) == 83
    assert all(q.id for q in data.questions) and len({q.id for q in data.questions}) == len(data.questions)
    assert all(q.gold_sources and q.key_facts for q in data.questions if q.answerable)
    # Every answer span is in its own paragraph: the loader kept question and paragraph together.
    by_name = {p.name: p.context for p in data.paragraphs}
    for q in data.questions:
        if q.answerable:
            assert any(a in by_name[q.gold_sources[0]] for a in q.key_facts[0]), q.id


def test_a_tiny_file_becomes_documents_and_questions(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    data = load_squad(path)
    assert [p.name for p in data.paragraphs] == ["Normans_000.txt", "Upper_Rhine_Lake_000.txt"]
    a, u = data.questions
    assert a.answerable and a.key_facts == (("France",),) and a.gold_sources == ("Normans_000.txt",)
    assert a.fact_match == "squad" and a.type == "answerable"
    assert not u.answerable and u.key_facts == () and u.type == "unanswerable"
    data.write_corpus(tmp_path / "corpus")
    assert (tmp_path / "corpus" / "Normans_000.txt").read_text(encoding="utf-8").startswith("The Normans")
    # Scored by file: a passage from the gold paragraph hits, the answer must contain "France".
    o = Outcome(a, "It is in France. [1]", False, (Cited("x", ("Normans_000.txt",)),),
                (Retrieved("x", ("Upper_Rhine_Lake_000.txt",)), Retrieved("y", ("Normans_000.txt",))))  # fmt: skip
    j = judge(o)
    assert j.rank == 2 and j.facts == (True,) and j.relevant_citations == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "cannot read SQuAD file"),
        ('{"version": "v2.0"}', "no top-level 'data' list"),
        ('{"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}', "data[0].paragraphs[0]: missing or malformed 'context'"),
        ('{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [{"id": "x", "question": "q?", "answers": []}]}]}]}',
         "an answerable question without answers"),
        ('{"data": [{"title": "T", "paragraphs": []}]}', "holds no questions"),
    ],
)  # fmt: skip
def test_malformed_files_name_the_place(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldenFileError) as err:
        load_squad(path)
    assert message in err.value.message and str(path) in err.value.message


def test_document_names_are_safe_file_names() -> None:
    assert document_name("Normans", 3) == "Normans_003.txt"
    assert document_name("A/B: C?", 12) == "A_B_C_012.txt"
    assert document_name("///", 0) == "article_000.txt"
