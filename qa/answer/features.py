"""Features of (question, candidate sentence) pairs for the answer-sentence scorer.

Everything here is cheap: the cosines come from vectors the answerer computes anyway,
the rest from word lists and the corpus statistics built when the index opened. The
feature names are part of the model file: a model trained on other names is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.answer.corpus import CorpusStats
from qa.text import fold, stem, stems, tokens
from qa.types import Hit, Passage, Sentence

if TYPE_CHECKING:
    import numpy as np

# The expected answer type, from the question's wording (first match wins).
QTYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"\b(what|which|in what|by what|until what) (year|decade|century)\b|\bwhat years?\b", re.I)),
    ("count", re.compile(r"\bhow many\b|\bwhat number\b|\bhow often\b", re.I)),
    (
        "amount",
        re.compile(
            r"\bhow (much|large|big|long|far|old|tall|high|fast|deep|wide|heavy)\b"
            r"|\bwhat (percentage|percent|proportion|share|amount|fraction|size|price|cost)\b",
            re.I,
        ),
    ),
    ("when", re.compile(r"\bwhen\b|\bwhat (date|time|month|day|period|era)\b", re.I)),
    ("who", re.compile(r"\bwho(m|se)?\b|\bwhat (person|man|woman|king|leader|group|company|people)\b", re.I)),
    ("where", re.compile(r"\bwhere\b|\bwhat (country|city|place|region|area|state|river|town|location)\b", re.I)),
    ("why", re.compile(r"\bwhy\b|\bwhat (caused|causes|led to|reason)\b", re.I)),
    ("how", re.compile(r"\bhow\b", re.I)),
    ("which", re.compile(r"\bwhich\b", re.I)),
    ("what", re.compile(r"\bwhat\b", re.I)),
)
QTYPE_NAMES = tuple(name for name, _ in QTYPES) + ("other",)

_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|century|centuries|decade)\b",
    re.I,
)
_NUMBER_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|half|several"
)
_NUMBER = re.compile(r"\d|\b(" + _NUMBER_WORD + r")\b", re.I)
_AMOUNT = re.compile(
    r"[$€£¥%]|\d\s*(%|per ?cent|percent)|\b(euros?|dollars?|yuan|pounds?|yen|cents?|rupees?|francs?|marks?"
    r"|km|kilomet\w+|miles?|met(er|re)s?|feet|foot|kg|tons?|tonnes?|years? old|degrees?|°)\b",
    re.I,
)
_DEFINITION = re.compile(
    r"\b(is|are|was|were) (a|an|the|one of)\b|\brefers? to\b|\bknown as\b|\bcalled\b|\bmeans?\b|\bdefined as\b",
    re.I,
)
_PLACE = re.compile(r"\b(in|at|from|near|to|into|across|between)\s+(the\s+)?[A-Z]\w+")
_CAUSE = re.compile(r"\b(because|due to|as a result|caused|since|led to|in order to|so that|owing to)\b", re.I)
_ANAPHOR = re.compile(r"^\s*(this|these|that|those|it|its|they|their|he|she|his|her|such|the latter)\b", re.I)
_NEGATION = re.compile(r"\b(not|never|no|none|nobody|nothing|n't|without|neither|nor|fail\w*)\b|n't\b", re.I)
_CAPITAL = re.compile(r"(?<![\w'])([A-Z][\w&'.-]*\w|[A-Z])")

# Order matters: it is the column order of the model's weights.
FEATURES: tuple[str, ...] = (
    "cos",
    "cos_prev",
    "cos_next",
    "cos_passage",
    "cos_rank_inv",
    "cos_gap",
    "cos_z",
    "overlap",
    "overlap_idf",
    "overlap_idf_gap",
    "overlap_window",
    "overlap_next",
    "overlap_prev",
    "miss_idf_sent",
    "miss_max_sent",
    "miss_idf_window",
    "miss_max_window",
    "miss_idf_doc",
    "miss_max_doc",
    "miss_max_corpus",
    "names_missing_sent",
    "names_missing_doc",
    "novelty",
    "new_names",
    "restates",
    "type_match",
    "type_match_next",
    "type_match_prev",
    "type_expected",
    "has_number",
    "has_year",
    "has_definition",
    "anaphor",
    "next_anaphor",
    "lead_in",
    "neg_question",
    "neg_mismatch",
    "length",
    "position",
    "first_in_doc",
    "hit_rank_inv",
    "hit_rrf",
    "hit_dense",
    "hit_bm25",
    "q_length",
    *(f"q_{name}" for name in QTYPE_NAMES),
)


def qtype(question: str) -> str:
    """Return the expected answer type of a question ("when", "count", ..., "other")."""
    for name, pattern in QTYPES:
        if pattern.search(question):
            return name
    return "other"


def names(text: str) -> list[str]:
    """Return the capitalised words and numbers of ``text`` that are not sentence-initial, lower-cased."""
    folded = fold(text)
    out: list[str] = []
    for m in _CAPITAL.finditer(folded):
        before = folded[: m.start()].rstrip()
        if not before or before[-1] in ".?!:;\"'(" or m.group(0) == "I":
            continue
        out.extend(w.removesuffix("'s") for w in tokens(m.group(0)))
    out.extend(w for w in tokens(folded) if w[:1].isdigit())
    return list(dict.fromkeys(out))


def type_match(kind: str, text: str, qstems: set[str]) -> float:
    """Return 1.0 when ``text`` holds the kind of thing a ``kind`` question asks for."""
    if kind == "year":
        return float(bool(_YEAR.search(text)))
    if kind == "when":
        return float(bool(_YEAR.search(text) or _MONTH.search(text)))
    if kind == "count":
        return float(bool(_NUMBER.search(text)))
    if kind == "amount":
        return float(bool(_AMOUNT.search(text) or re.search(r"\d", text)))
    if kind in ("who", "which"):
        return float(any(stem(w) not in qstems for w in names(text) if not w[:1].isdigit()))
    if kind == "where":
        return float(bool(_PLACE.search(text)))
    if kind == "why":
        return float(bool(_CAUSE.search(text)))
    if kind == "what":
        return float(bool(_DEFINITION.search(text)))
    return 0.0


@dataclass(frozen=True)
class Candidate:
    """A sentence that might answer the question, where it is, and its neighbours in the file."""

    hit: Hit
    sentence: Sentence
    prev: Sentence | None
    next: Sentence | None

    @property
    def passage(self) -> Passage:
        return self.hit.passage


@dataclass(frozen=True)
class Question:
    """What the features need to know about the question, computed once."""

    text: str
    kind: str
    stems: dict[str, float]  # content stem → IDF
    names: tuple[str, ...]  # stems of its names and numbers
    negated: bool

    @classmethod
    def parse(cls, text: str, stats: CorpusStats) -> Question:
        idf = {s: stats.idf(s) for s in stems(text)}
        return cls(
            text, qtype(text), idf, tuple(dict.fromkeys(stem(w) for w in names(text))), bool(_NEGATION.search(text))
        )


def candidates(hits: Sequence[Hit], stats: CorpusStats, keep: Callable[[str], bool]) -> list[Candidate]:
    """Return every sentence of the hits that ``keep`` accepts, each once, with its neighbours."""
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for h in hits:
        for s in h.passage.sentences:
            key = (h.passage.span.source, s.start)
            if key in seen or not keep(s.text):
                continue
            seen.add(key)
            prev, nxt = stats.neighbours(h.passage.span.source, s)
            out.append(Candidate(h, s, prev, nxt))
    return out


class _Words:
    """Stem sets of texts, computed once per text within one question."""

    def __init__(self) -> None:
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, text: str | None) -> frozenset[str]:
        if not text:
            return frozenset()
        got = self.cache.get(text)
        if got is None:
            got = self.cache[text] = frozenset(stems(text))
        return got


def _covered(q: Question, have: frozenset[str]) -> tuple[float, float, float, float]:
    """Return (share of question stems present, IDF share present, IDF mass missing, max IDF missing)."""
    if not q.stems:
        return 0.0, 0.0, 0.0, 0.0
    total = sum(q.stems.values())
    present = [s for s in q.stems if s in have]
    got = sum(q.stems[s] for s in present)
    missing = [v for s, v in q.stems.items() if s not in have]
    return len(present) / len(q.stems), got / total, (total - got) / total, max(missing, default=0.0)


def _names_missing(q: Question, have: frozenset[str]) -> float:
    return float(sum(1 for n in q.names if n not in have and not _fuzzy_in(n, have)))


def _fuzzy_in(name: str, have: frozenset[str]) -> bool:
    """Return True when a word within one edit of ``name`` is in ``have`` (names of five letters or more)."""
    if len(name) < 5 or name[:1].isdigit():
        return False
    return any(w[:1] == name[:1] and abs(len(w) - len(name)) <= 1 and within_one_edit(w, name) for w in have)


def within_one_edit(a: str, b: str) -> bool:
    """Return True when ``a`` becomes ``b`` by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def featurise(
    q: Question,
    cands: Sequence[Candidate],
    sims: dict[tuple[str, int], float],
    stats: CorpusStats,
) -> np.ndarray:
    """Return one row of :data:`FEATURES` per candidate.

    ``sims`` maps (source, sentence start) to cosine(question, sentence) for every
    candidate; a neighbour that is not a candidate counts 0.
    """
    import numpy as np

    stem_set = _Words()
    rows = np.zeros((len(cands), len(FEATURES)), dtype=np.float64)
    if not cands:
        return rows
    qset = frozenset(q.stems)
    cos = np.array([sims.get((c.passage.span.source, c.sentence.start), 0.0) for c in cands])
    order = np.argsort(-cos, kind="stable")
    rank = np.empty(len(cands))
    rank[order] = np.arange(1, len(cands) + 1)
    spread = float(cos.std()) or 1.0
    max_rrf = max(c.hit.score for c in cands) or 1.0
    max_bm25 = max((c.hit.bm25 or 0.0) for c in cands) or 1.0
    corpus_missing = max((v for s, v in q.stems.items() if s not in stats.df), default=0.0)
    overlaps = []
    for i, c in enumerate(cands):
        source = c.passage.span.source
        # The nearest section title is context for every sentence under it: a NEWS bullet's
        # release and date are only in its heading. SQuAD paragraphs (the training data) and
        # files without sections have none, so for them nothing changes.
        context = c.passage.heading.rsplit(" \u203a ", 1)[-1] if c.passage.heading else ""
        sent = stem_set(f"{c.sentence.readable} {context}" if context else c.sentence.readable)
        prev, nxt = stem_set(c.prev.readable if c.prev else None), stem_set(c.next.readable if c.next else None)
        window = sent | prev | nxt
        doc = stats.doc_stems.get(source, frozenset()) | stem_set(c.passage.text)
        share, idf_share, miss_sent, max_sent = _covered(q, sent)
        _, idf_window, miss_window, max_window = _covered(q, window)
        _, _, miss_doc, max_doc = _covered(q, doc)
        overlaps.append(idf_share)
        sent_names = {stem(n) for n in names(c.sentence.readable)}
        novelty = len(sent - qset) / len(sent) if sent else 0.0
        index, count = stats.position(source, c.sentence)
        text = c.sentence.readable
        f = {
            "cos": cos[i],
            "cos_prev": sims.get((source, c.prev.start), 0.0) if c.prev else 0.0,
            "cos_next": sims.get((source, c.next.start), 0.0) if c.next else 0.0,
            "cos_passage": c.hit.dense if c.hit.dense is not None else 0.0,
            "cos_rank_inv": 1.0 / rank[i],
            "cos_gap": cos[i] - cos[order[0]],
            "cos_z": (cos[i] - cos.mean()) / spread,
            "overlap": share,
            "overlap_idf": idf_share,
            "overlap_window": idf_window,
            "overlap_next": _covered(q, nxt)[1],
            "overlap_prev": _covered(q, prev)[1],
            "miss_idf_sent": miss_sent,
            "miss_max_sent": max_sent,
            "miss_idf_window": miss_window,
            "miss_max_window": max_window,
            "miss_idf_doc": miss_doc,
            "miss_max_doc": max_doc,
            "miss_max_corpus": corpus_missing,
            "names_missing_sent": _names_missing(q, sent | sent_names),
            "names_missing_doc": _names_missing(q, doc),
            "novelty": novelty,
            "new_names": float(len(sent_names - qset)),
            "restates": idf_share * (1.0 - novelty),
            "type_match": type_match(q.kind, f"{text} {context}" if context else text, set(qset)),
            "type_match_next": type_match(q.kind, c.next.readable, set(qset)) if c.next else 0.0,
            "type_match_prev": type_match(q.kind, c.prev.readable, set(qset)) if c.prev else 0.0,
            "type_expected": float(q.kind not in ("other", "how")),
            "has_number": float(bool(_NUMBER.search(text))),
            "has_year": float(bool(_YEAR.search(text))),
            "has_definition": float(bool(_DEFINITION.search(text))),
            "anaphor": float(bool(_ANAPHOR.match(text))),
            "next_anaphor": float(bool(c.next and _ANAPHOR.match(c.next.readable))),
            "lead_in": float(c.sentence.lead_in),
            "neg_question": float(q.negated),
            "neg_mismatch": float(q.negated != bool(_NEGATION.search(text))),
            "length": math.log1p(len(tokens(text))),
            "position": index / max(count - 1, 1),
            "first_in_doc": float(index == 0),
            "hit_rank_inv": 1.0 / max(c.hit.rank, 1),
            "hit_rrf": c.hit.score / max_rrf,
            "hit_dense": 1.0 if c.hit.dense is not None else 0.0,
            "hit_bm25": (c.hit.bm25 or 0.0) / max_bm25,
            "q_length": math.log1p(len(q.stems)),
            f"q_{q.kind}": 1.0,
        }
        rows[i] = [f.get(name, 0.0) for name in FEATURES]
    best = max(overlaps)
    rows[:, FEATURES.index("overlap_idf_gap")] = np.array(overlaps) - best
    return rows
