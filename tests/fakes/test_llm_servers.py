"""Tests of the fake LLM servers, driven by the real client libraries over HTTP."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import ollama
import openai
import pytest
from llama_index.core.llms import ChatMessage
from llama_index.llms.ollama import Ollama

from tests.conftest import StartOllama, StartOpenAI
from tests.fakes.llm_servers import OllamaServer, OpenAIServer, Reply, estimate_tokens

MODEL = "qwen2.5:3b"


@pytest.fixture
def oll(fake_ollama: StartOllama) -> OllamaServer:
    return fake_ollama(models=[MODEL])


@pytest.fixture
def oai(fake_openai: StartOpenAI) -> OpenAIServer:
    return fake_openai(models=[MODEL])


def llm(srv: OllamaServer, **kwargs: Any) -> Ollama:
    return Ollama(model=MODEL, base_url=srv.url, request_timeout=5.0, **kwargs)


def test_reply_pieces_split_on_words_and_rejoin_exactly() -> None:
    text = "  The capital of France is Paris [1].\nIt is big.  "
    pieces = Reply(text).pieces()
    assert 3 <= len(pieces) <= 4 and "".join(pieces) == text
    assert Reply("").pieces() == [] and Reply(chunks=["a", "b"]).pieces() == ["a", "b"]
    assert estimate_tokens("one two three") == 4


# --- Ollama: the `ollama` package --------------------------------------------------


def test_ollama_metadata_endpoints(oll: OllamaServer) -> None:
    client = ollama.Client(host=oll.url)
    assert httpx.get(oll.url + "/api/version").json() == {"version": "0.5.7"}
    assert httpx.get(oll.url + "/").text == "Ollama is running"
    assert [m.model for m in client.list().models] == [MODEL]
    shown = client.show(MODEL)
    assert shown.modelinfo is not None and shown.details is not None
    assert shown.modelinfo["qwen2.context_length"] == 32768
    assert shown.capabilities == ["completion"] and shown.details.family == "qwen2"
    with pytest.raises(ollama.ResponseError) as exc:
        client.show("nope:1b")
    assert exc.value.status_code == 404 and exc.value.error == "model 'nope:1b' not found"


def test_ollama_chat_stream_and_whole(oll: OllamaServer) -> None:
    client = ollama.Client(host=oll.url)
    oll.replies.extend(["Paris is the capital [1].", "Second answer."])
    msgs = [{"role": "user", "content": "What is the capital of France?"}]
    parts = list(client.chat(model=MODEL, messages=msgs, stream=True, options={"temperature": 0}))
    assert len(parts) >= 4 and not any(p.done for p in parts[:-1]) and parts[-1].done
    assert "".join(p.message.content or "" for p in parts) == "Paris is the capital [1]."
    assert parts[-1].done_reason == "stop" and parts[-1].prompt_eval_count == estimate_tokens(msgs[0]["content"])
    whole = client.chat(model=MODEL, messages=msgs)
    assert whole.message.content == "Second answer." and whole.done and whole.eval_count
    assert [b["stream"] for b in oll.bodies("/api/chat")] == [True, False]
    assert oll.bodies("/api/chat")[0]["options"] == {"temperature": 0}
    assert client.chat(model=MODEL, messages=msgs).message.content == "This is a fake reply."


def test_ollama_generate_and_unknown_model(oll: OllamaServer) -> None:
    client = ollama.Client(host=oll.url)
    oll.replies.append("Generated text here.")
    parts = list(client.generate(model=MODEL, prompt="Say something", stream=True))
    assert "".join(p.response or "" for p in parts) == "Generated text here." and parts[-1].done
    assert client.generate(model=MODEL, prompt="x").response == "This is a fake reply."
    with pytest.raises(ollama.ResponseError) as exc:
        client.chat(model="llama3:8b", messages=[{"role": "user", "content": "hi"}])
    assert exc.value.status_code == 404
    assert exc.value.error == 'model "llama3:8b" not found, try pulling it first'
    assert len(oll.replies) == 0  # the unknown-model request did not consume a reply


def test_ollama_streams_incrementally(oll: OllamaServer) -> None:
    # Ordering, not timing: the server holds the second piece back until the client has the
    # first. A server that buffered its stream would deliver nothing before the end, so the
    # client would never see the first piece on its own and the held stream would be dropped.
    arrived = threading.Event()
    oll.replies.append(Reply("one two three four", hold=arrived))
    stream = ollama.Client(host=oll.url).chat(model=MODEL, messages=[], stream=True)
    first = next(stream)
    arrived.set()
    rest = list(stream)
    assert first.message.content == "one " and rest[-1].done
    assert "".join(p.message.content or "" for p in rest) == "two three four"


def test_ollama_faults(oll: OllamaServer) -> None:
    client = ollama.Client(host=oll.url)
    msgs = [{"role": "user", "content": "q"}]
    oll.replies.append(Reply("a b c d", error_mid_stream=2, error="CUDA out of memory"))
    got: list[str] = []
    with pytest.raises(ollama.ResponseError, match="CUDA out of memory"):
        for part in client.chat(model=MODEL, messages=msgs, stream=True):
            got.append(part.message.content or "")
    assert got == ["a ", "b "]

    oll.replies.append(Reply("a b c d", drop_after=1))
    got = []
    with pytest.raises(httpx.RemoteProtocolError):
        for part in client.chat(model=MODEL, messages=msgs, stream=True):
            got.append(part.message.content or "")
    assert got == ["a "]

    oll.replies.append(Reply(status=503, error="server busy"))
    with pytest.raises(ollama.ResponseError) as exc:
        client.chat(model=MODEL, messages=msgs)
    assert exc.value.status_code == 503 and exc.value.error == "server busy"


# --- Ollama: llama-index integration --------------------------------------------------


def test_llama_index_chat_sends_show_then_chat(oll: OllamaServer) -> None:
    oll.replies.append("Paris [1].")
    resp = llm(oll, temperature=0.1).chat([ChatMessage(role="user", content="Capital?")])
    assert resp.message.content == "Paris [1]."
    assert resp.raw["usage"]["prompt_tokens"] == estimate_tokens("Capital?")
    # First use asks /api/show for the context window, then chats without streaming.
    assert [(r.method, r.path) for r in oll.requests] == [
        ("POST", "/api/show"),
        ("POST", "/api/chat"),
    ]
    body = oll.bodies("/api/chat")[0]
    assert body["model"] == MODEL and body["stream"] is False
    assert body["messages"] == [{"role": "user", "content": "Capital?"}]
    assert body["options"] == {"temperature": 0.1, "num_ctx": 32768}
    assert oll.request_headers[-1]["user-agent"].startswith("ollama-python/")


def test_llama_index_stream_chat_with_responder(oll: OllamaServer) -> None:
    def responder(messages: list[dict[str, Any]]) -> str:
        return "You said: " + str(messages[-1]["content"])

    oll.responder = responder
    model = llm(oll, context_window=4096)  # explicit window: no /api/show call
    deltas = [r.delta for r in model.stream_chat([ChatMessage(role="user", content="hi there")])]
    assert "".join(d or "" for d in deltas) == "You said: hi there"
    assert [r.path for r in oll.requests] == ["/api/chat"]
    assert oll.bodies("/api/chat")[0]["options"]["num_ctx"] == 4096
    assert model.complete("ping").text == "You said: ping"


def test_llama_index_stream_error_and_timeout(oll: OllamaServer) -> None:
    model = llm(oll, context_window=4096)
    oll.replies.append(Reply("a b c d", error_mid_stream=1, error="boom"))
    with pytest.raises(ollama.ResponseError, match="boom"):
        list(model.stream_chat([ChatMessage(role="user", content="q")]))
    oll.replies.append(Reply("late", delay_first_token=2.0))
    slow = Ollama(model=MODEL, base_url=oll.url, request_timeout=0.2, context_window=4096)
    with pytest.raises(httpx.ReadTimeout):
        slow.chat([ChatMessage(role="user", content="q")])


def test_stop_does_not_hang_mid_delay(fake_ollama: StartOllama) -> None:
    srv = fake_ollama(models=[MODEL])
    srv.replies.append(Reply("never sent", delay_first_token=30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            list(ollama.Client(host=srv.url).chat(model=MODEL, messages=[], stream=True))
        except httpx.HTTPError as e:
            errors.append(e)

    worker = threading.Thread(target=call)
    worker.start()
    for _ in range(2000):  # until the request is in (a bound of 20 s, not a timing)
        if srv.requests:
            break
        time.sleep(0.01)
    srv.stop()  # the handler is in its 30 s delay, or about to be
    worker.join(timeout=20)  # the reply was due in 30 s: ending sooner means stop() cut it off
    assert not worker.is_alive()
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError]


# --- OpenAI-compatible --------------------------------------------------------------


def oai_client(srv: OpenAIServer) -> openai.OpenAI:
    # max_retries=0: the openai client otherwise retries 5xx with backoff.
    return openai.OpenAI(base_url=srv.url + "/v1", api_key="x", max_retries=0, timeout=5)


def test_openai_whole_and_stream(oai: OpenAIServer) -> None:
    client = oai_client(oai)
    msgs: list[Any] = [{"role": "user", "content": "Capital of France?"}]
    oai.replies.extend(["Paris [1].", "Paris is the capital [2]."])
    done = client.chat.completions.create(model=MODEL, messages=msgs, temperature=0)
    assert done.choices[0].message.content == "Paris [1]." and done.choices[0].finish_reason == "stop"
    assert done.usage is not None and done.usage.prompt_tokens == estimate_tokens(msgs[0]["content"])
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=msgs,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Paris is the capital [2]." and chunks[-1].usage is not None
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert oai.bodies("/v1/chat/completions")[0]["temperature"] == 0
    assert oai.request_headers[0]["authorization"] == "Bearer x"
    assert [m.id for m in client.models.list()] == [MODEL]


def test_openai_errors(oai: OpenAIServer) -> None:
    client = oai_client(oai)
    msgs: list[Any] = [{"role": "user", "content": "q"}]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4", messages=msgs)
    oai.replies.append(Reply(status=500, error="overloaded"))
    with pytest.raises(openai.InternalServerError, match="overloaded"):
        client.chat.completions.create(model=MODEL, messages=msgs)
    oai.replies.append(Reply("a b c d", error_mid_stream=2, error="kaboom"))
    with pytest.raises(openai.APIError, match="kaboom"):
        list(client.chat.completions.create(model=MODEL, messages=msgs, stream=True))
    oai.replies.append(Reply("a b c d", drop_after=1))
    with pytest.raises(httpx.RemoteProtocolError):
        list(client.chat.completions.create(model=MODEL, messages=msgs, stream=True))
    # A delayed whole answer is delayed: a client that waits less gives up. (The 30 s bound is
    # never reached: stopping the server at the end of the test cuts the delay short.)
    oai.replies.append(Reply("late", delay_first_token=30))
    impatient = openai.OpenAI(base_url=oai.url + "/v1", api_key="x", max_retries=0, timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model=MODEL, messages=msgs)
