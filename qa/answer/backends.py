"""Choosing who answers: the configured LLM when it can, else the extractive answerer.

Under ``auto`` the order is Ollama, then the GGUF file in ``QA_GGUF`` (in-process), then the
extractive answerer; the answer's notice says why the earlier ones did not answer.
"""

from __future__ import annotations

import threading
import time

from qa.answer.llm import ChatModel, OllamaChat, OpenAIChat, http_failure
from qa.config import LLM_BACKENDS, Settings

PROBE_TTL = 15.0  # seconds a probe result is reused: starting Ollama is noticed within this


class Backends:
    """Resolves ``settings.llm`` to a chat model (or None for extractive), with a reason."""

    def __init__(self, settings: Settings, chat: ChatModel | None = None) -> None:
        self.settings = settings
        self._fixed = chat
        self._chats: dict[str, ChatModel] = {}
        self._probe: tuple[float, tuple[str | None, str | None]] = (-PROBE_TTL, (None, None))
        self._lock = threading.Lock()
        self._chats_lock = threading.Lock()

    def select(self) -> tuple[ChatModel | None, str | None]:
        """Return (model, notice) to generate, or (None, why the answer is extractive).

        The notice is set when ``auto`` passed over Ollama for the GGUF model: it says why.
        """
        if self._fixed is not None:
            return self._fixed, None
        choice = self.settings.llm
        if choice == "extractive":
            return None, None
        if choice in LLM_BACKENDS:
            return self._chat(choice), None  # asked for explicitly: failures fall back per answer
        with self._lock:
            checked, found = self._probe
            if time.monotonic() - checked > PROBE_TTL:
                found = self._auto()
                self._probe = (time.monotonic(), found)
        backend, reason = found
        return (self._chat(backend) if backend else None), reason

    def _auto(self) -> tuple[str | None, str | None]:
        """Return (backend to use or None, what the user is told about the choice)."""
        why_not_ollama = probe(self.settings, "ollama")
        if why_not_ollama is None:
            return "ollama", None
        if not self.settings.gguf:
            return None, why_not_ollama
        why_not_gguf = probe(self.settings, "llamacpp")
        if why_not_gguf is None:
            return "llamacpp", f"{why_not_ollama}; answered in-process by the GGUF model in QA_GGUF instead"
        return None, f"{why_not_ollama}; and the GGUF model in QA_GGUF cannot be used: {why_not_gguf}"

    def _chat(self, backend: str) -> ChatModel:
        with self._chats_lock:  # one instance per backend: an in-process model is loaded once
            if backend not in self._chats:
                self._chats[backend] = make_chat(self.settings, backend)
            return self._chats[backend]

    def forget(self) -> None:
        """Drop the cached probe (after a failure, so the next question checks again)."""
        self._probe = (-PROBE_TTL, (None, None))


def probe(settings: Settings, backend: str, timeout: float = 2.0) -> str | None:
    """Return None when ``backend`` can answer now, else the reason it cannot (with the fix)."""
    if backend == "llamacpp":
        from qa.answer.llamacpp import check_gguf

        return check_gguf(settings)
    import httpx

    try:
        if backend == "ollama":
            host = settings.ollama_host.rstrip("/")
            tags = httpx.get(f"{host}/api/tags", timeout=timeout, trust_env=False)
            tags.raise_for_status()
            names = {m.get("name", "") for m in tags.json().get("models", [])}
            want = settings.ollama_model
            if want not in names and f"{want}:latest" not in names:
                return f"Ollama model {want!r} is not pulled: run `ollama pull {want}`"
            return None
        base = settings.openai_base_url.rstrip("/")
        models = httpx.get(
            f"{base}/models",
            timeout=timeout,
            trust_env=False,
            headers={"Authorization": f"Bearer {settings.openai_api_key}"},
        )
        models.raise_for_status()
        return None
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: a reply that is not JSON
        kind, _ = http_failure(exc) or ("server_error", "")
        name = f"HTTP {exc.response.status_code}" if isinstance(exc, httpx.HTTPStatusError) else type(exc).__name__
        if backend == "ollama":
            where, fix = settings.ollama_host, f"start it, then `ollama pull {settings.ollama_model}`"
            if kind == "unreachable":
                return f"Ollama not reachable at {where} ({name}): {fix}"
            if kind == "timeout":
                return f"Ollama at {where} did not answer within {timeout:g} s ({name}): try again"
            return f"the server at {where} does not answer as Ollama does ({name}): check QA_OLLAMA_HOST and its log"
        where = settings.openai_base_url
        if kind == "unreachable":
            return f"OpenAI-compatible server not reachable at {where} ({name})"
        if kind == "timeout":
            return f"the OpenAI-compatible server at {where} did not answer within {timeout:g} s ({name})"
        return f"the server at {where} does not answer as an OpenAI-compatible server does ({name})"


def make_chat(settings: Settings, backend: str) -> ChatModel:
    """Return the chat model for ``backend`` ("ollama", "openai" or "llamacpp"); nothing is loaded yet."""
    if backend == "llamacpp":
        from qa.answer.llamacpp import LlamaCppChat

        return LlamaCppChat(settings)
    return OllamaChat(settings) if backend == "ollama" else OpenAIChat(settings)
