"""Vector store seam: Chroma through LlamaIndex's ChromaVectorStore.

A store holds (id, vector, text) triples and answers nearest-neighbour queries with
cosine similarities. Chroma errors are re-raised as ``IndexCorruptError``.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qa.errors import IndexCorruptError, ModelUnavailableError

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.embed.model import Vectors
    from qa.index.layout import Generation

PERSISTENT_COLLECTION = "passages"


class VectorStore(Protocol):
    """Nearest-neighbour storage of passage vectors, keyed by passage id."""

    def upsert(self, ids: Sequence[str], vectors: Vectors, texts: Sequence[str]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(self, vector: Sequence[float], k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Return up to ``k`` (id, cosine) pairs, best first; only ids in ``within`` when given."""
        ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...


class StoreFactory(Protocol):
    """Opens the vector store of an index generation (the seam tests fill with a fake)."""

    def open(self, gen: Generation, create: bool = False) -> VectorStore: ...

    def seed(self, previous: Generation | None, gen: Generation) -> VectorStore:
        """Return the new generation's store, starting with the previous one's vectors."""
        ...


def chroma_settings() -> Any:
    """Return Chroma client settings with telemetry off (the offline rule)."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChromaStore:
    """A Chroma collection, local (``PersistentClient``) or remote (``HttpClient``)."""

    def __init__(self, collection: Any) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self._collection = collection
        self._store = ChromaVectorStore(chroma_collection=collection)

    @classmethod
    def persistent(cls, path: Path, name: str, create: bool = False) -> ChromaStore:
        import chromadb

        try:
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
            return cls(_collection(client, name, create))
        except IndexCorruptError:
            raise
        except Exception as exc:
            raise IndexCorruptError(
                f"cannot open the Chroma index in {path}: {exc}", "run: qa index --rebuild"
            ) from exc

    @classmethod
    def remote(cls, url: str, name: str, create: bool = False) -> ChromaStore:
        return cls(_collection(http_client(url), name, create))

    def upsert(self, ids: Sequence[str], vectors: Vectors, texts: Sequence[str]) -> None:
        from llama_index.core.schema import BaseNode, TextNode

        nodes: list[BaseNode] = [
            TextNode(id_=i, text=t, embedding=[float(x) for x in v])
            for i, v, t in zip(ids, vectors, texts, strict=True)
        ]
        self.delete(ids)  # ChromaVectorStore.add is an insert; make re-adding idempotent
        if nodes:
            self._store.add(nodes)

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self._store.delete_nodes(node_ids=list(ids))

    def query(self, vector: Sequence[float], k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        # Chroma directly: its cosine-space distance is 1 - cos, so no conversion round trip,
        # and ``ids`` restricts the search to chosen documents' passages inside Chroma.
        n = self.count() if within is None else len(within)
        if n == 0:
            return []
        result = self._collection.query(
            query_embeddings=[[float(x) for x in vector]],
            n_results=min(k, n),
            ids=None if within is None else sorted(within),
            include=["distances"],
        )
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def export(self, batch: int = 1000) -> Iterator[tuple[list[str], Vectors, list[str]]]:
        """Yield (ids, vectors, texts) batches of everything stored (to copy a collection)."""
        import numpy as np

        for offset in range(0, self.count(), batch):
            got = self._collection.get(include=["embeddings", "documents"], limit=batch, offset=offset)
            yield list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32), list(got["documents"])

    def count(self) -> int:
        return int(self._collection.count())


def http_client(url: str) -> Any:
    """Return a client of the Chroma server at ``url``, checked with a heartbeat."""
    from urllib.parse import urlparse

    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=chroma_settings(),
        )
        client.heartbeat()
    except Exception as exc:
        raise ModelUnavailableError(
            f"Chroma server not reachable at {url}: {type(exc).__name__}",
            "start it with: chroma run --path DIR --host 127.0.0.1 --port PORT",
        ) from exc
    return client


def _collection(client: Any, name: str, create: bool) -> Any:
    if create:
        return client.get_or_create_collection(name=name, metadata={"hnsw:space": "cosine"})
    try:
        return client.get_collection(name=name)
    except Exception as exc:
        raise IndexCorruptError(f"the index has no collection {name!r}", "run: qa index --rebuild") from exc


class ChromaStores:
    """Chroma stores per generation: a folder each locally, a collection each on a server."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.chroma_url

    def open(self, gen: Generation, create: bool = False) -> ChromaStore:
        if self.url:
            return ChromaStore.remote(self.url, gen.collection, create=create)
        if not create and not (gen.chroma_path / "chroma.sqlite3").is_file():
            # Checked before opening: PersistentClient would quietly create an empty database.
            raise IndexCorruptError(f"the index in {gen.path} has no vector store", "run: qa index --rebuild")
        return ChromaStore.persistent(gen.chroma_path, PERSISTENT_COLLECTION, create=create)

    def drop(self, removed: Iterable[Generation]) -> None:
        """Delete the server collections of generations whose folders were removed.

        A local store lives in its generation's folder and goes with it; on a server each
        generation has a collection, which would otherwise pile up with every update.
        Only generations of this index folder are named, so other indexes sharing the
        server are never touched.
        """
        names = [g.collection for g in removed]
        if not self.url or not names:
            return
        client = http_client(self.url)
        for name in names:
            with contextlib.suppress(Exception):  # never created (a killed run) or already deleted
                client.delete_collection(name)

    def seed(self, previous: Generation | None, gen: Generation) -> ChromaStore:
        if previous is None:
            return self.open(gen, create=True)
        if not self.url:
            # A folder copy is much faster than re-adding every vector through the client.
            shutil.copytree(previous.chroma_path, gen.chroma_path)
            return self.open(gen, create=True)
        old, new = self.open(previous), self.open(gen, create=True)
        for ids, vectors, texts in old.export():
            new.upsert(ids, vectors, texts)
        return new
