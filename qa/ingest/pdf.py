"""PDF files with pypdf, page by page: paragraphs reflowed, tables kept as rows, the page on every block.

pypdf's layout mode places text on a character grid, so the columns of a table stay
apart (two or more lines with wide gaps become ``cell | cell`` rows) where the plain
mode would run cells together. pdfplumber finds tables more reliably but is several
times slower (pdfminer.six in pure Python) and pypdf is already a dependency.
Running heads and footers (lines on most pages) and bare page numbers are left out.
Numbered lines such as "3.2 Data model" are taken for section headings.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from qa.ingest.outline import TextBuilder
from qa.types import Section

_GAP = re.compile(r"\S {3,}(?=\S)")
_CELLS = re.compile(r" {3,}")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_END = re.compile(r"[.!?:;\"'”’)\]]$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")  # not "number of '>'"
# The title may hold a dot inside a word ("2.9. The mime.cache files", "Using setup.py"), never
# a sentence's end.
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z](?:[^.!?]|\.(?=\w)){1,80})$")
_PAGE_NUMBER = re.compile(r"\s*(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\s*", re.I)
# A list marker set apart from its text by the layout ("•    SEQUENCE;") is no table cell.
_BULLET = re.compile(r"^\s*([•◦▪‣∙·●○■□–*-])\s+")


def page_lines(data: bytes) -> list[list[str]]:
    """Return the lines of each page, in layout mode (columns kept apart by spaces)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages: list[list[str]] = []
    for page in reader.pages:
        try:
            text = page.extract_text(extraction_mode="layout") or ""
        except Exception:  # layout mode fails on some fonts: the plain mode still reads the words
            text = page.extract_text() or ""
        pages.append([ln.rstrip() for ln in text.splitlines()])
    return pages


def _running(pages: list[list[str]]) -> set[str]:
    """Return lines found on most pages (running heads, footers)."""
    counts = Counter(" ".join(ln.split()) for lines in pages for ln in {ln.strip() for ln in lines} if ln)
    return {ln for ln, n in counts.items() if len(pages) >= 3 and n >= len(pages) * 0.6}


def parse_pdf(data: bytes) -> tuple[str, tuple[Section, ...], tuple[int, ...]]:
    """Return the extracted text, its sections and the offset where each page starts."""
    pages = page_lines(data)
    furniture = _running(pages)
    out = TextBuilder()
    starts: list[int] = []
    for lines in pages:
        starts.append(out.mark())
        kept = [ln for ln in lines if " ".join(ln.split()) not in furniture and not _PAGE_NUMBER.fullmatch(ln)]
        _page(out, kept)
    return out.text(), out.sections(), tuple(starts)


def _page(out: TextBuilder, lines: list[str]) -> None:
    """Add one page's blocks: runs of two or more gapped lines are table rows, the rest prose.

    A line indented to the last column of the table run it sits in is that column's text
    wrapped over several lines (a "Value" or "Description" cell): it belongs to a row, not
    to the prose around the table.
    """
    prose: list[str] = []
    i = 0
    while i < len(lines):
        # Each line of a table run is a row's line, or a wrapped piece of its last or first cell.
        j, column, first, left = i, 0, 0, 0
        kinds: list[str] = []
        while j < len(lines):
            if _GAP.search(_BULLET.sub("", lines[j]).strip()):
                kinds.append("row")
                column, first, left = _last_cell_start(lines[j]), _second_cell_start(lines[j]), _indent(lines[j])
            elif kinds and _wrapped_last(lines[j], column):
                kinds.append("last")
            elif kinds and _wrapped_first(lines, j, first, left):
                kinds.append("first")
            else:
                break
            j += 1
        if kinds.count("row") >= 2:
            _reflow(out, prose)
            prose = []
            for row in _rows(lines[i:j], kinds):
                out.add("row", " | ".join(row))
            i = j
        else:
            prose.append(lines[i])
            i += 1
    _reflow(out, prose)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _wrapped_last(line: str, column: int) -> bool:
    # Text indented to the last column: that column's cell, wrapped.
    return bool(line.strip()) and _indent(line) >= column - 2


def _wrapped_first(lines: list[str], j: int, first: int, left: int) -> bool:
    # A short word under the first column between two rows, or after a row whose first cell
    # breaks a word ("range-" / "length"): the first column's cell, wrapped. A paragraph or a
    # heading after the table is longer, or follows no broken word and no row.
    text = lines[j].strip()
    nxt = lines[j + 1] if j + 1 < len(lines) else ""
    cells = _CELLS.split(lines[j - 1].strip()) if j > 0 else [""]
    joins = bool(_GAP.search(nxt.strip())) or cells[0].endswith("-")
    under = abs(_indent(lines[j]) - left) <= 1  # where the table's first column starts
    return bool(text) and " " not in text and under and len(text) < first - left - 1 and joins


def _second_cell_start(line: str) -> int:
    gaps = [m for m in _CELLS.finditer(line.rstrip()) if m.start() > _indent(line)]
    return gaps[0].end() if gaps else 0


def _last_cell_start(line: str) -> int:
    gaps = list(_CELLS.finditer(line.rstrip()))
    return gaps[-1].end() if gaps and gaps[-1].start() > _indent(line) else _indent(line)


def _rows(lines: list[str], kinds: list[str]) -> list[list[str]]:
    """Return the cells of a table run, wrapped last-column lines joined to their row.

    The first and second columns of a row print on one line of its wrapped cell, often the
    middle one: the lines above it that follow a finished row (its text ends a sentence)
    open the next row's cell, the lines below it continue its own until a sentence ends.
    The header (the first row) never takes wrapped lines.
    """
    rows: list[list[str]] = []
    pending: list[str] = []
    for ln, kind in zip(lines, kinds, strict=True):
        if kind == "row":
            cells = [c for c in _CELLS.split(ln.strip()) if c]
            if pending:
                cells[-1] = " ".join([*pending, cells[-1]])
                pending = []
            rows.append(cells)
        elif kind == "first":
            rows[-1][0] = f"{rows[-1][0]}{'' if rows[-1][0].endswith('-') else ' '}{ln.strip()}"
        elif len(rows) > 1 and not _SENTENCE_END.search(rows[-1][-1]):
            # A line that ends in "-" ("match-" / "case") keeps its hyphen and no space.
            glue = "" if rows[-1][-1].endswith("-") else " "
            rows[-1][-1] = f"{rows[-1][-1]}{glue}{' '.join(ln.split())}"
        else:
            pending.append(" ".join(ln.split()))
    if pending and rows:
        rows[-1][-1] = " ".join([rows[-1][-1], *pending])
    return rows


def _reflow(out: TextBuilder, raw: list[str]) -> None:
    """Join printed lines into paragraphs: a line ends one when it ends a sentence and is short.

    Blank lines end a paragraph too. A numbered line ("2.1 Scope") is a heading when it is short,
    or when it follows a blank line and the next line does not continue it (blank, or opening
    with a capital): on a page of short list items or code, a chapter title ("2 ASN.1
    structure handling") is as long as the lines around it, and a wrapped numbered step
    ("1. Download the tarball and unpack it into a" / "folder of your own") still reads on.
    """
    lines = [_SPACE.sub(" ", ln).strip() for ln in raw]
    full = sorted(len(ln) for ln in lines if ln)
    width = full[len(full) * 3 // 4] if full else 0
    current, kind = "", "paragraph"
    padded = ["", *lines, "", ""]
    indents = [0, *(_indent(r) if r.strip() else 0 for r in raw), 0]
    for n, ln in enumerate([*lines, ""], start=1):
        # An indented line opening with a capital starts a paragraph (TeX and texinfo indent
        # them) when the line before it is not indented: "General help ...: <https://...>" then
        # "   For example, ...". A wrapped signature goes on in lower case ("   outputFileName, ...").
        opens = ln[:1].isupper() and indents[n] >= 2 and bool(padded[n - 1]) and indents[n - 1] < 2
        if current and kind == "paragraph" and opens:
            out.add(kind, current)
            current = ""
        alone = not padded[n - 1] and not padded[n + 1][:1].islower()
        heading = _NUMBERED.match(ln) if ln and (alone or len(ln) < 0.8 * max(width, 1)) else None
        bullet = _BULLET.match(ln) if ln else None
        if not ln or heading or bullet:
            if current:
                out.add(kind, current)
            current, kind = "", "paragraph"
            if heading:
                out.add_heading(heading.group(1).count(".") + 1, ln)
                continue
            if not bullet:
                continue
            # A bulleted line opens a list item (written "- ", as HTML and DOCX items are).
            ln, kind = ln[bullet.end() :], "item"
            if not ln:
                continue
        current = (current[:-1] + ln if current.endswith("-") else f"{current} {ln}") if current else ln
        if _END.search(ln) and len(ln) < 0.8 * width:
            out.add(kind, current)
            current, kind = "", "paragraph"
