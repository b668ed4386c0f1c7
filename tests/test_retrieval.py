"""Reciprocal rank fusion and the hybrid retriever over fakes."""

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.retrieval import RRF_K, rrf


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = dict(rrf([["a", "b", "c"], ["c", "a"]]))
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert fused["c"] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert fused["b"] == pytest.approx(1 / (RRF_K + 2))
    assert [pid for pid, _ in rrf([["a", "b", "c"], ["c", "a"]])] == ["a", "c", "b"]


def test_rrf_agreement_beats_one_strong_ranking() -> None:
    order = [pid for pid, _ in rrf([["x", "y"], ["z", "y"]])]
    assert order[0] == "y"


def test_rrf_counts_an_id_once_per_ranking_and_handles_empty() -> None:
    assert dict(rrf([["a", "a", "b"]]))["a"] == pytest.approx(1 / (RRF_K + 1))
    assert rrf([[], []]) == []


def test_hybrid_search_collapses_duplicates_and_respects_top_k(settings: Settings, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    bot = Assistant.open(settings=settings, embedder=embedder, stores=stores)
    hits = bot.retriever.search("WeChat Pay transactions on Taobao", top_k=4)
    assert len(hits) == 4
    assert len({h.passage.id for h in hits}) == 4
    assert "WeChat Pay" in hits[0].passage.text
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert hits[0].score >= hits[-1].score
    with pytest.raises(ConfigError):
        bot.retriever.search("anything", top_k=0)
