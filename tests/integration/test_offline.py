"""Offline guarantee: indexing and answering never connect beyond loopback."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.integration


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail any Python-level connection (or DNS lookup) to a non-loopback address."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            attempts.append(address)
            raise OSError(f"test forbids network access to {address!r}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not _is_loopback(host):
            attempts.append(host)
            raise OSError(f"test forbids DNS lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_index_and_ask_in_process_make_no_outside_connection(tmp_path: Path, no_network: list[Any]) -> None:
    from qa.assistant import Assistant
    from qa.embeddings import SentenceTransformerEmbedder

    # A fresh embedder (not the session one) so model loading is inside the guard too.
    bot = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=SEEDS, llm="extractive", embedder=SentenceTransformerEmbedder()
    )
    ans = bot.ask("Can WeChat Pay be used on Taobao?")
    assert "cannot use WeChat Pay" in ans.text
    assert no_network == []


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux) to drop the network")
def test_cli_works_in_a_process_with_no_network_at_all(tmp_path: Path) -> None:
    # A new network namespace has no interface but loopback: any outside connection fails at the
    # kernel, including from Chroma's Rust code which Python-level guards cannot see.
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root or user namespaces)")
    index = tmp_path / "index"
    script = (
        f"ip link set lo up 2>/dev/null; {sys.executable} -m qa.cli index --corpus {SEEDS} --index-dir {index} && "
        f"{sys.executable} -m qa.cli ask 'Can WeChat Pay be used on Taobao?' --json --llm extractive "
        f"--corpus {SEEDS} --index-dir {index}"
    )
    res = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "cannot use WeChat Pay" in res.stdout
