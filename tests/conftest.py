"""Shared fixtures: isolated settings, deterministic fakes, the real seeds index, the fake LLM servers.

Tiers. A test is ``integration`` when it loads the real embedding model or starts a server,
and ``browser`` when it drives Chromium; nobody writes those marks by hand. The fixtures that
do such things are declared with ``tiers.fixture("integration")`` (``real_embedder`` and
everything built on it, ``launch`` for the web page, the fake Ollama/OpenAI servers,
``chroma_url``, ``llama_server``, ...), and ``pytest_collection_modifyitems`` below marks every
test whose fixture closure holds one. ``-m "not integration and not browser and not slow"`` is
then the unit tier.

Which check keeps the unit tier honest: an autouse guard (tests/tiers.py) fails any test
without the integration marker that imports torch, sentence-transformers or transformers, or
constructs a SentenceTransformer, in this process or in a Python it starts. It watches rather
than blocks, so libraries probing whether torch is installed keep working and a test cannot
mistake a blocked import for the error it expected. It runs in every run, not only in a
unit-tier run, so a full run also catches an unmarked test that loads the model after an
integration test already imported torch. A test run with the model path poisoned was the
alternative; it would only catch loads of the default model, and only when that run is made.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from qa.config import Settings
from tests import tiers
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.llm_servers import OllamaServer, OpenAIServer
from tests.fakes.store import MemoryStores

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "seeds.jsonl"
SHARED = ROOT.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tiers.mark(items)


@pytest.fixture(autouse=True)
def unit_tier_guard(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test without the integration marker must not load the real embedding model (tests/tiers.py)."""
    yield from tiers.guard_unit_tier(request, tmp_path, monkeypatch)


def root_logging() -> tuple[list[logging.Handler], int]:
    """The root logger's handlers, but pytest's (added and removed around each phase), and its level."""
    root = logging.getLogger()
    return [h for h in root.handlers if not type(h).__module__.startswith("_pytest.")], root.level


@pytest.fixture(autouse=True)
def root_logger_left_alone() -> Iterator[None]:
    """A test leaves the root logger as it found it: a handler left behind writes into the next tests'
    streams, and into closed ones ("Logging error ... I/O operation on closed file")."""
    before = root_logging()
    yield
    if root_logging() != before:
        pytest.fail(f"the test changed the root logger: {before} -> {root_logging()}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes the user's cache: the ONNX exports go to one folder for the session.

    XDG_CACHE_HOME rather than QA_CACHE_DIR, so child processes whose environment drops the
    QA_* variables (``qa bench``, CLI runs) land there too. Shared by the session's tests:
    the model is exported once. Tests about the cache itself give it a folder of their own.
    """
    root = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(root))
        yield root / "qa"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's QA_* or Ollama settings, or writes to the real index/."""
    for key in list(os.environ):
        if key.startswith("QA_") or key in {
            "OLLAMA_HOST",
            "OLLAMA_API_KEY",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
        }:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def stores() -> MemoryStores:
    return MemoryStores()


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A loopback URL where nothing listens: the port is bound (so nothing else takes it), never listened on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the seeds corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")


@tiers.fixture("integration", scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from qa.embed.model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@tiers.fixture("integration")
def loads_real_model() -> None:
    """For a test whose code under test loads the real model itself (a script, a fresh embedder, a child process)."""


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """The seeds indexed once per session with the real model and a real Chroma."""
    from qa.index.build import build_index

    root = tmp_path_factory.mktemp("seeds-index")
    s = Settings(corpus_dir=SEEDS, index_dir=root / "index", llm="extractive")
    build_index(s, real_embedder, progress=False)
    yield s


@pytest.fixture(scope="session")
def seeds_assistant(seeds_index: Settings, real_embedder):  # type: ignore[no-untyped-def]
    from qa.assistant import Assistant

    return Assistant.open(settings=seeds_index, embedder=real_embedder)


@pytest.fixture(scope="module")
def seeds_in_memory(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, MemoryStores]:
    """The seeds indexed with the hashing embedder into memory stores: answering tested without the model."""
    from qa.index.build import build_index

    s = Settings(corpus_dir=SEEDS, index_dir=tmp_path_factory.mktemp("seeds") / "index", llm="extractive")
    stores = MemoryStores()
    build_index(s, HashingEmbedder(), stores=stores, progress=False)
    return s, stores


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host in (None, "localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail any Python-level connection or DNS lookup beyond loopback; return the attempts."""
    attempts: list[Any] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            attempts.append(address)
            raise OSError(f"test forbids network access to {address!r}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            attempts.append(host)
            raise OSError(f"test forbids DNS lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


StartOllama = Callable[..., OllamaServer]
StartOpenAI = Callable[..., OpenAIServer]
Fake = TypeVar("Fake", OllamaServer, OpenAIServer)


def started(kind: type[Fake]) -> Iterator[Callable[..., Fake]]:
    """Yield a function starting fakes of ``kind`` with its keyword arguments; stop them all after."""
    servers: list[Fake] = []

    def start(**kwargs: Any) -> Fake:
        server = kind(**kwargs)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@tiers.fixture("integration")
def fake_ollama() -> Iterator[StartOllama]:
    """Start loopback Ollama fakes (tests/fakes/llm_servers.py): ``fake_ollama(models=[...], responder=...)``."""
    yield from started(OllamaServer)


@tiers.fixture("integration")
def fake_openai() -> Iterator[StartOpenAI]:
    """Start loopback OpenAI-compatible fakes, as ``fake_ollama`` does."""
    yield from started(OpenAIServer)
