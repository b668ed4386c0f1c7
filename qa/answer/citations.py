"""Citations: exact spans of cited sentences, and their numbering in an answer."""

from __future__ import annotations

import re

from qa.types import Citation, Passage, Sentence

_BREAK = re.compile(r"\r\n|\r|\n")


def cite(n: int, passage: Passage, sentence: Sentence, supported: bool = True) -> Citation:
    """Return citation ``n`` for ``sentence`` of ``passage``, with its line range in the file."""
    span = passage.span
    before = passage.text[: sentence.start - span.start]
    inside = passage.text[sentence.start - span.start : sentence.end - span.start]
    first = span.line_start + len(_BREAK.findall(before))
    return Citation(
        n=n,
        source=span.source,
        start=sentence.start,
        end=sentence.end,
        line_start=first,
        line_end=first + len(_BREAK.findall(inside)),
        quote=sentence.text,
        supported=supported,
        also_in=tuple(s for s in passage.sources if s != span.source),
        passage_id=passage.id,
        page=span.page,  # a passage never spans two PDF pages (see qa.ingest.split.page_of)
        heading=passage.heading,
    )
