"""Text extraction from HTML (stdlib html.parser) and PDF (pypdf), for corpora beyond plain text.

Spans of these files refer to the *extracted* text, not the bytes on disk:
``quote == extract(path).text[start:end]``. The extraction is deterministic, so the
same file always yields the same text and offsets. Headings become Markdown headings
and list items "- " lines, so the cleaning and splitting rules for Markdown apply.
PDF pages are separated by a blank line; ``Document.pages`` holds where each starts.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import Counter
from html.parser import HTMLParser

from qa.types import Document

log = logging.getLogger(__name__)

HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUFFIXES = HTML_SUFFIXES | PDF_SUFFIXES

# Not content: code, styling, the <head> (its <title> is read separately) and site navigation.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "nav"})
_BLOCK = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre",
     "table", "tr", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "form", "fieldset", "address",
     "hr", "title", "body", "html", "details", "summary", "caption"}
)  # fmt: skip
_HEADINGS = {f"h{n}": "#" * n + " " for n in range(1, 7)}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


class _TextExtractor(HTMLParser):
    """Collects visible text as lines and paragraphs; scripts, styles and <head> are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished paragraphs
        self.line: list[str] = []  # text of the paragraph being read
        self.skip = 0  # depth inside elements whose text is not content
        self.pre = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.line.append("\n")
        elif tag in _HEADINGS or tag in _BLOCK or tag == "li":
            self.flush()
            if tag in _HEADINGS:
                self.line.append(_HEADINGS[tag])
            elif tag == "li":
                self.line.append("- ")
            if tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _HEADINGS or tag in _BLOCK or tag == "li":
            self.flush()  # before leaving <pre>, so its lines keep their indentation
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skip:
            self.line.append(data if self.pre else _SPACE.sub(" ", data))

    def flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        lines = [ln if self.pre else ln.strip() for ln in text.split("\n")]
        block = "\n".join(ln for ln in lines if ln.strip())
        if block.strip() and block.strip() not in {"-", *(h.strip() for h in _HEADINGS.values())}:
            self.blocks.append(block)


def html_text(markup: str) -> str:
    """Return the visible text of an HTML page: paragraphs separated by blank lines."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    parser.flush()
    title = _SPACE.sub(" ", "".join(parser.title)).strip()
    blocks = parser.blocks
    # The <title> (inside the dropped <head>) leads the text unless the page repeats it as a heading.
    if title and not any(b.lstrip("# ").strip() == title for b in blocks[:3]):
        blocks = [f"# {title}", *blocks]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


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


def pdf_pages(data: bytes) -> list[str]:
    """Return the text of each page of a PDF (pypdf's layout-free extraction), reflowed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    raw = [page.extract_text() or "" for page in reader.pages]
    furniture = _running_lines(raw)
    return [_reflow([ln for ln in text.splitlines() if ln.strip() not in furniture]) for text in raw]


def _running_lines(pages: list[str]) -> set[str]:
    """Return lines found on most pages (running heads, footers) and bare page numbers."""
    counts = Counter(ln.strip() for text in pages for ln in set(text.splitlines()) if ln.strip())
    repeated = {ln for ln, n in counts.items() if len(pages) >= 3 and n >= len(pages) * 0.6}
    numbers = {
        ln.strip() for text in pages for ln in text.splitlines() if re.fullmatch(r"\s*(page\s*)?\d{1,4}\s*", ln, re.I)
    }
    return repeated | numbers


_END = re.compile(r"[.!?:;\"'”’)\]]$")


def _reflow(lines: list[str]) -> str:
    """Join a page's visual lines into paragraphs.

    PDF text arrives one printed line per line, cut mid-sentence; the cleaning rules
    would take the short pieces for page furniture. A line joins the next unless it
    ends a sentence and is clearly shorter than the page's full lines (a paragraph end).
    """
    lines = [_SPACE.sub(" ", ln).strip() for ln in lines]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    full = sorted(len(ln) for ln in lines)[len(lines) * 3 // 4]  # a typical full line's length
    paragraphs: list[str] = []
    current = ""
    for ln in lines:
        if current:
            current += ln if current.endswith("-") else " " + ln
        else:
            current = ln
        if _END.search(ln) and len(ln) < 0.8 * full:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def read_formatted(source: str, suffix: str, data: bytes) -> Document | None:
    """Return the Document of an HTML or PDF file, or None (with a warning) if it has no usable text."""
    sha = hashlib.sha256(data).hexdigest()
    if suffix in HTML_SUFFIXES:
        markup = decode_html(data)
        if markup is None:
            log.warning("skipping %s: not UTF-8 and no usable <meta charset>; save it as UTF-8", source)
            return None
        return Document(source=source, text=html_text(markup), sha256=sha)
    try:
        pages = pdf_pages(data)
    except Exception as exc:  # pypdf raises many kinds for damaged or encrypted files
        log.warning("skipping %s: cannot read it as PDF (%s)", source, str(exc)[:120] or type(exc).__name__)
        return None
    if not any(p.strip() for p in pages):
        log.warning("skipping %s: the PDF has no extractable text (scanned images need OCR first)", source)
        return None
    starts, parts, pos = [], [], 0
    for page in pages:
        starts.append(pos)
        parts.append(page + "\n\n")
        pos += len(page) + 2
    return Document(source=source, text="".join(parts), sha256=sha, pages=tuple(starts))


def extract(path: str) -> str:
    """Return the text spans of ``path`` refer to (what a citation's start/end index)."""
    from pathlib import Path

    p = Path(path)
    data = p.read_bytes()
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        return data.decode("utf-8")
    doc = read_formatted(p.name, suffix, data)
    return doc.text if doc else ""
