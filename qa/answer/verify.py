"""Parsing [n] markers in generated answers and checking each claim against its source.

Verification rule (per cited claim, against each sentence of the cited passage):
- lexical support: share of the claim's content words (crudely stemmed) found in the sentence;
- semantic support: cosine similarity of claim and sentence embeddings;
- the best-matching sentence is the one with the highest mean of the two.
A claim is supported when (lexical >= 0.5 or cosine >= 0.7) AND it adds no number the
passage lacks AND its negation agrees with the best sentence's. Lexical overlap accepts a
claim that quotes or closely restates its source; cosine accepts a genuine paraphrase; the
number and negation checks catch the commonest way a fluent sentence contradicts a source
while sharing almost all of its words ("can" vs "cannot", "1.7" vs "2.7").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.text import fold, stems

if TYPE_CHECKING:
    from qa.embed.model import Embedder
    from qa.types import Passage, Sentence

LEXICAL_SUPPORT = 0.5
SEMANTIC_SUPPORT = 0.7

# [1]  [1][2]  [1, 2]  [1-2]  [1–3]  and full-width 【1】 ［1］ (folded to [ ] first).
_MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|-|–|—|to)\s*\d+)*)\s*\]")
_WIDE = str.maketrans({"【": "[", "】": "]", "［": "[", "］": "]", "〔": "[", "〕": "]", "，": ",", "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6", "７": "7", "８": "8", "９": "9"})  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])(?:\s*\[[^\]]*\])*(?:\s+|$)|\n+")
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|can't|won't|isn't|aren't|doesn't|don't|didn't|wasn't|weren't|nor|neither|without|unable)\b|n't\b",
    re.I,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer and the source numbers it cites."""

    text: str  # without its markers
    cites: tuple[int, ...]


def expand(group: str) -> list[int]:
    """Return the numbers in a marker body: "1, 2" -> [1, 2], "1-3" -> [1, 2, 3]."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        bounds = re.split(r"\s*(?:-|–|—|to)\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            if lo <= hi and hi - lo < 20:  # a range this long is a typo, not a citation
                out.extend(range(lo, hi + 1))
                continue
        out.extend(int(b) for b in bounds if b.isdigit())
    return list(dict.fromkeys(out))


def normalize_markers(text: str) -> str:
    """Return text with full-width brackets folded to ASCII so markers parse uniformly."""
    return text.translate(_WIDE)


def parse_claims(text: str) -> list[Claim]:
    """Split an answer into sentences, each with the numbers it cites (in order)."""
    text = normalize_markers(text)
    claims: list[Claim] = []
    pos = 0
    for m in list(_SENTENCE_END.finditer(text)) + [None]:
        end = m.end() if m else len(text)
        chunk = text[pos:end].strip()
        pos = end
        if not chunk:
            continue
        cites = tuple(dict.fromkeys(n for g in _MARKER.findall(chunk) for n in expand(g)))
        bare = re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", _MARKER.sub("", chunk))).strip()
        if bare or cites:
            claims.append(Claim(bare, cites))
    return claims


def strip_invalid_markers(text: str, valid: range) -> tuple[str, list[int]]:
    """Return text with numbers outside ``valid`` removed from markers, and those numbers."""
    dropped: list[int] = []

    def fix(m: re.Match[str]) -> str:
        keep = [n for n in expand(m.group(1)) if n in valid]
        dropped.extend(n for n in expand(m.group(1)) if n not in valid)
        return "".join(f"[{n}]" for n in keep)

    return _MARKER.sub(fix, normalize_markers(text)), dropped


@dataclass(frozen=True)
class Support:
    """How well a passage backs a claim, and which of its sentences backs it best."""

    sentence: Sentence
    lexical: float
    semantic: float
    supported: bool


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(fold(text)))


def lexical_support(claim: str, sentence: str) -> float:
    wanted = set(stems(claim))
    if not wanted:
        return 0.0
    return len(wanted & set(stems(sentence))) / len(wanted)


def verify_claims(
    claims: Sequence[Claim], sources: Sequence[Passage], embedder: Embedder
) -> dict[tuple[int, int], Support]:
    """Return the support of every (claim index, source number) pair the answer cites."""
    import numpy as np

    pairs = [(i, n) for i, c in enumerate(claims) for n in c.cites if 1 <= n <= len(sources)]
    if not pairs:
        return {}
    claim_texts = [claims[i].text for i in sorted({i for i, _ in pairs})]
    cited = sorted({n for _, n in pairs})
    sentence_texts = [s.text for n in cited for s in sources[n - 1].sentences]
    vectors = embedder.embed(claim_texts + sentence_texts)
    claim_vec = dict(zip(sorted({i for i, _ in pairs}), vectors[: len(claim_texts)], strict=True))
    offset = len(claim_texts)
    sent_vecs: dict[int, np.ndarray] = {}
    for n in cited:
        k = len(sources[n - 1].sentences)
        sent_vecs[n] = vectors[offset : offset + k]
        offset += k
    result: dict[tuple[int, int], Support] = {}
    for i, n in pairs:
        claim = claims[i].text
        passage = sources[n - 1]
        sims = sent_vecs[n] @ claim_vec[i]
        options = [
            (float(sim), lexical_support(claim, s.text), s) for s, sim in zip(passage.sentences, sims, strict=True)
        ]
        semantic, lexical, best = max(options, key=lambda o: (o[0] + o[1]) / 2)
        consistent = _numbers(claim) <= _numbers(passage.text) and _negated(claim) == _negated(best.text)
        ok = (lexical >= LEXICAL_SUPPORT or semantic >= SEMANTIC_SUPPORT) and consistent
        result[(i, n)] = Support(best, lexical, semantic, ok)
    return result
