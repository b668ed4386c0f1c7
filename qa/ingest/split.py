"""Splitting: paragraphs → sentences → passages, every piece with its exact span in the file.

Passage size: a paragraph, cut into groups of at most 3 sentences / 600 characters.
all-MiniLM-L6-v2 was trained on inputs of up to 128 word pieces and truncates at 256,
so 600 characters (about 130-150 word pieces of news English) stays inside what the
model represents well. Cutting at paragraph boundaries first means two copies of an
article that lay out their boilerplate differently still yield identical passages,
which is what lets de-duplication find them.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from qa.ingest.clean import Line, classify
from qa.text import normalize
from qa.types import Document, Passage, Sentence, Span

MAX_CHARS = 600
MAX_SENTENCES = 3
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•·▪‣◦]|\d{1,3}[.)])\s+")

SentenceSplitter = Callable[[str], Iterable[tuple[int, int]]]


@lru_cache(maxsize=1)
def punkt_spans() -> SentenceSplitter:
    """Return NLTK's English Punkt sentence splitter, loaded from LlamaIndex's bundled data.

    llama-index-core ships the punkt_tab tables, so nothing is downloaded.
    """
    import importlib.util
    from pathlib import Path

    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    spec = importlib.util.find_spec("llama_index.core")
    if spec is not None and spec.origin:
        cache = Path(spec.origin).parent / "_static" / "nltk_cache"
        if str(cache) not in nltk.data.path:
            nltk.data.path.insert(0, str(cache))
    tokenizer = PunktTokenizer("english")
    splitter: SentenceSplitter = tokenizer.span_tokenize
    return splitter


def passage_id(text: str) -> str:
    """Return the id of a passage: a hash of its normalised text, equal for typographic copies."""
    return hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()[:20]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each paragraph: a run of content lines, one list item each."""
    out: list[tuple[int, int]] = []
    run: list[Line] = []

    def flush() -> None:
        if run:
            out.append((run[0].start, run[-1].end))
            run.clear()

    for line, kind in classify(text):
        if kind != "content":
            flush()
        elif _LIST_MARKER.match(line.text):
            flush()
            run.append(line)
        else:
            run.append(line)
    flush()
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the span narrowed to drop surrounding white space and a leading list marker."""
    piece = text[start:end]
    marker = _LIST_MARKER.match(piece)
    lead = marker.end() if marker else len(piece) - len(piece.lstrip())
    return start + lead, start + len(piece.rstrip())


def sentences(text: str, start: int, end: int, splitter: SentenceSplitter) -> list[Sentence]:
    """Return the sentences of ``text[start:end]`` with absolute offsets."""
    out: list[Sentence] = []
    for s, e in splitter(text[start:end]):
        a, b = _trim(text, start + s, start + e)
        if b > a:
            out.append(Sentence(text[a:b], a, b))
    return out


def page_of(doc: Document, offset: int) -> int | None:
    """Return the 1-based PDF page holding ``offset`` (pages are separated by blank lines, so
    no paragraph, hence no passage, spans two pages), or None for formats without pages."""
    return bisect.bisect_right(doc.pages, offset) if doc.pages else None


def split_document(doc: Document, splitter: SentenceSplitter | None = None) -> list[Passage]:
    """Return the passages of one document, in file order."""
    splitter = splitter or punkt_spans()
    text = doc.text
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(line_starts, offset)

    passages: list[Passage] = []
    for p_start, p_end in paragraphs(text):
        group: list[Sentence] = []
        for sent in sentences(text, p_start, p_end, splitter) + [None]:  # None flushes the last group
            too_big = (
                sent is not None and group and (len(group) >= MAX_SENTENCES or sent.end - group[0].start > MAX_CHARS)
            )
            if group and (sent is None or too_big):
                a, b = group[0].start, group[-1].end
                span = Span(doc.source, a, b, line_of(a), line_of(b - 1), page_of(doc, a))
                passages.append(Passage(passage_id(text[a:b]), text[a:b], (span,), tuple(group)))
                group = []
            if sent is not None:
                group.append(sent)
    return passages
