"""Loading corpus files: exact text as on disk, and every file that cannot be used named with why."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.formats import EXTRACTED_KINDS, SUPPORTED, read_formatted
from qa.types import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".csv", ""})
CORPUS_SUFFIXES = SUPPORTED  # HTML, PDF and DOCX: spans index their extracted text
_BINARY_SNIFF = 8192
MAX_FILE_BYTES = 20 * 2**20  # default of QA_MAX_FILE_MB


def _suffix(path: Path) -> str:
    return path.suffix.lower() if not path.name.startswith(".") else ""


def scan(corpus_dir: Path) -> tuple[list[Path], list[Path]]:
    """Return (supported, unsupported) files under ``corpus_dir``: recursive, sorted, loops ignored.

    Hidden files and folders (``.git``, ``.DS_Store``) are neither.
    """
    if not corpus_dir.exists():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist",
            "create it and put .txt, .md, .rst, .csv, .html, .pdf or .docx files in it, or pass --corpus DIR",
        )
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is not a folder")
    found: list[Path] = []
    other: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    # os.walk with followlinks would loop forever on a symlink cycle; track (dev, inode).
    for root, dirs, files in os.walk(corpus_dir, followlinks=True, onerror=_warn_walk):
        try:
            st = os.stat(root)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if name.startswith(".") or not _is_regular(path):
                continue
            (found if _suffix(path) in SUPPORTED else other).append(path)
    return sorted(found), sorted(other)


def list_files(corpus_dir: Path, suffixes: frozenset[str] = CORPUS_SUFFIXES) -> list[Path]:
    """Return the corpus files under ``corpus_dir`` that a parser reads."""
    return [p for p in scan(corpus_dir)[0] if _suffix(p) in suffixes]


def _is_regular(path: Path) -> bool:
    # A FIFO or device named *.txt would block or never end when read.
    try:
        return path.is_file()
    except OSError:
        return False


def _warn_walk(err: OSError) -> None:
    log.warning("skipping %s: %s", err.filename, err.strerror)


def unsupported_reason(path: Path) -> str:
    return f"unsupported file type {_suffix(path) or '(no suffix)'}; convert it to .txt, .md, .pdf, .docx or .csv"


def open_document(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | str:
    """Return the file as a Document, or the reason it cannot be used."""
    source = path.relative_to(corpus_dir).as_posix()
    suffix = _suffix(path)
    if suffix not in SUPPORTED:
        return unsupported_reason(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            # One huge file (a log, a dump) would take the embedder many minutes and hold the
            # index lock all that time; it is more likely a mistake than a document.
            return (
                f"{size / 2**20:.0f} MB is over the {max_bytes / 2**20:.0f} MB limit (raise QA_MAX_FILE_MB to index it)"
            )
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if suffix in EXTRACTED_KINDS:
        return read_formatted(source, suffix, data)
    if b"\x00" in data[:_BINARY_SNIFF]:
        return "it looks like a binary file"
    try:
        # newline handling: keep the bytes' own line endings so spans match the file on disk.
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}); save it as UTF-8"
    if not text.strip():
        return "no text"
    return Document(source=source, text=text, sha256=hashlib.sha256(data).hexdigest())


def warn_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    """Log every skipped file with its reason, in one warning line."""
    if skipped:
        listed = "; ".join(f"{source} ({reason})" for source, reason in skipped)
        log.warning("skipped %d file%s: %s", len(skipped), "" if len(skipped) == 1 else "s", listed)


def read_document(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Return the file as a Document, or None (with a one-line warning) if it cannot be used."""
    doc = open_document(path, corpus_dir, max_bytes)
    if isinstance(doc, str):
        warn_skipped([(path.relative_to(corpus_dir).as_posix(), doc)])
        return None
    return doc


def load_corpus(corpus_dir: Path) -> Iterator[Document]:
    """Yield every usable document of the corpus; the files skipped are named in one warning."""
    supported, other = scan(corpus_dir)
    skipped = [(p.relative_to(corpus_dir).as_posix(), unsupported_reason(p)) for p in other]
    for path in supported:
        doc = open_document(path, corpus_dir)
        if isinstance(doc, str):
            skipped.append((path.relative_to(corpus_dir).as_posix(), doc))
        else:
            yield doc
    warn_skipped(sorted(skipped))
