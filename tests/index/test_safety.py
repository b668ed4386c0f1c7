"""Index safety: killed writers, stale locks, corrupted folders, readers during writes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import IndexCorruptError, IndexLockedError
from qa.index import layout
from qa.index.build import build_index
from qa.index.view import IndexView
from tests.conftest import ROOT, SEEDS
from tests.fakes.embedder import HashingEmbedder


def test_stale_lock_from_a_killed_process_is_recovered(tmp_path: Path) -> None:
    code = "import sys, time; from pathlib import Path; from qa.index import layout\n" \
           "with layout.writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)"  # fmt: skip
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    with pytest.raises(IndexLockedError, match=f"pid {child.pid}"), layout.writer_lock(tmp_path):
        pass
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert (tmp_path / ".lock").exists()  # the file stays behind...
    with layout.writer_lock(tmp_path):  # ...but nobody holds it: the next writer proceeds
        pass


def test_interrupted_write_leaves_the_previous_generation_in_use(
    settings: Settings, embedder, stores, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = build_index(settings, embedder, stores=stores)
    (settings.corpus_dir / "extra.txt").write_text("A brand new sentence about Meituan deliveries.", encoding="utf-8")

    def crash(*_a, **_k):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # as if killed just before publishing

    monkeypatch.setattr(layout, "publish", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder, stores=stores)
    monkeypatch.undo()
    assert layout.current(settings.index_dir).name == first.generation  # type: ignore[union-attr]
    view = IndexView.open(settings, embedder.model_id, stores)
    assert not any("Meituan" in p.text for p in view.passages.values())
    again = build_index(settings, embedder, stores=stores)  # the next run completes the work
    assert again.added == ["extra.txt"]
    assert sum(1 for p in settings.index_dir.glob("gen-*")) <= layout.KEEP_GENERATIONS


@pytest.mark.parametrize(
    "damage", ["manifest_truncated", "manifest_missing", "current_dangling", "bm25_missing", "chroma_missing"]
)
def test_corrupted_index_is_detected_with_the_fix(tmp_path: Path, embedder: HashingEmbedder, damage: str) -> None:
    # A real Chroma store on disk (no `stores` fake): its folder is one of the things damaged.
    # Which embedder filled it does not matter to the checks, so the fast one does.
    s = Settings(corpus_dir=SEEDS, index_dir=tmp_path / "index", llm="extractive")
    build_index(s, embedder, progress=False)
    gen = layout.require_current(s.index_dir)
    if damage == "manifest_truncated":
        data = gen.manifest_path.read_bytes()
        gen.manifest_path.write_bytes(data[: len(data) // 2])
    elif damage == "manifest_missing":
        gen.manifest_path.unlink()
    elif damage == "current_dangling":
        (s.index_dir / "CURRENT").write_text("gen-does-not-exist\n", encoding="utf-8")
    elif damage == "bm25_missing":
        shutil.rmtree(gen.bm25_path)
    else:
        shutil.rmtree(gen.chroma_path)
    with pytest.raises(IndexCorruptError) as info:
        Assistant.open(settings=s, embedder=embedder).ask("Can WeChat Pay be used on Taobao?")
    assert "qa index --rebuild" in str(info.value)
    build_index(s, embedder, rebuild=True, progress=False)  # and the fix works
    assert not Assistant.open(settings=s, embedder=embedder).ask("Can WeChat Pay be used on Taobao?").abstained


def test_cli_reports_corruption_in_one_line(tmp_path: Path, embedder: HashingEmbedder) -> None:
    index = tmp_path / "index"
    build_index(Settings(corpus_dir=SEEDS, index_dir=index), embedder, progress=False)
    gen = layout.require_current(index)
    gen.manifest_path.write_text("{not json", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "qa", "ask", "Can WeChat Pay be used on Taobao?", "--index-dir", str(index),
                          "--llm", "extractive"], capture_output=True, text=True, cwd=ROOT, timeout=300)  # fmt: skip
    assert res.returncode != 0 and "Traceback" not in res.stderr and "qa index --rebuild" in res.stderr


def test_reader_keeps_answering_during_indexing_and_sees_the_new_index(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")
    build_index(s, real_embedder, progress=False)
    bot = Assistant.open(settings=s, embedder=real_embedder)
    for i in range(40):
        (corpus / f"extra{i}.txt").write_text(f"Filler paragraph number {i} about logistics hubs.\n", encoding="utf-8")
    (corpus / "news.txt").write_text("Meituan opened a drone delivery hub in Shenzhen in 2024.\n", encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--index-dir", str(s.index_dir)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    answered = 0
    while writer.poll() is None:
        assert "cannot use WeChat Pay" in bot.ask("Can WeChat Pay be used on Taobao?").text
        answered += 1
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert answered > 0
    ans = bot.ask("Where did Meituan open a drone delivery hub?")  # new generation picked up, no restart
    assert not ans.abstained and "Shenzhen" in ans.text


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_usable_index(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")
    build_index(s, real_embedder, progress=False)
    for i in range(300):
        (corpus / f"bulk{i}.txt").write_text(
            f"Bulk sentence {i} about port logistics. Another line {i} on shipping.\n", encoding="utf-8"
        )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (0.5, 2.0, 4.0, 7.0):
        child = subprocess.Popen([sys.executable, "-m", "qa", "index", "--rebuild", "--corpus", str(corpus), "--index-dir",
                                  str(s.index_dir)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        ans = Assistant.open(settings=s, embedder=real_embedder).ask("Can WeChat Pay be used on Taobao?")
        assert "cannot use WeChat Pay" in ans.text  # whatever generation is current is complete
    report = build_index(replace(s), real_embedder, progress=False)
    assert report.files == 302
    assert (
        "port logistics"
        in Assistant.open(settings=s, embedder=real_embedder).ask("What is bulk sentence 7 about?").text
    )
