"""Vector store seam: Chroma, used directly (chromadb), locally or on a ``chroma run`` server.

A store holds (id, vector, text) triples and answers nearest-neighbour queries with
cosine similarities: collections are made in Chroma's cosine space, whose distance is
1 - cos, so a similarity is one subtraction away.

Chroma's errors are mapped by type where the store calls it (``_chroma_errors``):
  httpx transport errors (connection refused, reset, timeout)  -> StoreUnavailableError:
      an outage of the server at QA_CHROMA_URL; the index itself is fine
  chromadb.errors.NotFoundError                                  -> IndexCorruptError:
      the generation's collection is not there (deleted, or another server)
  other chromadb.errors.ChromaError (a damaged local database...) -> IndexCorruptError
Anything else is a bug and is left to propagate.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qa.errors import IndexCorruptError, StoreUnavailableError

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.embed.model import Vectors
    from qa.index.layout import Generation

log = logging.getLogger(__name__)
PERSISTENT_COLLECTION = "passages"
REBUILD = "run: qa index --rebuild"


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

    def drop(self, removed: Iterable[Generation]) -> None:
        """Forget the stores of generations whose folders were just removed.

        Whatever lives outside a generation's folder (a collection on a server) must go
        with it, or every update would leave one behind.
        """
        ...


def chroma_settings() -> Any:
    """Return Chroma client settings with telemetry off (the offline rule).

    A new object every time: ``chromadb.HttpClient`` writes the host and port into the
    settings it is given, and refuses a second server with the same object.
    """
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _unreachable(exc: BaseException) -> bool:
    """Return True if ``exc`` is, or was raised while handling, an httpx transport error.

    The client's constructor turns httpx's ConnectError into a ValueError ("Could not connect
    to a Chroma server"), raised inside the handler: the original stays as its context.
    """
    import httpx

    seen: BaseException | None = exc
    for _ in range(5):  # a short chain: cause or context of the error Chroma raised
        if seen is None:
            return False
        if isinstance(seen, httpx.TransportError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def outage(url: str, exc: BaseException) -> StoreUnavailableError:
    cause = exc if not isinstance(exc, ValueError) else (exc.__context__ or exc)
    return StoreUnavailableError(
        f"the Chroma server at {url} is not reachable ({type(cause).__name__}: {str(cause)[:120]})",
        "start it (chroma run --path DIR --host 127.0.0.1 --port PORT) or check QA_CHROMA_URL / --chroma-url; "
        "the index itself is unchanged",
    )


@contextlib.contextmanager
def _chroma_errors(where: str, url: str | None) -> Iterator[None]:
    """Map the errors of the Chroma calls inside to QAErrors by type (see the module docstring)."""
    from chromadb.errors import ChromaError, NotFoundError

    try:
        yield
    except (IndexCorruptError, StoreUnavailableError):
        raise
    except NotFoundError as exc:
        server = f" on the Chroma server at {url}" if url else ""
        raise IndexCorruptError(f"{where}: not found{server} ({exc})", REBUILD) from exc
    except ChromaError as exc:
        raise IndexCorruptError(f"{where}: {type(exc).__name__}: {str(exc)[:200]}", REBUILD) from exc
    except Exception as exc:
        if url and _unreachable(exc):
            raise outage(url, exc) from exc
        raise


class ChromaStore:
    """A Chroma collection, local (``PersistentClient``) or remote (``HttpClient``)."""

    def __init__(self, collection: Any, where: str, url: str | None = None) -> None:
        self._collection = collection
        self._where = where  # names the store in error messages
        self._url = url

    @classmethod
    def persistent(cls, path: Path, name: str, create: bool = False) -> ChromaStore:
        import chromadb

        where = f"the Chroma index in {path}"
        with _chroma_errors(where, None):
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
            return cls(_collection(client, name, create), where)

    @classmethod
    def remote(cls, url: str, name: str, create: bool = False) -> ChromaStore:
        where = f"the collection {name!r}"
        with _chroma_errors(where, url):
            return cls(_collection(http_client(url), name, create), where, url)

    def upsert(self, ids: Sequence[str], vectors: Vectors, texts: Sequence[str]) -> None:
        if len(ids) == 0:
            return
        with _chroma_errors(self._where, self._url):
            self._collection.upsert(ids=list(ids), embeddings=vectors, documents=list(texts))

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            with _chroma_errors(self._where, self._url):
                self._collection.delete(ids=list(ids))

    def query(self, vector: Sequence[float], k: int, within: Collection[str] | None = None) -> list[tuple[str, float]]:
        # ``ids`` restricts the search to the chosen documents' passages inside Chroma.
        n = self.count() if within is None else len(within)
        if n == 0:
            return []
        with _chroma_errors(self._where, self._url):
            result = self._collection.query(
                query_embeddings=[[float(x) for x in vector]],
                n_results=min(k, n),
                ids=None if within is None else sorted(within),
                include=["distances"],
            )
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]  # cosine space: d = 1 - cos

    def ids(self) -> set[str]:
        with _chroma_errors(self._where, self._url):
            return set(self._collection.get(include=[])["ids"])

    def export(self, batch: int = 1000) -> Iterator[tuple[list[str], Vectors, list[str]]]:
        """Yield (ids, vectors, texts) batches of everything stored (to copy a collection)."""
        import numpy as np

        for offset in range(0, self.count(), batch):
            with _chroma_errors(self._where, self._url):
                got = self._collection.get(include=["embeddings", "documents"], limit=batch, offset=offset)
            yield list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32), list(got["documents"])

    def count(self) -> int:
        with _chroma_errors(self._where, self._url):
            return int(self._collection.count())


def http_client(url: str) -> Any:
    """Return a client of the Chroma server at ``url``, checked with a heartbeat."""
    from urllib.parse import urlparse

    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    with _chroma_errors(f"the Chroma server at {url}", url):
        client = chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=chroma_settings(),
        )
        client.heartbeat()
    return client


def _collection(client: Any, name: str, create: bool) -> Any:
    # No embedding function: the project always passes vectors, and Chroma's default one
    # (an ONNX model it downloads on first use) must never be reached.
    if create:
        return client.get_or_create_collection(name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    from chromadb.errors import NotFoundError

    try:
        return client.get_collection(name=name, embedding_function=None)
    except NotFoundError as exc:
        raise IndexCorruptError(f"the index has no collection {name!r}", REBUILD) from exc


class ChromaStores:
    """Chroma stores per generation: a folder each locally, a collection each on a server."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.chroma_url

    def open(self, gen: Generation, create: bool = False) -> ChromaStore:
        if self.url:
            return ChromaStore.remote(self.url, gen.collection, create=create)
        if not create and not (gen.chroma_path / "chroma.sqlite3").is_file():
            # Checked before opening: PersistentClient would quietly create an empty database.
            raise IndexCorruptError(f"the index in {gen.path} has no vector store", REBUILD)
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
        from chromadb.errors import NotFoundError

        try:
            client = http_client(self.url)
            for name in names:
                with _chroma_errors(f"the collection {name!r}", self.url), contextlib.suppress(NotFoundError):
                    client.delete_collection(name)  # NotFoundError: never created (a killed run) or already gone
        except (StoreUnavailableError, IndexCorruptError) as exc:
            # The new generation is already published: a failed clean-up is not a failed run.
            log.warning("could not delete old collections %s: %s", ", ".join(names), exc)

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
