"""Markdown structure with markdown-it-py: its tokens carry line maps, which give exact spans."""

from __future__ import annotations

import re
from typing import Any

from qa.ingest.inline import html_plain, markdown_parser, markdown_plain
from qa.ingest.outline import Outline, line_starts, trim
from qa.ingest.tabular import labelled
from qa.types import Section

# Where a block's text starts after its markers: list bullets/numbers and blockquote ">".
_LEAD = re.compile(r"(?:[ \t]*(?:>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+))*")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:.*\r?\n)*?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)")


def _blank_front_matter(text: str) -> str:
    """Return ``text`` with a leading YAML front matter blanked (same lines, so maps still fit)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return text
    return re.sub(r"[^\r\n]", " ", m.group(0)) + text[m.end() :]


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Return the trimmed span of lines [first, last) (0-based)."""
        start = self.starts[first]
        end = self.starts[last] if last < len(self.starts) else len(self.text)
        return trim(self.text, start, end)


def parse_markdown(text: str) -> tuple[Section, ...]:
    """Return the sections of a Markdown file; spans index ``text`` exactly."""
    tokens = markdown_parser().parse(_blank_front_matter(text))
    lines = _Lines(text)
    out = Outline()
    header: list[str] = []  # the current table's column names
    depth = 0  # inside list items
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "list_item_open":
            depth += 1
        elif tok.type == "list_item_close":
            depth -= 1
        elif tok.type == "heading_open" and tok.map:
            title = tokens[i + 1].content
            out.heading(int(tok.tag[1]), markdown_plain(title) or title, *lines.span(*tok.map))
        elif tok.type == "paragraph_open" and tok.map:
            start, end = lines.span(*tok.map)
            lead = _LEAD.match(text, start)
            start = max(start, lead.end() if lead else start)
            out.block("item" if depth else "paragraph", start, end)
        elif tok.type in ("fence", "code_block") and tok.map:
            _code(out, lines, tok)
        elif tok.type == "tr_open" and tok.map:
            i = _row(out, lines, tokens, i, header)
        elif tok.type == "html_block" and tok.map:
            start, end = lines.span(*tok.map)
            plain = html_plain(text[start:end])
            if plain:  # raw HTML holding words (a centred paragraph); badges and comments hold none
                out.block("paragraph", start, end, plain)
        i += 1
    return out.sections()


def _code(out: Outline, lines: _Lines, tok: Any) -> None:
    first, last = tok.map
    if tok.type == "fence":
        first += 1
        closing = lines.text[lines.starts[last - 1] : lines.span(last - 1, last)[1]].strip() if last > first else ""
        if last > first and closing[:3] in ("```", "~~~") and set(closing) <= set("`~"):
            last -= 1
    if last > first:
        out.block("code", *lines.span(first, last))


def _row(out: Outline, lines: _Lines, tokens: list[Any], i: int, header: list[str]) -> int:
    """Add one table row as a block; return the tr_close index.

    The header row reads ``cell | cell`` and fills ``header``; a body row reads with its column
    names (``labelled``). The span is the row's line in the file either way.
    """
    cells: list[str] = []
    heading_row = False
    first, last = tokens[i].map
    j = i + 1
    while j < len(tokens) and tokens[j].type != "tr_close":
        if tokens[j].type == "th_open":
            heading_row = True
        if tokens[j].type == "inline":
            cells.append(markdown_plain(tokens[j].content) or tokens[j].content.strip())
        j += 1
    if heading_row:
        header[:] = cells
    if any(cells):
        plain = " | ".join(cells) if heading_row else labelled(header, cells)
        out.block("row", *lines.span(first, last), plain)
    return j
