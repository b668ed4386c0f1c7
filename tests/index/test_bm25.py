"""BM25 over bm25s with qa.text's stems: ranking, restriction, persistence, sharing between threads."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa.errors import IndexCorruptError
from qa.index.bm25 import IDS_FILE, BM25Index
from qa.types import Passage, Sentence, Span

TEXTS = {
    "lighthouse": "The Normans' lighthouse keeper lit the lamp every evening in the 1870s.",
    "ferry": "A ferry crosses the fjord twice a day, and tickets are sold on board.",
    "bakery": "The bakery by the harbour sells rye bread; its ovens were built in 1931.",
    "market": "Fishermen sell their catch at the harbour market on Saturdays.",
}


def passage(pid: str, text: str, heading: str = "") -> Passage:
    span = Span(f"{pid}.txt", 0, len(text), 1, 1)
    return Passage(pid, text, (span,), (Sentence(text, 0, len(text)),), heading)


@pytest.fixture
def index() -> BM25Index:
    return BM25Index.build([passage(pid, text) for pid, text in TEXTS.items()])


def test_words_match_by_stem_and_numbers_whole(index: BM25Index) -> None:
    assert index.search("Who kept the Norman lighthouses?", 4)[0][0] == "lighthouse"  # possessive, plural
    assert [pid for pid, _ in index.search("1870", 4)] == ["lighthouse"]  # "1870s" is 1870
    assert [pid for pid, _ in index.search("1931?", 4)] == ["bakery"]
    assert index.search("187", 4) == [] and index.search("193", 4) == []  # a number is never cut to a prefix
    assert index.search("zebras or Quebec", 4) == [] and index.search("", 4) == []  # no word of the corpus


def test_only_function_words_are_dropped(index: BM25Index) -> None:
    # "the", "by", "a" are in every sense empty; "its" is a stop word for word overlap, not for ranking.
    assert index.search("the by a", 4) == []
    assert [pid for pid, _ in index.search("its", 4)] == ["bakery"]


def test_scores_are_positive_best_first_and_k_is_respected(index: BM25Index) -> None:
    found = index.search("harbour market bread", 4)
    assert [pid for pid, _ in found] == ["market", "bakery"]
    assert found[0][1] > found[1][1] > 0
    assert index.search("harbour market bread", 1) == found[:1]


def test_within_restricts_to_the_chosen_passages_exactly(index: BM25Index) -> None:
    restricted = index.search("harbour market bread", 4, within={"bakery", "unknown-id"})
    assert [pid for pid, _ in restricted] == ["bakery"]
    assert restricted[0][1] == dict(index.search("harbour market bread", 4))["bakery"]  # same score, not rescaled
    assert index.search("harbour", 4, within=set()) == []


def test_heading_words_find_their_passage() -> None:
    index = BM25Index.build(
        [passage("a", "It opens at nine.", "Museum › Opening hours"), passage("b", "Tickets cost ten euros.")]
    )
    assert [pid for pid, _ in index.search("opening hours", 2)] == ["a"]


def test_saved_and_loaded_index_ranks_the_same(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.ids == index.ids
    for query in ("harbour market bread", "Norman lighthouse", "tickets on the ferry"):
        assert loaded.search(query, 4) == index.search(query, 4)


def test_an_empty_index_finds_nothing_and_survives_a_round_trip(tmp_path: Path) -> None:
    empty = BM25Index.build([])
    assert empty.search("anything", 5) == []
    empty.save(tmp_path / "bm25")
    assert BM25Index.load(tmp_path / "bm25").search("anything", 5) == []


@pytest.mark.parametrize("damage", ["ids_missing", "ids_not_a_list", "ids_disagree", "arrays_missing"])
def test_a_damaged_index_is_refused_with_the_rebuild_hint(index: BM25Index, tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "bm25"
    index.save(folder)
    if damage == "ids_missing":
        (folder / IDS_FILE).unlink()
    elif damage == "ids_not_a_list":
        (folder / IDS_FILE).write_text('{"a": 1}', encoding="utf-8")
    elif damage == "ids_disagree":
        (folder / IDS_FILE).write_text(json.dumps(list(index.ids)[:2]), encoding="utf-8")
    else:
        for f in folder.glob("*.npy"):
            f.unlink()
    with pytest.raises(IndexCorruptError) as err:
        BM25Index.load(folder)
    assert err.value.hint == "run: qa index --rebuild"


def test_one_index_serves_threads_asking_different_k_and_scopes_at_once(index: BM25Index) -> None:
    # The LlamaIndex retriever this replaces took k from an attribute set before each query,
    # so two threads could get each other's k. Here every call carries its own.
    asks = [
        ("harbour market bread", k, within) for k in (1, 2, 4) for within in (None, {"bakery"}, {"market", "ferry"})
    ]
    expected = [index.search(q, k, w) for q, k, w in asks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(20):
            assert list(pool.map(lambda a: index.search(*a), asks)) == expected


def test_searching_a_saved_index_imports_no_llama_index(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "bm25")
    code = (
        "import sys; from pathlib import Path; from qa.index.bm25 import BM25Index; "
        f"print(BM25Index.load(Path({str(tmp_path / 'bm25')!r})).search('harbour market', 2)); "
        "assert not [m for m in sys.modules if m.startswith('llama_index')], 'llama_index imported'"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "market" in done.stdout
