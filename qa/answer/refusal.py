"""Recognising the model's "not in the documents" reply in the many ways real models word it.

The prompt asks for one fixed phrase, and capable models use it; small ones paraphrase it
("The sources do not contain the answer to this question.", "I could not find this in the
documents", "There is no information about that in the provided context"). A paraphrased
refusal shown as an answer reads as a claim with no citation, so each wording family below
is recognised. The families are deliberately tied to the documents ("... in the sources")
or to the first person ("I could not find"): "Tencent did not find a buyer [2]" is an
answer, not a refusal.
"""

from __future__ import annotations

import re

from qa.answer.verify import parse_claims
from qa.text import fold
from qa.types import ABSTAIN_TEXT

_WHERE = (
    r"(?:documents?|sources?|passages?|context|texts?|articles?|excerpts?|materials?"
    r"|(?:given|provided|available) information|information (?:given|provided|available))"
)
_THE = r"(?:the\s+|these\s+|any\s+(?:of\s+the\s+)?|this\s+)?(?:provided\s+|given\s+|numbered\s+|available\s+)?"
_NOT = r"(?:\s+not|n't|not)"  # "do not", "don't", "cannot"
_VERB = r"(?:contain|include|mention|provide|say|state|give|specify|answer|discuss|cover|have|tell|address|offer|show|list|describe|indicate|reveal)"

_FAMILIES = [
    # "The sources do not contain the answer", "the documents don't mention who ...", "The text does not say"
    rf"\b{_WHERE}\b[^.]{{0,40}}?\b(?:do|does|did){_NOT}\s+(?:\w+\s+)?{_VERB}",
    # "The documents contain no information about ...", "the sources provide no answer"
    rf"\b{_WHERE}\b[^.]{{0,40}}?\b{_VERB}s?\s+no\b",
    # "I could not find this in the documents", "I cannot find", "we were unable to find", "I'm not able to answer"
    r"\b(?:i|we)\b(?:'m|'ve|\s+am|\s+was|\s+were|\s+are|\s+have)?\s*(?:\w+\s+)?"
    rf"(?:(?:could|can|did|do|was|were|am){_NOT}|unable\s+to|not\s+able\s+to)\s+(?:\w+\s+)?"
    r"(?:find|locate|determine|see|answer|tell|identify|provide|know)\b",
    # "There is no information about X in the sources", "no mention of it in the provided context"
    rf"\bno\s+(?:\w+\s+)?(?:information|mention|answer|details?|data|indication|reference|evidence|facts?)\b[^.]{{0,100}}?\b(?:in|from|within|among)\s+{_THE}{_WHERE}",
    # "Based on the sources, there is no mention of a recipe"
    r"\bthere\s+(?:is|are|was|were)\s+no\s+(?:\w+\s+)?(?:information|mention|answer|details?|data|reference)\b",
    # "It is not mentioned in the sources", "could not be found in the provided documents"
    r"\bnot\s+(?:be\s+)?(?:explicitly\s+|directly\s+|clearly\s+)?(?:mentioned|stated|provided|specified|found|available"
    rf"|included|contained|given|discussed|addressed|covered|present|answered|listed|described)\b[^.]{{0,25}}?\b(?:in|by|within)\s+{_THE}{_WHERE}",
    # "The answer is not in the documents", "this is not part of the sources"
    rf"\bnot\s+(?:in|within|part\s+of|among)\s+{_THE}{_WHERE}",
    # "None of the sources mention ..."
    rf"\bnone\s+of\s+{_THE}{_WHERE}",
    # "This cannot be answered from the sources", "cannot be determined"
    rf"\b(?:cannot|can't|can\s+not|could\s+not|couldn't){_NOT}?\s*be\s+(?:answered|determined|found|inferred|deduced)\b",
    # "I don't know", "I do not have (enough) information"
    r"\bi\s+(?:do\s+not|don't|dont)\s+(?:know|have\s+(?:\w+\s+)?(?:information|data|details))\b",
]
_REFUSAL = re.compile("|".join(f"(?:{f})" for f in _FAMILIES), re.I)
# After a refusal, "The documents do not say when, but Alibaba bought it in 2016 [2]." answers in part.
_CONTRAST = re.compile(r"\b(?:but|however|although|though|except|yet|while|whereas|only that)\b", re.I)


def is_refusal_sentence(sentence: str) -> bool:
    """Return True when ``sentence`` says the documents do not hold the answer (and nothing more)."""
    plain = _plain(sentence)
    found = _REFUSAL.search(plain)
    # "Sorry, but I could not find it" refuses; "They do not say when, but it was 2016" answers.
    return found is not None and not _CONTRAST.search(plain, found.end())


def is_not_found(text: str) -> bool:
    """Return True when the model's reply says the answer is not in the documents.

    True for the fixed phrase anywhere, and for a reply with at least one refusal sentence
    in which no other sentence cites a source: "I could not find this in the documents [1]."
    is a refusal, while "The documents do not say when, but Alibaba bought it [2]." followed
    by cited claims is an answer, to be checked like any other.
    """
    plain = _plain(text)
    if ABSTAIN_TEXT.lower().rstrip(".") in plain.lower():
        return True
    claims = parse_claims(plain)
    refusals = [is_refusal_sentence(c.text) for c in claims]
    if not any(refusals):
        return False
    return not any(c.cites for c, refused in zip(claims, refusals, strict=True) if not refused)


def _plain(text: str) -> str:
    # Curly apostrophes ("don’t") and stray whitespace must not hide a refusal.
    return " ".join(fold(text).split())
