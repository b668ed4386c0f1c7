"""In-process GGUF models through llama-cpp-python, behind the same ``ChatModel`` seam as the servers.

llama-cpp-python is used directly rather than through LlamaIndex's ``LlamaCPP`` wrapper:
that wrapper formats chats with its own ``messages_to_prompt`` (Llama 2's ``[INST]`` format
unless one is passed), not the chat template stored in the GGUF, so every other model family
would get a prompt it was not trained on; ``create_chat_completion`` applies the file's own
template and streams token by token. The wrapper also downloads a default model from the
internet when no path is given, which this product must never do.

Error translation for llama.cpp lives here, by type, as for the HTTP clients in ``llm.py``: a
missing file is ``model_missing``, a crash or a failed load ``unusable``.

A model is first run once in a child process (``smoke_test``): a llama.cpp build can crash
outright on some CPUs (its AMX kernels segfault on the Xeons this was developed on, as
llama.cpp issue 20824 reports), and a crash in-process would take the whole web app down
instead of falling back to the extractive answer.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qa.answer.llm import LLMError
from qa.config import Settings

INSTALL_HINT = "pip install -e '.[llamacpp]' (it compiles llama.cpp: about 10 CPU-minutes the first time)"
PORTABLE_BUILD = (
    "CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON' "
    "pip install --no-cache-dir --force-reinstall --no-deps llama-cpp-python"
)
_SMOKE = """
import sys
from llama_cpp import Llama
llama = Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)
llama.create_chat_completion(messages=[{"role": "user", "content": "Say yes, please."}], max_tokens=4)
"""
_smoked: dict[tuple[str, float, int], LLMError | None] = {}
_smoke_lock = threading.Lock()
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around one message (ChatML adds 5)


def check_gguf(settings: Settings) -> str | None:
    """Return None when ``settings.gguf`` names a GGUF file llama-cpp-python could load, else why not."""
    problem = gguf_problem(settings)
    return None if problem is None else str(problem)


def gguf_problem(settings: Settings) -> LLMError | None:
    """Return what stops the configured GGUF from loading, with its fix, or None.

    Cheap: the file's magic bytes and whether the package is importable; loading is not tried.
    """
    try:
        _gguf_path(settings)
        _import_llama()
    except LLMError as exc:
        return exc
    return None


def _gguf_path(settings: Settings) -> Path:
    if not settings.gguf:
        raise LLMError("no GGUF model is configured", "set QA_GGUF to the path of a .gguf file", kind="model_missing")
    path = Path(settings.gguf).expanduser()
    if not path.is_file():
        raise LLMError(f"no GGUF file at {path}", "check the path in QA_GGUF", kind="model_missing")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise LLMError(f"cannot read {path}: {exc.strerror}", "check the file's permissions", kind="unusable") from exc
    if magic != b"GGUF":
        raise LLMError(
            f"{path} is not a GGUF file",
            "point QA_GGUF at a .gguf model (llama.cpp's convert_hf_to_gguf.py makes one)",
            kind="unusable",
        )
    return path


def smoke_test(path: Path, timeout: float = 180.0) -> LLMError | None:
    """Return None when llama.cpp loads ``path`` and generates a few tokens in a child process, else the failure."""
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    with _smoke_lock:
        if key not in _smoked:
            _smoked[key] = _run_smoke(path, timeout)
        return _smoked[key]


def _run_smoke(path: Path, timeout: float) -> LLMError | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SMOKE, str(path)], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return LLMError(
            f"llama.cpp took over {timeout:.0f} s to load {path.name} and write 4 tokens",
            "try a smaller model",
            kind="timeout",
        )
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return LLMError(
            f"llama.cpp crashed ({name}) running {path.name} in a test process, so it is not run in this one",
            f"rebuild llama-cpp-python for a portable CPU target: {PORTABLE_BUILD}",
            kind="unusable",
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return LLMError(
            f"llama.cpp could not run {path.name}: {last[:200]}",
            "the file may be truncated (download it again) or need a newer llama-cpp-python",
            kind="unusable",
        )
    return None


def _import_llama() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMError("llama-cpp-python is not installed", INSTALL_HINT, kind="unusable") from exc
    return Llama


class LlamaCppChat:
    """A GGUF model loaded once, in this process, on first use; one generation at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.model = Path(settings.gguf).stem if settings.gguf else "unconfigured"
        self.name = f"llamacpp:{self.model}"
        self.load_seconds: float | None = None  # loading the GGUF in this process
        self.check_seconds: float | None = None  # running it once in a child process first
        self._llama: Any = None
        self._failure: tuple[tuple[str, float, int], LLMError] | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # a llama.cpp context serves one generation at a time

    def load(self) -> Any:
        """Return the loaded ``llama_cpp.Llama``; raise LLMError with the fix when it cannot load."""
        with self._load_lock:
            if self._llama is None:
                self._llama = self._load()
        return self._llama

    def _load(self) -> Any:
        path = _gguf_path(self._settings)
        stat = path.stat()
        key = (str(path), stat.st_mtime, stat.st_size)
        if self._failure is not None and self._failure[0] == key:
            raise self._failure[1]  # the same broken file: do not spend another load on it
        llama_class = _import_llama()
        started = time.perf_counter()
        crashed = smoke_test(path)
        self.check_seconds = time.perf_counter() - started
        if crashed is not None:
            self._failure = (key, crashed)
            raise crashed
        s = self._settings
        started = time.perf_counter()
        try:
            llama = llama_class(model_path=str(path), n_ctx=s.num_ctx, n_threads=s.llm_threads, verbose=False, seed=0)
        except (ValueError, RuntimeError, OSError) as exc:  # llama-cpp-python raises ValueError on a bad file
            error = LLMError(
                f"llama.cpp could not load {path.name} ({exc})",
                "the file may be truncated (download it again) or need a newer llama-cpp-python",
                kind="unusable",
            )
            self._failure = (key, error)
            raise error from exc
        self.load_seconds = time.perf_counter() - started
        return llama

    @property
    def context_window(self) -> int:
        """Return the loaded model's context size in tokens (QA_NUM_CTX as llama.cpp applied it)."""
        return int(self.load().n_ctx())

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        """Return the prompt size in the model's own tokens (its template's few extra tokens estimated)."""
        llama = self.load()
        sizes = [len(llama.tokenize(m["content"].encode("utf-8"), add_bos=False)) for m in messages]
        return sum(sizes) + MESSAGE_OVERHEAD * (len(messages) + 1)

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        llama = self.load()
        s = self._settings
        with self._run_lock:
            try:
                chunks = llama.create_chat_completion(
                    messages=[dict(m) for m in messages],
                    stream=True,
                    max_tokens=s.max_tokens,
                    temperature=s.temperature,
                )
                for chunk in chunks:
                    delta = chunk["choices"][0]["delta"].get("content")
                    if delta:
                        yield delta
            except (ValueError, RuntimeError) as exc:  # prompt over n_ctx, decode failure
                raise LLMError(
                    f"the model {self.model} failed while answering ({exc})", "see QA_NUM_CTX", kind="server_error"
                ) from exc

    def complete(self, messages: Sequence[dict[str, str]]) -> str:
        return "".join(self.stream(messages))


def trained_context(llama: Any) -> int | None:
    """Return the context length the model was trained for, from the GGUF's metadata."""
    meta = getattr(llama, "metadata", {}) or {}
    value = meta.get(f"{meta.get('general.architecture', '')}.context_length")
    return int(value) if value and str(value).isdigit() else None


def chat_template(llama: Any) -> str:
    """Return how llama.cpp formats chats for this model, in words."""
    fmt = getattr(llama, "chat_format", None)
    if fmt == "chat_template.default":
        return "the template stored in the GGUF"
    if "tokenizer.chat_template" in (getattr(llama, "metadata", {}) or {}):
        return f"{fmt} (recognised from the GGUF's template)"
    return f"{fmt}: the GGUF stores no template, so llama.cpp's fallback is used"
