"""Score fusion and the hybrid retriever over fakes."""

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.retrieve import DENSE_WEIGHT, fuse


def test_fuse_weighs_scores_scaled_by_each_side_best() -> None:
    fused = dict(fuse([("a", 0.8), ("b", 0.4)], [("b", 6.0), ("c", 3.0)]))
    w = DENSE_WEIGHT
    # b is missing from no side; a gets BM25's lowest returned score (c's 0.5), c the dense one (b's 0.5).
    assert fused["a"] == pytest.approx(w * 1.0 + (1 - w) * 0.5)
    assert fused["b"] == pytest.approx(w * 0.5 + (1 - w) * 1.0)
    assert fused["c"] == pytest.approx(w * 0.5 + (1 - w) * 0.5)
    assert [pid for pid, _ in fuse([("a", 0.8), ("b", 0.4)], [("b", 6.0), ("c", 3.0)])][-1] == "c"


def test_fuse_keeps_a_wide_bm25_margin_that_rank_fusion_lost() -> None:
    # "x" is BM25's clear first (an exact flag) but only the dense side's tenth; the others are
    # close on both sides. Rank fusion put x below every passage both rankings held.
    dense = [(f"p{i}", 0.60 - 0.01 * i) for i in range(9)] + [("x", 0.50)]
    lexical = [("x", 20.0)] + [(f"p{i}", 6.0 - 0.1 * i) for i in range(9)]
    assert [pid for pid, _ in fuse(dense, lexical)][0] == "x"


def test_fuse_counts_an_id_once_per_side_and_handles_empty_and_unmatched() -> None:
    assert dict(fuse([("a", 0.5), ("a", 0.1)], []))["a"] == pytest.approx(DENSE_WEIGHT)
    assert fuse([], []) == []
    # No BM25 term matched (all scores 0): the dense order stands.
    assert [pid for pid, _ in fuse([("a", 0.3), ("b", 0.2)], [("b", 0.0), ("a", 0.0)])] == ["a", "b"]


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


def test_a_follow_up_is_also_searched_after_the_previous_turn(tmp_path, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "lamp"
    corpus.mkdir()
    (corpus / "wick.txt").write_text("A smoking wick is trimmed level with the tube.\n", encoding="utf-8")
    (corpus / "oil.txt").write_text("The lamp burns paraffin only, never petrol.\n", encoding="utf-8")
    (corpus / "glass.txt").write_text("Clean the glass chimney with warm water once a week.\n", encoding="utf-8")
    (corpus / "cafe.txt").write_text("The cafe serves breakfast until eleven.\n", encoding="utf-8")
    (corpus / "gym.txt").write_text("The gym opens at six in the morning.\n", encoding="utf-8")
    (corpus / "pool.txt").write_text("Children swim with an adult in the pool.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "lamp-index", llm="extractive")
    bot = Assistant.open(settings=settings, embedder=embedder, stores=stores)
    question = "So what do I do?"
    own = bot.retriever.search(question, top_k=2)
    assert not any("wick" in h.passage.text for h in own)  # its own words do not find it
    hits = bot.retriever.search_in_conversation(question, f"Why does my wick smoke? {question}", top_k=2)
    # The question's own first hit stays first; the turn before it brings the passage it is about.
    assert hits[0].passage.id == own[0].passage.id
    assert any("wick" in h.passage.text for h in hits)
    assert [h.rank for h in hits] == [1, 2] and len({h.passage.id for h in hits}) == 2
