"""Shared fixtures: isolated settings, deterministic fakes, and the real seeds index."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.config import Settings
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "seeds.jsonl"
SHARED = ROOT.parent / "shared"


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
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the seeds corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from qa.embed.model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


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
