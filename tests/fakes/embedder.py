"""A deterministic embedder for unit tests: hashed bag of words, so ranking is real."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.text import content_words


class HashingEmbedder:
    """Texts sharing words get similar vectors; texts sharing none are orthogonal-ish."""

    def __init__(self, dim: int = 512, model_id: str = "hashing-test-embedder") -> None:
        self.dim = dim
        self.model_id = model_id
        self.calls: list[int] = []  # batch sizes, so tests can count what was embedded

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in content_words(text):
                digest = hashlib.md5(word.encode()).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] % 2 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def model_hash(self) -> str | None:
        return None  # no model files: nothing to export, so the index records no encoder

    def export_onnx(self, dest: Path) -> None:
        raise NotImplementedError("a hashing embedder has no model to export")

    @property
    def embedded(self) -> int:
        return sum(self.calls)
