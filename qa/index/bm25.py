"""Lexical (BM25) retrieval over passages: bm25s, fed with qa.text's stems.

The index is bm25s's own (its ``save``/``load`` files) plus ``ids.json``, the passage id of
every document in index order: the project keeps its ids, bm25s keeps numbers. Documents
and queries are tokenised and stemmed by qa.text, as answering does, so a word BM25 matched
is a word the scorer counts as matched; only pure function words are dropped
(:func:`qa.text.function_words`, why there).

Searching reads the index and allocates its own score array: one index serves any number
of threads at once, with nothing set per query.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError
from qa.text import function_words, stems
from qa.types import Passage

IDS_FILE = "ids.json"
_REBUILD = "run: qa index --rebuild"


class BM25Index:
    """A persisted BM25 index whose documents are passage ids."""

    def __init__(self, ids: Sequence[str], bm25: Any | None) -> None:
        self.ids = tuple(ids)
        self._bm25 = bm25  # a bm25s.BM25, or None for an index of no passages
        self._position = {pid: i for i, pid in enumerate(self.ids)}

    @classmethod
    def build(cls, passages: Sequence[Passage]) -> BM25Index:
        """Index ``passages`` (their heading path with their text: words of a heading find its passages)."""
        if not passages:
            return cls((), None)
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index([_terms(p.indexed_text) for p in passages], show_progress=False)
        return cls([p.id for p in passages], bm25)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        try:
            ids = json.loads((path / IDS_FILE).read_text(encoding="utf-8"))
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError(f"{IDS_FILE} is not a list of passage ids")
            if not ids:
                return cls((), None)
            import bm25s

            bm25 = bm25s.BM25.load(str(path), load_corpus=False, show_progress=False)
            documents = int(bm25.scores["num_docs"])
        except Exception as exc:  # missing files, or bm25s's own errors for damaged ones
            raise IndexCorruptError(f"cannot read the BM25 index in {path}: {exc}", _REBUILD) from exc
        if documents != len(ids):
            raise IndexCorruptError(
                f"the BM25 index in {path} holds {documents} documents for {len(ids)} passage ids", _REBUILD
            )
        return cls(ids, bm25)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(path), show_progress=False)
        (path / IDS_FILE).write_text(json.dumps(list(self.ids)), encoding="utf-8")

    def search(self, query: str, k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Return up to ``k`` (passage id, BM25 score) pairs with a positive score, best first.

        With ``within``, only those passages: every document is scored (BM25 over a sparse
        index is cheap) and the others are dropped, so the top ``k`` of the chosen ones are exact.
        Equal scores keep index order, so a ranking is the same from run to run.
        """
        import numpy as np

        terms = _terms(query)
        if self._bm25 is None or not terms or k <= 0:
            return []
        scores = self._bm25.get_scores(terms)
        if within is not None:
            chosen = np.zeros(len(self.ids), dtype=bool)
            chosen[[self._position[pid] for pid in within if pid in self._position]] = True
            scores = np.where(chosen, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]


def _terms(text: str) -> list[str]:
    return stems(text, function_words())
