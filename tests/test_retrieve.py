"""Reciprocal rank fusion and the hybrid retriever over fakes."""

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.retrieve import RRF_K, rrf


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


def _scoped_bot(tmp_path, embedder, stores):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "scoped"
    (corpus / "guides").mkdir(parents=True)
    (corpus / "guides" / "pool.md").write_text("The swimming pool opens at seven in the morning.\n", encoding="utf-8")
    (corpus / "gym.txt").write_text("The gym opens at six in the morning on weekdays.\n", encoding="utf-8")
    (corpus / "cafe.txt").write_text("The cafe serves breakfast until eleven.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "scoped-index", llm="extractive")
    return Assistant.open(settings=settings, embedder=embedder, stores=stores)


def test_search_within_chosen_documents_only(tmp_path, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    bot = _scoped_bot(tmp_path, embedder, stores)
    everywhere = bot.retriever.search("When does the gym open in the morning?", top_k=3)
    assert {h.passage.span.source for h in everywhere} == {"gym.txt", "guides/pool.md", "cafe.txt"}
    scoped = bot.retriever.search("When does the gym open in the morning?", top_k=3, sources=["guides/pool.md"])
    assert [h.passage.span.source for h in scoped] == ["guides/pool.md"]
    answer = bot.ask("When does the gym open?", sources=["cafe.txt", "guides/pool.md"])
    assert answer.scope == ("cafe.txt", "guides/pool.md")
    assert all(c.source in answer.scope for c in answer.citations)
    assert "gym" not in answer.text


def test_an_unknown_source_is_refused_with_the_names_there_are(tmp_path, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    from qa.errors import BadQuestionError

    bot = _scoped_bot(tmp_path, embedder, stores)
    with pytest.raises(BadQuestionError, match="no indexed document named nope.txt") as exc:
        bot.ask("When does the gym open?", sources=["nope.txt"])
    assert "gym.txt" in (exc.value.hint or "")
