"""Loopback fakes of the Ollama and OpenAI-compatible chat REST APIs, for tests.

The real servers cannot be installed in CI, but the product's real client code
(``llama_index.llms.ollama.Ollama`` -> ``ollama`` -> httpx, and ``openai``)
should still be exercised over real HTTP, so these are servers, not patches.

    with OllamaServer(models=["qwen2.5:3b"]) as srv:
        srv.replies.append(Reply("Paris [1].", delay_first_token=0.2))
        llm = Ollama(model="qwen2.5:3b", base_url=srv.url)
        ...
        assert srv.bodies("/api/chat")[0]["options"]["num_ctx"] == 32768

``llama_responder(llama)`` makes a real model (llama-cpp-python, in-process) the
responder, so the Ollama client path meets real model text too.

What the model "says" comes from, in order: ``srv.replies`` (a deque of ``str``
or ``Reply``, consumed one per generation request), else ``srv.responder(messages)``
if set, else ``srv.default_reply``. Every request is recorded in ``srv.requests``
as ``RecordedRequest(method, path, body)``; its headers are in
``srv.request_headers`` at the same index.

Token counts (Ollama ``prompt_eval_count``/``eval_count``, OpenAI ``usage``) come
from ``estimate_tokens``: words * 1.3, rounded up. It is not a tokenizer, only
monotone in text length, so tests may compare counts but not pin exact values.

Streams use HTTP/1.1 chunked transfer encoding, as the real servers do, so each
piece reaches the client as it is written and an abrupt close (``drop_after``)
is seen by httpx as an incomplete body, not as a normal end of stream.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, NamedTuple, cast

Message = dict[str, Any]


@dataclass
class Reply:
    """One scripted model answer, plus optional timing and fault injection."""

    text: str = ""
    chunks: list[str] | None = None  # explicit stream pieces; default: split `text`
    delay_first_token: float = 0.0  # seconds before the first piece (or whole answer)
    delay_between_chunks: float = 0.0  # seconds between streamed pieces
    error_mid_stream: int | None = None  # after N pieces send an in-stream error
    drop_after: int | None = None  # after N pieces close the socket, unfinished
    status: int | None = None  # answer with this HTTP error status instead
    error: str = "fake server error"  # message for `status` / `error_mid_stream`
    # Pieces after the first wait until this is set (10 s at most, then the stream is dropped):
    # a test sets it once the first piece has reached the client, proving the stream is not buffered.
    hold: threading.Event | None = None

    def pieces(self) -> list[str]:
        """Stream pieces: `chunks`, or `text` split on word boundaries into <= 4."""
        if self.chunks is not None:
            return list(self.chunks)
        words = re.findall(r"\s*\S+\s*|\s+", self.text)  # joins back to `text` exactly
        if not words:
            return []
        size = math.ceil(len(words) / min(4, len(words)))
        return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


Responder = Callable[[list[Message]], "str | Reply"]


class RecordedRequest(NamedTuple):
    method: str
    path: str
    body: Any  # parsed JSON body, or None when there was none


def estimate_tokens(text: str) -> int:
    """Rough token count (words * 1.3, rounded up); see the module docstring."""
    return math.ceil(len(text.split()) * 1.3)


def _messages_text(messages: list[Message]) -> str:
    return " ".join(str(m.get("content") or "") for m in messages)


class _Aborted(Exception):
    """Raised inside a handler to abandon the connection (drop or shutdown)."""


class _HTTPServer(ThreadingHTTPServer):
    # Handler threads are not joined on close (a client may hold a keep-alive
    # socket forever); instead `abort_all` shuts their sockets so they exit.
    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: type[BaseHTTPRequestHandler], fake: _FakeServer) -> None:
        self.fake = fake
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._sockets.discard(request)
        super().shutdown_request(request)

    def abort_all(self) -> None:
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-stream is normal in these tests; stay quiet


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: body parsing, recording, chunked writes, scripted faults."""

    # Keep-alive and chunked encoding, like the real servers.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    # (method, path) -> name of the handler method that serves it
    routes: ClassVar[dict[tuple[str, str], str]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean

    @property
    def fake(self) -> _FakeServer:
        return self.server.fake

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self.fake.requests.append(RecordedRequest(method, path, body))
        self.fake.request_headers.append({k.lower(): v for k, v in self.headers.items()})
        try:
            if isinstance(body, str):
                return self.send_json(400, self.error_body(400, "invalid JSON body"))
            name = self.routes.get((method, path))
            if name is None:
                return self.send_json(404, self.error_body(404, f"no route {method} {path}"))
            getattr(self, name)(body if isinstance(body, dict) else {})
        except (_Aborted, OSError):
            # Client gone, fault injected, or shutting down: never reuse the socket.
            self.close_connection = True

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": message}

    def send_json(self, status: int, obj: Any, content_type: str = "application/json") -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def drop(self) -> None:
        """Close the TCP connection abruptly, as a crashed server would."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise _Aborted

    def pause(self, seconds: float) -> None:
        if seconds > 0 and self.fake._stop.wait(seconds):
            self.drop()  # server stopping: don't keep the client (or stop()) waiting

    def play(
        self,
        reply: Reply,
        content_type: str,
        render: Callable[[str, int], bytes],
        render_error: Callable[[str], bytes],
    ) -> bool:
        """Stream `reply`'s pieces as chunks; False if an in-stream error ended it.

        The caller writes the final record(s) and then calls `end_stream`.
        """
        self.pause(reply.delay_first_token)
        if reply.status:
            self.send_json(reply.status, self.error_body(reply.status, reply.error))
            return False
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = reply.pieces()
        for i in range(len(pieces) + 1):
            if reply.drop_after is not None and i >= reply.drop_after:
                self.drop()
            if reply.error_mid_stream is not None and i >= reply.error_mid_stream:
                self.write_chunk(render_error(reply.error))
                self.end_stream()
                return False
            if i == len(pieces):
                return True
            if i:
                self.pause(reply.delay_between_chunks)
                if reply.hold is not None and not reply.hold.wait(10):
                    self.drop()
            self.write_chunk(render(pieces[i], i))
        return True

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def answer_whole(self, reply: Reply) -> bool:
        """Non-streaming counterpart of `play`: wait, inject faults; True to proceed."""
        gaps = max(len(reply.pieces()) - 1, 0)
        self.pause(reply.delay_first_token + reply.delay_between_chunks * gaps)
        if reply.drop_after is not None:
            self.drop()
        status = reply.status or (500 if reply.error_mid_stream is not None else None)
        if status:
            self.send_json(status, self.error_body(status, reply.error))
            return False
        return True


class _FakeServer:
    """Lifecycle, reply script and request log shared by both fakes."""

    handler: type[_Handler] = _Handler

    def __init__(
        self,
        models: list[str] | None = None,
        default_reply: str | Reply = "This is a fake reply.",
        responder: Responder | None = None,
    ) -> None:
        self.models: list[str] = list(models if models is not None else ["qwen2.5:3b"])
        self.replies: collections.deque[str | Reply] = collections.deque()
        self.default_reply = default_reply
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self.request_headers: list[dict[str, str]] = []
        self._stop = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> _FakeServer:
        self._stop.clear()
        self._httpd = _HTTPServer(self.handler, self)
        # A short poll interval keeps shutdown() (which waits for the loop) fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stop.set()  # wakes handlers sleeping in a scripted delay
        self._httpd.shutdown()
        self._httpd.abort_all()  # frees handlers blocked on keep-alive reads
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._httpd = None

    def __enter__(self) -> Any:  # Any: subclasses return themselves
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def bodies(self, path: str) -> list[Any]:
        """JSON bodies of the recorded requests to `path`, oldest first."""
        return [r.body for r in self.requests if r.path == path]

    def knows(self, model: str) -> bool:
        # Ollama resolves a bare name to its ":latest" tag.
        return model in self.models or (":" not in model and f"{model}:latest" in self.models)

    def next_reply(self, messages: list[Message]) -> Reply:
        try:
            spec = self.replies.popleft()
        except IndexError:
            spec = self.responder(messages) if self.responder else self.default_reply
        return spec if isinstance(spec, Reply) else Reply(spec)


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


class _OllamaHandler(_Handler):
    routes: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", "/"): "root",
        ("GET", "/api/version"): "version",
        ("GET", "/api/tags"): "tags",
        ("POST", "/api/show"): "show",
        ("POST", "/api/chat"): "chat",
        ("POST", "/api/generate"): "generate",
    }

    @property
    def fake(self) -> OllamaServer:  # narrows the base property's type
        return cast(OllamaServer, self.server.fake)

    def root(self, body: dict[str, Any]) -> None:
        data = b"Ollama is running"  # what clients probing the root expect
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def version(self, body: dict[str, Any]) -> None:
        self.send_json(200, {"version": "0.5.7"})

    def tags(self, body: dict[str, Any]) -> None:
        models = [
            {
                "name": m,
                "model": m,
                "modified_at": _now_iso(),
                "size": 1_929_912_432,
                "digest": uuid.uuid5(uuid.NAMESPACE_URL, m).hex * 2,
                "details": self.fake.details,
            }
            for m in self.fake.models
        ]
        self.send_json(200, {"models": models})

    def show(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name") or ""
        if not self.fake.knows(name):
            return self.send_json(404, {"error": f"model '{name}' not found"})
        arch = self.fake.details["family"]
        self.send_json(
            200,
            {
                "modelfile": f"FROM {name}\n",
                "parameters": 'stop "<|im_end|>"',
                "template": "{{ .Prompt }}",
                "details": self.fake.details,
                "model_info": {
                    "general.architecture": arch,
                    f"{arch}.context_length": self.fake.context_length,
                },
                "capabilities": list(self.fake.capabilities),
                "modified_at": _now_iso(),
            },
        )

    def chat(self, body: dict[str, Any]) -> None:
        self._generate(body, body.get("messages") or [], chat=True)

    def generate(self, body: dict[str, Any]) -> None:
        messages = [{"role": "system", "content": body["system"]}] if body.get("system") else []
        self._generate(
            body,
            [*messages, {"role": "user", "content": body.get("prompt") or ""}],
            chat=False,
        )

    def _generate(self, body: dict[str, Any], messages: list[Message], chat: bool) -> None:
        model = body.get("model") or ""
        if not self.fake.knows(model):
            return self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
        started = time.monotonic_ns()
        reply = self.fake.next_reply(messages)
        text = "".join(reply.pieces())

        def record(content: str, done: bool) -> dict[str, Any]:
            out: dict[str, Any] = {"model": model, "created_at": _now_iso()}
            if chat:
                out["message"] = {"role": "assistant", "content": content}
            else:
                out["response"] = content
            out["done"] = done
            if done:
                total = time.monotonic_ns() - started
                out.update(
                    done_reason="stop",
                    total_duration=total,
                    load_duration=total // 10,
                    prompt_eval_count=estimate_tokens(_messages_text(messages)),
                    prompt_eval_duration=total // 5,
                    eval_count=estimate_tokens(text),
                    eval_duration=total // 2,
                )
            return out

        def line(obj: dict[str, Any]) -> bytes:
            return json.dumps(obj).encode() + b"\n"

        if body.get("stream", True):  # Ollama streams unless told otherwise
            if self.play(
                reply,
                "application/x-ndjson",
                lambda piece, _: line(record(piece, False)),
                lambda err: line({"error": err}),
            ):
                self.write_chunk(line(record("", True)))
                self.end_stream()
        elif self.answer_whole(reply):
            self.send_json(200, record(text, True))


class OllamaServer(_FakeServer):
    """Fake Ollama REST API (docs/api.md): version, tags, show, chat, generate."""

    handler = _OllamaHandler

    def __init__(
        self,
        models: list[str] | None = None,
        default_reply: str | Reply = "This is a fake reply.",
        responder: Responder | None = None,
        # Reported by /api/show; llama-index sends it back as options.num_ctx.
        context_length: int = 32768,
        capabilities: tuple[str, ...] = ("completion",),
    ) -> None:
        super().__init__(models, default_reply, responder)
        self.context_length = context_length
        self.capabilities = capabilities
        self.details: dict[str, Any] = {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "3.1B",
            "quantization_level": "Q4_K_M",
        }


class _OpenAIHandler(_Handler):
    routes: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", "/v1/models"): "models",
        ("POST", "/v1/chat/completions"): "chat",
    }

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind = "not_found" if status == 404 else "server_error"
        return {"error": {"message": message, "type": kind, "code": status}}

    def models(self, body: dict[str, Any]) -> None:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.fake.models]
        self.send_json(200, {"object": "list", "data": data})

    def chat(self, body: dict[str, Any]) -> None:
        model = body.get("model") or ""
        if not self.fake.knows(model):
            return self.send_json(404, self.error_body(404, f"The model `{model}` does not exist"))
        messages = body.get("messages") or []
        reply = self.fake.next_reply(messages)
        text = "".join(reply.pieces())
        prompt_tokens = estimate_tokens(_messages_text(messages))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": estimate_tokens(text),
            "total_tokens": prompt_tokens + estimate_tokens(text),
        }
        head = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "created": int(time.time()),
            "model": model,
        }

        if not body.get("stream"):
            if self.answer_whole(reply):
                self.send_json(
                    200,
                    {
                        **head,
                        "object": "chat.completion",
                        "usage": usage,
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text},
                                "logprobs": None,
                            }
                        ],
                    },
                )
            return

        def sse(obj: dict[str, Any]) -> bytes:
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        def chunk(delta: dict[str, str], finish: str | None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None}
            choices = [{**choice, "finish_reason": finish}]
            return sse({**head, "object": "chat.completion.chunk", "choices": choices})

        def piece(text: str, i: int) -> bytes:
            # The role rides on the first content delta, as llama.cpp's server does.
            first = {"role": "assistant"} if i == 0 else {}
            return chunk({**first, "content": text}, None)

        def error(message: str) -> bytes:
            return sse(self.error_body(500, message))

        if self.play(reply, "text/event-stream", piece, error):
            self.write_chunk(chunk({}, "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                obj: dict[str, Any] = {**head, "object": "chat.completion.chunk"}
                self.write_chunk(sse({**obj, "choices": [], "usage": usage}))
            self.write_chunk(b"data: [DONE]\n\n")
            self.end_stream()


class OpenAIServer(_FakeServer):
    """Fake of an OpenAI-compatible server: /v1/models and /v1/chat/completions."""

    handler = _OpenAIHandler


def llama_responder(llama: Any, max_tokens: int = 96) -> Responder:
    """Replies written by a real model: a ``llama_cpp.Llama`` in this process, its GGUF chat template applied.

    The whole reply is generated, then streamed one model token per chunk, as Ollama does.
    Generations are serialised: one llama.cpp context serves one at a time.
    """
    lock = threading.Lock()

    def respond(messages: list[Message]) -> Reply:
        with lock:
            chunks = llama.create_chat_completion(
                messages=[{"role": m["role"], "content": m.get("content") or ""} for m in messages],
                stream=True,
                max_tokens=max_tokens,
                temperature=0.0,
            )
            pieces = [c["choices"][0]["delta"].get("content") or "" for c in chunks]
        return Reply(chunks=[p for p in pieces if p])

    return respond
