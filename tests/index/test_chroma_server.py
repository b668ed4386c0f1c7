"""Chroma server mode: index into and answer from a real ``chroma run``, updates and cleanup included."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.bench.servers import chroma_command, chroma_server, free_port
from qa.cli import doctor
from qa.config import Settings
from qa.embed.model import SentenceTransformerEmbedder
from qa.errors import StoreUnavailableError
from qa.index import layout
from qa.index.build import build_index
from qa.index.vectors import http_client
from tests import tiers
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@tiers.fixture("integration", scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if chroma_command() is None:
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def _collections(url: str) -> set[str]:
    return {c.name if hasattr(c, "name") else str(c) for c in http_client(url).list_collections()}


def test_index_update_and_answer_through_a_chroma_server(
    chroma_url: str, settings: Settings, real_embedder: SentenceTransformerEmbedder
) -> None:
    from qa.assistant import Assistant

    s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, llm="extractive", chroma_url=chroma_url)
    first = build_index(s, real_embedder, progress=False)
    gen = layout.require_current(s.index_dir)
    assert not gen.chroma_path.exists()  # vectors live on the server; manifest and BM25 stay local
    assert http_client(chroma_url).get_collection(gen.collection).count() == first.passages

    bot = Assistant.open(settings=s)
    ans = bot.ask("Can WeChat Pay be used on Taobao?")
    assert "cannot use WeChat Pay" in ans.text and ans.citations
    for c in ans.citations:
        assert (s.corpus_dir / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote

    # Two incremental updates: each embeds only the new paragraph, the answer follows, and the
    # generation that fell out of KEEP_GENERATIONS loses its collection on the server too.
    target = sorted(s.corpus_dir.iterdir())[0]
    for n, fact in enumerate(["The zebra count at the Hangzhou office reached 17 in October.",
                              "The parrot count at the Shenzhen office reached 23 in November."]):  # fmt: skip
        with target.open("a", encoding="utf-8") as f:
            f.write(f"\n\n{fact}\n")
        report = build_index(s, real_embedder, progress=False)
        assert report.embedded == 1 and report.changed == [target.name], n
    ans = bot.ask("How many parrots were counted at the Shenzhen office?")  # the open assistant picks up the update
    assert "23" in ans.text, ans
    kept = {layout.Generation(s.index_dir, p.name).collection for p in s.index_dir.glob("gen-*")}
    ours = {name for name in _collections(chroma_url) if name.startswith("qa-gen-")}
    assert len(kept) == layout.KEEP_GENERATIONS and ours == kept
    assert gen.collection not in ours


def test_cli_ask_with_chroma_url(
    chroma_url: str, settings: Settings, real_embedder: SentenceTransformerEmbedder
) -> None:
    build_index(Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, chroma_url=chroma_url),
                real_embedder, progress=False)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    res = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Who owns the South China Morning Post?", "--json", "--llm",
         "extractive", "--corpus", str(settings.corpus_dir), "--index-dir", str(settings.index_dir),
         "--chroma-url", chroma_url],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert not data["abstained"] and "Alibaba" in data["answer"]
    # Without the server flag the same index folder has no local vectors: refused, not silently empty.
    res = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Who owns the South China Morning Post?", "--llm", "extractive",
         "--index-dir", str(settings.index_dir)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert res.returncode != 0 and "rebuild" in res.stderr and "Traceback" not in res.stderr


def test_a_server_stopped_mid_session_is_an_outage_and_answers_resume_when_it_is_back(
    tmp_path: Path, settings: Settings, real_embedder: SentenceTransformerEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.assistant import Assistant

    port, data = free_port(), tmp_path / "chroma-data"
    url = f"http://127.0.0.1:{port}"
    with chroma_server(data, port=port):
        s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, llm="extractive", chroma_url=url)
        build_index(s, real_embedder, progress=False)
        published = layout.require_current(s.index_dir).name
        bot = Assistant.open(settings=s)
        assert "cannot use WeChat Pay" in bot.ask("Can WeChat Pay be used on Taobao?").text
        args = argparse.Namespace(corpus_dir=str(s.corpus_dir), index_dir=str(s.index_dir), chroma_url=url,
                                  llm="extractive", top_k=None)  # fmt: skip
        assert doctor.run(args) == 0
        assert f"[ok  ] Chroma server: {url} answers; collection" in capsys.readouterr().out
    # Out of the block the server is gone, killed as a crash would (no goodbye to its clients).
    assert doctor.run(args) == 1
    assert "[FAIL] Chroma server" in capsys.readouterr().out

    for attempt in (lambda: bot.ask("Who owns the South China Morning Post?"), lambda: Assistant.open(settings=s)):
        with pytest.raises(StoreUnavailableError) as info:
            attempt()
        assert f"the Chroma server at {url} is not reachable" in info.value.message
        assert "chroma run" in str(info.value.hint) and "rebuild" not in str(info.value)  # not damage
    (s.corpus_dir / "new.txt").write_text("The zebra count at the Hangzhou office reached 17.\n", encoding="utf-8")
    with pytest.raises(StoreUnavailableError):
        build_index(s, real_embedder, progress=False)
    assert layout.require_current(s.index_dir).name == published  # a failed update changes nothing

    with chroma_server(data, port=port):  # the same server back: the index was never damaged
        assert "Alibaba" in bot.ask("Who owns the South China Morning Post?").text
        assert build_index(s, real_embedder, progress=False).added == ["new.txt"]
