"""Turning a generated answer into a Draft: markers checked, claims verified, spans exact."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qa.answer.extractive import Draft
from qa.answer.prompt import NOT_FOUND, is_not_found
from qa.citations import cite
from qa.types import Citation, Hit, Sentence
from qa.verify import parse_claims, strip_invalid_markers, verify_claims

if TYPE_CHECKING:
    from qa.embeddings import Embedder


def finalize(text: str, hits: Sequence[Hit], embedder: Embedder) -> Draft:
    """Return the checked answer for the model's ``text`` written from numbered ``hits``.

    Marker numbers keep the model's numbering (so the streamed text stays valid); numbers
    that point to no source are removed. Each citation quotes the sentence(s) of its passage
    that best match the claims citing it, and is ``supported`` only if every such claim is.
    """
    if is_not_found(text):
        return Draft(NOT_FOUND, (), True, "the model found no answer in the retrieved passages")
    text, dropped = strip_invalid_markers(text.strip(), range(1, len(hits) + 1))
    claims = parse_claims(text)
    passages = [h.passage for h in hits]
    support = verify_claims(claims, passages, embedder)
    order = list(dict.fromkeys(n for c in claims for n in c.cites))
    citations: list[Citation] = []
    for n in order:
        backing = [s for (_, m), s in support.items() if m == n]
        if not backing:
            continue
        passage = passages[n - 1]
        start = min(s.sentence.start for s in backing)
        end = max(s.sentence.end for s in backing)
        offset = passage.span.start
        span = Sentence(passage.text[start - offset : end - offset], start, end)
        citations.append(cite(n, passage, span, supported=all(s.supported for s in backing)))
    reasons = []
    if dropped:
        reasons.append(f"removed citations to sources that do not exist: {', '.join(f'[{n}]' for n in dropped)}")
    flagged = not citations
    if flagged:
        reasons.append("the model cited no valid source: check this answer against the passages")
    elif not all(c.supported for c in citations):
        reasons.append("some citations do not support their sentence (marked not verified)")
    draft = Draft(text, tuple(citations), False, "; ".join(reasons))
    return draft if not flagged else Draft(text, (), False, draft.reason, flagged=True)
