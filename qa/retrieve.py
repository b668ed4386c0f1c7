"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused with reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from qa.embed.model import Embedder
from qa.errors import BadQuestionError, ConfigError
from qa.index.view import IndexView
from qa.types import Hit

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of the very top ranks


def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Return ids ordered by reciprocal-rank-fusion score, sum of 1/(k + rank) over rankings.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(dict.fromkeys(ranking), start=1):  # an id counts once per ranking
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class HybridRetriever:
    """Finds the passages most likely to answer a query."""

    def __init__(self, view: IndexView, embedder: Embedder, candidates: int = 20) -> None:
        if candidates <= 0:
            raise ConfigError(f"candidates must be positive, got {candidates}")
        self.view = view
        self.embedder = embedder
        self.candidates = candidates

    def search(
        self,
        query: str,
        top_k: int,
        vector: Sequence[float] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Return the ``top_k`` best passages for ``query``, best first, each passage once.

        ``sources`` (corpus-relative paths) restricts both retrievers to passages found in
        those files; an unknown path raises ``BadQuestionError`` naming the documents there are.
        """
        if top_k <= 0:
            raise ConfigError(f"top_k must be positive, got {top_k}")
        within = self.within(sources) if sources else None
        if vector is None:
            vector = self.embedder.embed([query])[0]
        store, bm25, known = self.view.store, self.view.bm25, self.view.passages
        dense = [(pid, s) for pid, s in store.query(vector, self.candidates, within) if pid in known]
        lexical = [(pid, s) for pid, s in bm25.search(query, self.candidates, within) if pid in known]
        dense_score, bm25_score = dict(dense), dict(lexical)
        fused = rrf([[pid for pid, _ in dense], [pid for pid, _ in lexical]])
        return [
            Hit(self.view.passages[pid], score, dense_score.get(pid), bm25_score.get(pid), rank)
            for rank, (pid, score) in enumerate(fused[:top_k], start=1)
        ]

    @cached_property
    def _by_source(self) -> dict[str, set[str]]:
        # Built once per index view (a retriever lives as long as its view), not per question.
        by_source: dict[str, set[str]] = {}
        for pid, p in self.view.passages.items():
            for s in p.sources:
                by_source.setdefault(s, set()).add(pid)
        return by_source

    def within(self, sources: Sequence[str]) -> set[str]:
        """Return the ids of the passages held by any of ``sources`` (validated)."""
        by_source = self._by_source
        wanted = {s.replace("\\", "/").removeprefix("./") for s in sources}
        unknown = sorted(wanted - by_source.keys())
        if unknown:
            known = ", ".join(sorted(by_source)[:8]) + (" ..." if len(by_source) > 8 else "")
            raise BadQuestionError(
                f"no indexed document named {', '.join(unknown)}",
                f"give paths relative to the corpus folder, such as: {known}",
            )
        return set().union(*(by_source[s] for s in wanted))
