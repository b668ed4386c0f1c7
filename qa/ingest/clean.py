"""Cleaning: decide which lines of a file are page furniture rather than content.

The rules are general, not a list of one site's strings:
- a line repeated verbatim in the same file (ads slots, captions shown twice);
- a short label line (five words or fewer) with no sentence punctuation: bylines,
  "Advertisement", trust badges, "Reading time" widgets;
- a short line matching common web boilerplate ("Advertisement", "Read more", "3 min read");
- a photo caption ending in a credit ("... Photo: Agency");
- markup residue from scraping (``alt=``, ``src=``, stray tags).
Markdown headings are always kept: they are short but carry meaning.
Cleaning never rewrites text, it only drops lines, so passage spans stay exact.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_TERMINAL = re.compile(r"[.!?:;…\"'”’)\]]\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_BOILERPLATE = re.compile(
    r"^(advertisement|advert|sponsored( content)?|ad|read more|continue reading|share( this)?( article| story)?"
    r"|subscribe( now)?|sign up.*|skip to (main )?content|reading time\s*:?.*|\d+\s*min(ute)?s?\s*read"
    r"|accept( all)? cookies|cookie (settings|policy)|related (articles|stories)|more on this)$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"\b(photo|photograph|picture|image|illustration|video)( credit)?s?\s*:\s*[^.!?]{1,80}$", re.I)
_MARKUP = re.compile(
    r"(\s(alt|src|srcset|href|data-[\w-]+)\s*=)|(<\s*/?\s*(img|div|span|a|figure|figcaption|p)\b[^>]*>)", re.I
)
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True)
class Line:
    """One line of a file: its text without the newline and its offsets in the file."""

    number: int  # 1-based
    start: int
    end: int  # offset just past the text, before the newline
    text: str


def split_lines(text: str) -> list[Line]:
    """Return every line of ``text`` with exact offsets (handles \\n, \\r\\n and \\r)."""
    lines: list[Line] = []
    pos = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        body = raw.rstrip("\r\n")
        lines.append(Line(number, pos, pos + len(body), body))
        pos += len(raw)
    return lines


def is_boilerplate(line: str, repeated: bool) -> bool:
    """Return True when ``line`` is page furniture rather than content."""
    stripped = line.strip()
    if not stripped or _HEADING.match(line):
        return False
    if repeated or _MARKUP.search(stripped):
        return True
    n_words = len(_WORDS.findall(stripped))
    if n_words <= 8 and _BOILERPLATE.match(stripped.rstrip(".!")):
        return True
    if n_words <= 5 and not _TERMINAL.search(stripped):
        return True
    return bool(_CAPTION.search(stripped))


def classify(text: str) -> list[tuple[Line, str]]:
    """Return each line with its kind: ``content``, ``blank`` or ``dropped``."""
    lines = split_lines(text)
    counts = Counter(line.text.strip() for line in lines if line.text.strip())
    out: list[tuple[Line, str]] = []
    for line in lines:
        key = line.text.strip()
        if not key:
            out.append((line, "blank"))
        elif is_boilerplate(line.text, repeated=counts[key] > 1):
            out.append((line, "dropped"))
        else:
            out.append((line, "content"))
    return out
