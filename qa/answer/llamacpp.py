"""In-process GGUF models through llama-cpp-python, behind the same ``ChatModel`` seam as the servers.

llama-cpp-python is used directly rather than through LlamaIndex's ``LlamaCPP`` wrapper:
that wrapper formats chats with its own ``messages_to_prompt`` (Llama 2's ``[INST]`` format
unless one is passed), not the chat template stored in the GGUF, so every other model family
would get a prompt it was not trained on; ``create_chat_completion`` applies the file's own
template and streams token by token. The wrapper also downloads a default model from the
internet when no path is given, which this product must never do.

Error translation for llama.cpp lives here, by type, as for the HTTP clients in ``llm.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qa.answer.llm import LLMError
from qa.config import Settings

INSTALL_HINT = "pip install -e '.[llamacpp]' (it compiles llama.cpp: about 10 CPU-minutes the first time)"
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
        raise LLMError("no GGUF model is configured", "set QA_GGUF to the path of a .gguf file")
    path = Path(settings.gguf).expanduser()
    if not path.is_file():
        raise LLMError(f"no GGUF file at {path}", "check the path in QA_GGUF")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise LLMError(f"cannot read {path}: {exc.strerror}", "check the file's permissions") from exc
    if magic != b"GGUF":
        raise LLMError(
            f"{path} is not a GGUF file", "point QA_GGUF at a .gguf model (llama.cpp's convert_hf_to_gguf.py makes one)"
        )
    return path


def _import_llama() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMError("llama-cpp-python is not installed", INSTALL_HINT) from exc
    return Llama


class LlamaCppChat:
    """A GGUF model loaded once, in this process, on first use; one generation at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.model = Path(settings.gguf).stem if settings.gguf else "unconfigured"
        self.name = f"llamacpp:{self.model}"
        self.load_seconds: float | None = None
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
        s = self._settings
        started = time.perf_counter()
        try:
            llama = llama_class(model_path=str(path), n_ctx=s.num_ctx, n_threads=s.llm_threads, verbose=False, seed=0)
        except (ValueError, RuntimeError, OSError) as exc:  # llama-cpp-python raises ValueError on a bad file
            error = LLMError(
                f"llama.cpp could not load {path.name} ({exc})",
                "the file may be truncated (download it again) or need a newer llama-cpp-python",
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
                raise LLMError(f"the model {self.model} failed while answering ({exc})", "see QA_NUM_CTX") from exc

    def complete(self, messages: Sequence[dict[str, str]]) -> str:
        return "".join(self.stream(messages))
