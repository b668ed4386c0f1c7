"""The usual starting point, for comparison: LlamaIndex's starter configuration on the same corpus.

SimpleDirectoryReader → SentenceSplitter(chunk_size=1024, chunk_overlap=200) → VectorStoreIndex
embedded with HuggingFaceEmbedding on the same bundled all-MiniLM-L6-v2 →
``as_retriever(similarity_top_k=2)``: dense only, no de-duplication, no cleaning. Every
model is passed explicitly: LlamaIndex's global ``Settings`` default to OpenAI and are
never read or written here. One deliberate difference from the defaults: file metadata is
not embedded with the text (see StarterRetriever.build), so the comparison is reproducible.

This is the one starter configuration: ``qa eval --baseline`` builds it in memory, and
``qa bench`` builds it into a Chroma folder (``python -m qa.bench.starter``) so that a fresh
process can open it and its cold start be timed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import IndexMissingError, ModelUnavailableError
from qa.evaluation.golden import GoldenQuestion
from qa.evaluation.metrics import (
    DEPTHS,
    Outcome,
    Retrieved,
    evidence_found,
    first_hit_rank,
    hit_rates,
    mean,
    percentile,
)
from qa.tokens import TokenCounter, cl100k_encoder, token_counter

CHUNK_SIZE = 1024  # tokens: LlamaIndex's SentenceSplitter defaults
CHUNK_OVERLAP = 200
STARTER_TOP_K = 2  # VectorStoreIndex.as_retriever()'s default similarity_top_k
COLLECTION = "starter"  # the Chroma collection of a persisted starter index
EXTENSIONS = [".txt", ".md"]  # what SimpleDirectoryReader reads without extra readers


class StarterRetriever:
    """LlamaIndex's starter pipeline over a folder: built in memory, or kept in a Chroma folder."""

    def __init__(self, index: Any, corpus_dir: Path | None, top_k: int, chunks: int, build_seconds: float) -> None:
        self.index = index
        self.retriever = index.as_retriever(similarity_top_k=top_k)
        self.corpus_dir = corpus_dir.resolve() if corpus_dir is not None else None
        self.top_k = top_k
        self.chunks = chunks
        self.build_seconds = build_seconds

    @classmethod
    def build(
        cls, corpus_dir: Path, embed_model: str, top_k: int = STARTER_TOP_K, chroma_dir: Path | None = None
    ) -> StarterRetriever:
        """Index ``corpus_dir`` the starter way: in memory, or into ``chroma_dir`` for :meth:`open`."""
        from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        t0 = time.perf_counter()  # the build's time includes loading the model, as the product's does
        embed = _embedding(embed_model)
        corpus_dir = corpus_dir.resolve()
        docs = SimpleDirectoryReader(str(corpus_dir), recursive=True, required_exts=EXTENSIONS).load_data()
        for doc in docs:
            # SimpleDirectoryReader leaves file_path in the text that gets embedded. The path of a
            # temporary folder is random, which made the baseline's ranking change from run to run
            # (measured: hit@2 0.728 / 0.738 / 0.754 on the same SQuAD questions). Embed the text
            # alone, as the product does, so both sides see the same information every run.
            doc.excluded_embed_metadata_keys = list(doc.metadata)
            doc.excluded_llm_metadata_keys = list(doc.metadata)
        # The starter's splitter counts cl100k_base tokens; passing it explicitly avoids the
        # global tokenizer that llama-index would otherwise install.
        encode = cl100k_encoder() or token_counter().encode
        splitter = SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, tokenizer=encode)
        store = _vector_store(_chroma_collection(chroma_dir, create=True)) if chroma_dir is not None else None
        storage = StorageContext.from_defaults(vector_store=store) if store is not None else None
        index = VectorStoreIndex.from_documents(docs, storage_context=storage, transformations=[splitter],
                                                embed_model=embed)  # fmt: skip
        chunks = int(store.client.count()) if store is not None else len(index.docstore.docs)
        return cls(index, corpus_dir, top_k, chunks, time.perf_counter() - t0)

    @classmethod
    def open(
        cls, chroma_dir: Path, embed_model: str, top_k: int = STARTER_TOP_K, corpus_dir: Path | None = None
    ) -> StarterRetriever:
        """Open a starter index that :meth:`build` kept in ``chroma_dir``; a missing or empty one is an error.

        An empty collection would rank nothing and score hit@k 0 as if measured: when the
        build failed, the figures must say so instead.
        """
        collection = _chroma_collection(chroma_dir, create=False)  # before the model loads: fail fast
        chunks = int(collection.count())
        if chunks == 0:
            raise IndexMissingError(f"the starter index in {chroma_dir} is empty", "build it first (its build failed?)")
        embed = _embedding(embed_model)
        from llama_index.core import VectorStoreIndex

        store = _vector_store(collection)
        return cls(VectorStoreIndex.from_vector_store(store, embed_model=embed), corpus_dir, top_k, chunks, 0.0)

    def retrieve(self, query: str) -> list[Retrieved]:
        """Return the top-k chunks for ``query``, best first."""
        from llama_index.core.schema import MetadataMode

        return [
            Retrieved(n.node.get_content(metadata_mode=MetadataMode.NONE), (self._source(n.node.metadata),))
            for n in self.retriever.retrieve(query)
        ]

    def _source(self, metadata: dict[str, Any]) -> str:
        path = metadata.get("file_path")
        try:
            if self.corpus_dir is None:
                raise ValueError("no corpus folder to be relative to")
            return Path(str(path)).resolve().relative_to(self.corpus_dir).as_posix()
        except (TypeError, ValueError):
            return str(metadata.get("file_name", ""))


def _embedding(embed_model: str) -> Any:
    """Return LlamaIndex's HuggingFaceEmbedding on ``embed_model``, offline (the product's bundled model)."""
    from qa.embed.model import offline_environment, resolve_model

    offline_environment()
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the baseline needs {exc.name}", "pip install llama-index-core llama-index-embeddings-huggingface"
        ) from None
    import transformers

    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # as the product's embedder does
    return HuggingFaceEmbedding(model_name=resolve_model(embed_model), device="cpu")


def _chroma_collection(chroma_dir: Path, create: bool) -> Any:
    """Return the starter's collection in a local Chroma folder (chromadb alone: no LlamaIndex yet)."""
    import chromadb

    from qa.index.vectors import chroma_settings

    if not create and not chroma_dir.is_dir():
        raise IndexMissingError(f"no starter index in {chroma_dir}", "build it first")
    client = chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings())
    if create:
        return client.get_or_create_collection(COLLECTION)
    try:
        return client.get_collection(COLLECTION)
    except Exception as exc:  # chromadb raises its own NotFoundError (a ValueError in older versions)
        raise IndexMissingError(f"no starter collection in {chroma_dir}: {exc}", "build it first") from exc


def _vector_store(collection: Any) -> Any:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)


@dataclass(frozen=True)
class BaselineOutcome:
    """What the starter configuration retrieved for one question, ranked, and how long it took."""

    golden: GoldenQuestion
    query: str
    retrieved: tuple[Retrieved, ...]
    latency_ms: float


class Baseline:
    """Runs the starter retriever on each question right after the product answered it.

    Interleaving keeps both systems under the same machine load (a shared machine's load
    drifts over a run), and lets the baseline use the product's standalone query (the
    rewritten follow-up), so the comparison isolates retrieval and chunking rather than
    follow-up handling. One ranking at depth 5 serves both rows: the top-2 row is its first
    two chunks, exactly what ``similarity_top_k=2`` returns from the same sorted scores.
    """

    def __init__(self, corpus_dir: Path, embed_model: str) -> None:
        self.starter = StarterRetriever.build(corpus_dir, embed_model, max(DEPTHS))
        # A corpus of two chunks or fewer gives the same chunks at any depth: one row is enough.
        self.depths = (STARTER_TOP_K, max(DEPTHS)) if self.starter.chunks > STARTER_TOP_K else (STARTER_TOP_K,)
        self.starter.retrieve("warm-up")  # first-call set-up is not a question's latency
        self.outcomes: list[BaselineOutcome] = []

    def observe(self, o: Outcome) -> None:
        """Retrieve for the question the product just answered."""
        query = o.query or o.golden.question
        t0 = time.perf_counter()
        hits = self.starter.retrieve(query)
        self.outcomes.append(BaselineOutcome(o.golden, query, tuple(hits), (time.perf_counter() - t0) * 1000))

    def comparison(self, outcomes: Sequence[Outcome], product_top_k: int) -> Comparison:
        """Return the product's row and the starter's rows over the questions observed."""
        counter = token_counter()
        # Retrieval time against retrieval time; ask() only when the assistant reports no timing.
        timed = all(o.retrieval_ms is not None for o in outcomes)
        rows = [
            system_row(
                "qa (hybrid, sentence passages)",
                product_top_k,
                [
                    (o.golden, o.retrieved, o.retrieval_ms if timed and o.retrieval_ms else o.latency_ms)
                    for o in outcomes
                ],
                counter,
                "retrieval incl. query embedding" if timed else "ask() incl. answering",
            )
        ]
        for k in self.depths:
            rows.append(
                system_row(
                    f"LlamaIndex starter (dense top-{k}, 1024-token chunks)",
                    k,
                    [(b.golden, b.retrieved[:k], b.latency_ms) for b in self.outcomes],
                    counter,
                    "retrieval incl. query embedding",
                )
            )
        return Comparison(tuple(rows), counter.name, self.starter.chunks, self.starter.build_seconds)


@dataclass(frozen=True)
class SystemRow:
    """One side of the comparison: retrieval quality, context size and latency."""

    label: str
    top_k: int
    hit_at: dict[int, float | None]
    mrr: float | None
    evidence_recall: float | None
    context_chars: float | None  # mean per question, of the passages an LLM prompt would hold
    context_tokens: float | None
    latency_p50: float | None  # ms
    latency_p95: float | None
    latency_what: str

    def to_dict(self) -> dict[str, object]:
        r = _round
        return {
            "label": self.label,
            "top_k": self.top_k,
            "retrieval": {
                **{f"hit@{k}": r(v) for k, v in self.hit_at.items()},
                "mrr": r(self.mrr),
                "evidence_recall@5": r(self.evidence_recall),
            },
            "context": {"chars": r(self.context_chars, 1), "tokens": r(self.context_tokens, 1)},
            "latency_ms": {"p50": r(self.latency_p50, 1), "p95": r(self.latency_p95, 1), "of": self.latency_what},
        }


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def system_row(
    label: str,
    top_k: int,
    items: Sequence[tuple[GoldenQuestion, Sequence[Retrieved], float]],
    counter: TokenCounter,
    latency_what: str,
) -> SystemRow:
    """Return the comparison row for (question, ranked passages, latency ms) triples."""
    answerable = [(g, r) for g, r, _ in items if g.answerable]
    hit_at, mrr = hit_rates([first_hit_rank(r, g) for g, r in answerable])
    evidence = [ok for g, r in answerable for ok in evidence_found(r, g)]
    latencies = [ms for _, _, ms in items]
    return SystemRow(
        label=label,
        top_k=top_k,
        hit_at=hit_at,
        mrr=mrr,
        evidence_recall=mean([float(ok) for ok in evidence]),
        context_chars=mean([float(sum(len(p.text) for p in r)) for _, r, _ in items]),
        context_tokens=mean([float(sum(counter.count(p.text) for p in r)) for _, r, _ in items]),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
        latency_what=latency_what,
    )


@dataclass(frozen=True)
class Comparison:
    """The product and the starter configuration side by side on the same questions."""

    rows: tuple[SystemRow, ...]
    tokenizer: str
    baseline_chunks: int
    baseline_build_seconds: float

    def to_dict(self) -> dict[str, object]:
        return {
            "tokenizer": self.tokenizer,
            "baseline_chunks": self.baseline_chunks,
            "baseline_build_seconds": round(self.baseline_build_seconds, 2),
            "systems": [row.to_dict() for row in self.rows],
        }
