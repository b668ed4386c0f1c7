"""Adding documents from the page: checked, saved into the corpus's uploads/, indexed one by one.

Each received file goes through, in order (a file that fails a step never reaches the corpus,
so the index stays as it was):

    name      reduced to a safe base name (no folders, no "..", no leading dot, NFC, capped)
    format    only the suffixes the loader reads
    content   the bytes must be what the suffix says (a PDF starts with %PDF-, text is UTF-8)
    bombs     a PDF with too many pages, or whose text expands beyond the limit, is refused
    parse     the loader reads it in a staging folder (.uploading/, never indexed); corrupt: refused
    place     linked into uploads/ under a free name (or replacing, the old one kept in .trash/)
    index     an incremental run under the index writer's lock; a second upload waits its turn

The size limit (QA_MAX_FILE_MB) is enforced by the web server while the bytes arrive.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import IndexLockedError, QAError
from qa.ingest.load import CORPUS_SUFFIXES, TEXT_SUFFIXES
from qa.web import documents
from qa.web.access import is_loopback
from qa.web.render import esc

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.config import Settings

UPLOADS = "uploads"  # the corpus subfolder uploads are saved in
STAGING = ".uploading"  # a dot folder in the corpus: same file system (atomic rename), never indexed
MAX_NAME = 120  # characters of a saved file name, suffix included
MAX_PAGES = 2000  # a PDF with more pages is taken for a page bomb
TEXT_PER_BYTE = 4  # extracted text may be this many characters per byte of the file, no more
LOCK_POLL = 0.25  # seconds between attempts at the index writer's lock
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]+')
_MAGIC = (  # what a file that claims to be text must not start with
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)

_names = threading.Lock()  # choosing a free name and linking it in, across this process's tabs


def allowed(settings: Settings) -> tuple[bool, str]:
    """Return whether the page may add and remove documents, and why not when it may not."""
    if settings.uploads == "off":
        return False, "Adding and removing documents is turned off (QA_UPLOADS=off)."
    if settings.uploads == "on" or is_loopback(settings.host) or settings.auth:
        return True, ""
    return False, (
        "Adding documents from the page needs a login when the chat is reachable from other machines: "
        "set QA_AUTH=user:password (or QA_UPLOADS=on)."
    )


def safe_name(name: str) -> str:
    """Return a base name that is safe to create in uploads/ whatever ``name`` was."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]  # a path (either separator) keeps only its last part
    name = _UNSAFE.sub("_", name).strip().strip(".")  # no leading dot (hidden), no trailing dot
    name = re.sub(r"\.{2,}", ".", name)  # no ".." anywhere
    name = name.lstrip("_ ") or "upload"
    stem, suffix = os.path.splitext(name)
    if not stem:
        stem = "upload"
    suffix = suffix.lower()[:12]
    stem = stem[: MAX_NAME - len(suffix)].rstrip(". ") or "upload"
    return stem + suffix


def _free_name(folder: Path, name: str) -> Path:
    stem, suffix = os.path.splitext(name)
    path, n = folder / name, 1
    while path.exists():
        n += 1
        tail = f" ({n}){suffix}"
        path = folder / f"{stem[: MAX_NAME - len(tail)]}{tail}"
    return path


class Refused(Exception):
    """A file that will not be added, with the reason to show."""


def check_content(head: bytes, suffix: str) -> None:
    """Raise Refused when the first bytes contradict the suffix (a file lying about its type)."""
    if suffix == ".pdf":
        if b"%PDF-" not in head[:1024]:
            raise Refused("it is named .pdf but is not a PDF")
        return
    if suffix == ".docx":
        if not head.startswith(b"PK\x03\x04"):
            raise Refused("it is named .docx but is not a Word document")
        return
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise Refused(f"it is named {suffix} but is {what}")
    if b"\x00" in head:
        raise Refused(f"it is named {suffix} but holds binary data")


MAX_DOCX_EXPANSION = 100  # a real .docx unpacks to a few times its size; a zip bomb to thousands


def check_docx(path: Path, max_bytes: int) -> None:
    """Raise Refused for a .docx that is no Word file or unpacks to far more than it holds."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(f"it cannot be read as a Word document ({exc})") from None
    if "word/document.xml" not in names:
        raise Refused("it is named .docx but holds no Word document")
    if unpacked > max(max_bytes, MAX_DOCX_EXPANSION * path.stat().st_size):
        raise Refused(f"it unpacks to {unpacked:,} bytes (a decompression bomb?)")


def check_pdf(path: Path) -> None:
    """Raise Refused for a PDF with more pages than anyone uploads as a document (a page bomb)."""
    from pypdf import PdfReader

    try:
        pages = len(PdfReader(path).pages)
    except Exception as exc:  # pypdf has many exception types for damaged files
        raise Refused(f"it cannot be read as a PDF ({str(exc)[:100] or type(exc).__name__})") from None
    if pages > MAX_PAGES:
        raise Refused(f"it has {pages:,} pages, over the limit of {MAX_PAGES:,}")


@dataclass
class Result:
    """What happened to one file."""

    name: str  # as received
    status: str = "waiting"  # waiting, checking, queued, indexing, indexed, refused
    detail: str = ""
    saved_as: str = ""  # corpus-relative path


class Uploader:
    """Adds files to an assistant's corpus and index; shared by every session of the page."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    @property
    def settings(self) -> Settings:
        return self.assistant.settings

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_file_mb * 2**20)

    def add(self, paths: Sequence[str | Path], replace: bool = False) -> Iterator[list[Result]]:
        """Add each file in turn; yield every file's state after each step."""
        results = [Result(Path(p).name) for p in paths]
        for n, (path, result) in enumerate(zip(paths, results, strict=True), start=1):
            result.status, result.detail = "checking", f"file {n} of {len(paths)}"
            yield results
            try:
                staged = self._stage(Path(path), result)
            except Refused as exc:
                result.status, result.detail = "refused", str(exc)
                yield results
                continue
            try:
                yield from self._place_and_index(staged, replace, result, results, n, len(paths))
            except Refused as exc:
                result.status, result.detail = "refused", str(exc)
                yield results
            finally:
                shutil.rmtree(staged.parent, ignore_errors=True)

    def _stage(self, received: Path, result: Result) -> Path:
        """Check a received file and copy it into a private staging folder; return the copy."""
        name = safe_name(received.name)
        suffix = Path(name).suffix
        if suffix not in CORPUS_SUFFIXES:
            kinds = ", ".join(sorted(CORPUS_SUFFIXES))
            raise Refused(
                f"{suffix or 'a file without a suffix'} is not a format the documents can be read from ({kinds})"
            )
        size = received.stat().st_size
        if size > self.max_bytes:  # the server stops larger uploads while receiving; this is for the API
            raise Refused(f"{size / 2**20:.1f} MB is over the {self.settings.max_file_mb:g} MB limit (QA_MAX_FILE_MB)")
        if size == 0:
            raise Refused("the file is empty")
        with open(received, "rb") as f:
            head = f.read(8192)
        check_content(head, suffix)
        folder = self.settings.corpus_dir / STAGING / uuid.uuid4().hex
        folder.mkdir(parents=True)
        staged = folder / name
        try:
            shutil.copyfile(received, staged)
            self._parse(staged, size)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return staged

    def _parse(self, staged: Path, size: int) -> None:
        """Raise Refused unless the loader reads passages from ``staged`` (bombs and corrupt files)."""
        from qa.ingest.split import split_document

        if staged.suffix == ".pdf":
            check_pdf(staged)
        if staged.suffix == ".docx":
            check_docx(staged, self.max_bytes)
        doc, reason = documents.read_with_reason(staged, staged.parent, self.max_bytes)
        if doc is None:
            raise Refused(_plain(reason) or "it has no text that can be read")
        if staged.suffix not in TEXT_SUFFIXES and len(doc.text) > TEXT_PER_BYTE * max(size, 2**20):
            raise Refused(
                f"its text expands to {len(doc.text):,} characters from {size:,} bytes (a decompression bomb?)"
            )
        if not doc.text.strip() or not split_document(doc):
            raise Refused("it has no text to index (after removing boilerplate)")

    def _place_and_index(
        self, staged: Path, replace: bool, result: Result, results: list[Result], n: int, m: int
    ) -> Iterator[list[Result]]:
        folder = self.settings.corpus_dir / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        with _names:
            target = folder / staged.name
            note = ""
            if target.exists() and replace:
                kept = documents.trash(
                    self.settings.corpus_dir, target.relative_to(self.settings.corpus_dir).as_posix()
                )
                note = f"; the previous version is in {kept.relative_to(self.settings.corpus_dir).as_posix()}"
            elif target.exists():
                target = _free_name(folder, staged.name)
                note = f"; {staged.name} exists already, so it was saved under a new name"
            try:
                os.link(staged, target)  # never overwrites; the file appears complete or not at all
            except FileExistsError:  # created meanwhile by another process
                target = _free_name(folder, staged.name)
                os.link(staged, target)
            except OSError:  # a file system without hard links: a rename is atomic too
                os.rename(staged, target)
            staged.unlink(missing_ok=True)  # the corpus holds the only copy now
        result.saved_as = target.relative_to(self.settings.corpus_dir).as_posix()
        result.status, result.detail = "indexing", f"file {n} of {m}: embedding its passages"
        yield results
        told = False
        for waiting in self.reindex():
            if waiting and not told:
                result.status = "queued"
                result.detail = f"file {n} of {m}: waiting for another upload to finish indexing"
                told = True
                yield results
            elif not waiting and told:
                result.status, result.detail = "indexing", f"file {n} of {m}: embedding its passages"
                told = False
                yield results
        manifest = self.assistant.view.manifest
        entry = manifest["files"].get(result.saved_as)
        if entry is None:
            raise Refused(f"the index did not take it{note}")
        count = len(entry.get("passages", ()))
        result.status = "indexed"
        result.detail = f"{count} passage{'s' if count != 1 else ''}, saved as {result.saved_as}{note}"
        yield results

    def reindex(self) -> Iterator[bool]:
        """Bring the index up to date with the corpus, waiting for the writer's lock if need be.

        Yields True while another writer (an upload in another tab, or ``qa index``) holds the
        lock, False once this run has it; the assistant is switched to the new generation.
        """
        from qa.index.build import build_index

        while True:
            try:
                build_index(self.settings, self.assistant.embedder, stores=self.assistant.stores, progress=False)
                break
            except IndexLockedError:
                yield True
                time.sleep(LOCK_POLL)
        yield False
        self.assistant.refresh()

    def remove(self, source: str) -> str:
        """Move ``source`` to the corpus's .trash/ and drop it from the index; return where it went."""
        try:
            dest = documents.trash(self.settings.corpus_dir, source)
        except FileNotFoundError:
            raise QAError(f"{source} is not in the corpus folder") from None
        for _ in self.reindex():
            pass
        return dest.relative_to(self.settings.corpus_dir).as_posix()


def _plain(reason: str) -> str:
    if re.search(r"limit reached|decompress", reason, re.I):
        return "it expands to more data than allowed when decompressed (a decompression bomb?)"
    return reason


DASH = " \u2014 "
ICONS = {"waiting": "\u2026", "checking": "\u2026", "queued": "\u23f3", "indexing": "\u2699", "indexed": "\u2714",
         "refused": "\u2716"}  # fmt: skip


def progress_html(results: Sequence[Result]) -> str:
    """One line per file: its state and what happened."""
    items = "".join(
        f'<li class="qa-up qa-up-{r.status}" data-status="{r.status}">'
        f'<span class="qa-up-icon" aria-hidden="true">{ICONS.get(r.status, "")}</span> '
        f'<span class="qa-file">{esc(r.name)}</span>: <span class="qa-up-state">{esc(r.status)}</span>'
        f"{DASH + esc(r.detail) if r.detail else ''}</li>"
        for r in results
    )
    return f'<ul class="qa-uploads">{items}</ul>' if items else ""
