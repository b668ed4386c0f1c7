"""An in-memory vector store behind the same seam as Chroma, for unit tests."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np

from qa.index.layout import Generation


class MemoryStore:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[np.ndarray, str]] = {}

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str]) -> None:
        for i, v, t in zip(ids, vectors, texts, strict=True):
            self.rows[i] = (np.asarray(v, dtype=np.float32), t)

    def delete(self, ids: Sequence[str]) -> None:
        for i in ids:
            self.rows.pop(i, None)

    def query(self, vector: Sequence[float], k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        q = np.asarray(vector, dtype=np.float32)
        rows = self.rows.items() if within is None else [(i, r) for i, r in self.rows.items() if i in within]
        scored = sorted(((i, float(v @ q)) for i, (v, _) in rows), key=lambda x: (-x[1], x[0]))
        return scored[:k]

    def ids(self) -> set[str]:
        return set(self.rows)

    def count(self) -> int:
        return len(self.rows)


class MemoryStores:
    """One MemoryStore per generation name; seeding copies the previous generation's rows."""

    def __init__(self) -> None:
        self.by_gen: dict[str, MemoryStore] = {}

    def open(self, gen: Generation, create: bool = False) -> MemoryStore:
        if gen.name not in self.by_gen:
            if not create:
                raise KeyError(gen.name)
            self.by_gen[gen.name] = MemoryStore()
        return self.by_gen[gen.name]

    def seed(self, previous: Generation | None, gen: Generation) -> MemoryStore:
        store = self.open(gen, create=True)
        if previous is not None:
            store.rows = dict(self.by_gen[previous.name].rows)
        return store

    def drop(self, removed: Iterable[Generation]) -> None:
        for gen in removed:
            self.by_gen.pop(gen.name, None)
