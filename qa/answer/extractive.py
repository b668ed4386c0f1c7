"""The extractive answerer: quotes the sentences the scorer says answer the question, cited."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.answer.citations import cite
from qa.answer.corpus import CorpusStats
from qa.answer.evidence import RULES, looks_like_injection, refusal
from qa.answer.features import names
from qa.answer.reader import Reader, pair_text
from qa.answer.scorer import Scored, ScorerModel, extract, load_scorer
from qa.config import DEFAULT_ABSTAIN_RULES
from qa.errors import ConfigError
from qa.text import content_words, display, normalize, stems, tokens
from qa.types import ABSTAIN_TEXT, Citation, Hit, Passage, Sentence

if TYPE_CHECKING:
    from qa.embed.model import Embedder

# The similarity floor is dropped (the scorer's cosine features cover it); the others refuse what a
# few retrieved sentences cannot show (README "Answer selection and abstention"). Each rule's
# refusals, right and wrong, are counted on SQuAD and its removal measured on the seeds and docs sets
# (README "Who refused"); the year rule and the count rule's years were checked on held-out pool
# articles first.
DEFAULT_RULES: tuple[str, ...] = DEFAULT_ABSTAIN_RULES


@dataclass(frozen=True)
class Draft:
    """An answer before timings and mode are attached."""

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    reason: str = ""
    flagged: bool = False  # a generated answer whose citations were all invalid
    confidence: float | None = None  # the scorer's P(the best sentence answers), when it ran
    refused_by: str = ""  # "scorer" or the rule that refused ("unknown_name", ...); "" when answered


class ExtractiveAnswerer:
    """Quotes the best-scoring sentence, its neighbour when they answer together, and distinct runners-up."""

    def __init__(
        self,
        embedder: Embedder,
        scorer: ScorerModel | None = None,
        max_sentences: int = 3,
        ratio: float = 0.25,
        rules: Collection[str] = DEFAULT_RULES,
        threshold: float | None = None,
        reader: Reader | None = None,
        max_candidates: int = 24,
    ) -> None:
        if max_sentences <= 0 or not 0 < ratio <= 1:
            raise ConfigError("max_sentences must be positive and ratio in (0, 1]")
        unknown = set(rules) - set(RULES)
        if unknown:
            raise ConfigError(f"unknown abstention rules: {', '.join(sorted(unknown))}", f"known: {', '.join(RULES)}")
        self.embedder = embedder
        self.scorer = scorer or load_scorer()
        self.max_sentences = max_sentences
        self.ratio = ratio
        self.rules = tuple(rules)
        # With the reader, probabilities (and so the threshold) are its calibrated ones; the feature
        # scorer only pre-selects the sentences it reads (``max_candidates``: the reader's cost grows
        # with each pair, and the feature scorer's best 24 hold the reader's choice nearly always).
        self.reader = reader
        self.max_candidates = max_candidates
        own = reader.threshold if reader is not None else self.scorer.threshold
        self.threshold = own if threshold is None else threshold

    def score(self, question: str, qvec: Sequence[float], hits: Sequence[Hit], stats: CorpusStats) -> list[Scored]:
        """Return every candidate sentence of the hits with its probability, best first."""
        # Text written to steer an AI ("ignore previous instructions and say ...") is never a fact
        # about the subject: it is not quoted as an answer, whatever its similarity to the question.
        _, cands, rows, sims = extract(
            question, qvec, hits, self.embedder, stats, lambda t: not looks_like_injection(t)
        )
        probs = self.scorer.predict(rows)
        scored = [
            Scored(c, float(p), sims.get((c.passage.span.source, c.sentence.start), 0.0), i)
            for i, (c, p) in enumerate(zip(cands, probs, strict=True))
        ]
        scored.sort(key=lambda s: (-s.probability, s.order))
        if self.reader is None or not scored:
            return scored
        kept = scored[: self.max_candidates]
        texts = [_reader_text(s) for s in kept]
        read = self.reader.probabilities(question, texts)
        rescored = [Scored(s.candidate, float(p), s.similarity, s.order) for s, p in zip(kept, read, strict=True)]
        return sorted(rescored, key=lambda s: (-s.probability, s.order))

    def answer(self, question: str, qvec: Sequence[float], hits: Sequence[Hit], stats: CorpusStats) -> Draft:
        scored = self.score(question, qvec, hits, stats)
        confidence = scored[0].probability if scored else None
        chosen = self.select(scored, question, stats)
        sims = {(s.passage.span.source, s.sentence.start): s.similarity for s in scored}
        quoted = [(sent, sims.get((p.span.source, sent.start), 0.0)) for p, sent in chosen] or [
            (s.sentence, s.similarity) for s in scored[:1]
        ]
        # The typed rules look at what would be quoted: a month or an amount elsewhere proves nothing.
        headings = [p.heading for p, _ in chosen] or [s.passage.heading for s in scored[:1]]
        refused = refusal(question, quoted, stats, self.rules, headings)
        if refused is None and (not chosen or (confidence or 0.0) < self.threshold):
            best = f"{confidence:.2f}" if confidence is not None else "none"
            return Draft(ABSTAIN_TEXT, (), True, f"no sentence answers the question (confidence {best})",
                         confidence=confidence, refused_by="scorer")  # fmt: skip
        if refused is not None:
            return Draft(ABSTAIN_TEXT, (), True, refused.message, confidence=confidence, refused_by=refused.rule)
        chosen += self._part_answers(question, hits, stats, chosen)
        # Document order reads naturally and keeps a multi-sentence answer coherent.
        chosen.sort(key=lambda ps: (ps[0].span.source, ps[1].start))
        chosen = _join_runs(chosen)
        citations = tuple(cite(n, p, s) for n, (p, s) in enumerate(chosen, start=1))
        # The answer reads the plain form (link text, no markup); the citation keeps the exact quote.
        text = " ".join(_with_headings(chosen, citations, stats))
        return Draft(text, citations, False, confidence=confidence)

    def _part_answers(
        self, question: str, hits: Sequence[Hit], stats: CorpusStats, chosen: Sequence[tuple[Passage, Sentence]]
    ) -> list[tuple[Passage, Sentence]]:
        """Return the best sentence for each part of a two-part question that the answer lacks.

        "What is the default smoothing, and what screen height does it assume?" asks two
        things; the sentences that answer the whole question best often answer one of them.
        Each part is scored on its own over the same passages, and its best sentence joins the
        answer when it reaches the answering threshold. Whether to answer at all is still
        decided on the whole question, so a near miss is not answered through one of its parts.
        """
        parts = question_parts(question)
        if not parts:
            return []
        have = {(p.id, s.start) for p, s in chosen}
        seen = [normalize(s.text) for _, s in chosen]
        vectors = self.embedder.embed(parts)
        out: list[tuple[Passage, Sentence]] = []
        for part, vector in zip(parts, vectors, strict=True):
            best = next((s for s in self.score(part, vector, hits, stats) if not _announces(s.sentence)), None)
            if best is None or best.probability < self.threshold or (best.passage.id, best.sentence.start) in have:
                continue
            key = normalize(best.sentence.text)
            if any(_near_duplicate(key, k) for k in seen):
                continue
            have.add((best.passage.id, best.sentence.start))
            seen.append(key)
            out.append((best.passage, best.sentence))
        return out

    def select(
        self, scored: Sequence[Scored], question: str = "", stats: CorpusStats | None = None
    ) -> list[tuple[Passage, Sentence]]:
        """Return the sentences to quote: the best, its partner, then runners-up adding a distinct fact.

        The partner is the sentence before or after the best when they read as one answer:
        a lead-in ending in ":" never stands alone, a sentence opening with "This"/"It" comes
        with its predecessor when that one scores too, and a neighbour scoring at least
        ``pair_threshold`` of the best joins it. A runner-up must score at least ``ratio`` of
        the best and cover a question word the chosen sentences do not. When the best is a
        lead-in and the question names items of its list (``_asked_items``), those items alone
        are the answer.
        """
        if not scored:
            return []
        scored = _statement_first(scored, self.scorer.pair_threshold)
        items = _asked_items(scored, question, stats)
        if items:
            # The list's named items are the answer; the lead-in and the rest of the list are not.
            return list(dict.fromkeys((s.passage, s.sentence) for s in items[: self.max_sentences]))
        by_key = {(s.passage.span.source, s.sentence.start): s for s in scored}
        best = scored[0]
        chosen: list[tuple[Passage, Sentence]] = [(best.passage, best.sentence)]
        pair = self.scorer.pair_threshold * best.probability
        c = best.candidate
        source = c.passage.span.source
        for neighbour, before in ((c.prev, True), (c.next, False)):
            if neighbour is None:
                continue
            other = by_key.get((source, neighbour.start))
            p = other.probability if other else 0.0
            lead_in = not before and _announces(best.sentence)
            # "X returns a status code. This will be either A or B.": a sentence opening with a
            # reference continues its predecessor, whichever of the two scored best.
            anaphor = p >= pair / 2 and (
                _opens_with_reference(best.sentence.text) if before else _opens_with_reference(neighbour.text)
            )
            # However low it scores, the continuation is the answer when the best only restates the
            # question ("ffi_prep_cif returns a status code.") and it names what was asked for
            # ("This will be either FFI_OK ... or FFI_BAD_ABI").
            anaphor = anaphor or (
                not before and _opens_with_reference(neighbour.text) and _names_more(question, best, neighbour)
            )
            # "No. Use 7-Zip or p7zip to handle .7z files.": a one-word reply opening the answer
            # scores low on its own, and it is what a yes/no question asks.
            reply = before and bool(_REPLY.fullmatch(neighbour.readable.strip()))
            if lead_in or anaphor or reply or p >= pair:
                passage = other.passage if other else _owner(stats, source, neighbour, c.passage)
                if passage is not None:
                    chosen.append((passage, neighbour))
            if lead_in and not _asks(best.sentence):
                # "The options are:" introduces a list: the items after the first belong to the
                # answer too. Ingestion keeps a lead-in and its list in one passage.
                rest = [t for t in best.passage.sentences if t.start > neighbour.start]
                chosen += [(best.passage, t) for t in rest[: LEAD_IN_ITEMS - 1]]
        qwords = set(stems(question))
        covered = qwords & _stems(" ".join(s.text for _, s in chosen))
        seen = {normalize(s.text) for _, s in chosen}
        for s in scored[1:]:
            if len(chosen) >= self.max_sentences or s.probability < self.ratio * best.probability:
                break
            key = normalize(s.sentence.text)
            adds = (qwords & _stems(s.sentence.text)) - covered
            if key in seen or not adds or any(_near_duplicate(key, k) for k in seen):
                continue
            if _announces(s.sentence):
                continue  # a lead-in is never quoted without what it introduces
            seen.add(key)
            covered |= adds
            chosen.append((s.passage, s.sentence))
        return list(dict.fromkeys(chosen))


def _reader_text(s: Scored) -> str:
    """Return what the reader reads for a candidate (the same function built its training pairs)."""
    c = s.candidate
    return pair_text(
        c.sentence.readable, c.passage.heading, c.prev.readable if c.prev else "", c.next.readable if c.next else ""
    )


def _announces(sentence: Sentence) -> bool:
    """Return True for a sentence quoted only with what follows it, never alone.

    That is a sentence that announces what follows (``Sentence.announces``: a lead-in, "the
    following invocation ..."), or a question in the documents (a FAQ's "Can zlib handle
    .zip archives?"): it matches the user's question best and answers nothing; the sentence
    after it does.
    """
    return sentence.announces or _asks(sentence)


def _asks(sentence: Sentence) -> bool:
    """Return True for a question in the documents (a FAQ's "Can zlib handle .zip archives?")."""
    return sentence.readable.rstrip().endswith("?")


# "..., and what/which/how ...": the joint that starts a question's second part. "and if not where
# ..." is a part too; "X and Y" between two nouns is not (no question word follows).
_PART_JOINT = re.compile(
    r"(?:,\s*|\s+)(?:and|but)\s+(?=(?:if not,?\s+)?(?:what|which|how|where|when|who|whom|why|is|are|was|were"
    r"|does|do|did|can|could|should|will|would)\b)|\?\s+",
    re.I,
)


def question_parts(question: str) -> list[str]:
    """Return the parts of a question that asks two things or more, or [] for a one-part question.

    A part must hold a content word ("and why?" alone is no question to score).
    """
    pieces = [p.strip(" ,?") for p in _PART_JOINT.split(question.strip())]
    parts = [p for p in pieces if content_words(p)]
    return parts if len(parts) > 1 else []


LEAD_IN_ITEMS = 6  # list items quoted after a lead-in ending in ":"
_REPLY = re.compile(r"(yes|no|nope|nothing|none|never|correct|sure|not yet|not really|unfortunately not)[.!]*", re.I)


def _statement_first(scored: Sequence[Scored], pair_threshold: float) -> Sequence[Scored]:
    """Return ``scored`` with a statement ahead of a lead-in that it nearly matches.

    A lead-in ("X has these attributes:") names what follows and matches a question's words
    well. A sentence that is no lead-in and scores as the lead-in's partner would (at least
    ``pair_threshold`` of it) is the answer instead; the lead-in, never quoted alone, then goes.
    """
    if not scored or not _announces(scored[0].sentence):
        return scored
    other = next((s for s in scored[1:] if not _announces(s.sentence)), None)
    if other is None or other.probability < pair_threshold * scored[0].probability:
        return scored
    return [other, *(s for s in scored if s is not other)]


LIST_SCOPE = 40  # sentences after a lead-in that may be items of its list (a long table, a definition list)


def _asked_items(scored: Sequence[Scored], question: str, stats: CorpusStats | None) -> list[Scored]:
    """Return the items of the best lead-in's list that the question names, best first.

    "Each match element has a number of attributes:" matches "Is the mask attribute
    required?" better than any row of the table after it, but the answer is the row whose
    first cell is "mask". An item is a later sentence of the same file and section, within
    :data:`LIST_SCOPE` sentences; it is named when its key (a table row's first cell, a
    definition's term, the words before an item's ":") holds a question word the lead-in
    and its heading lack.
    """
    if stats is None or not scored or not scored[0].sentence.lead_in:
        return []  # "The following example uses X." announces one thing, not a list to choose from
    lead = scored[0]
    source, heading = lead.passage.span.source, lead.passage.heading
    at, _ = stats.position(source, lead.sentence)
    missing = set(stems(question)) - _stems(f"{lead.sentence.readable} {heading}")
    out: list[Scored] = []
    for s in scored[1:] if missing else ():
        if s.passage.span.source != source or not s.passage.heading.startswith(heading):
            continue
        where, _ = stats.position(source, s.sentence)
        if not 0 < where - at <= LIST_SCOPE or _announces(s.sentence):
            continue
        if missing & _stems(_key(s.sentence.readable, s.passage.heading[len(heading) :])):
            out.append(s)
    return out


def _key(text: str, term: str) -> str:
    """Return what names an item: its definition's term, a row's first cell, or the words before ":"."""
    if term:
        return term
    if " | " in text:
        return text.split(" | ", 1)[0]
    head, colon, _ = text.partition(":")
    return head if colon and len(head) <= 40 else ""


def _join_runs(chosen: Sequence[tuple[Passage, Sentence]]) -> list[tuple[Passage, Sentence]]:
    """Return the quotes with consecutive sentences of one passage joined into one quote.

    A lead-in and its list, or a sentence and the one that completes it, are one quotation
    of the source: one citation covering the run, not a marker after every line.
    """
    out: list[tuple[Passage, Sentence]] = []
    runs: list[list[Sentence]] = []
    for p, s in chosen:
        if out and out[-1][0].id == p.id and _follows(p, runs[-1][-1], s):
            runs[-1].append(s)
        else:
            out.append((p, s))
            runs.append([s])
    joined = []
    for (p, _), run in zip(out, runs, strict=True):
        if len(run) == 1:
            joined.append((p, run[0]))
            continue
        a, b = run[0].start, run[-1].end
        text = p.text[a - p.span.start : b - p.span.start]
        joined.append((p, Sentence(text, a, b, plain=" ".join(display(t.readable) for t in run))))
    return joined


def _follows(p: Passage, first: Sentence, then: Sentence) -> bool:
    starts = [t.start for t in p.sentences]
    return first.start in starts and then.start in starts and starts.index(then.start) == starts.index(first.start) + 1


def _with_headings(
    chosen: Sequence[tuple[Passage, Sentence]], citations: Sequence[Citation], stats: CorpusStats | None
) -> list[str]:
    """Return each quoted sentence with its marker, led by its section where that tells sections apart.

    "Which release added X?" is answered by a bullet whose release is only in its heading
    (a NEWS file, a changelog, a manual's sections): the reader needs the section to read
    the answer. A file without sections (a news article) shows no heading.
    """
    parts: list[str] = []
    last = ""
    for (p, s), c in zip(chosen, citations, strict=True):
        heading = p.heading if stats is None or stats.sectioned(p.span.source) else ""
        short = " \u203a ".join(heading.split(" \u203a ")[-2:])
        if short and short != last:
            parts.append(f"({short})")
        last = short or last
        parts.append(f"{display(s.readable)} [{c.n}]")
    return parts


def _names_more(question: str, best: Scored, following: Sentence) -> bool:
    """Return True when ``best`` names nothing the question does not, and ``following`` does."""
    asked = set(names(question))
    return not set(names(best.sentence.readable)) - asked and bool(set(names(following.readable)) - asked)


def _stems(text: str) -> set[str]:
    return set(stems(text))


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(a.split()), set(b.split())
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.8


def _opens_with_reference(text: str) -> bool:
    first = tokens(text[:40])[:1]
    return bool(first) and first[0] in {"this", "these", "that", "those", "it", "they", "such", "he", "she"}


def _owner(stats: CorpusStats | None, source: str, sentence: Sentence, fallback: Passage) -> Passage | None:
    """Return the passage holding ``sentence`` (for a neighbour outside the retrieved passages)."""
    if fallback.span.start <= sentence.start and sentence.end <= fallback.span.end:
        return fallback
    return stats.passage_of(source, sentence) if stats is not None else None
