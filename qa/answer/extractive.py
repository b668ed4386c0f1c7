"""The extractive answerer: quotes the sentences that best answer the question, cited."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.answer.evidence import MIN_SIMILARITY, Scored, _stem, abstain_reason, score_sentences
from qa.citations import cite
from qa.errors import ConfigError
from qa.text import content_words, display, normalize
from qa.types import Citation, Hit

if TYPE_CHECKING:
    from qa.embeddings import Embedder

ABSTAIN_TEXT = "The documents do not contain the answer to this question."


@dataclass(frozen=True)
class Draft:
    """An answer before timings and mode are attached."""

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    reason: str = ""
    flagged: bool = False  # a generated answer whose citations were all invalid


class ExtractiveAnswerer:
    """Selects up to ``max_sentences`` sentences scoring within ``ratio`` of the best one."""

    def __init__(
        self,
        embedder: Embedder,
        min_similarity: float = MIN_SIMILARITY,
        max_sentences: int = 3,
        ratio: float = 0.85,
    ) -> None:
        if max_sentences <= 0 or not 0 < ratio <= 1:
            raise ConfigError("max_sentences must be positive and ratio in (0, 1]")
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.max_sentences = max_sentences
        self.ratio = ratio

    def answer(self, question: str, qvec: Sequence[float], hits: Sequence[Hit], vocabulary: Collection[str]) -> Draft:
        scored = score_sentences(question, qvec, hits, self.embedder)
        chosen = self.select(scored, question)
        reason = abstain_reason(question, chosen or scored[:1], vocabulary)
        if reason:
            return Draft(ABSTAIN_TEXT, (), True, reason)
        # Document order reads naturally and keeps a multi-sentence answer coherent.
        chosen.sort(key=lambda s: (s.passage.span.source, s.sentence.start))
        citations = tuple(cite(n, s.passage, s.sentence) for n, s in enumerate(chosen, start=1))
        # The answer reads the plain form (link text, no markup); the citation keeps the exact quote.
        text = " ".join(f"{display(s.sentence.readable)} [{c.n}]" for s, c in zip(chosen, citations, strict=True))
        return Draft(text, citations, False)

    def select(self, scored: Sequence[Scored], question: str = "") -> list[Scored]:
        """Return the best sentence, then runners-up that are close to it and add something.

        A runner-up must score within ``ratio`` of the best and cover a question word that
        the sentences already chosen do not: a multi-part question gets one sentence per
        part, and near-duplicates or loosely related neighbours are left out.
        """
        best = scored[0].score if scored else 0.0
        qwords = {_stem(w) for w in content_words(question)}
        chosen: list[Scored] = []
        covered: set[str] = set()
        seen: set[str] = set()
        for s in scored:
            if len(chosen) >= self.max_sentences or s.score < self.ratio * best:
                break
            key = normalize(s.sentence.text)
            words = qwords & {_stem(w) for w in content_words(s.sentence.text)}
            if key in seen or s.similarity < self.min_similarity or (chosen and not words - covered):
                continue
            seen.add(key)
            covered |= words
            chosen.append(s)
        return chosen
