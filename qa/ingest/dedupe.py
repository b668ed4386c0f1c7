"""De-duplication: a passage found in several files is kept once, remembering every file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from qa.types import Passage


def dedupe(passages: Iterable[Passage]) -> list[Passage]:
    """Return unique passages in first-seen order; repeats add their spans as provenance.

    Identity is the normalised text (see ``passage_id``), so copies that differ only in
    quote style, dashes or white space merge. The first occurrence keeps its text and
    sentence offsets: citations point there, and list the other files as ``also in``.
    """
    merged: dict[str, Passage] = {}
    for p in passages:
        first = merged.get(p.id)
        if first is None:
            merged[p.id] = p
        elif not any(s.source == p.span.source and s.start == p.span.start for s in first.spans):
            merged[p.id] = replace(first, spans=first.spans + p.spans)
    return list(merged.values())
