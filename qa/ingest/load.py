"""Loading corpus files: exact text as on disk, unreadable files skipped with a warning."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.formats import SUFFIXES as FORMAT_SUFFIXES
from qa.ingest.formats import read_formatted
from qa.types import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
CORPUS_SUFFIXES = TEXT_SUFFIXES | FORMAT_SUFFIXES  # HTML and PDF: spans index their extracted text
_BINARY_SNIFF = 8192
MAX_FILE_BYTES = 20 * 2**20  # default of QA_MAX_FILE_MB


def list_files(corpus_dir: Path, suffixes: frozenset[str] = CORPUS_SUFFIXES) -> list[Path]:
    """Return the corpus files under ``corpus_dir`` (recursive, sorted, symlink loops ignored)."""
    if not corpus_dir.exists():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist",
            "create it and put .txt, .md, .html or .pdf files in it, or pass --corpus DIR",
        )
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is not a folder")
    found: list[Path] = []
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
            if path.suffix.lower() in suffixes and not name.startswith(".") and _is_regular(path):
                found.append(path)
    return sorted(found)


def _is_regular(path: Path) -> bool:
    # A FIFO or device named *.txt would block or never end when read.
    try:
        return path.is_file()
    except OSError:
        return False


def _warn_walk(err: OSError) -> None:
    log.warning("skipping %s: %s", err.filename, err.strerror)


def read_document(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Return the file as a Document, or None (with a one-line warning) if it cannot be used."""
    source = path.relative_to(corpus_dir).as_posix()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            # One huge file (a log, a dump) would take the embedder many minutes and hold the
            # index lock all that time; it is more likely a mistake than a document.
            log.warning(
                "skipping %s: %.0f MB is over the %.0f MB limit (raise QA_MAX_FILE_MB to index it)",
                source, size / 2**20, max_bytes / 2**20,
            )  # fmt: skip
            return None
        data = path.read_bytes()
    except OSError as exc:
        log.warning("skipping %s: cannot read it (%s)", source, exc.strerror or exc)
        return None
    if path.suffix.lower() in FORMAT_SUFFIXES:
        return read_formatted(source, path.suffix.lower(), data)
    if b"\x00" in data[:_BINARY_SNIFF]:
        log.warning("skipping %s: it looks like a binary file", source)
        return None
    try:
        # newline handling: keep the bytes' own line endings so spans match the file on disk.
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.warning("skipping %s: not valid UTF-8 (byte %d); save it as UTF-8", source, exc.start)
        return None
    if text.startswith("\ufeff"):
        log.debug("%s starts with a byte-order mark; kept so offsets stay exact", source)
    return Document(source=source, text=text, sha256=hashlib.sha256(data).hexdigest())


def load_corpus(corpus_dir: Path) -> Iterator[Document]:
    """Yield every usable document of the corpus."""
    for path in list_files(corpus_dir):
        doc = read_document(path, corpus_dir)
        if doc is not None:
            yield doc
