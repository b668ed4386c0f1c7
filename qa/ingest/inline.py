"""Plain forms of marked-up text: link text instead of ``[text](url)``, no ``**``, backticks or tags.

The plain form is what answers and source cards show and what is embedded; the exact
span text stays what citations quote, so ``quote == text[start:end]`` still holds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_MD_MARKUP = re.compile(r"[\[\]*_`<>&\\!|#~]")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>\n]{1,200}>")
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^>`]+>`__?")
_RST_ROLE = re.compile(r":[\w.+-]+:`([^`<]+?)(?:\s*<[^>`]+>)?`")
_RST_LITERAL = re.compile(r"``(.+?)``")
_RST_REF = re.compile(r"`([^`]+)`_{0,2}")
_RST_EMPHASIS = re.compile(r"(?<!\w)\*{1,2}(\S(?:.*?\S)?)\*{1,2}(?!\w)")


@lru_cache(maxsize=1)
def markdown_parser() -> Any:
    """Return the shared markdown-it parser (CommonMark with GFM tables)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def markdown_plain(text: str) -> str:
    """Return ``text`` (inline Markdown) as it reads, or "" when it has no markup."""
    if not _MD_MARKUP.search(text):
        return ""
    tokens = markdown_parser().parseInline(_QUOTE_PREFIX.sub("", text))
    out: list[str] = []
    for child in tokens[0].children or [] if tokens else []:
        if child.type in ("text", "code_inline", "text_special"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append("".join(c.content for c in child.children or []))
    plain = _collapse("".join(out))
    return "" if plain == _collapse(text) else plain


def rst_plain(text: str) -> str:
    """Return ``text`` (inline reStructuredText) as it reads, or "" when it has no markup."""
    if "`" not in text and "*" not in text and "::" not in text:
        return ""
    plain = _RST_LINK.sub(r"\1", text)
    plain = _RST_ROLE.sub(r"\1", plain)
    plain = _RST_LITERAL.sub(r"\1", plain)
    plain = _RST_REF.sub(r"\1", plain)
    plain = _RST_EMPHASIS.sub(r"\1", plain)
    plain = _collapse(plain.replace("::", ":"))
    return "" if plain == _collapse(text) else plain


def html_plain(text: str) -> str:
    """Return ``text`` with HTML tags removed (raw HTML inside Markdown), or "" if it has none."""
    if "<" not in text:
        return ""
    import html

    plain = _collapse(html.unescape(_TAG.sub(" ", text)))
    return "" if plain == _collapse(text) else plain
