"""The LlamaIndex starter configuration that ``qa bench`` compares the product against.

SentenceSplitter(1024, 200) chunks, HuggingFaceEmbedding on the same bundled model,
a Chroma collection, and ``VectorStoreIndex.from_vector_store(...).as_retriever()``.
Run as ``python -m qa.bench.starter build|ask|warm ...`` so each measurement has a
process of its own. Models are always passed explicitly: LlamaIndex's global
``Settings`` would resolve to OpenAI.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.config import DEFAULT_EMBED_MODEL

COLLECTION = "starter"
TOP_K = 5


def _embed_model() -> Any:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from qa.embed.model import offline_environment, resolve_model

    offline_environment()
    return HuggingFaceEmbedding(model_name=resolve_model(DEFAULT_EMBED_MODEL), device="cpu")


def _collection(chroma_dir: Path) -> Any:
    import chromadb

    from qa.index.vectors import chroma_settings

    client = chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings())
    return client.get_or_create_collection(COLLECTION)


def build(corpus: Path, chroma_dir: Path) -> int:
    """Index ``corpus`` the starter way; return the number of chunks."""
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    docs = SimpleDirectoryReader(input_dir=str(corpus), required_exts=[".txt", ".md"], recursive=True).load_data()
    store = ChromaVectorStore(chroma_collection=_collection(chroma_dir))
    VectorStoreIndex.from_documents(
        docs,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=_embed_model(),
        transformations=[SentenceSplitter(chunk_size=1024, chunk_overlap=200)],
    )
    return int(store.client.count())


def retriever(chroma_dir: Path) -> Any:
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=_collection(chroma_dir))
    return VectorStoreIndex.from_vector_store(store, embed_model=_embed_model()).as_retriever(similarity_top_k=TOP_K)


def warm(chroma_dir: Path, golden: Path) -> dict[str, float]:
    """Return retrieval latency percentiles and hit@5 over the golden questions, in one process."""
    from qa.bench.measure import evidence_hit, percentile, read_golden

    questions = read_golden(golden)
    r = retriever(chroma_dir)
    r.retrieve("a first question to warm up")
    latencies, hits, answerable = [], 0, 0
    for q in questions:
        query = " ".join([*q.get("history", []), q["question"]])  # the starter has no follow-up rewriting
        t0 = time.perf_counter()
        nodes = r.retrieve(query)
        latencies.append((time.perf_counter() - t0) * 1000)
        if q.get("answerable", True):
            answerable += 1
            hits += evidence_hit(q, [n.node.get_content() for n in nodes])
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "hit@5": hits / max(1, answerable),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.bench.starter")
    p.add_argument("action", choices=["build", "ask", "warm"])
    p.add_argument("--chroma", type=Path, required=True)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--question", default="Can WeChat Pay be used on Taobao?")
    p.add_argument("--golden", type=Path)
    args = p.parse_args(argv)
    if args.action == "build":
        print(json.dumps({"chunks": build(args.corpus, args.chroma)}))
    elif args.action == "ask":
        nodes = retriever(args.chroma).retrieve(args.question)
        print(json.dumps({"retrieved": len(nodes)}))
    else:
        print(json.dumps(warm(args.chroma, args.golden)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
