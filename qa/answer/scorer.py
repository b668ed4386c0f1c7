"""The answer-sentence scorer: P(this sentence answers the question), from a small committed model.

The model is trained by ``scripts/train_scorer.py`` on the SQuAD 2.0 pool and shipped as
JSON in ``qa/answer/models/`` (feature names, standardisation, weights, the abstention
threshold and the held-out calibration table). Inference is numpy only: no scikit-learn
or torch import on the question path. Two kinds are understood:

- ``logistic``: p = sigmoid(w . z + b), z the standardised features;
- ``mlp``: one hidden ReLU layer, then a logistic output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer.corpus import CorpusStats
from qa.answer.features import FEATURES, Candidate, Question, candidates, featurise
from qa.errors import ConfigError
from qa.types import Hit, Passage, Sentence

if TYPE_CHECKING:
    import numpy as np

    from qa.embed.model import Embedder

MODELS = Path(__file__).resolve().parent / "models"
DEFAULT_SCORER = "answer-scorer-v3"


@dataclass(frozen=True)
class ScorerModel:
    """A loaded scorer: turns feature rows into probabilities."""

    version: str
    kind: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weights, bias) per layer, output last
    threshold: float  # answer when the best candidate's probability reaches this
    pair_threshold: float  # quote a neighbour too when it reaches this share of the best
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Return P(answers) for each feature row."""
        import numpy as np

        if rows.shape[0] == 0:
            return np.zeros(0)
        z = (rows - self.mean) / self.scale
        for w, b in self.layers[:-1]:
            z = np.maximum(z @ w + b, 0.0)
        w, b = self.layers[-1]
        logit = (z @ w + b).reshape(-1)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30))))


def model_from_dict(data: dict[str, Any]) -> ScorerModel:
    """Return the model described by a model file's JSON object, or raise ConfigError."""
    import numpy as np

    names = tuple(data.get("features", ()))
    if names != FEATURES:
        extra = sorted(set(names) ^ set(FEATURES))
        raise ConfigError(
            f"scorer {data.get('version')!r} was trained on other features ({', '.join(extra[:5]) or 'order differs'})",
            "retrain it: python scripts/train_scorer.py",
        )
    if data.get("kind") not in ("logistic", "mlp"):
        raise ConfigError(f"unknown scorer kind {data.get('kind')!r}")
    layers = tuple(
        (np.asarray(layer["w"], dtype=np.float64), np.asarray(layer["b"], dtype=np.float64)) for layer in data["layers"]
    )
    return ScorerModel(
        version=str(data["version"]),
        kind=str(data["kind"]),
        features=names,
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        layers=layers,
        threshold=float(data["threshold"]),
        pair_threshold=float(data.get("pair_threshold", 0.5)),
        metadata=dict(data.get("metadata", {})),
    )


@lru_cache(maxsize=4)
def load_scorer(name: str = DEFAULT_SCORER) -> ScorerModel:
    """Return the scorer ``name`` (a version in qa/answer/models/, or a path to a .json file)."""
    path = Path(name) if name.endswith(".json") else MODELS / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in MODELS.glob("*.json"))) or "none"
        raise ConfigError(f"no scorer model {name!r} ({path})", f"known versions: {known}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read scorer model {path}: {exc}") from None
    return model_from_dict(data)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its probability of answering the question."""

    candidate: Candidate
    probability: float
    similarity: float  # cosine(question, sentence)
    order: int  # position among candidates, for stable ties

    @property
    def passage(self) -> Passage:
        return self.candidate.passage

    @property
    def sentence(self) -> Sentence:
        return self.candidate.sentence


def extract(
    question: str,
    qvec: Sequence[float],
    hits: Sequence[Hit],
    embedder: Embedder,
    stats: CorpusStats,
    keep: Callable[[str], bool] = lambda _: True,
) -> tuple[Question, list[Candidate], np.ndarray, dict[tuple[str, int], float]]:
    """Return the parsed question, its candidates, their feature rows and the cosines used."""
    import numpy as np

    q = Question.parse(question, stats)
    cands = candidates(hits, stats, keep)
    # Only the candidates are embedded: a neighbour outside the retrieved passages has no cosine
    # (0 in its feature, as in training). Embedding neighbours too doubled a cold-cache answer's time.
    keys = {(c.passage.span.source, c.sentence.start): c.sentence.readable for c in cands}
    sims: dict[tuple[str, int], float] = {}
    if keys:
        vectors = embedder.embed(list(keys.values()))
        values = vectors @ np.asarray(qvec, dtype=np.float32)
        sims = {k: float(v) for k, v in zip(keys, values, strict=True)}
    return q, cands, featurise(q, cands, sims, stats), sims
