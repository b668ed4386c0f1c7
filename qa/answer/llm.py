"""LLM seam: chat models served by Ollama or an OpenAI-compatible server (via LlamaIndex), or in-process.

Every client error is caught here and re-raised as ``LLMError`` with a message a user
can act on, so callers can fall back to the extractive answer without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from qa.config import Settings
from qa.errors import ModelUnavailableError


class LLMError(ModelUnavailableError):
    """The model could not answer (unreachable, not pulled, timed out, failed mid-answer)."""


class ChatModel(Protocol):
    """A chat model that streams text."""

    name: str  # shown as the answer's mode, e.g. "ollama:qwen2.5:3b"

    @property
    def context_window(self) -> int:
        """Tokens the model attends to: the prompt and the answer must fit in it together."""
        ...

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        """Return the size of ``messages`` as a prompt, in (an estimate of) the model's tokens."""
        ...

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]: ...

    def complete(self, messages: Sequence[dict[str, str]]) -> str: ...


def _chat_messages(messages: Sequence[dict[str, str]]) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


class _LlamaIndexChat:
    """Shared streaming and error translation for LlamaIndex LLM objects."""

    name: str
    where: str
    model: str
    fix: str
    _settings: Settings

    def _llm(self) -> Any:
        raise NotImplementedError

    @property
    def context_window(self) -> int:
        return self._settings.num_ctx  # sent to Ollama as num_ctx; what the server was started with, we hope

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        from qa.tokens import count_message_tokens

        return count_message_tokens(messages)  # cl100k: the server's tokenizer is not known here

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        try:
            for chunk in self._llm().stream_chat(_chat_messages(messages)):
                if chunk.delta:
                    yield chunk.delta
        except LLMError:
            raise
        except Exception as exc:
            raise self.translate(exc) from exc

    def complete(self, messages: Sequence[dict[str, str]]) -> str:
        return "".join(self.stream(messages))

    def translate(self, exc: BaseException) -> LLMError:
        """Return a user-facing error for a client exception."""
        kind = type(exc).__name__
        status = getattr(exc, "status_code", None)
        text = str(getattr(exc, "error", "") or exc)
        if "ConnectError" in kind or "APIConnectionError" in kind or isinstance(exc, ConnectionError):
            return LLMError(f"{self.where} is not reachable", self.fix)
        if status == 404 or "NotFound" in kind or "not found" in text.lower():
            return LLMError(f"model {self.model!r} is not available at {self.where}", self.pull_hint())
        if "Timeout" in kind:
            return LLMError(f"{self.where} did not answer in time", "the model may still be loading: try again")
        if "RemoteProtocolError" in kind or "ReadError" in kind or "incomplete" in text.lower():
            return LLMError(f"the connection to {self.where} dropped mid-answer", "try again")
        return LLMError(f"{self.where} reported an error: {text[:200]}", "check the server's log")

    def pull_hint(self) -> str:
        return self.fix


class OllamaChat(_LlamaIndexChat):
    def __init__(self, settings: Settings) -> None:
        self.model = settings.ollama_model
        self.host = settings.ollama_host.rstrip("/")
        self.name = f"ollama:{self.model}"
        self.where = f"Ollama at {self.host}"
        self.fix = f"start it with `ollama serve`, then `ollama pull {self.model}`"
        self._settings = settings
        self._client: Any = None

    def pull_hint(self) -> str:
        return f"run `ollama pull {self.model}`"

    def _llm(self) -> Any:
        if self._client is None:
            from llama_index.llms.ollama import Ollama

            s = self._settings
            # context_window set explicitly: it is sent as num_ctx, and it stops the client
            # from calling /api/show first (where it would adopt the model's full, often 32k,
            # context: far more memory than a few passages need).
            self._client = Ollama(
                model=self.model,
                base_url=self.host,
                temperature=s.temperature,
                context_window=s.num_ctx,
                request_timeout=s.request_timeout,
                keep_alive="10m",
                additional_kwargs={"num_predict": s.max_tokens},  # the token cap, as an Ollama option
            )
        return self._client


class OpenAIChat(_LlamaIndexChat):
    def __init__(self, settings: Settings) -> None:
        self.model = settings.openai_model
        self.base = settings.openai_base_url.rstrip("/")
        self.name = f"openai:{self.model}"
        self.where = f"the OpenAI-compatible server at {self.base}"
        self.fix = "start the server (vLLM, llama.cpp server, LM Studio) or set QA_OPENAI_BASE_URL"
        self._settings = settings
        self._client: Any = None

    def _llm(self) -> Any:
        if self._client is None:
            from llama_index.llms.openai_like import OpenAILike

            s = self._settings
            self._client = OpenAILike(
                model=self.model,
                api_base=self.base,
                api_key=s.openai_api_key,
                is_chat_model=True,
                context_window=s.num_ctx,
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                timeout=s.request_timeout,
                max_retries=0,  # a retry would replay a half-streamed answer
            )
        return self._client
