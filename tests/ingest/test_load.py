"""Loading: unreadable files are skipped with a warning naming them."""

import logging
import os
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.ingest.load import list_files, load_corpus


def test_bad_files_are_skipped_and_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.txt").write_text("A fine sentence.", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me.".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.md").write_text("# Notes\nMore text.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    with caplog.at_level(logging.WARNING):
        docs = list(load_corpus(tmp_path))
    assert sorted(d.source for d in docs) == ["good.txt", "sub/notes.md"]
    assert "latin1.txt" in caplog.text and "UTF-8" in caplog.text
    assert "binary.txt" in caplog.text


def test_missing_corpus_says_which_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="nowhere"):
        list_files(tmp_path / "nowhere")


def test_unreadable_file_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read a file without read permission")
    f = tmp_path / "secret.txt"
    f.write_text("hidden", encoding="utf-8")
    f.chmod(0)
    assert list(load_corpus(tmp_path)) == []
    assert "secret.txt" in caplog.text


def test_read_error_is_skipped_with_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Root can read anything, so simulate the kernel refusing (EACCES) at the read itself.
    (tmp_path / "ok.txt").write_text("Readable text.", encoding="utf-8")
    (tmp_path / "locked.txt").write_text("hidden", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert [d.source for d in load_corpus(tmp_path)] == ["ok.txt"]
    assert "locked.txt" in caplog.text and "Permission denied" in caplog.text


def test_fifo_named_txt_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever
    (tmp_path / "ok.txt").write_text("Readable text.", encoding="utf-8")
    assert [p.name for p in list_files(tmp_path)] == ["ok.txt"]
