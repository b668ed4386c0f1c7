"""The document list, the whole-document view, and removing a document to the corpus's .trash/."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.ingest.load import read_document
from qa.web.render import esc

TRASH = ".trash"  # inside the corpus: a dot folder, so the loader never indexes it
KINDS = {".txt": "Text", ".md": "Markdown", ".markdown": "Markdown", ".html": "HTML", ".htm": "HTML", ".pdf": "PDF"}


@dataclass(frozen=True)
class Row:
    """One indexed document as the list shows it."""

    source: str
    kind: str
    size: int | None  # bytes on disk; None when the file has gone since it was indexed
    passages: int
    indexed: str


def rows(manifest: dict[str, Any], corpus_dir: Path) -> list[Row]:
    """Return the indexed documents, in path order."""
    created = str(manifest.get("created", ""))
    out = []
    for source, entry in sorted(manifest["files"].items()):
        try:
            size: int | None = (corpus_dir / source).stat().st_size
        except OSError:
            size = None
        kind = KINDS.get(Path(source).suffix.lower(), Path(source).suffix.lstrip(".").upper() or "file")
        out.append(Row(source, kind, size, len(entry.get("passages", ())), str(entry.get("indexed", created))))
    return out


def skipped(manifest: dict[str, Any], corpus_dir: Path, max_bytes: int) -> list[tuple[str, str]]:
    """Return (file, why it was skipped) for the files the last indexing run could not use."""
    out = []
    for entry in manifest.get("skipped", ()):
        if isinstance(entry, dict):  # a loader that records the reason
            out.append((str(entry.get("source", entry.get("file", "?"))), str(entry.get("reason", ""))))
            continue
        source = str(entry)
        path = corpus_dir / source
        reason = why_unreadable(path, corpus_dir, max_bytes) if path.is_file() else "removed since"
        out.append((source, reason or "no usable text"))
    return out


def read_with_reason(path: Path, corpus_dir: Path, max_bytes: int) -> tuple[Any, str]:
    """Return (the Document or None, the loader's reason when None)."""
    from qa.ingest.load import open_document

    got = open_document(path, corpus_dir, max_bytes)
    return (None, got) if isinstance(got, str) else (got, "")


def why_unreadable(path: Path, corpus_dir: Path, max_bytes: int) -> str:
    return read_with_reason(path, corpus_dir, max_bytes)[1]


def _size(n: int | None) -> str:
    if n is None:
        return "gone"
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _when(stamp: str) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return stamp or "?"


def list_html(items: list[Row], skips: list[tuple[str, str]], query: str = "") -> str:
    """The list, filtered by ``query`` (case-insensitive, on the path and the type)."""
    q = query.strip().lower()
    shown = [r for r in items if not q or q in r.source.lower() or q in r.kind.lower()]
    head = f"{len(items)} document{'s' if len(items) != 1 else ''} indexed"
    if q:
        head += f", {len(shown)} matching \u201c{esc(query.strip())}\u201d"
    body = "".join(
        f'<tr data-source="{esc(r.source)}"><td class="qa-file">{esc(r.source)}</td><td>{esc(r.kind)}</td>'
        f'<td class="qa-num">{_size(r.size)}</td><td class="qa-num">{r.passages:,}</td><td>{esc(_when(r.indexed))}</td></tr>'
        for r in shown
    )
    table = (
        '<table class="qa-docs"><thead><tr><th>Document</th><th>Type</th><th>Size</th><th>Passages</th>'
        f"<th>Indexed</th></tr></thead><tbody>{body}</tbody></table>"
        if shown
        else '<p class="qa-empty">No document matches.</p>'
    )
    skipped_html = ""
    shown_skips = [(s, why) for s, why in skips if not q or q in s.lower()]
    if shown_skips:
        items_html = "".join(f'<li><span class="qa-file">{esc(s)}</span>: {esc(why)}</li>' for s, why in shown_skips)
        skipped_html = (
            f'<div class="qa-skipped"><div class="qa-panel-head">Not indexed ({len(shown_skips)})</div>'
            f"<ul>{items_html}</ul></div>"
        )
    return f'<div class="qa-doclist"><div class="qa-doc-count">{head}</div>{table}{skipped_html}</div>'


def trash(corpus_dir: Path, source: str) -> Path:
    """Move ``source`` out of the corpus into ``.trash/<time>/<source>``; return where it went.

    Nothing is deleted: the file can be moved back by hand (and is then indexed again).
    """
    path = (corpus_dir / source).resolve()
    root = corpus_dir.resolve()
    if root not in path.parents or TRASH in Path(source).parts or not path.is_file():
        raise FileNotFoundError(source)
    dest = root / TRASH / time.strftime("%Y%m%d-%H%M%S") / source
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while dest.exists():
        n += 1
        dest = dest.with_name(f"{Path(source).stem} ({n}){Path(source).suffix}")
    os.replace(path, dest)
    return dest


def document_text(corpus_dir: Path, source: str, max_bytes: int) -> str | None:
    """Return the text a document's citations index: the file itself, or its extracted text."""
    root = corpus_dir.resolve()
    path = (corpus_dir / source).resolve()
    if root not in path.parents or not path.is_file():
        return None
    doc = read_document(path, root, max_bytes)
    return None if doc is None else str(doc.text)


def view_html(source: str, text: str | None, start: int | None = None, end: int | None = None) -> str:
    """The whole document, escaped, with [start, end) highlighted (the page scrolls to it)."""
    if text is None:
        return (
            f'<div class="qa-docview"><div class="qa-panel-head">{esc(source)}</div>'
            '<p class="qa-empty">This document is no longer in the corpus folder.</p></div>'
        )
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = f'{esc(text[:start])}<mark class="qa-hl" id="qa-doc-hit">{esc(text[start:end])}</mark>{esc(text[end:])}'
    else:
        body = esc(text)
    return (
        f'<div class="qa-docview" data-source="{esc(source)}"><div class="qa-panel-head">{esc(source)}</div>'
        f'<div class="qa-doc-text">{body}</div></div>'
    )


def view_intro() -> str:
    return (
        '<div class="qa-docview"><div class="qa-panel-head">Document</div>'
        '<p class="qa-empty">Click <em>Open document</em> on a source to read the whole document here, '
        "with the cited passage highlighted.</p></div>"
    )
