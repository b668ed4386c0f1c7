"""Building and updating the index: manifest diff, embed what is new, publish atomically."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.embed.model import Embedder
from qa.errors import CorpusError, IndexMismatchError
from qa.index import layout
from qa.index.bm25 import BM25Index
from qa.index.encoder import encoder_cache, update_embedder
from qa.index.vectors import ChromaStores, StoreFactory
from qa.index.view import manifest_passages, passage_record
from qa.ingest.clean import boilerplate, keys
from qa.ingest.formats import sections_of
from qa.ingest.load import open_document, scan, unsupported_reason, warn_skipped
from qa.ingest.split import split_document
from qa.types import Document

log = logging.getLogger(__name__)
EMBED_CHUNK = 256  # passages embedded and written per step: bounds memory on large corpora


@dataclass(frozen=True)
class IndexReport:
    """What an indexing run did."""

    generation: str
    files: int
    passages: int
    embedded: int
    removed_passages: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reasons: dict[str, str] = field(default_factory=dict)  # why each skipped file was skipped

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed) and self.embedded == 0

    def counts(self) -> dict[str, int]:
        """Return how many files were indexed, unchanged, skipped or removed, and the passages."""
        indexed = len(self.added) + len(self.changed)
        return {"files": self.files, "indexed": indexed, "unchanged": self.files - indexed,
                "skipped": len(self.skipped), "removed": len(self.removed), "passages": self.passages}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form printed by ``qa index --json``."""
        return {
            **{k: v for k, v in self.__dict__.items() if k != "reasons"},
            "unchanged": self.unchanged,
            "counts": self.counts(),
            "skipped_files": [{"source": s, "reason": self.reasons.get(s, "")} for s in self.skipped],
        }

    def summary(self) -> str:
        if self.unchanged:
            return f"index up to date: {self.files} files, {self.passages} passages, nothing re-embedded ({self.seconds:.2f} s)"
        parts = [
            f"{len(x)} {name}"
            for x, name in ((self.added, "added"), (self.changed, "changed"), (self.removed, "removed"))
            if x
        ]
        return (
            f"indexed {self.files} files ({', '.join(parts) or 'rebuilt'}): {self.passages} passages, "
            f"{self.embedded} embedded, {self.removed_passages} dropped in {self.seconds:.2f} s"
        )


def build_index(
    settings: Settings,
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool | None = None,
    stores: StoreFactory | None = None,
) -> IndexReport:
    """Bring the index in ``settings.index_dir`` up to date with ``settings.corpus_dir``."""
    t0 = time.perf_counter()
    with _created_on_success(settings.index_dir), layout.writer_lock(settings.index_dir):
        previous = None if rebuild else layout.current(settings.index_dir)
        old: dict[str, Any] = layout.read_manifest(previous) if previous else {"files": {}}
        if previous and old.get("embed_model") != embedder.model_id:
            raise IndexMismatchError(
                f"the index was built with {old.get('embed_model')!r}, not {embedder.model_id!r}",
                "run: qa index --rebuild",
            )
        model_hash = embedder.model_hash()
        if previous and old.get("embed_hash") and model_hash and old["embed_hash"] != model_hash:
            # Same name, other weights (a new version of the model package): old and new vectors
            # would not be comparable, and the index's query encoder is the old model's.
            raise IndexMismatchError(
                f"the files of embedding model {embedder.model_id!r} changed since the index was built "
                f"(sha256 {old['embed_hash'][:12]} then, {model_hash[:12]} now)",
                "run: qa index --rebuild",
            )
        files, reasons, diff = _scan(settings, old["files"])
        skipped = list(reasons)
        if not files:
            raise CorpusError(
                f"no readable .txt, .md, .rst, .csv, .html, .pdf or .docx files in {settings.corpus_dir}"
                + (f" ({len(skipped)} skipped)" if skipped else ""),
                "put UTF-8 text, Markdown, reStructuredText, CSV, HTML, PDF or Word files there, or pass --corpus DIR",
            )
        passages = manifest_passages(files)
        if previous and not any(diff.values()) and old.get("embed_hash") == model_hash:
            _ensure_encoder(settings, embedder)  # a cache entry deleted or damaged since is made again
            return IndexReport(
                previous.name,
                len(files),
                len(passages),
                0,
                0,
                skipped=skipped,
                seconds=time.perf_counter() - t0,
                reasons=reasons,
            )

        gen = layout.new_generation(settings.index_dir)
        factory = stores or ChromaStores(settings)
        store = factory.seed(previous, gen)
        have = store.ids()
        wanted = {p.id for p in passages}
        stale = sorted(have - wanted)
        store.delete(stale)
        todo = [p for p in passages if p.id not in have]
        _embed_into(store, update_embedder(settings, previous, embedder), todo, progress)
        BM25Index.build(passages).save(gen.bm25_path)
        _ensure_encoder(settings, embedder)
        layout.write_manifest(
            gen,
            {
                "format": layout.MANIFEST_FORMAT,
                "embed_model": embedder.model_id,
                # The key of the shared ONNX query encoder (qa.embed.cache); absent for a fake embedder.
                **({"embed_hash": model_hash} if model_hash else {}),
                "corpus_dir": str(settings.corpus_dir),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "skipped": [{"source": k, "reason": v} for k, v in reasons.items()],
                "files": files,
            },
        )
        before = _generations(settings.index_dir)
        layout.publish(gen)  # also removes old generation folders, and with them their stores
        factory.drop(layout.Generation(settings.index_dir, n) for n in before - _generations(settings.index_dir))
        return IndexReport(
            gen.name, len(files), len(passages), len(todo), len(stale),
            added=diff["added"], changed=diff["changed"], removed=diff["removed"],
            skipped=skipped, seconds=time.perf_counter() - t0, reasons=reasons,
        )  # fmt: skip


@contextlib.contextmanager
def _created_on_success(root: Path) -> Iterator[None]:
    """Remove ``root`` again if this run created it and failed, leaving nothing but the lock file.

    A first ``qa index`` on a missing or empty corpus would otherwise leave an index folder
    that holds only ``.lock``, which looks like a broken index.
    """
    existed = root.exists()
    try:
        yield
    except BaseException:
        if not existed and root.is_dir() and {p.name for p in root.iterdir()} <= {".lock"}:
            shutil.rmtree(root, ignore_errors=True)
        raise


def _ensure_encoder(settings: Settings, embedder: Embedder) -> None:
    """Make sure the shared cache holds the ONNX export of ``embedder``'s model.

    A failure is only a warning: the index is fine, and answering falls back to
    sentence-transformers (slower to start) until an export succeeds.
    """
    try:
        encoder_cache(settings).ensure(embedder)
    except Exception as exc:  # torch's exporter raises many kinds; so does a read-only cache folder
        log.warning("could not export %s to ONNX (%s: %s); answering will load torch", embedder.model_id,
                    type(exc).__name__, str(exc)[:200])  # fmt: skip


def _generations(root: Path) -> set[str]:
    return {p.name for p in root.glob("gen-*")}


def _scan(settings: Settings, old_files: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """Return the new manifest's files, the skipped files with why, and what changed since ``old_files``.

    Two passes: every file's block keys first (stored in the manifest, so unchanged files
    are not parsed again), then the corpus-wide boilerplate they reveal, then the passages
    of the files that changed or whose boilerplate did.
    """
    corpus = settings.corpus_dir
    supported, other = scan(corpus)
    reasons = {p.relative_to(corpus).as_posix(): unsupported_reason(p) for p in other}
    docs: dict[str, Document] = {}
    block_keys: dict[str, list[str]] = {}
    for path in supported:
        source = path.relative_to(corpus).as_posix()
        doc = open_document(path, corpus, int(settings.max_file_mb * 2**20))
        if isinstance(doc, str):
            reasons[source] = doc
            continue
        before = old_files.get(source)
        if before and before["sha256"] == doc.sha256:
            block_keys[source] = before["keys"]
        else:
            doc = replace(doc, sections=sections_of(doc))
            block_keys[source] = keys(doc, doc.sections or ())
        docs[source] = doc
    reasons = dict(sorted(reasons.items()))
    warn_skipped(list(reasons.items()))
    common = boilerplate(block_keys)
    files: dict[str, Any] = {}
    diff: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for source, doc in docs.items():
        before = old_files.get(source)
        shared = sorted(common.intersection(block_keys[source]))
        if before and before["sha256"] == doc.sha256 and before.get("shared", []) == shared:
            files[source] = before
            continue
        diff["changed" if before else "added"].append(source)
        passages = [passage_record(p) for p in split_document(doc, boilerplate=common)]
        files[source] = {
            "sha256": doc.sha256,
            "indexed": time.strftime("%Y-%m-%dT%H:%M:%S%z"),  # shown in the web page's document list
            "keys": block_keys[source],
            "shared": shared,
            "passages": passages,
        }
        if not passages:
            log.warning("%s has no text to index after cleaning", source)
    diff["removed"] = sorted(set(old_files) - set(files))
    return files, reasons, diff


def _embed_into(store: Any, embedder: Embedder, todo: list[Any], progress: bool | None) -> None:
    if not todo:
        return
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(todo), desc="embedding", unit="passage", disable=not show, file=sys.stderr) as bar:
        for i in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[i : i + EMBED_CHUNK]
            # The heading path is embedded with the text: a release note knows its release.
            vectors = embedder.embed([p.indexed_text for p in chunk])
            store.upsert([p.id for p in chunk], vectors, [p.text for p in chunk])
            bar.update(len(chunk))
