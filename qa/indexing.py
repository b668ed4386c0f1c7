"""Building and updating the index: manifest diff, embed what is new, publish atomically."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa import layout
from qa.catalog import manifest_passages, passage_record
from qa.config import Settings
from qa.embeddings import Embedder
from qa.errors import CorpusError, IndexMismatchError
from qa.ingest.load import list_files, read_document
from qa.ingest.split import split_document
from qa.lexical import BM25Index
from qa.onnx_embed import update_embedder
from qa.onnx_export import ensure_encoder
from qa.store import ChromaStores, StoreFactory

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

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed) and self.embedded == 0

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
        files, skipped, diff = _scan(settings, old["files"])
        if not files:
            raise CorpusError(
                f"no readable .txt, .md, .html or .pdf files in {settings.corpus_dir}"
                + (f" ({len(skipped)} skipped)" if skipped else ""),
                "put UTF-8 text, Markdown, HTML or PDF files there, or pass --corpus DIR",
            )
        passages = manifest_passages(files)
        if previous and not any(diff.values()):
            ensure_encoder(previous, None, embedder)  # an index made before ONNX query encoders gets one
            return IndexReport(
                previous.name, len(files), len(passages), 0, 0, skipped=skipped, seconds=time.perf_counter() - t0
            )

        gen = layout.new_generation(settings.index_dir)
        factory = stores or ChromaStores(settings)
        store = factory.seed(previous, gen)
        have = store.ids()
        wanted = {p.id for p in passages}
        stale = sorted(have - wanted)
        store.delete(stale)
        todo = [p for p in passages if p.id not in have]
        _embed_into(store, update_embedder(previous, embedder), todo, progress)
        BM25Index.build(passages).save(gen.bm25_path)
        ensure_encoder(gen, previous, embedder)
        layout.write_manifest(
            gen,
            {
                "format": layout.MANIFEST_FORMAT,
                "embed_model": embedder.model_id,
                "corpus_dir": str(settings.corpus_dir),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "skipped": skipped,
                "files": files,
            },
        )
        before = _generations(settings.index_dir)
        layout.publish(gen)  # also removes old generation folders ...
        if isinstance(factory, ChromaStores):  # ... and on a Chroma server, their collections go too
            factory.drop(layout.Generation(settings.index_dir, n) for n in before - _generations(settings.index_dir))
        return IndexReport(
            gen.name, len(files), len(passages), len(todo), len(stale),
            added=diff["added"], changed=diff["changed"], removed=diff["removed"],
            skipped=skipped, seconds=time.perf_counter() - t0,
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


def _generations(root: Path) -> set[str]:
    return {p.name for p in root.glob("gen-*")}


def _scan(settings: Settings, old_files: dict[str, Any]) -> tuple[dict[str, Any], list[str], dict[str, list[str]]]:
    """Return the new manifest's files, the skipped files, and what changed since ``old_files``."""
    files: dict[str, Any] = {}
    skipped: list[str] = []
    diff: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for path in list_files(settings.corpus_dir):
        doc = read_document(path, settings.corpus_dir, int(settings.max_file_mb * 2**20))
        source = path.relative_to(settings.corpus_dir).as_posix()
        if doc is None:
            skipped.append(source)
            continue
        before = old_files.get(source)
        if before and before["sha256"] == doc.sha256:
            files[source] = before
            continue
        diff["changed" if before else "added"].append(source)
        files[source] = {
            "sha256": doc.sha256,
            "indexed": time.strftime("%Y-%m-%dT%H:%M:%S%z"),  # shown in the web page's document list
            "passages": [passage_record(p) for p in split_document(doc)],
        }
        if not files[source]["passages"]:
            log.warning("%s has no text to index after cleaning", source)
    diff["removed"] = sorted(set(old_files) - set(files))
    return files, skipped, diff


def _embed_into(store: Any, embedder: Embedder, todo: list[Any], progress: bool | None) -> None:
    if not todo:
        return
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(todo), desc="embedding", unit="passage", disable=not show, file=sys.stderr) as bar:
        for i in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[i : i + EMBED_CHUNK]
            texts = [p.text for p in chunk]
            store.upsert([p.id for p in chunk], embedder.embed(texts), texts)
            bar.update(len(chunk))
