"""Upload safety, one test per row of the table in qa/web/uploads.py: refused files leave the index as it was."""

from __future__ import annotations

import threading
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests

from qa.assistant import Assistant
from qa.config import Settings
from qa.index import layout
from qa.web import uploads
from qa.web.uploads import Result, Uploader, safe_name
from tests.pdf_maker import assemble, make_pdf
from tests.web.conftest import Launch, MakeAssistant


def drop(tmp_path: Path, name: str, data: bytes | str) -> Path:
    """A received file, as the web server leaves it in its own upload folder."""
    folder = (
        tmp_path
        / "received"
        / str(len(list((tmp_path / "received").glob("*"))) if (tmp_path / "received").exists() else 0)
    )
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def final(uploader: Uploader, *paths: Path, replace: bool = False) -> list[Result]:
    *_, last = uploader.add([str(p) for p in paths], replace)
    return last


def snapshot(bot: Assistant) -> tuple[str, Any]:
    gen = layout.current(bot.settings.index_dir)
    assert gen is not None
    return gen.name, layout.read_manifest(gen)["files"]


def assert_refused(bot: Assistant, received: Path, why: str) -> None:
    before = snapshot(bot)
    [result] = final(Uploader(bot), received)
    assert result.status == "refused" and why in result.detail, result
    assert snapshot(bot) == before  # the index is as it was
    uploads_dir = bot.settings.corpus_dir / uploads.UPLOADS
    assert not uploads_dir.exists() or not any(uploads_dir.iterdir())  # nothing reached the corpus
    staging = bot.settings.corpus_dir / uploads.STAGING
    assert not staging.exists() or not any(staging.iterdir())  # and nothing is left half-made


@pytest.mark.parametrize(
    ("received", "saved"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\evil.txt", "evil.txt"),
        (".bashrc.md", "bashrc.md"),
        ("a..b...md", "a.b.md"),
        ("notes<>:|?*.md", "notes_.md"),
        ("..", "upload"),
        ("Report.PDF", "Report.pdf"),
        (unicodedata.normalize("NFD", "café.md"), "café.md"),
    ],
)
def test_names_become_safe_base_names(received: str, saved: str) -> None:
    name = safe_name(received)
    assert name == saved
    assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
    assert unicodedata.is_normalized("NFC", name)


def test_names_are_capped_and_keep_their_suffix() -> None:
    name = safe_name("x" * 500 + ".md")
    assert len(name) <= uploads.MAX_NAME and name.endswith(".md")


def test_a_good_file_is_saved_into_uploads_and_indexed(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    bot = make_assistant()
    [result] = final(Uploader(bot), drop(tmp_path, "light.md", "The harbour lighthouse was built in 1874.\n"))
    assert result.status == "indexed" and result.saved_as == "uploads/light.md" and "1 passage" in result.detail
    assert "uploads/light.md" in bot.view.manifest["files"]  # the assistant answers from the new generation
    assert "1874" in bot.ask("When was the harbour lighthouse built?").text


def test_only_the_formats_the_loader_reads(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    assert_refused(make_assistant(), drop(tmp_path, "run.exe", b"MZ\x90\x00"), "not a format")


def test_the_size_limit_holds_while_receiving(make_assistant: MakeAssistant, launch: Launch, tmp_path: Path) -> None:
    bot = make_assistant(max_file_mb=0.01)  # about 10 KB
    server = launch(bot)
    big = b"All work and no play makes Jack a dull boy. " * 5000
    r = requests.post(f"{server.url}/gradio_api/upload", files={"files": ("big.txt", big)}, timeout=60)
    assert r.status_code == 413 and "maximum allowed size" in r.text
    # And a file that reached the handler some other way is checked again.
    assert_refused(bot, drop(tmp_path, "big.txt", big), "over the 0.01 MB limit")


def test_an_existing_name_gets_a_new_name_unless_replace(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    bot = make_assistant()
    up = Uploader(bot)
    first = final(up, drop(tmp_path, "a.md", "The first version says red.\n"))[0]
    second = final(up, drop(tmp_path, "a.md", "The second version says green.\n"))[0]
    assert (first.saved_as, second.saved_as) == ("uploads/a.md", "uploads/a (2).md")
    assert "new name" in second.detail
    third = final(up, drop(tmp_path, "a.md", "The third version says blue.\n"), replace=True)[0]
    assert third.saved_as == "uploads/a.md" and "previous version is in .trash/" in third.detail
    corpus = bot.settings.corpus_dir
    assert (corpus / "uploads/a.md").read_text() == "The third version says blue.\n"
    assert [p.read_text() for p in (corpus / ".trash").rglob("a.md")] == ["The first version says red.\n"]


def test_written_to_a_staging_file_then_linked_into_place(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    bot = make_assistant()
    seen: list[list[str]] = []
    up = Uploader(bot)
    for results in up.add([str(drop(tmp_path, "b.md", "Boats leave the pier at dawn.\n"))]):
        listing = sorted(
            p.relative_to(bot.settings.corpus_dir).as_posix() for p in bot.settings.corpus_dir.rglob("b.md")
        )
        seen.append(listing)
        if results[0].status == "checking":
            assert listing == []  # nothing in the corpus while the file is checked
    assert seen[-1] == ["uploads/b.md"]
    assert not any((bot.settings.corpus_dir / uploads.STAGING).iterdir())


def test_uploads_at_once_are_serialised_by_the_writer_lock(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    bot = make_assistant()
    received = drop(tmp_path, "c.md", "The ferry to the island costs five euros.\n")
    states: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def other_writer() -> None:  # another tab's upload, or qa index, holding the lock
        with layout.writer_lock(bot.settings.index_dir):
            holding.set()
            release.wait(60)

    t = threading.Thread(target=other_writer)
    t.start()
    holding.wait(60)
    for results in Uploader(bot).add([str(received)]):
        states.append(f"{results[0].status}: {results[0].detail}")
        if results[0].status == "queued":
            release.set()
    t.join()
    queued = [s for s in states if s.startswith("queued")]
    assert queued and "waiting for another upload to finish indexing" in queued[0]
    assert states.index(queued[0]) < len(states) - 1 and states[-1].startswith("indexed")


def test_a_page_bomb_is_refused(make_assistant: MakeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_PAGES", 5)
    pdf = make_pdf([[f"Page {i} says something."] for i in range(8)])
    assert_refused(make_assistant(), drop(tmp_path, "many.pdf", pdf), "8 pages, over the limit of 5")


def bomb_pdf(inflated: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes from a few kilobytes."""
    stream = zlib.compress(b"BT /F1 11 Tf 72 760 Td (boom) Tj ET\n" + b" " * inflated, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return assemble(objects)


def test_a_decompression_bomb_is_refused(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    pdf = bomb_pdf(100_000_000)  # 100 MB of content from about 100 KB
    assert len(pdf) < 200_000
    assert_refused(make_assistant(), drop(tmp_path, "bomb.pdf", pdf), "decompression bomb")


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("report.pdf", "<html><body>Not a PDF at all.</body></html>", "named .pdf but is not a PDF"),
        ("notes.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "named .txt but is a PNG image"),
        ("page.md", b"PK\x03\x04" + b"\x00" * 64, "is a ZIP archive"),
        ("plain.txt", b"text\x00with\x00nul bytes", "holds binary data"),
    ],
)
def test_a_file_lying_about_its_type_is_refused(
    make_assistant: MakeAssistant, tmp_path: Path, name: str, data: bytes | str, why: str
) -> None:
    assert_refused(make_assistant(), drop(tmp_path, name, data), why)


def test_a_corrupt_pdf_is_refused(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    good = make_pdf([["The archive opens on Fridays."]])
    assert_refused(make_assistant(), drop(tmp_path, "broken.pdf", good[: len(good) // 3]), "PDF")


def test_uploads_need_a_login_off_loopback_and_can_be_turned_off() -> None:
    assert uploads.allowed(Settings(host="127.0.0.1"))[0]
    assert not uploads.allowed(Settings(host="0.0.0.0"))[0]
    assert "QA_AUTH" in uploads.allowed(Settings(host="0.0.0.0"))[1]
    assert uploads.allowed(Settings(host="0.0.0.0", auth="ann:pw"))[0]
    off = uploads.allowed(Settings(host="127.0.0.1", uploads="off"))
    assert not off[0] and "QA_UPLOADS=off" in off[1]


def test_removal_moves_the_file_to_trash_and_out_of_the_index(make_assistant: MakeAssistant) -> None:
    bot = make_assistant()
    where = Uploader(bot).remove("museum.txt")
    assert where.startswith(".trash/") and (bot.settings.corpus_dir / where).is_file()
    assert not (bot.settings.corpus_dir / "museum.txt").exists()
    assert "museum.txt" not in bot.view.manifest["files"]
    assert all("museum.txt" not in c.source for c in bot.ask("Who designed the building?").citations)


def test_a_word_document_is_indexed_and_a_zip_bomb_named_docx_is_refused(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    import io
    import zipfile

    from tests.ingest.corpora import docx_bytes

    bot = make_assistant()
    good = drop(tmp_path, "minutes.docx", docx_bytes([("Normal", "The rowing club meets on Tuesday evenings.")]))
    [result] = final(Uploader(bot), good)
    assert result.status == "indexed" and result.saved_as == "uploads/minutes.docx", result
    assert "Tuesday" in bot.ask("When does the rowing club meet?").text
    bot = make_assistant()  # a fresh corpus: the refusals below must leave uploads/ empty
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document>" + " " * 60_000_000 + "</w:document>")
    assert_refused(bot, drop(tmp_path, "bomb.docx", packed.getvalue()), "decompression bomb")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("notes.txt", "not a Word file")
    assert_refused(bot, drop(tmp_path, "notes.docx", plain.getvalue()), "holds no Word document")
    assert_refused(bot, drop(tmp_path, "fake.docx", "plain text pretending"), "not a Word document")
