"""Building a document's outline: headings open sections, blocks fill them, spans stay exact."""

from __future__ import annotations

import re
from bisect import bisect_right

from qa.types import Block, Section

_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Return the offset where each line starts (\\n, \\r\\n and \\r all end a line)."""
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def line_of(starts: list[int], offset: int) -> int:
    """Return the 1-based line holding ``offset``."""
    return bisect_right(starts, offset)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Return [start, end) narrowed to exclude white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Outline:
    """Collects headings and blocks in document order and returns the sections they make.

    A heading of level L closes the headings at L and below it, so the path of a section
    is its chain of enclosing headings, outermost first.
    """

    def __init__(self) -> None:
        self._done: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._blocks: list[Block] = []
        self._heading: tuple[int, int] | None = None
        self._tentative = ""  # the open heading was guessed from a line's form (plain text): its block kind

    def heading(self, level: int, title: str, start: int, end: int, tentative: str = "") -> None:
        """Open a section; a ``tentative`` heading that nothing comes under is a block of that kind instead.

        Plain text has no heading markup: "* Fix extraction over pipe" followed by another such
        line is a one-line list item, not a heading with an empty section. Dropping it as a
        heading (headings are never passages) would lose it, so it becomes a block of the
        section above when the next heading is at its level or above, or the text ends.
        """
        if self._tentative and not self._blocks and self._stack and level <= self._stack[-1][0]:
            self._demote()
        self._close()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, " ".join(title.split())))
        self._heading = (start, end)
        self._tentative = tentative

    def _demote(self) -> None:
        """Turn the open (tentative, empty) heading into a block of its parent section."""
        assert self._heading is not None
        _, title = self._stack.pop()
        start, end = self._heading
        self._blocks.append(Block(self._tentative, start, end, title))
        self._heading = None
        self._tentative = ""

    def block(self, kind: str, start: int, end: int, plain: str = "") -> None:
        if end > start:
            self._blocks.append(Block(kind, start, end, plain))

    def _close(self) -> None:
        if self._blocks or self._heading:
            path = tuple(t for _, t in self._stack if t)
            last = self._done[-1] if self._done else None
            if last is not None and self._heading is None and last.path == path:
                # A demoted heading continues the section it follows: one section, not two.
                self._done[-1] = Section(path, last.blocks + tuple(self._blocks), last.heading)
            else:
                self._done.append(Section(path, tuple(self._blocks), self._heading))
        self._blocks = []
        self._heading = None
        self._tentative = ""

    def sections(self) -> tuple[Section, ...]:
        if self._tentative and not self._blocks and self._stack:
            self._demote()
        self._close()
        return tuple(self._done)


class TextBuilder(Outline):
    """An outline whose text is written as it goes (HTML, PDF, DOCX): spans index that text.

    Blocks are separated by a blank line; headings are written as Markdown headings and
    list items as "- " lines, so the extracted text reads like the document it came from.
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._pos = 0

    def _write(self, prefix: str, body: str) -> tuple[int, int]:
        if self._pos:
            self._parts.append("\n\n")
            self._pos += 2
        self._parts.append(prefix + body)
        start = self._pos + len(prefix)
        self._pos += len(prefix) + len(body)
        return start, start + len(body)

    def add_heading(self, level: int, title: str) -> None:
        title = " ".join(title.split())
        if title:
            self.heading(level, title, *self._write("#" * max(1, min(level, 6)) + " ", title))

    def add(self, kind: str, body: str) -> None:
        body = body.strip()
        if body:
            self.block(kind, *self._write("- " if kind == "item" else "", body))

    def mark(self) -> int:
        """Return the offset the next block will start near (page starts of a PDF)."""
        return self._pos + (2 if self._pos else 0)

    def text(self) -> str:
        return "".join(self._parts) + ("\n" if self._parts else "")
