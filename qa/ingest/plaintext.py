"""Structure of plain text and reStructuredText: headings, list items, tables, code, paragraphs.

Headings are recognised by their form, never by a list of words: a line underlined (and
optionally overlined) with ``=-~^"'`#*+:.`` as in reStructuredText, Setext Markdown and many
READMEs; ``*``/``**`` star lines as in GNU NEWS files; version lines ("Version 2.1",
"pkg (1.2-3) unstable; urgency=low", "v0.4.0 - 2023-02-01") that start a release's notes;
and a short line standing alone between blank lines. As docutils does, each heading style
gets its level in order of first appearance. docutils itself is not used: it reports line
numbers only for some nodes, not character offsets, and stops on unknown Sphinx directives.

Inside a run of non-blank lines, a line break is kept as a block boundary when it was
chosen by the writer: the next line's first word would have fitted on this line (the
file's longest line gives its wrap width). Hard-wrapped paragraphs stay whole; text
with one paragraph per line, as scraped pages have, gets one block per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.clean import is_furniture
from qa.ingest.outline import Outline
from qa.ingest.tabular import labelled
from qa.types import Section

_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:._])\1{2,}[ \t]*$")
_STARS = re.compile(r"^(\*{1,3})[ \t]+(\S.*)$")
_VERSION = re.compile(r"\b(?:v|version\s+|release\s+)?\d+\.\d+(?:[.\-~+]\w+)*\b", re.I)
_ITEM = re.compile(r"^[ \t]*(?:[-*+•·▪‣◦]|\d{1,3}[.)]|\(?[a-zA-Z0-9]\))[ \t]+(?=\S)")
_NUMBERED = re.compile(r"^[ \t]*\d{1,3}[.)][ \t]+\S")
_TERMINAL = re.compile(r"[.!?,;:]$")
_GRID_BORDER = re.compile(r"^[ \t]*\+[-=+:]+\+[ \t]*$")
_SIMPLE_BORDER = re.compile(r"^[ \t]*=+(?:[ \t]+=+)+[ \t]*$")
_GRID_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
_COLUMN_GAP = re.compile(r"(?<![.!?])\S[ \t]{2,}(?=\S)")
_DIRECTIVE = re.compile(r"^[ \t]*\.\.(?:[ \t]+(\S+?)::|[ \t]*$|[ \t]+[_|\[])")
_CODE_DIRECTIVES = frozenset({"code", "code-block", "sourcecode", "literalinclude", "highlight"})
_QUESTION = re.compile(r"^[ \t]*Q[:.][ \t]+(?=\S)")  # a FAQ's "Q:" line, answered by an "A:" line
_ANSWER = re.compile(r"^[ \t]*A[:.][ \t]+(?=\S)")
_FIELD = re.compile(r"^[ \t]+:[\w -]+:")
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # before the line break
    text: str

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip())

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text):
        raw = m.group(0)
        if not raw and m.start() >= len(text):
            break
        body = raw.rstrip("\r\n")
        out.append(_Line(pos, pos + len(body), body))
        pos += len(raw)
    return out


def _wrap_width(lines: list[_Line]) -> int:
    """Return the width the text was wrapped at: the length most full lines reach (90th percentile)."""
    lengths = sorted(len(ln.text.rstrip()) for ln in lines if not ln.blank)
    return lengths[len(lengths) * 9 // 10] if lengths else 0


def _runs(lines: list[_Line]) -> list[list[_Line]]:
    runs: list[list[_Line]] = [[]]
    for line in lines:
        if line.blank:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(line)
    return [r for r in runs if r]


class _Levels:
    """Heading levels by style, in order of first appearance (the docutils rule)."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.release = 0  # the level of the first heading naming a version: where releases sit
        self.open_release = 0  # the level of the release heading the text is under (0: none)

    def of(self, style: str, title: str = "") -> int:
        """Return the level of a heading of ``style``; a bare version line is a release, at the releases' level.

        sed's NEWS titles recent releases "* Noteworthy changes in release 4.3" and old ones
        "Sed 4.2.1" under a rule line: by first appearance alone, the old releases would sit
        under the last bullet of 4.3.
        """
        if style not in self.order:
            self.order.append(style)
        level = self.order.index(style) + 1
        if title and _VERSION.search(title):
            if style == "version" and self.release:
                level = self.release
            self.release = self.release or level
            self.open_release = level
        elif title and level <= self.open_release:
            self.open_release = 0
        return level

    def level_of(self, style: str, title: str) -> int:
        """Return the level of a heading line of ``style``: :meth:`of`, except under an open release.

        Old GNU NEWS entries use the release's own star for its entries: "* Noteworthy changes
        in release 4.2.2" and then "* New cmp option: -v --version". Such a line is a heading
        one level under the release (or, with nothing under it, an item of the release).
        """
        if (
            self.open_release
            and style in self.order
            and self.order.index(style) + 1 == self.open_release
            and not _VERSION.search(title)
        ):
            return self.open_release + 1
        return self.of(style, title)


def parse_plaintext(text: str, rst: bool = False) -> tuple[Section, ...]:
    """Return the sections of a plain-text (or reStructuredText) file; spans index ``text``."""
    lines = _lines(text)
    width = _wrap_width(lines)
    out = Outline()
    levels = _Levels()
    runs = _runs(lines)
    code_next = False  # the previous run introduced a literal block ("::" or a code directive)
    table = _Table()
    for n, run in enumerate(runs):
        following = runs[n + 1] if n + 1 < len(runs) else None
        asked = _QUESTION.match(run[0].text)
        if asked and following and _ANSWER.match(following[0].text) and len(run) <= 4:
            # "Q:  Why is liblzma named liblzma ...?" over "A:  When the designing ...": the
            # question (of one or more lines) titles its answer, as a numbered FAQ question does.
            title = " ".join(ln.text.strip() for ln in run)[asked.end() - run[0].indent :]
            out.heading(levels.of("question"), title, run[0].start + asked.end(), run[-1].end)
            code_next = False
            continue
        if len(run) == 1 and _is_question_heading(run[0], following):
            title = _ITEM.sub("", run[0].text).strip()
            out.heading(levels.of("question"), title, run[0].end - len(title), run[0].end)
            code_next = False  # the answer under it is prose, whatever came before the question
            continue
        run = _strip_headings(run, out, levels, alone=len(run) == 1, following=following, rst=rst)
        if not run:
            continue
        if rst or _DIRECTIVE.match(run[0].text):
            run, code = _directives(run)
            code_next = code_next or code
        if not run:
            continue
        indented = all(ln.indent >= 2 for ln in run)
        if code_next and indented:
            out.block("code", run[0].start + run[0].indent, run[-1].end)
            continue
        code_next = run[-1].text.rstrip().endswith("::") or (
            not rst and run[-1].text.rstrip().endswith(":") and _looks_like_code_follows(runs, n)
        )
        table.see(run, runs[n + 1] if n + 1 < len(runs) else None)
        _blocks(run, out, width, table)
    return out.sections()


class _Table:
    """The column names of the column-aligned table being read, found by position.

    A plain-text table's header is its first line (with the lines under it when the header is
    a run of its own, as in "GPL-" over "compatible?"); a body cell belongs to the column whose
    header starts at or before the cell's first character. Rows then read "Owner: CNRI", as
    CSV, Markdown and HTML rows do, however far a row passage sits from the header.
    """

    def __init__(self) -> None:
        self.columns: list[tuple[int, str]] = []  # (start column, name), left to right
        self.header_lines: set[int] = set()  # offsets of the lines that are the header
        self.inside = False

    def see(self, run: list[_Line], following: list[_Line] | None) -> None:
        if not _is_column_table(run) or any(_GRID_ROW.match(ln.text) for ln in run):
            self.inside = False
            return
        if self.inside:
            return  # a later run of the same table: its rows use the header already read
        self.inside = True
        own_run = following is not None and len(run) <= 3 and _is_column_table(following)
        header = run if own_run else run[:1]
        self.header_lines = {ln.start for ln in header}
        self.columns = [(col, name) for col, name in _cells(header[0].text)]
        for line in header[1:]:
            for col, name in _cells(line.text):
                i = self.column(col)
                if i is not None:
                    start, before = self.columns[i]
                    self.columns[i] = (start, f"{before} {name}" if not before.endswith("-") else before + name)

    def column(self, col: int) -> int | None:
        found = None
        for i, (start, _) in enumerate(self.columns):
            if start <= col + 1:
                found = i
        return found

    def row(self, line: _Line) -> str:
        cells = _cells(line.text)
        if not self.inside or not self.columns or line.start in self.header_lines:
            return " | ".join(text for _, text in cells)
        names = [self.columns[i][1] if (i := self.column(col)) is not None else "" for col, _ in cells]
        return labelled(names, [text for _, text in cells])


def _cells(text: str) -> list[tuple[int, str]]:
    """Return (start column, text) of each cell of a column-aligned line (cells apart by 2+ spaces or |)."""
    return [
        (m.start(), m.group(0).strip()) for m in re.finditer(r"[^|\s](?:[^|]*?[^|\s])??(?=\s{2,}|\s*\||\s*$)", text)
    ]


def _looks_like_code_follows(runs: list[list[_Line]], n: int) -> bool:
    """Return True when the run after a lead-in is indented deeper than it: a command or example."""
    if n + 1 >= len(runs):
        return False
    nxt = runs[n + 1]
    return all(ln.indent >= runs[n][0].indent + 4 for ln in nxt) and not any(_ITEM.match(ln.text) for ln in nxt)


def _strip_headings(
    run: list[_Line], out: Outline, levels: _Levels, alone: bool, following: list[_Line] | None, rst: bool
) -> list[_Line]:
    """Emit the headings at the start of ``run`` (and underlined ones inside it); return the rest.

    In reStructuredText only an underlined (or over- and underlined) title is a heading, as
    docutils has it: a line alone between blank lines is a paragraph (".. code:: python",
    "|GitHub-Issues|", an example's output), and "* " lines are list items.
    """
    rest: list[_Line] = []
    i = 0
    while i < len(run):
        line = run[i]
        title = line.text.strip()
        below = run[i + 1].text if i + 1 < len(run) else ""
        above = run[i - 1].text if i > 0 else ""
        m = _UNDERLINE.match(below)
        if m and title and not _UNDERLINE.match(line.text) and len(_WORDS.findall(title)) <= 20:
            over = bool(_UNDERLINE.match(above)) and above.strip()[0] == m.group(1)
            if over and rest and rest[-1] is run[i - 1]:
                rest.pop()
            style = ("o" if over else "u") + m.group(1)
            out.heading(levels.of(style, title), title, line.start + line.indent, line.end)
            i += 2
            continue
        stars = _STARS.match(line.text)
        style = f"*{len(stars.group(1))}" if stars else "version" if _VERSION.search(title) else "alone"
        if not rst and not rest and _is_heading_line(line, run[i:], alone or len(run) - i == 1, following):
            out.heading(
                levels.level_of(style, title),
                stars.group(2) if stars else title,
                line.start + line.indent,
                line.end,
                tentative="item" if stars else "paragraph",
            )
            i += 1
            continue
        if _UNDERLINE.match(line.text) and len(line.text.strip()) >= 3 and (not below or not rest):
            # A transition line, or a rule over a title ("-----" over "Sed 4.2.1", or an overline
            # whose underline follows the title): no text, and what follows may still be a heading.
            i += 1
            continue
        rest.append(line)
        i += 1
    return rest


def _is_question_heading(line: _Line, following: list[_Line] | None) -> bool:
    """Return True for a FAQ's question: a line ending in "?", or numbered, alone above a more indented answer.

    "11. Can zlib handle .zip archives?" over an answer indented under it titles that answer,
    as a heading does: its words are the context of every sentence of the answer, and the
    question itself is never quoted as an answer to a user's question.
    """
    title = line.text.strip()
    numbered = bool(_NUMBERED.match(line.text))
    if not (title.endswith("?") or numbered) or len(_WORDS.findall(title)) > 25 or not following:
        return False
    return all(ln.indent > line.indent + (2 if numbered else 0) for ln in following)


MAX_ENTRY_WORDS = 20  # a starred title's words, its star included


def _is_heading_line(line: _Line, run: list[_Line], alone: bool, following: list[_Line] | None) -> bool:
    title = line.text.strip()
    n_words = len(_WORDS.findall(title))
    stars = _STARS.match(line.text)
    # A NEWS entry's title can be a long clause ("* The -K option interacts properly with member
    # names given in the command line"); it still stands alone over its paragraphs.
    if line.indent or n_words > (MAX_ENTRY_WORDS if stars else 12) or _TERMINAL.search(title):
        return False
    if not any(c.isalpha() for c in title) or is_furniture(title):
        return False
    if stars:
        # "* Noteworthy changes in release 2.1" stands alone; "* fixed ..." with a hanging indent
        # is an item, and so is a line followed by a sibling ("* Fix extraction over pipe" over
        # "* Fix memory leak in read_header"), unless it names a release.
        nxt = _STARS.match(following[0].text) if following else None
        sibling = nxt is not None and nxt.group(1) == stars.group(1)
        return alone and (not sibling or bool(_VERSION.search(title)))
    if _ITEM.match(line.text) or _ANSWER.match(line.text):
        return False  # "A:  xz -dc foo.tar.xz | tar xf -" is a FAQ's answer, never a heading
    if _VERSION.search(title) and (alone or all(ln.indent or _ITEM.match(ln.text) for ln in run[1:])):
        return True
    return alone and following is not None and n_words <= 8


def _directives(run: list[_Line]) -> tuple[list[_Line], bool]:
    """Drop reStructuredText directive and comment lines; return the rest and whether code follows."""
    rest: list[_Line] = []
    code = False
    skipping = False
    for line in run:
        m = _DIRECTIVE.match(line.text)
        if m:
            code = code or (m.group(1) or "") in _CODE_DIRECTIVES
            skipping = True
            continue
        if skipping and _FIELD.match(line.text):
            continue  # the directive's options (":linenos:")
        skipping = False
        rest.append(line)
    return rest, code


def _blocks(run: list[_Line], out: Outline, width: int, table: _Table) -> None:
    """Add the blocks of one run of lines: table rows, list items, then paragraphs."""
    if any(_GRID_ROW.match(ln.text) or _GRID_BORDER.match(ln.text) for ln in run) or _is_column_table(run):
        for ln in run:
            if _GRID_BORDER.match(ln.text) or _SIMPLE_BORDER.match(ln.text) or _UNDERLINE.match(ln.text):
                continue
            out.block("row", ln.start + ln.indent, ln.end, table.row(ln))
        return
    current: list[_Line] = []

    def flush() -> None:
        if current:
            first = current[0]
            marker = _ITEM.match(first.text)
            answer = None if marker else _ANSWER.match(first.text)  # a FAQ's "A:" is markup, as "- " is
            start = first.start + (marker.end() if marker else answer.end() if answer else first.indent)
            out.block("item" if marker else "paragraph", start, current[-1].end)
            current.clear()

    for line in run:
        if current and (_ITEM.match(line.text) or _chosen_break(current[-1], line, width)):
            flush()
        current.append(line)
    flush()


def _is_column_table(run: list[_Line]) -> bool:
    """Return True for a run of two or more lines that are all laid out in columns."""
    body = [ln for ln in run if not _SIMPLE_BORDER.match(ln.text)]
    if any(_SIMPLE_BORDER.match(ln.text) for ln in run) and len(body) >= 1:
        return True
    return len(body) >= 2 and all(_COLUMN_GAP.search(ln.text.strip()) for ln in body)


def _chosen_break(line: _Line, nxt: _Line, width: int) -> bool:
    """Return True when the writer broke the line on purpose (the next word would have fitted)."""
    if nxt.indent > line.indent and not _ITEM.match(nxt.text):
        return False  # a hanging continuation (a list item's second line)
    if is_furniture(nxt.text) or is_furniture(line.text):
        return True  # furniture is a block of its own
    first_word = nxt.text.split(None, 1)[0] if nxt.text.strip() else ""
    if line.text.rstrip()[-1:].isalnum() and first_word[:1].islower() and not first_word.endswith(":"):
        return False  # "... environment width. The" over "fallback is ...": the sentence runs on ("l: ..." is an entry)
    if width > 160 or width < 50:
        return True  # lines too long or too short to have been wrapped
    return len(line.text.rstrip()) + 1 + len(first_word) <= width * 0.9
