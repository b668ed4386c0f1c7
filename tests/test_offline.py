"""Offline guarantee: indexing and answering never connect beyond loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS


def test_index_and_ask_in_process_make_no_outside_connection(
    tmp_path: Path, no_network: list[object], loads_real_model: None
) -> None:
    from qa.assistant import Assistant
    from qa.embed.model import SentenceTransformerEmbedder

    # A fresh embedder (not the session one) so model loading is inside the guard too.
    bot = Assistant.open(
        index_dir=tmp_path / "index", corpus_dir=SEEDS, llm="extractive", embedder=SentenceTransformerEmbedder()
    )
    ans = bot.ask("Can WeChat Pay be used on Taobao?")
    assert "cannot use WeChat Pay" in ans.text
    assert no_network == []


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux) to drop the network")
def test_cli_works_in_a_process_with_no_network_at_all(tmp_path: Path, loads_real_model: None) -> None:
    # A new network namespace has no interface but loopback: any outside connection fails at the
    # kernel, including from Chroma's Rust code which Python-level guards cannot see.
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root or user namespaces)")
    index = tmp_path / "index"
    script = (
        f"ip link set lo up 2>/dev/null; {sys.executable} -m qa index --corpus {SEEDS} --index-dir {index} && "
        f"{sys.executable} -m qa ask 'Can WeChat Pay be used on Taobao?' --json --llm extractive "
        f"--corpus {SEEDS} --index-dir {index}"
    )
    res = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "cannot use WeChat Pay" in res.stdout


def test_the_guard_itself_refuses_outside_addresses_and_allows_loopback(no_network: list[object]) -> None:
    import socket

    with socket.socket() as s, pytest.raises(OSError, match="forbids"):
        s.connect(("192.0.2.1", 80))  # refused by the guard before any packet is sent
    with pytest.raises(OSError, match="forbids"):
        socket.getaddrinfo("example.com", 443)
    assert no_network == [("192.0.2.1", 80), "example.com"]
    socket.getaddrinfo("127.0.0.1", 80)  # loopback stays allowed
