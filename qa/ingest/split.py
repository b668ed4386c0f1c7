"""Splitting: sections → blocks → sentences → passages, every piece with its exact span.

Passages are built within a section, never across two, and carry its heading path.
Size: a prose paragraph is cut into groups of at most 3 sentences / 600 characters.
all-MiniLM-L6-v2 was trained on inputs of up to 128 word pieces and truncates at 256,
so 600 characters (about 130-150 word pieces of English) stays inside what the model
represents well. Prose paragraphs are never merged, so two copies of an article that
lay out their furniture differently still yield identical passages, which is what lets
de-duplication find them. Short blocks of one kind (list items, table rows, code) in a
row share a passage, up to 8 of them, and a block that leads in (it ends with ":", or
is a definition term) stays in the passage of what follows it.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from functools import lru_cache

from qa.ingest.clean import dropped_blocks
from qa.ingest.formats import inline_plain, sections_of
from qa.ingest.outline import line_of, line_starts
from qa.text import nltk_data, normalize
from qa.types import Block, Document, Passage, Section, Sentence, Span

MAX_CHARS = 600
MAX_SENTENCES = 3
MAX_SHORT_BLOCKS = 8  # list items, rows or code lines sharing one passage
SHORT_BLOCK_CHARS = 100  # a longer list item reads like a paragraph and keeps a passage of its own
HEADING_SEPARATOR = " › "
_SHORT = frozenset({"item", "row", "code"})
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•·▪‣◦]|\d{1,3}[.)])\s+")

SentenceSplitter = Callable[[str], Iterable[tuple[int, int]]]


@lru_cache(maxsize=1)
def punkt_spans() -> SentenceSplitter:
    """Return NLTK's English Punkt sentence splitter, loaded from LlamaIndex's bundled data.

    llama-index-core ships the punkt_tab tables, so nothing is downloaded.
    """
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    cache = nltk_data()
    if cache is not None and str(cache) not in nltk.data.path:
        nltk.data.path.insert(0, str(cache))
    tokenizer = PunktTokenizer("english")
    splitter: SentenceSplitter = tokenizer.span_tokenize
    return splitter


def passage_id(text: str) -> str:
    """Return the id of a passage: a hash of its normalised text, equal for typographic copies.

    The heading path is not part of it: the same words in two files are one passage listing
    both files (the first occurrence's heading path is the one embedded and shown).
    """
    return hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()[:20]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the span narrowed to drop surrounding white space and a leading list marker."""
    piece = text[start:end]
    marker = _LIST_MARKER.match(piece)
    lead = marker.end() if marker else len(piece) - len(piece.lstrip())
    return start + lead, start + len(piece.rstrip())


def _open_brackets(piece: str) -> bool:
    return piece.count("[") > piece.count("]") or piece.count("(") > piece.count(")")


def sentences(text: str, start: int, end: int, splitter: SentenceSplitter) -> list[Sentence]:
    """Return the sentences of ``text[start:end]`` with absolute offsets.

    A cut inside brackets ("[Smith et al.](url)", "(see p. 4)") is undone: Punkt knows
    abbreviations, not Markdown links, and half a link has no plain form.
    """
    spans: list[tuple[int, int]] = []
    for s, e in splitter(text[start:end]):
        a, b = _trim(text, start + s, start + e)
        if b <= a:
            continue
        if spans and _open_brackets(text[spans[-1][0] : spans[-1][1]]) and b - spans[-1][0] <= MAX_CHARS:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return [Sentence(text[a:b], a, b) for a, b in spans]


def block_sentences(text: str, block: Block, splitter: SentenceSplitter, plain: Callable[[str], str]) -> list[Sentence]:
    """Return a block's sentences: a row (or a block with its own plain form) is one, a code line is one."""
    if block.kind == "row" or block.plain:
        return [Sentence(text[block.start : block.end], block.start, block.end, block.plain)]
    if block.kind == "code":
        out = []
        for m in re.finditer(r"[^\r\n]+", text[block.start : block.end]):
            a, b = _trim(text, block.start + m.start(), block.start + m.end())
            if b > a:
                out.append(Sentence(text[a:b], a, b))
        return out
    return [Sentence(s.text, s.start, s.end, plain(s.text)) for s in sentences(text, block.start, block.end, splitter)]


def page_of(doc: Document, offset: int) -> int | None:
    """Return the 1-based PDF page holding ``offset`` (no block spans two pages), or None."""
    return bisect.bisect_right(doc.pages, offset) if doc.pages else None


class _Passages:
    """Accumulates the sentences of one passage and emits it when it is full."""

    def __init__(self, doc: Document, out: list[Passage]) -> None:
        self.doc = doc
        self.out = out
        self.starts = line_starts(doc.text)
        self.group: list[Sentence] = []
        self.short = False  # the passage holds short blocks (items, rows, code) or a lead-in
        self.heading = ""

    def full(self, sent: Sentence) -> bool:
        limit = MAX_SHORT_BLOCKS if self.short else MAX_SENTENCES
        return bool(self.group) and (len(self.group) >= limit or sent.end - self.group[0].start > MAX_CHARS)

    def add(self, sent: Sentence) -> None:
        if self.full(sent):
            last = self.group[-1]
            carry = len(self.group) > 1 and last.announces
            if carry:  # a lead-in goes with what it introduces, not with what came before
                self.group.pop()
            self.flush()
            if carry:
                self.group.append(last)
                self.short = True
        self.group.append(sent)

    def flush(self) -> None:
        if self.group:
            text, a, b = self.doc.text, self.group[0].start, self.group[-1].end
            span = Span(
                self.doc.source, a, b, line_of(self.starts, a), line_of(self.starts, b - 1), page_of(self.doc, a)
            )
            pid = passage_id(text[a:b])
            self.out.append(Passage(pid, text[a:b], (span,), tuple(self.group), self.heading))
        self.group = []
        self.short = False


def split_sections(
    doc: Document, sections: Iterable[Section], dropped: AbstractSet[int], splitter: SentenceSplitter
) -> list[Passage]:
    """Return the passages of ``doc`` built from its sections, leaving out the dropped blocks."""
    plain = inline_plain(doc.source)
    out: list[Passage] = []
    acc = _Passages(doc, out)
    for section in sections:
        base = acc.heading = HEADING_SEPARATOR.join(section.path)
        glue = False  # the previous block leads in to this one
        previous = ""  # kind of the previous block when it was short
        page = None
        blocks = section.blocks
        for i, block in enumerate(blocks):
            # A definition list's term titles its definition (a manual's "ffi_type_pointer", a
            # function's signature): like a heading, it is the context of every sentence of the
            # definition, shown with the answer, and never an answer itself.
            if block.kind == "term" and i + 1 < len(blocks) and blocks[i + 1].kind == "definition":
                acc.flush()
                term = doc.text[block.start : block.end]
                acc.heading = HEADING_SEPARATOR.join((*section.path, " ".join((plain(term) or term).split())))
                glue, previous = False, ""
                continue
            if block.kind != "definition" and acc.heading != base:
                acc.flush()
                acc.heading = base
            if block.start in dropped:
                acc.flush()
                glue, previous = False, ""
                continue
            sents = block_sentences(doc.text, block, splitter, plain)
            if not sents:
                continue
            short = block.kind in _SHORT and (block.kind == "code" or block.end - block.start <= SHORT_BLOCK_CHARS)
            here = page_of(doc, block.start)
            if not (glue or (short and previous == block.kind)) or here != page:
                acc.flush()
            acc.short = acc.short or short or glue
            for sent in sents:
                acc.add(sent)
            glue = block.kind == "term" or sents[-1].announces
            previous, page = (block.kind if short else ""), here
        acc.flush()
    return out


def split_document(
    doc: Document, splitter: SentenceSplitter | None = None, boilerplate: AbstractSet[str] = frozenset()
) -> list[Passage]:
    """Return the passages of one document, in file order (``boilerplate``: corpus-wide furniture keys)."""
    sections = sections_of(doc)
    return split_sections(doc, sections, dropped_blocks(doc, sections, boilerplate), splitter or punkt_spans())
