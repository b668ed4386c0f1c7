"""Reading an index: the manifest's passages, the vector store and BM25 of one generation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qa.config import Settings
from qa.errors import IndexCorruptError, IndexMismatchError
from qa.index import layout
from qa.index.bm25 import BM25Index
from qa.index.vectors import ChromaStores, StoreFactory, VectorStore
from qa.ingest.dedupe import dedupe
from qa.types import Passage, Sentence, Span


def passage_record(p: Passage) -> dict[str, Any]:
    """Return the JSON form of one file's occurrence of a passage."""
    return {
        "id": p.id,
        "text": p.text,
        "start": p.span.start,
        "end": p.span.end,
        "lines": [p.span.line_start, p.span.line_end],
        "sentences": [[s.start, s.end, s.plain] if s.plain else [s.start, s.end] for s in p.sentences],
        **({"page": p.span.page} if p.span.page is not None else {}),  # PDFs only
        **({"heading": p.heading} if p.heading else {}),
    }


def record_passage(source: str, rec: dict[str, Any]) -> Passage:
    start, text = rec["start"], rec["text"]
    sentences = tuple(Sentence(text[s[0] - start : s[1] - start], s[0], s[1], *s[2:]) for s in rec["sentences"])
    span = Span(source, start, rec["end"], rec["lines"][0], rec["lines"][1], rec.get("page"))
    return Passage(rec["id"], text, (span,), sentences, rec.get("heading", ""))


def manifest_passages(files: dict[str, Any]) -> list[Passage]:
    """Return the unique passages of a manifest, canonical occurrence first by file order."""

    def occurrences() -> Iterable[Passage]:
        for source in sorted(files):
            for rec in files[source]["passages"]:
                yield record_passage(source, rec)

    return dedupe(occurrences())


@dataclass
class IndexView:
    """An opened index generation, ready for retrieval."""

    generation: layout.Generation
    manifest: dict[str, Any]
    passages: dict[str, Passage]
    store: VectorStore
    bm25: BM25Index

    @classmethod
    def open(cls, settings: Settings, embed_model: str, stores: StoreFactory | None = None) -> IndexView:
        gen = layout.require_current(settings.index_dir)
        manifest = layout.read_manifest(gen)
        if manifest.get("embed_model") != embed_model:
            raise IndexMismatchError(
                f"the index in {settings.index_dir} was built with embedding model "
                f"{manifest.get('embed_model')!r}, not {embed_model!r}",
                "run: qa index --rebuild (or set QA_EMBED_MODEL back)",
            )
        passages = {p.id: p for p in manifest_passages(manifest["files"])}
        stores = stores or ChromaStores(settings)
        store = stores.open(gen)
        stored = store.count()  # the store maps its library's errors (damage, an unreachable server)
        if stored != len(passages):
            raise IndexCorruptError(
                f"the index in {gen.path} is incomplete ({stored} vectors for {len(passages)} passages)",
                "run: qa index --rebuild",
            )
        return cls(gen, manifest, passages, store, BM25Index.load(gen.bm25_path))

    def is_current(self) -> bool:
        """Return True while no newer generation has been published."""
        try:
            cur = layout.current(self.generation.root)
        except Exception:
            return True  # a reader keeps what it has rather than fail mid-conversation
        return cur is None or cur.name == self.generation.name
