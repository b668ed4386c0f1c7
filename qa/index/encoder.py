"""Which embedder embeds for an index: the shared ONNX export of its model when there is one.

The manifest records the hash of the model's files (``embed_hash``); the export in the
cache (qa.embed.cache) is found by that hash and nothing else, so a query encoder made
from another model, or from other files under the same name, is never used.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from qa.config import cache_root
from qa.embed.cache import EncoderCache
from qa.embed.model import Embedder, SentenceTransformerEmbedder
from qa.embed.onnx import OnnxEmbedder
from qa.errors import IndexCorruptError
from qa.index import layout

if TYPE_CHECKING:
    from qa.config import Settings

log = logging.getLogger(__name__)


def encoder_cache(settings: Settings) -> EncoderCache:
    return EncoderCache(cache_root(settings.cache_dir))


def query_embedder(settings: Settings) -> Embedder:
    """Return the embedder for answering: the index's ONNX export, else sentence-transformers.

    Without the export (an index from before the shared cache, or a cache entry deleted)
    answers are the same, only slower to start: one warning says how to get it back.
    """
    try:
        gen = layout.current(settings.index_dir)
        manifest = layout.read_manifest(gen) if gen else None
    except IndexCorruptError:
        manifest = None  # IndexView.open reports a broken index with its own message
    fallback = SentenceTransformerEmbedder(settings.embed_model)
    if manifest is None or manifest.get("embed_model") != settings.embed_model:
        # No index yet (it is built with this), or another model was asked for: IndexView.open
        # refuses that with the rebuild message, which a performance warning would only hide.
        return fallback
    model_hash = manifest.get("embed_hash")
    cache = encoder_cache(settings)
    folder = cache.lookup(model_hash) if isinstance(model_hash, str) else None
    if folder is None:
        if model_hash:
            log.warning("the ONNX query encoder of this index's model is not in %s, so answering loads torch "
                        "(slower); run: qa index (it makes the encoder again, nothing is re-embedded)",
                        cache.encoders)  # fmt: skip
        else:
            log.warning("this index has no ONNX query encoder, so answering loads torch (slower); run: qa index")
        return fallback
    embedder = OnnxEmbedder(folder, settings.embed_model)
    embedder.prefetch()  # the caller opens the index next: load the model meanwhile
    return embedder


def update_embedder(settings: Settings, previous: layout.Generation | None, embedder: Embedder) -> Embedder:
    """Return the embedder for an incremental update of ``previous``.

    When the cache holds an export of the same model files, new passages are embedded with
    it: re-indexing one changed file then takes no torch import (4-5 s here). Its vectors
    match sentence-transformers' (checked at export, cosine > 0.999), so old and new vectors
    stay comparable. A rebuild always uses ``embedder`` itself.
    """
    model_hash = embedder.model_hash() if previous is not None else None
    folder = encoder_cache(settings).lookup(model_hash) if model_hash else None
    if folder is None:
        return embedder
    return OnnxEmbedder(folder, embedder.model_id, cache_size=0)  # new passages: no reuse
