"""Web chat fixtures: assistants on small corpora, the page served on a free loopback port."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import AnswerStream, Assistant
from qa.bench.servers import free_port
from qa.config import Settings
from qa.types import Answer
from qa.web import Server, serve
from tests import tiers
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores
from tests.web.chromium import browser, tab  # noqa: F401  # the Chromium fixtures, for every web test module
from tests.web.corpora import MUSEUM, write


@pytest.fixture(autouse=True)
def quiet_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the tests' own gradio_client from reporting each new Client to Hugging Face.

    huggingface_hub reads HF_HUB_DISABLE_TELEMETRY once, when first imported, which may be before
    anything in this process set it; the no-outside-connection test would (rightly) catch it.
    """
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)


class SlowAssistant(Assistant):
    """Streams its answer word by word with a pause, like a model writing it."""

    delay = 0.05
    intervals: list[tuple[float, float]]  # (start, end) of every answer streamed, for overlap checks

    def stream(self, question: str, history: Sequence[str] = (), sources: Sequence[str] | None = None) -> AnswerStream:
        return AnswerStream(self._slowly(super().stream(question, history, sources)))

    def _slowly(self, answering: AnswerStream) -> Generator[str, None, Answer]:
        started = time.monotonic()
        with answering:
            for piece in answering:
                for word in re.findall(r"\S+\s*", piece):
                    time.sleep(self.delay)
                    yield word
            answer = answering.answer()
        self.__dict__.setdefault("intervals", []).append((started, time.monotonic()))
        return answer


MakeAssistant = Callable[..., Assistant]


@pytest.fixture
def make_assistant(tmp_path: Path) -> MakeAssistant:
    """Return a factory: an Assistant on a small corpus, with the hashing embedder and memory store."""
    count = 0

    def make(corpus: dict[str, str] = MUSEUM, cls: type[Assistant] = Assistant, **changes: Any) -> Assistant:
        nonlocal count
        count += 1
        root = tmp_path / f"web-{count}"
        settings = Settings(corpus_dir=write(corpus, root / "corpus"), index_dir=root / "index", llm="extractive")
        return cls.open(settings=replace(settings, **changes), embedder=HashingEmbedder(), stores=MemoryStores())

    return make


Launch = Callable[..., Server]


@tiers.fixture("integration")
def launch() -> Iterator[Launch]:
    """Return a function serving an assistant's page on a free loopback port; all stop at the end."""
    servers: list[Server] = []

    def start(assistant: Assistant | None, settings: Settings | None = None, **changes: Any) -> Server:
        base = settings or (assistant.settings if assistant else Settings.from_env())
        server = serve(replace(base, host="127.0.0.1", port=free_port(), **changes), assistant)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client(url: str, **kw: Any) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, **kw)


def content(message: dict[str, Any]) -> str:
    """The markup of one chat message as the client returns it."""
    body = message["content"]
    if isinstance(body, str):
        return body
    return "".join(part.get("text", "") for part in body if isinstance(part, dict))


def ask(c: Any, question: str) -> tuple[list[dict[str, Any]], str]:
    """Ask through the page's API; return the chat messages and the sources panel."""
    messages, panel, _ = c.predict(question, api_name="/ask")
    return messages, panel
