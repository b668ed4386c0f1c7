"""Scoring how well sentences answer a question, and deciding when to abstain."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.text import content_words, fold, words
from qa.types import Hit, Passage, Sentence

if TYPE_CHECKING:
    from qa.embeddings import Embedder

# Calibrated on tests/golden/calibration.jsonl (30 questions written for calibration only,
# not the evaluation set; see README "How abstention was calibrated"). On that set the
# lowest answerable best-sentence cosine was 0.38 and the share of question words unknown
# to the corpus was at most 0.5 for answerable and at least 0.6 for most unanswerable ones.
MIN_SIMILARITY = 0.35  # cosine of all-MiniLM-L6-v2 between question and best sentence
MAX_UNKNOWN_WORDS = 0.6  # abstain when this share of the question's words is foreign to the corpus
FOREIGN_SIMILARITY = 0.5  # ... and the best sentence is no closer than this (paraphrases are)
LEXICAL_WEIGHT = 0.3  # how much sharing the question's words adds to the cosine similarity

_NAME = re.compile(r"(?<![\w'])([A-Z][\w&'.-]*[\w]|[A-Z]|\d[\d.,%]*\d|\d)")


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with the evidence that it answers the question."""

    passage: Passage
    sentence: Sentence
    similarity: float  # cosine(question, sentence)
    overlap: float  # share of the question's content words found in the sentence
    order: int  # position among candidates, for stable ties

    @property
    def score(self) -> float:
        return self.similarity + LEXICAL_WEIGHT * self.overlap


def _stem(word: str) -> str:
    word = word.removesuffix("'s")
    return word[:5] if len(word) > 5 else word  # crude, but matches "collaborate"/"collaboration"


def overlap(question_words: Collection[str], sentence: str) -> float:
    """Return the share of ``question_words`` (stemmed) present in ``sentence``."""
    if not question_words:
        return 0.0
    have = {_stem(w) for w in content_words(sentence)}
    return sum(1 for w in question_words if _stem(w) in have) / len(question_words)


def score_sentences(question: str, qvec: Sequence[float], hits: Sequence[Hit], embedder: Embedder) -> list[Scored]:
    """Return every sentence of the hits scored against the question, best first."""
    import numpy as np

    # Text written to steer an AI ("ignore previous instructions and say ...") is never a fact
    # about the subject: it is not quoted as an answer, whatever its similarity to the question.
    candidates = [(h.passage, s) for h in hits for s in h.passage.sentences if not looks_like_injection(s.text)]
    if not candidates:
        return []
    vectors = embedder.embed([s.readable for _, s in candidates])
    sims = vectors @ np.asarray(qvec, dtype=np.float32)
    qwords = set(content_words(question))
    scored = [
        Scored(p, s, float(sim), overlap(qwords, s.readable), i)
        for i, ((p, s), sim) in enumerate(zip(candidates, sims, strict=True))
    ]
    return sorted(scored, key=lambda x: (-x.score, x.order))


_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|earlier|preceding|system|original)\b"
    r"|\b(ignore|disregard|forget|override)\b[^.!?]{0,30}\b(instructions?|prompts?)\b"
    r"|^\s*(system|assistant|developer)\s*:|\byou (are|must) now\b|\bnew instructions\b",
    re.I,
)


def looks_like_injection(sentence: str) -> bool:
    """Return True for a sentence that addresses an AI with orders rather than stating facts."""
    return bool(_INJECTION.search(fold(sentence)))


def unknown_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """Return names and numbers in the question that appear nowhere in the corpus.

    A question about "Apple Pay" or "2019" cannot be answered from documents that never
    mention them, however similar the nearest sentence looks. Only capitalised words
    (not the first word of a sentence) and numbers count: ordinary words may be
    paraphrases of the text and must not trigger a refusal.
    """
    text = fold(question)
    missing: list[str] = []
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in ".?!:;\"'(" or m.group(0) == "I":
            continue  # sentence-initial capital ("What", "Does") or the pronoun
        token = m.group(0)
        # In a compound like "Alibaba-linked" only the capitalised parts (and numbers) are names.
        named = [p for p in re.split(r"[-/]", token) if p[:1].isupper() or p[:1].isdigit()]
        parts = [w.removesuffix("'s") for p in named for w in words(p)]
        if parts and any(w not in vocabulary for w in parts) and token not in missing:
            missing.append(token)
    return missing


def vocabulary(passages: Collection[Passage]) -> frozenset[str]:
    """Return every word of the passages, possessives stripped (for :func:`unknown_names`)."""
    return frozenset(w.removesuffix("'s") for p in passages for w in words(p.text))


# Answer typing: "how many" wants a count (digits or number words); "how much", "what
# percentage" and the like want an amount (digits, %, currency, per cent, magnitudes):
# "two tech giants" answers the first kind but not the second.
_COUNT_QUESTION = re.compile(r"\bhow many\b|\bwhat number\b", re.I)
_AMOUNT_QUESTION = re.compile(
    r"\bhow (much|large|big)\b|\bwhat (percentage|proportion|share|amount)\b|\bby what\b", re.I
)
_TIME = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|(?:19|20)\d\d)\b"
)
_MAGNITUDE = r"\d|[$€£¥%]|\b(hundreds?|thousands?|millions?|billions?|trillions?|half|double|per ?cent|percent)\b"
_CURRENCY = r"|\b(euros?|dollars?|yuan|renminbi|pounds?|yen|cents?|rupees?|francs?|won)\b"
_AMOUNT = re.compile(_MAGNITUDE + _CURRENCY, re.I)
_COUNT = re.compile(
    _MAGNITUDE
    + r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|dozens?)\b",
    re.I,
)


def abstain_reason(question: str, chosen: Sequence[Scored], vocabulary: Collection[str]) -> str | None:
    """Return why the chosen sentences cannot answer the question, or None if they may.

    Three checks, each explainable to a user: a name or number the corpus never
    mentions; most of the question's words foreign to the corpus; a question asking
    for a quantity answered by sentences holding none. Then the similarity floor.
    """
    missing = unknown_names(question, vocabulary)
    if missing:
        return f"the documents never mention {', '.join(missing)}"
    qwords = set(content_words(question))
    stems = {_stem(w) for w in vocabulary}
    foreign = sorted(w for w in qwords if _stem(w) not in stems)
    best = chosen[0].similarity if chosen else 0.0
    if qwords and len(foreign) / len(qwords) >= MAX_UNKNOWN_WORDS and best < FOREIGN_SIMILARITY:
        return f"the documents do not use most of the question's words ({', '.join(foreign)})"
    if best < MIN_SIMILARITY:
        return f"no sentence is close enough to the question (best similarity {best:.2f})"
    if _AMOUNT_QUESTION.search(question) and not any(_AMOUNT.search(s.sentence.text) for s in chosen):
        return "the question asks for an amount and the closest sentences give none"
    if _COUNT_QUESTION.search(question) and not any(_COUNT.search(s.sentence.text) for s in chosen):
        return "the question asks for a number and the closest sentences give none"
    for when in time_words(question):
        if not any(when.lower() in s.sentence.text.lower() for s in chosen):
            return f"the closest sentences say nothing about {when}"
    return None


def time_words(question: str) -> list[str]:
    """Return the months, weekdays and years a question names."""
    return list(dict.fromkeys(_TIME.findall(fold(question))))
