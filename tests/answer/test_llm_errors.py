"""Every way a model server fails, over real HTTP, becomes an LLMError of the right kind with its fix.

The product's clients (LlamaIndex -> ollama -> httpx; LlamaIndex -> openai -> httpx) talk to the
loopback fakes in tests/fakes/llm_servers.py; nothing is patched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qa.answer.backends import probe
from qa.answer.llm import LLMError, OllamaChat, OpenAIChat
from qa.config import Settings
from tests.conftest import StartOllama, StartOpenAI
from tests.fakes.llm_servers import OllamaServer, OpenAIServer, Reply

ServerFor = Callable[[str, list[str]], OllamaServer | OpenAIServer]


MODEL = {"ollama": "qwen2.5:3b", "openai": "local-model"}
MESSAGES = [{"role": "user", "content": "Can WeChat Pay be used on Taobao?"}]
TEXT = "No. Users still cannot use WeChat Pay on Taobao [1]."


def chat_for(backend: str, url: str, **changes: Any) -> OllamaChat | OpenAIChat:
    if backend == "ollama":
        return OllamaChat(Settings(ollama_host=url, ollama_model=MODEL[backend], **changes))
    return OpenAIChat(Settings(openai_base_url=f"{url}/v1", openai_model=MODEL[backend], **changes))


@pytest.fixture
def server_for(fake_ollama: StartOllama, fake_openai: StartOpenAI) -> ServerFor:
    """Start the loopback fake of ``backend`` (the fixtures stop it, and put the test in the integration tier)."""
    return lambda backend, models: fake_ollama(models=models) if backend == "ollama" else fake_openai(models=models)


def failure(chat: OllamaChat | OpenAIChat) -> tuple[LLMError, str]:
    """Stream an answer that must fail; return the error and the text that arrived before it."""
    shown: list[str] = []
    with pytest.raises(LLMError) as caught:
        for piece in chat.stream(MESSAGES):
            shown.append(piece)
    return caught.value, "".join(shown)


BACKENDS = ["ollama", "openai"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_nothing_listening_is_unreachable_with_how_to_start_it(backend: str, closed_port: str) -> None:
    chat = chat_for(backend, closed_port)
    error, shown = failure(chat)
    assert error.kind == "unreachable" and shown == ""
    assert error.message == f"{chat.where} is not reachable" and error.hint == chat.fix
    assert closed_port in error.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_model_the_server_lacks_is_model_missing_with_the_pull_command(backend: str, server_for: ServerFor) -> None:
    srv = server_for(backend, ["some-other-model"])
    chat = chat_for(backend, srv.url)
    error, _ = failure(chat)
    assert error.kind == "model_missing" and repr(MODEL[backend]) in error.message
    if backend == "ollama":
        assert error.hint == f"run `ollama pull {MODEL[backend]}`"


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_reply_in_time_is_a_timeout(backend: str, server_for: ServerFor) -> None:
    srv = server_for(backend, [MODEL[backend]])
    srv.replies.append(Reply(TEXT, delay_first_token=5.0))
    error, shown = failure(chat_for(backend, srv.url, request_timeout=0.3))
    assert error.kind == "timeout" and "did not answer in time" in error.message and shown == ""
    assert error.hint and "try again" in error.hint


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_connection_cut_mid_answer_is_dropped_after_the_text_so_far(backend: str, server_for: ServerFor) -> None:
    srv = server_for(backend, [MODEL[backend]])
    srv.replies.append(Reply(TEXT, drop_after=2))
    error, shown = failure(chat_for(backend, srv.url))
    assert error.kind == "dropped" and "dropped mid-answer" in error.message
    assert shown and TEXT.startswith(shown)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(TEXT, error_mid_stream=2, error="out of memory"), "out of memory"),
        (Reply(TEXT, status=500, error="the GPU fell over"), "the GPU fell over"),
    ],
    ids=["in-stream", "http-500"],
)
def test_a_server_error_is_reported_in_the_servers_words(
    backend: str, reply: Reply, words: str, server_for: ServerFor
) -> None:
    srv = server_for(backend, [MODEL[backend]])
    srv.replies.append(reply)
    error, _ = failure(chat_for(backend, srv.url))
    assert error.kind == "server_error" and error.message.endswith(f"reported an error: {words}")
    assert error.hint == "check the server's log"


Check = Callable[[str], bool]


@pytest.mark.parametrize(
    ("backend", "start", "expected"),
    [
        ("ollama", None, lambda why: why.startswith("Ollama not reachable at") and "ollama pull" in why),
        # Something else on Ollama's port (here an OpenAI-compatible server): reachable, but not Ollama.
        ("ollama", "openai", lambda why: "does not answer as Ollama does (HTTP 404)" in why),
        ("openai", None, lambda why: why.startswith("OpenAI-compatible server not reachable at")),
        ("openai", "ollama", lambda why: "does not answer as an OpenAI-compatible server does" in why),
    ],
    ids=["ollama-closed", "ollama-wrong-server", "openai-closed", "openai-wrong-server"],
)
def test_the_probe_tells_a_closed_port_from_the_wrong_server(
    backend: str, start: str | None, expected: Check, closed_port: str, server_for: ServerFor
) -> None:
    def why_not(url: str) -> str | None:
        s = Settings(ollama_host=url, openai_base_url=f"{url}/v1")
        return probe(s, backend, timeout=5.0)

    url = closed_port if start is None else server_for(start, [MODEL["ollama"], MODEL["openai"]]).url
    why = why_not(url)
    assert why is not None and expected(why), why
