"""Fast embedding without torch: an ONNX export of the sentence-transformers model, run by onnxruntime.

Importing sentence-transformers (and torch) takes seconds; onnxruntime and tokenizers take
a fraction of one. So ``qa index`` exports the model it embeds with (Transformer → mean
pooling → L2 normalisation, the all-MiniLM-L6-v2 pipeline) into the index generation,
and the query path embeds with that export. Old indexes without one fall back to
sentence-transformers with a one-line warning. Making the export: qa.embed.export.

    gen-*/encoder/
      model.onnx       inputs: input_ids, attention_mask[, token_type_ids]; output: unit vectors
      tokenizer.json   the model's fast tokenizer
      encoder.json     model id, max sequence length, pad token: what the export must match
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.embed.model import Embedder, SentenceTransformerEmbedder
from qa.errors import IndexCorruptError

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.embed.model import Vectors
    from qa.index.layout import Generation

log = logging.getLogger(__name__)

ENCODER_DIR = "encoder"
ENCODER_FORMAT = 1
_BATCH = 32  # texts per onnxruntime call: bounds padding waste and memory
CACHE_SIZE = 4096  # texts whose vectors are kept (1.5 KB each for 384 dimensions)


def encoder_dir(gen: Generation) -> Path:
    return gen.path / ENCODER_DIR


def read_meta(folder: Path) -> dict[str, Any] | None:
    """Return the export's description, or None when the folder holds no complete export."""
    try:
        meta = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    complete = (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file()
    if not complete or not isinstance(meta, dict) or meta.get("format") != ENCODER_FORMAT:
        return None
    return meta


class OnnxEmbedder:
    """Embeds with an exported model; loaded on first use, safe to share between threads."""

    def __init__(self, folder: Path, model_id: str, cache_size: int = CACHE_SIZE) -> None:
        meta = read_meta(folder)
        if meta is None:
            raise FileNotFoundError(f"no ONNX encoder in {folder}")
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


def query_embedder(settings: Settings) -> Embedder:
    """Return the embedder for answering: the index's ONNX export, else sentence-transformers."""
    from qa.index import layout

    try:
        gen = layout.current(settings.index_dir)
    except IndexCorruptError:
        gen = None  # IndexView.open reports a broken index with its own message
    if gen is None:
        return SentenceTransformerEmbedder(settings.embed_model)  # no index yet: it is built with this
    meta = read_meta(encoder_dir(gen))
    if meta is None or meta.get("model_id") != settings.embed_model:
        if meta is None and _built_with(gen, settings.embed_model):
            log.warning("this index has no ONNX query encoder, so answering loads torch (slower); run: qa index")
        # Otherwise another model was asked for: IndexView.open refuses it with the rebuild message.
        return SentenceTransformerEmbedder(settings.embed_model)
    embedder = OnnxEmbedder(encoder_dir(gen), settings.embed_model)
    embedder.prefetch()  # the caller opens the index next: load the model meanwhile
    return embedder


def _built_with(gen: Generation, model_id: str) -> bool:
    from qa.index import layout

    try:
        return layout.read_manifest(gen).get("embed_model") == model_id
    except IndexCorruptError:
        return False


def update_embedder(previous: Generation | None, embedder: Embedder) -> Embedder:
    """Return the embedder for an incremental update of ``previous``.

    When the previous generation holds an export of the same model, new passages are
    embedded with it: re-indexing one changed file then takes no torch import (4-5 s
    here). Its vectors match sentence-transformers' (checked at export, cosine > 0.999),
    so old and new vectors stay comparable. A rebuild always uses ``embedder`` itself.
    """
    if previous is None or not isinstance(embedder, SentenceTransformerEmbedder):
        return embedder
    meta = read_meta(encoder_dir(previous))
    if meta is None or meta.get("model_id") != embedder.model_id:
        return embedder
    return OnnxEmbedder(encoder_dir(previous), embedder.model_id, cache_size=0)  # new passages: no reuse
