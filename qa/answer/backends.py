"""Choosing who answers: the configured LLM when it can, else the extractive answerer."""

from __future__ import annotations

import threading
import time

from qa.answer.llm import ChatModel, make_chat, probe
from qa.config import Settings

PROBE_TTL = 15.0  # seconds a probe result is reused: starting Ollama is noticed within this


class Backends:
    """Resolves ``settings.llm`` to a chat model (or None for extractive), with a reason."""

    def __init__(self, settings: Settings, chat: ChatModel | None = None) -> None:
        self.settings = settings
        self._fixed = chat
        self._chats: dict[str, ChatModel] = {}
        self._probe: tuple[float, str | None] = (-PROBE_TTL, None)
        self._lock = threading.Lock()

    def select(self) -> tuple[ChatModel | None, str | None]:
        """Return (model, None) to generate, or (None, why the answer is extractive)."""
        if self._fixed is not None:
            return self._fixed, None
        choice = self.settings.llm
        if choice == "extractive":
            return None, None
        if choice in ("ollama", "openai"):
            return self._chat(choice), None  # asked for explicitly: failures fall back per answer
        with self._lock:
            checked, reason = self._probe
            if time.monotonic() - checked > PROBE_TTL:
                reason = probe(self.settings, "ollama")
                self._probe = (time.monotonic(), reason)
        return (None, reason) if reason else (self._chat("ollama"), None)

    def _chat(self, backend: str) -> ChatModel:
        if backend not in self._chats:
            self._chats[backend] = make_chat(self.settings, backend)
        return self._chats[backend]

    def forget(self) -> None:
        """Drop the cached probe (after a failure, so the next question checks again)."""
        self._probe = (-PROBE_TTL, None)
