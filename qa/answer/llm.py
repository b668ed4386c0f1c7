"""LLM seam: chat models served by Ollama or an OpenAI-compatible server (via LlamaIndex), or in-process.

Every client error is caught here and re-raised as ``LLMError`` with a message a user
can act on, so callers can fall back to the extractive answer without a traceback.

Errors are told apart by type, the way httpx maps httpcore's: each client maps its own
library's exceptions (``ollama.ResponseError``; ``openai.APIConnectionError``,
``APIStatusError``, ``APIError``) and both share the mapping of httpx's, which reach us
unwrapped while a streamed body is being read. What each client raises, measured against
the loopback servers in tests/fakes/llm_servers.py:

    fault                     Ollama (ollama 0.6)              OpenAI-compatible (openai 2.x)
    nothing listening         httpx.ConnectError               APIConnectionError <- httpx.ConnectError
    model unknown (404)       ResponseError(status_code=404)   NotFoundError (an APIStatusError)
    no reply in time          httpx.ReadTimeout                APITimeoutError <- httpx.ReadTimeout
    connection cut mid-answer httpx.RemoteProtocolError        httpx.RemoteProtocolError
    error line mid-answer     ResponseError(status_code=-1)    APIError
    HTTP 5xx                  ResponseError(status_code=500)   InternalServerError (an APIStatusError)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

from qa.config import Settings
from qa.errors import ModelUnavailableError

LLMErrorKind = Literal["unreachable", "model_missing", "timeout", "dropped", "server_error", "unusable"]
"""Why a model could not answer:

- ``unreachable``: nothing answers at the configured address
- ``model_missing``: the server (or the path) does not have the model
- ``timeout``: no reply in time
- ``dropped``: the connection broke while the answer was streaming
- ``server_error``: the server or the model reported an error
- ``unusable``: the model cannot be run here as configured (not installed, crashes, cannot
  load, its context cannot hold the question and one passage)
"""


class LLMError(ModelUnavailableError):
    """The model could not answer; ``kind`` says why (see ``LLMErrorKind``)."""

    def __init__(self, message: str, hint: str | None = None, *, kind: LLMErrorKind) -> None:
        super().__init__(message, hint)
        self.kind: LLMErrorKind = kind


Failure = tuple[LLMErrorKind, str]  # the kind, and the server's own words about it ("" when none)


def http_failure(exc: BaseException) -> Failure | None:
    """Return what an httpx (or builtin connection) exception means, or None when it is not one."""
    import httpx

    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, ConnectionError)):
        return "unreachable", ""  # ConnectionError: what ollama turns httpx.ConnectError into outside streams
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", ""
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "dropped", ""
    if isinstance(exc, httpx.HTTPStatusError):
        try:
            said = exc.response.text
        except httpx.ResponseNotRead:  # a streamed response nobody read: its status says enough
            said = ""
        return status_failure(exc.response.status_code, said)
    return None


def status_failure(status: int, text: str) -> Failure:
    """Return what an HTTP error status means: 404 is a model the server does not have."""
    return ("model_missing" if status == 404 else "server_error"), text


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

    def failure(self, exc: BaseException) -> Failure | None:
        """Return what a client exception means (each client adds its library's types)."""
        return http_failure(exc)

    def translate(self, exc: BaseException) -> LLMError:
        """Return the user-facing error for a client exception."""
        kind, text = self.failure(exc) or ("server_error", str(exc))
        if kind == "unreachable":
            return LLMError(f"{self.where} is not reachable", self.fix, kind=kind)
        if kind == "model_missing":
            return LLMError(f"model {self.model!r} is not available at {self.where}", self.pull_hint(), kind=kind)
        if kind == "timeout":
            return LLMError(
                f"{self.where} did not answer in time", "the model may still be loading: try again", kind=kind
            )
        if kind == "dropped":
            return LLMError(f"the connection to {self.where} dropped mid-answer", "try again", kind=kind)
        return LLMError(
            f"{self.where} reported an error: {(text or type(exc).__name__)[:200]}", "check the server's log", kind=kind
        )

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

    def failure(self, exc: BaseException) -> Failure | None:
        from ollama import ResponseError

        if isinstance(exc, ResponseError):
            # status_code -1: an {"error": ...} line in the stream, after the answer had begun.
            return status_failure(exc.status_code, exc.error) if exc.status_code > 0 else ("server_error", exc.error)
        return http_failure(exc)

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

    def failure(self, exc: BaseException) -> Failure | None:
        import openai

        if isinstance(exc, openai.APITimeoutError):  # before its base class, APIConnectionError
            return "timeout", ""
        if isinstance(exc, openai.APIConnectionError):
            # openai wraps whatever httpx raised before the response: that says which it was.
            cause = exc.__cause__
            return (http_failure(cause) if cause is not None else None) or ("unreachable", "")
        if isinstance(exc, openai.APIStatusError):
            body = exc.body
            said = body.get("message") if isinstance(body, dict) else None
            return status_failure(exc.status_code, str(said or exc.message))
        if isinstance(exc, openai.APIError):  # an error event in the stream, after the answer had begun
            return "server_error", exc.message
        return http_failure(exc)

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
