"""Bad input, row by row as tabulated in the README: a clear message or a skip, never a crash."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import BadQuestionError
from qa.index.build import build_index
from qa.ingest import load

QUESTION_ROWS = [
    ("empty", "", "empty"),
    ("whitespace", " \t\n  ", "empty"),
    ("100,000 characters", "why " * 25_000, "limit is 2,000"),
    ("only control characters and NUL", "\x00\x01\x02\x7f", "empty"),
]


@pytest.fixture
def bot(settings: Settings, embedder, stores) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.open(settings=settings, embedder=embedder, stores=stores)


@pytest.mark.parametrize(("row", "question", "message"), QUESTION_ROWS)
def test_refused_questions(bot: Assistant, row: str, question: str, message: str) -> None:
    with pytest.raises(BadQuestionError, match=message):
        bot.ask(question)


@pytest.mark.parametrize(
    ("row", "question"),
    [
        ("control characters and NUL inside", "Can WeChat\x00 Pay be\x07 used on Taobao?"),
        ("Chinese", "微信支付可以在淘宝上使用吗？"),
        ("emoji", "Can WeChat Pay 💳 be used on Taobao? 🤔"),
    ],
)
def test_odd_but_valid_questions_get_an_answer(bot: Assistant, row: str, question: str) -> None:
    ans = bot.ask(question)
    assert ans.text  # an answer or an honest abstention, never an exception
    assert ans.abstained or ans.citations


def test_corpus_with_every_kind_of_bad_file(
    tmp_path: Path, embedder, stores, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Alibaba and Tencent deepened their partnership this year.\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (corpus / "latin1.txt").write_bytes("Le caf\xe9 co\xfbte deux euros.".encode("latin-1"))
    (corpus / "loop").mkdir()
    os.symlink(corpus, corpus / "loop" / "again")
    (corpus / "gone.txt").write_text("This file vanishes before it is read.", encoding="utf-8")
    (corpus / "locked.txt").write_text("No permission to read this.", encoding="utf-8")
    real_list, real_read = load.scan, Path.read_bytes

    def list_then_delete(folder: Path, *a, **k):  # type: ignore[no-untyped-def]
        found = real_list(folder, *a, **k)
        (corpus / "gone.txt").unlink(missing_ok=True)  # deleted between listing and reading
        return found

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":  # root reads anything: simulate EACCES at the read
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr("qa.index.build.scan", list_then_delete)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    with caplog.at_level(logging.WARNING):
        report = build_index(s, embedder, stores=stores)
    assert report.files == 1 and report.passages == 1  # good.txt indexed; empty.txt has no text
    assert sorted(report.skipped) == ["binary.txt", "empty.txt", "gone.txt", "latin1.txt", "locked.txt"]
    warnings = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warnings) == 1  # every skipped file named in one line, with its reason
    for name, why in [
        ("binary.txt", "binary"),
        ("latin1.txt", "UTF-8"),
        ("gone.txt", "cannot read"),
        ("locked.txt", "Permission denied"),
        ("empty.txt", "no text"),
    ]:
        assert any(name in r.getMessage() and why in r.getMessage() for r in caplog.records), name


def test_ten_thousand_tiny_files(tmp_path: Path, embedder, stores) -> None:  # type: ignore[no-untyped-def]
    # In memory when the machine has a tmpfs: on disk, creating and later deleting 10,000 files
    # costs more than indexing them, and the indexer reads them the same either way.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path) as where:
        corpus = Path(where) / "many"
        for d in range(10):
            sub = corpus / f"d{d}"
            sub.mkdir(parents=True)
            for i in range(1000):
                (sub / f"f{i}.txt").write_text(
                    f"Note {d}-{i} mentions warehouse number {d * 1000 + i}.\n", encoding="utf-8"
                )
        report = build_index(
            Settings(corpus_dir=corpus, index_dir=Path(where) / "index"), embedder, stores=stores, progress=False
        )
    assert report.files == 10_000 and report.passages == 10_000 and report.embedded == 10_000


def test_a_50_mb_text_file_is_skipped_with_the_setting_that_allows_it(
    tmp_path: Path, embedder, stores, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Alibaba and Tencent deepened their partnership.\n", encoding="utf-8")
    with open(corpus / "huge.txt", "wb") as f:
        f.truncate(50 * 2**20)  # sparse: 50 MB on paper, nothing on disk
    with caplog.at_level(logging.WARNING):
        report = build_index(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder, stores=stores)
    assert report.skipped == ["huge.txt"] and report.passages == 1
    assert "50 MB is over the 20 MB limit" in caplog.text and "QA_MAX_FILE_MB" in caplog.text
    assert Settings.from_env({"QA_MAX_FILE_MB": "64"}).max_file_mb == 64
