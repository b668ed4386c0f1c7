"""Cleaning by evidence: which blocks are page furniture rather than content.

Three kinds of evidence, none of them line length:
- the block is common web furniture, recognised by its form: "Advertisement", "Skip to
  content", "Press ? to show keyboard shortcuts", cookie banners, "3 min read", share
  buttons, or scraping residue (``alt=``/``src=`` attributes, stray tags) in plain text;
- the block repeats inside one file under the same heading (an ad slot, a caption shown
  twice): the first copy is kept, later ones dropped (not table rows, list items or code,
  which repeat by design);
- the block repeats across the corpus (navigation, footers): see :func:`boilerplate`.
Text the HTML main-content extraction leaves out never becomes a block at all.
Cleaning never rewrites text, it only drops blocks, so spans stay exact.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

from qa.text import normalize
from qa.types import Block, Document, Section

_FURNITURE = re.compile(
    r"^(advertisement|advert|sponsored( content)?|ad|read more|continue reading|share( this)?( article| story| page)?"
    r"|share on \w+|subscribe( now)?|sign (up|in)|log ?in|skip to (the )?(main )?(content|navigation)|skip navigation"
    r"|reading time\s*:?.*|\d+\s*min(ute)?s?\s*read|back to top|print( this page)?|loading\W*"
    r"|press \S+ to (show|see|open) (the )?keyboard shortcuts|keyboard shortcuts|toggle (navigation|sidebar|menu)"
    r"|(accept|reject|allow)( all)? cookies|cookie (settings|policy|preferences)|we use cookies.*"
    r"|this (web)?site uses cookies.*|manage (cookies|consent)|related (articles|stories)|more on this"
    r"|was this (page|article) helpful\??|edit (this page|on github)|report a (bug|problem)|show source)$",
    re.IGNORECASE,
)
_RESIDUE = re.compile(
    r"(\s(alt|src|srcset|data-[\w-]+)\s*=)|(<\s*/?\s*(img|div|span|figure|figcaption|p)\b[^>]*>)", re.I
)
_WORDS = re.compile(r"\S+")
# Table rows, list items and code lines repeat by design: the same steps in another order
# ("the value is the first of the following: ..." twice, for two settings) is not a copy.
_REPEAT_BY_DESIGN = frozenset({"row", "item", "code"})
MIN_FILES = 3  # a block must repeat in this many files of a group ...
MIN_SHARE = 0.5  # ... and in this share of them to be taken for site furniture
MAX_LOSS = 0.8  # a file that would lose more than this share of its blocks is a copy, not furniture


def is_furniture(text: str) -> bool:
    """Return True when ``text`` is common web page furniture (judged by its form, short texts only)."""
    stripped = text.strip().rstrip(".!:").strip()
    return len(_WORDS.findall(stripped)) <= 10 and bool(_FURNITURE.match(stripped))


def is_residue(text: str) -> bool:
    """Return True when plain text holds scraped markup (``alt=``, ``<img ...>``), not prose."""
    return bool(_RESIDUE.search(text))


def block_text(doc: Document, block: Block) -> str:
    return block.plain or doc.text[block.start : block.end]


def block_key(doc: Document, block: Block) -> str:
    """Return the identity of a block's text, equal for typographic variants (16 hex digits)."""
    return hashlib.sha1(normalize(block_text(doc, block)).encode("utf-8")).hexdigest()[:16]


def keys(doc: Document, sections: Iterable[Section]) -> list[str]:
    """Return the distinct block keys of a document (what :func:`boilerplate` counts)."""
    return sorted({block_key(doc, b) for s in sections for b in s.blocks})


def boilerplate(files: Mapping[str, Iterable[str]]) -> set[str]:
    """Return the block keys that repeat across the corpus: site navigation, footers, banners.

    Files are grouped by folder and format (the pages of one site share both). A block is
    boilerplate when it appears in at least ``MIN_FILES`` files of its group and in at least
    ``MIN_SHARE`` of them. Two copies of one article never meet the first condition.
    """
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source in files:
        folder, _, name = source.rpartition("/")
        groups[(folder, name.rpartition(".")[2].lower() if "." in name else "")].append(source)
    found: set[str] = set()
    for members in groups.values():
        if len(members) < MIN_FILES:
            continue
        counts = Counter(k for source in members for k in set(files[source]))
        found |= {k for k, n in counts.items() if n >= MIN_FILES and n >= MIN_SHARE * len(members)}
    return found


def dropped_blocks(
    doc: Document, sections: Iterable[Section], corpus_boilerplate: AbstractSet[str] = frozenset()
) -> set[int]:
    """Return the start offsets of the blocks of ``doc`` that cleaning drops."""
    plain_text = doc.source.rpartition(".")[2].lower() in ("txt", "md", "markdown", "rst", "")
    seen: set[tuple[tuple[str, ...], str]] = set()
    dropped: set[int] = set()
    shared: set[int] = set()
    total = 0
    for section in sections:
        for block in section.blocks:
            total += 1
            text = block_text(doc, block)
            key = block_key(doc, block)
            if is_furniture(text) or (plain_text and is_residue(text)):
                dropped.add(block.start)
            elif block.kind not in _REPEAT_BY_DESIGN and (section.path, key) in seen:
                dropped.add(block.start)  # kept once: the first copy
            elif key in corpus_boilerplate:
                shared.add(block.start)
            seen.add((section.path, key))
    if shared and len(shared) <= MAX_LOSS * total:
        dropped |= shared
    return dropped
