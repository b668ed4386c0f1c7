"""The shared cache of ONNX query encoders: one export per embedding model, keyed by its content.

An export depends on the model's files and nothing else (not the corpus, not the index),
so every index and every generation of one uses the same copy, found by the hash of the
model's files (qa.embed.model.hash_model_dir) that the index's manifest records.

    $QA_CACHE_DIR, else $XDG_CACHE_HOME/qa, else ~/.cache/qa   (qa.config.cache_root)
      model-hashes.json         model folders' hashes by their files' sizes and times
      encoders/
        <model hash>/           model.onnx, tokenizer.json, encoder.json (qa.embed.onnx)
        .<model hash>.lock      held (flock) by the one process exporting that model
        .<model hash>.<pid>.tmp an export being written and checked

It is a cache in the XDG sense: derived data, safe to delete. ``qa index`` makes an entry
that is missing or damaged again (a few seconds with torch); a reader that finds none
answers with sentence-transformers and says how to get the fast path back.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qa.embed.onnx import OnnxEmbedder, damage, file_record, read_meta

if TYPE_CHECKING:
    from qa.embed.model import Embedder

# Varied probes: short, long (past 128 word pieces), non-Latin, empty; batched together so
# padding is exercised. An export that disagrees with the original model is not kept.
PROBES = (
    "Can WeChat Pay be used on Taobao?",
    "",
    "Alibaba and Tencent have long run rival ecosystems. " * 12,
    "腾讯和阿里巴巴", "Prices rose 3.5% in August, the statistics bureau said.",
)  # fmt: skip
MIN_AGREEMENT = 0.999


class EncoderCache:
    """The ``encoders/`` folder of the cache: look up, check and make ONNX exports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.encoders = root / "encoders"

    def folder(self, model_hash: str) -> Path:
        return self.encoders / model_hash

    def lookup(self, model_hash: str) -> Path | None:
        """Return the folder of the export of the model with this hash, if a complete one is there.

        Cheap (it is on the path of every cold question): file sizes, not checksums.
        """
        folder = self.folder(model_hash)
        meta = read_meta(folder)
        return folder if meta is not None and meta.get("model_hash") == model_hash else None

    def damage(self, model_hash: str, full: bool = True) -> str | None:
        """Return what is wrong with this model's entry (missing, damaged, another model's), or None.

        ``full=False``: checksums only of files whose size or time changed (qa.embed.onnx.damage).
        """
        folder = self.folder(model_hash)
        problem = damage(folder, full)
        if problem is None and (read_meta(folder) or {}).get("model_hash") != model_hash:
            problem = "made from another model"
        return problem

    def ensure(self, embedder: Embedder) -> Path | None:
        """Return the folder of ``embedder``'s export, making it if it is missing or damaged.

        None when the embedder has no model files (a fake). Export errors propagate: the
        caller decides whether a missing fast path is worth more than a warning.
        """
        model_hash = embedder.model_hash()
        if model_hash is None:
            return None
        folder = self.folder(model_hash)
        if self.damage(model_hash, full=False) is None:
            return folder
        self.encoders.mkdir(parents=True, exist_ok=True)
        with self._lock(model_hash):
            if self.damage(model_hash) is None:  # all checksums: only the files' times changed (a copy),
                _restamp(folder)  # or another process made it while this one waited for the lock
                return folder
            for stale in self.encoders.glob(f".{model_hash}.*.*"):  # left by killed exports
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            tmp = self.encoders / f".{model_hash}.{os.getpid()}.tmp"
            tmp.mkdir()
            try:
                embedder.export_onnx(tmp)
                agreement = _agreement(tmp, embedder)
                if agreement < MIN_AGREEMENT:
                    raise ValueError(f"the export disagrees with the model (cosine {agreement:.4f})")
                meta_path = tmp / "encoder.json"
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                meta.update(model_hash=model_hash, agreement=round(agreement, 6), files=file_record(tmp))
                meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
                _install(tmp, folder)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return folder

    @contextlib.contextmanager
    def _lock(self, model_hash: str) -> Iterator[None]:
        # One exporter per model: a second process waits, then finds the entry made. The
        # kernel releases a flock when its process dies, so a killed export blocks no one.
        fd = os.open(self.encoders / f".{model_hash}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _agreement(folder: Path, embedder: Embedder) -> float:
    """Return the lowest cosine between the export's and the original model's vectors of the probes."""
    got = OnnxEmbedder(folder, embedder.model_id, cache_size=0).encode(PROBES)
    return float((got * embedder.embed(PROBES)).sum(axis=1).min())


def _restamp(folder: Path) -> None:
    """Record the current sizes and times of an export whose checksums were just found right."""
    meta_path = folder / "encoder.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for name, record in meta["files"].items():
        st = (folder / name).stat()
        record.update(size=st.st_size, mtime_ns=st.st_mtime_ns)
    tmp = folder / f".encoder.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    os.replace(tmp, meta_path)  # readers see the old description or the new one


def _install(tmp: Path, folder: Path) -> None:
    """Rename the checked export into place: readers see the old entry, none, or the new one, never half."""
    old = None
    if folder.exists():  # damaged: moved aside first (a directory cannot be renamed over a full one)
        old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(folder, old)
    os.rename(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
