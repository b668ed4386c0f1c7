"""Turning a generated answer into a Draft: markers checked, claims verified, spans exact.

Then ``settle`` decides what the user gets. A generated answer is shown when at least one
of its citations is supported by its passage (unsupported ones stay marked not verified).
Otherwise (the model declined, cited nothing, or cited passages that do not back it) the
extractive answer stands in when it is confident, with a notice saying the model's answer
could not be verified; when it is not confident either, the user gets the abstention, and
the model's unverified text is kept aside (``Answer.partial``), never shown as the answer.
Measured with SmolLM2-135M on the seeds golden set (README, "Generated answers").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qa.answer.citations import cite
from qa.answer.extractive import Draft
from qa.answer.refusal import is_not_found
from qa.answer.verify import parse_claims, strip_invalid_markers, verify_claims
from qa.types import ABSTAIN_TEXT, Citation, Hit, Sentence

if TYPE_CHECKING:
    from qa.embed.model import Embedder


def finalize(text: str, hits: Sequence[Hit], embedder: Embedder) -> Draft:
    """Return the checked answer for the model's ``text`` written from numbered ``hits``.

    Marker numbers keep the model's numbering (so the streamed text stays valid); numbers
    that point to no source are removed. Each citation quotes the sentence(s) of its passage
    that best match the claims citing it, and is ``supported`` only if every such claim is.
    """
    if is_not_found(text):
        return Draft(ABSTAIN_TEXT, (), True, "the model found no answer in the retrieved passages")
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
    uncited = sum(1 for c in claims if not c.cites and any(ch.isalnum() for ch in c.text))
    if uncited and citations:
        reasons.append(
            f"{uncited} sentence{'s' if uncited > 1 else ''} of the answer cite{'' if uncited > 1 else 's'} no source (not verified)"
        )
    if dropped:
        reasons.append(f"removed citations to sources that do not exist: {', '.join(f'[{n}]' for n in dropped)}")
    flagged = not citations
    if flagged:
        reasons.append("the model cited no valid source: check this answer against the passages")
    elif not all(c.supported for c in citations):
        reasons.append("some citations do not support their sentence (marked not verified)")
    draft = Draft(text, tuple(citations), False, "; ".join(reasons))
    return draft if not flagged else Draft(text, (), False, draft.reason, flagged=True)


def verified(draft: Draft) -> bool:
    """Return True when a generated draft can be shown: at least one citation backs it."""
    return not draft.abstained and any(c.supported for c in draft.citations)


def settle(generated: Draft, extractive: Callable[[], Draft], model: str) -> tuple[Draft, bool]:
    """Return the draft to show and whether it is the extractive one standing in for the model's.

    ``extractive`` is called only when the model's draft cannot be shown as it is.
    """
    if verified(generated):
        return generated, False
    quoted = extractive()
    if generated.abstained:
        if quoted.abstained:
            return generated, False
        why = f"{model} found no answer in the passages, but these sentences from them look relevant"
        return replace(quoted, reason=why), True
    if not quoted.abstained:
        why = f"{model}'s answer could not be verified against the documents: answer quoted from the documents instead"
        return replace(quoted, reason=why), True
    why = f"{model}'s answer cited nothing that supports it, so it is not shown as an answer"
    return replace(quoted, reason=why), True
