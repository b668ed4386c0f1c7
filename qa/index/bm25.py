"""Lexical (BM25) retrieval over passages, with LlamaIndex's BM25 retriever (bm25s)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError
from qa.types import Passage


class BM25Index:
    """A persisted BM25 index whose documents are passage ids."""

    def __init__(self, retriever: Any) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, passages: Sequence[Passage]) -> BM25Index:
        from llama_index.core.schema import BaseNode, TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        # The heading path is indexed with the text, so words of a heading find its passages.
        nodes: list[BaseNode] = [TextNode(id_=p.id, text=p.indexed_text) for p in passages]
        return cls(BM25Retriever(nodes=nodes, similarity_top_k=min(20, len(nodes))))

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        from llama_index.retrievers.bm25 import BM25Retriever

        try:
            return cls(BM25Retriever.from_persist_dir(str(path), show_progress=False))
        except Exception as exc:
            raise IndexCorruptError(f"cannot read the BM25 index in {path}: {exc}", "run: qa index --rebuild") from exc

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._retriever.persist(str(path), show_progress=False)

    def search(self, query: str, k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Return up to ``k`` (passage id, BM25 score) pairs with a positive score, best first.

        With ``within``, only those passages: every document is scored (BM25 over a sparse
        index is cheap) and the others are dropped, so the top ``k`` of the chosen ones are exact.
        """
        from llama_index.core.schema import QueryBundle

        n = int(self._retriever.bm25.scores.get("num_docs", 0))
        if n == 0 or not query.strip():
            return []
        self._retriever.similarity_top_k = n if within is not None else min(k, n)
        results = self._retriever.retrieve(QueryBundle(query_str=query))
        found = [(r.node.node_id, float(r.score or 0.0)) for r in results if (r.score or 0.0) > 0]
        if within is not None:
            found = [(pid, s) for pid, s in found if pid in within]
        return found[:k]
