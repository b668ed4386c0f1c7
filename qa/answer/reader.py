"""The trained reader: a cross-encoder giving P(this sentence answers the question), run by onnxruntime.

all-MiniLM-L6-v2 fine-tuned here (``qa.train.reader``, ``make train-reader``) to read the
question and one candidate sentence together, with the sentence's heading path and its
neighbours as context. A word-overlap feature cannot see that a question changes one detail
of what the text says; a transformer reading both can. The export is int8 (onnxruntime's
dynamic quantisation) and lives in ``qa/answer/models/`` beside its card:

    <version>.onnx            inputs input_ids, attention_mask, token_type_ids; output logit
    <version>.tokenizer.json  the base model's fast tokenizer
    <version>.json            version, sha256 and size of both files, max length, the
                              calibration (a, b: P = sigmoid(a * logit + b)), the answering
                              threshold and held-out figures

It is loaded once per process (``load_reader``) and never copied into an index. Every pair
is built by :func:`pair_text`, which the training script uses too, so the model reads at run
time exactly what it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np

MODELS = Path(__file__).resolve().parent / "models"
DEFAULT_READER = "reader-v1"
REBUILD = "make train-reader"
CONTEXT_WORDS = 40  # words of each neighbour kept as context: the sentence itself is never cut
BATCH = 32  # pairs per onnxruntime call


def pair_text(sentence: str, heading: str = "", prev: str = "", following: str = "") -> str:
    """Return the second segment the reader reads for a candidate: the sentence, then its context.

    The sentence comes first, so truncation (from the end) cuts context, never the sentence.
    """
    context = [heading.strip()] if heading.strip() else []
    context += [_clip(t) for t in (prev, following) if t and t.strip()]
    return f"{sentence.strip()} [SEP] {' | '.join(context)}" if context else sentence.strip()


def _clip(text: str) -> str:
    words = text.split()
    return " ".join(words[:CONTEXT_WORDS]) + (" ..." if len(words) > CONTEXT_WORDS else "")


@dataclass(frozen=True)
class ReaderCard:
    """What the model file's card says about it."""

    version: str
    max_length: int
    a: float  # calibration: P = sigmoid(a * logit + b)
    b: float
    threshold: float  # answer when the best calibrated probability reaches this
    files: dict[str, dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)


def read_card(path: Path) -> ReaderCard:
    """Return the card at ``path``, or raise ModelUnavailableError naming it and the rebuild command."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ReaderCard(
            version=str(data["version"]),
            max_length=int(data["max_length"]),
            a=float(data["calibration"]["a"]),
            b=float(data["calibration"]["b"]),
            threshold=float(data["threshold"]),
            files=dict(data["files"]),
            metadata=dict(data.get("metadata", {})),
        )
    except FileNotFoundError:
        raise ModelUnavailableError(f"the reader's card {path} is missing", f"rebuild it: {REBUILD}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(f"cannot read the reader's card {path}: {exc}", f"rebuild it: {REBUILD}") from None


def card_path(name: str = DEFAULT_READER) -> Path:
    """Return the card of reader ``name`` (a version in qa/answer/models/, or a path to its .json)."""
    return Path(name) if name.endswith(".json") else MODELS / f"{name}.json"


def damage(card: ReaderCard, folder: Path, full: bool = True) -> str | None:
    """Return what is wrong with the reader's files (missing, cut short, altered), or None."""
    for name, record in sorted(card.files.items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{path} is missing"
        if size != record.get("size"):
            return f"{path} is {size} bytes, its card says {record.get('size')}"
        if full:
            with path.open("rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
            if digest != record.get("sha256"):
                return f"{path} does not match its card's sha256"
    return None


class Reader:
    """Scores (question, candidate) pairs with the exported cross-encoder; safe to share between threads."""

    def __init__(self, card_file: Path) -> None:
        self.card = read_card(card_file)
        self.folder = card_file.parent
        problem = damage(self.card, self.folder, full=False)
        if problem:
            raise ModelUnavailableError(f"the reader cannot be loaded: {problem}", f"rebuild it: {REBUILD}")
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                name = self.card.version
                try:
                    tok = Tokenizer.from_file(str(self.folder / f"{name}.tokenizer.json"))
                    tok.enable_truncation(max_length=self.card.max_length, strategy="only_second")
                    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = 2
                    options.inter_op_num_threads = 1
                    session = ort.InferenceSession(
                        str(self.folder / f"{name}.onnx"), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # onnxruntime and tokenizers raise their own bare types
                    raise ModelUnavailableError(
                        f"the reader {self.folder / name}.onnx cannot be loaded: {exc}", f"rebuild it: {REBUILD}"
                    ) from None
                self._tokenizer, self._session = tok, session
            return self._session, self._tokenizer

    def logits(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Return the reader's logit for each second segment (``pair_text``) against the question."""
        import numpy as np

        if not texts:
            return np.zeros(0, dtype=np.float32)
        session, tok = self._load()
        out = []
        for i in range(0, len(texts), BATCH):
            chunk = texts[i : i + BATCH]
            enc = tok.encode_batch([(question, t) for t in chunk])
            feed = {
                "input_ids": np.asarray([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in enc], dtype=np.int64),
            }
            out.append(np.asarray(session.run(None, feed)[0], dtype=np.float32).reshape(-1))
        return np.concatenate(out)

    def probabilities(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Return the calibrated P(answers) for each second segment."""
        import numpy as np

        z = self.card.a * self.logits(question, texts) + self.card.b
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


@lru_cache(maxsize=4)
def load_reader(name: str = DEFAULT_READER) -> Reader:
    """Return the reader ``name``, loaded once per process, or raise ModelUnavailableError."""
    return Reader(card_path(name))
