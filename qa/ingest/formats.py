"""File formats: which parser reads each suffix, and the text that spans of each format index.

For .txt, .md, .rst and .csv (and files without a suffix) spans index the file as stored,
decoded as UTF-8. For HTML, PDF and DOCX they index the *extracted* text, built by the
parser block by block: ``quote == extract(path)[start:end]``. Extraction is deterministic,
so the same file always yields the same text and offsets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from qa.types import Document, Section

TEXT_KINDS = {"": "text", ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
              ".rst": "rst", ".csv": "csv"}  # fmt: skip
EXTRACTED_KINDS = {".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx"}
HTML_SUFFIXES = frozenset(s for s, k in EXTRACTED_KINDS.items() if k == "html")
PDF_SUFFIXES = frozenset({".pdf"})
SUFFIXES = frozenset(EXTRACTED_KINDS)  # formats whose spans index extracted text
SUPPORTED = frozenset(TEXT_KINDS) | SUFFIXES
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def kind_of(source: str) -> str:
    """Return the format of a corpus file by its suffix: text, markdown, rst, csv, html, pdf, docx."""
    name = source.rpartition("/")[2]
    suffix = name[name.rfind(".") :].lower() if "." in name.lstrip(".") else ""
    return TEXT_KINDS.get(suffix) or EXTRACTED_KINDS.get(suffix) or "unsupported"


def sections_of(doc: Document) -> tuple[Section, ...]:
    """Return the sections of a document (parsed from its text when the loader did not)."""
    if doc.sections is not None:
        return doc.sections
    from qa.ingest.markdown import parse_markdown
    from qa.ingest.plaintext import parse_plaintext
    from qa.ingest.tabular import parse_csv

    kind = kind_of(doc.source)
    if kind == "markdown":
        return parse_markdown(doc.text)
    if kind == "csv":
        return parse_csv(doc.text)
    return parse_plaintext(doc.text, rst=kind == "rst")


def inline_plain(source: str) -> Callable[[str], str]:
    """Return the function giving a sentence's plain form for this file's inline markup."""
    from qa.ingest.inline import markdown_plain, rst_plain

    kind = kind_of(source)
    return markdown_plain if kind == "markdown" else rst_plain if kind == "rst" else _no_markup


def _no_markup(text: str) -> str:
    return ""


def decode_html(data: bytes) -> str | None:
    """Decode HTML bytes: UTF-8 (with or without BOM), else the charset its <meta> declares."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return None
    return None


def html_text(markup: str) -> str:
    """Return the extracted text of an HTML page (what its spans index)."""
    from qa.ingest.html import parse_html

    return parse_html(markup)[0]


def read_formatted(source: str, suffix: str, data: bytes) -> Document | str:
    """Return the Document of an HTML, PDF or DOCX file, or why it cannot be used."""
    sha = hashlib.sha256(data).hexdigest()
    kind = EXTRACTED_KINDS[suffix]
    if kind == "html":
        from qa.ingest.html import parse_html

        markup = decode_html(data)
        if markup is None:
            return "not UTF-8 and no usable <meta charset>; save it as UTF-8"
        text, sections = parse_html(markup)
        return Document(source, text, sha, sections=sections) if text.strip() else "the page has no text"
    try:
        if kind == "pdf":
            from qa.ingest.pdf import parse_pdf

            text, sections, pages = parse_pdf(data)
        else:
            from qa.ingest.docx import parse_docx

            text, sections = parse_docx(data)
            pages = ()
    except Exception as exc:  # the parsers raise many kinds for damaged or encrypted files
        return f"cannot read it as {kind.upper()} ({str(exc)[:120] or type(exc).__name__})"
    if not text.strip():
        return "the PDF has no extractable text (scanned images need OCR first)" if kind == "pdf" else "no text"
    return Document(source, text, sha, pages=pages, sections=sections)


def extract(path: str) -> str:
    """Return the text spans of ``path`` refer to (what a citation's start/end index)."""
    from pathlib import Path

    p = Path(path)
    data = p.read_bytes()
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        return data.decode("utf-8")
    doc = read_formatted(p.name, suffix, data)
    return doc.text if isinstance(doc, Document) else ""
