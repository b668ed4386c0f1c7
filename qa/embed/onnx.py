"""Fast embedding without torch: an ONNX export of the sentence-transformers model, run by onnxruntime.

Importing sentence-transformers (and torch) takes seconds; onnxruntime and tokenizers take
a fraction of one. So the model an index is built with is exported once (Transformer →
mean pooling → L2 normalisation, the all-MiniLM-L6-v2 pipeline) into the shared cache
(qa.embed.cache), and questions are embedded with that export. Making it: qa.embed.export.

    <cache>/encoders/<model hash>/
      model.onnx       inputs: input_ids, attention_mask[, token_type_ids]; output: unit vectors
      tokenizer.json   the model's fast tokenizer
      encoder.json     model id and hash, max sequence length, pad token: what the export must
                       match; the size and sha256 of the two files above
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.embed.export import ENCODER_FORMAT
from qa.errors import ModelUnavailableError

if TYPE_CHECKING:
    from qa.embed.model import Vectors

log = logging.getLogger(__name__)

FILES = ("model.onnx", "tokenizer.json")  # what an export holds besides encoder.json
_BATCH = 32  # texts per onnxruntime call: bounds padding waste and memory
CACHE_SIZE = 4096  # texts whose vectors are kept (1.5 KB each for 384 dimensions)


def read_meta(folder: Path) -> dict[str, Any] | None:
    """Return the export's description, or None when the folder holds no complete export.

    Cheap enough for every question: the files' sizes are compared with the recorded ones
    (a copy cut short shows), their checksums only by ``damage`` (qa doctor, qa index).
    """
    try:
        meta = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != ENCODER_FORMAT:
        return None
    recorded = meta.get("files")
    for name in FILES:
        try:
            size = (folder / name).stat().st_size
        except OSError:
            return None
        if isinstance(recorded, dict) and name in recorded and recorded[name].get("size") != size:
            return None
    return meta


def file_record(folder: Path) -> dict[str, dict[str, Any]]:
    """Return the size, modification time and sha256 of each of an export's files (kept in encoder.json)."""
    import hashlib

    out = {}
    for name in FILES:
        with (folder / name).open("rb") as f:
            st = os.fstat(f.fileno())
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        out[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    return out


def damage(folder: Path, full: bool = True) -> str | None:
    """Return what is wrong with the export in ``folder`` (missing, cut short, altered), or None.

    ``full=False`` (every ``qa index``) compares the files' sizes and modification times with
    those recorded, as make and git do, instead of hashing 90 MB (0.15 s); a difference is
    reported as such, for the caller to check the checksums. ``qa doctor`` checks every
    checksum, so an alteration that kept the time is found there.
    """
    meta = read_meta(folder)
    if meta is None:
        return "missing or incomplete"
    recorded = meta.get("files")
    if not isinstance(recorded, dict):
        return "no checksums recorded"
    if not full:
        try:
            stats = {name: (folder / name).stat() for name in FILES}
        except OSError as exc:
            return f"unreadable ({exc.strerror})"
        unchanged = all(
            isinstance(recorded.get(name), dict)
            and (st.st_size, st.st_mtime_ns) == (recorded[name].get("size"), recorded[name].get("mtime_ns"))
            for name, st in stats.items()
        )
        return None if unchanged else "changed since it was checked (size or time)"
    try:
        actual = file_record(folder)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    changed = [name for name in FILES if actual[name]["sha256"] != (recorded.get(name) or {}).get("sha256")]
    return f"{', '.join(changed)} altered (checksum)" if changed else None


class OnnxEmbedder:
    """Embeds with an exported model; loaded on first use, safe to share between threads."""

    def __init__(self, folder: Path, model_id: str, cache_size: int = CACHE_SIZE) -> None:
        meta = read_meta(folder)
        if meta is None:
            raise ModelUnavailableError(f"no complete ONNX encoder in {folder}", "run: qa index (it makes one)")
        self.folder = folder
        self.model_id = model_id
        self.meta = meta
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, list[str]] | None = None
        # Recent texts' vectors. The answerer embeds every sentence of the retrieved passages
        # for each question; in a conversation the same passages come back again and again,
        # and encoding them is most of a warm answer's time.
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def _load(self) -> tuple[Any, Any, list[str]]:
        with self._lock:
            if self._loaded is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                try:
                    tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                    # Same limits as sentence-transformers: its max_seq_length (not the 128 that
                    # tokenizer.json may carry), padding only to the longest text of a batch.
                    tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
                    tokenizer.enable_padding(pad_id=int(self.meta["pad_id"]), pad_token=str(self.meta["pad_token"]))
                    options = ort.SessionOptions()
                    options.log_severity_level = 3  # errors only: no graph-optimisation chatter on stderr
                    session = ort.InferenceSession(
                        str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # damaged files: tokenizers and onnxruntime raise their own types
                    raise ModelUnavailableError(
                        f"the ONNX query encoder in {self.folder} cannot be loaded: {type(exc).__name__}",
                        "run: qa index (it rebuilds a damaged encoder), or delete that folder",
                    ) from exc
                self._loaded = (tokenizer, session, [i.name for i in session.get_inputs()])
            return self._loaded

    def prefetch(self) -> None:
        """Load the model and run it once in a background thread.

        A cold ``qa ask`` spends about a second importing Chroma before it needs a vector;
        onnxruntime loads the model (and allocates its first buffers) in C++, without the
        GIL, so on a second core that work is hidden behind the imports.
        """
        # Imports stay on this thread: two threads importing numpy at once can break it.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        # Not a daemon: a process that ends at once (a refused question) waits the fraction of a
        # second rather than tear the interpreter down under onnxruntime's feet.
        threading.Thread(target=self._warm_up, name="qa-onnx-prefetch").start()

    def _warm_up(self) -> None:
        try:
            self.encode(["warm up the encoder with one short sentence."] * 4)
        except Exception as exc:  # the first real embed() raises it again, where it can be reported
            log.debug("encoder prefetch failed: %s", exc)

    def model_hash(self) -> str | None:
        """Return the hash of the model this was exported from."""
        value = self.meta.get("model_hash")
        return str(value) if value else None

    def export_onnx(self, dest: Path) -> None:
        """Copy this export: it is its own ONNX encoder."""
        for name in (*FILES, "encoder.json"):
            shutil.copy2(self.folder / name, dest / name)

    def embed(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        out = np.zeros((len(texts), int(self.meta["dimension"])), dtype=np.float32)
        with self._lock:
            cached = {t: self._cache[t] for t in texts if t in self._cache}
            for t in cached:
                self._cache.move_to_end(t)
        todo = list(dict.fromkeys(t for t in texts if t not in cached))
        if todo:
            vectors = self.encode(todo)
            with self._lock:
                for t, v in zip(todo, vectors, strict=True):
                    cached[t] = v
                    if self.cache_size:
                        self._cache[t] = v
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        for i, t in enumerate(texts):
            out[i] = cached[t]
        return out

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Return the vectors of ``texts``, computed now (no cache)."""
        import numpy as np

        tokenizer, session, inputs = self._load()
        out = np.zeros((len(texts), int(self.meta["dimension"])), dtype=np.float32)
        # Length-sorted batches, like sentence-transformers: short texts are not padded to long ones.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), _BATCH):
            rows = order[b : b + _BATCH]
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            out[rows] = session.run(None, {name: feed[name] for name in inputs})[0]
        return out
