"""Scoring: pure functions from what the system returned (Outcome) to verdicts and metrics.

Rules (also in the README's evaluation section):

- Retrieval (answerable questions only). A retrieved passage *hits* when its normalised
  text contains at least one of the question's evidence strings (or, for SQuAD, when it
  comes from the gold paragraph's file). With several evidence strings (multi-fact
  questions) one is enough for hit@k and MRR, which say "the answer's neighbourhood was
  found"; ``evidence_recall@5`` counts every string separately, so a multi-fact question
  whose second sentence is never retrieved still shows up. MRR = 1/rank of the first hit,
  0 when nothing retrieved hits.
- Answers (answerable questions only). A key-fact group is matched when one of its aliases
  is a substring of the answer, both sides through ``qa.text.normalize``. An abstention
  matches nothing (the refusal text "do not contain" must not satisfy an alias "not").
  Key-fact recall = the mean over questions of the share of their groups matched (each
  question weighs the same, so recall >= all-facts); all-facts = share of questions with
  every group matched.
- Citations (answerable questions only; a citation on an unanswerable question is already
  counted as a wrong answer by abstention). Citations with the same normalised quote count
  once per answer, so repeating a good quote cannot raise precision. A citation is
  *relevant* when its normalised quote and an evidence string share a run of at least
  ``MIN_SHARED_WORDS`` consecutive words (the whole string when it is shorter), or when the
  quote contains a key-fact alias that is not made only of stop words and not only of words
  of the question itself (the question's own words prove nothing). Words are qa.text's
  tokens; an alias's words match by stem, and its last word also as a word start.
  Precision = relevant / all citations; recall = share of answerable questions with at
  least one relevant one.
- Abstention: correct refusal = share of unanswerable questions abstained on; false refusal
  = share of answerable questions abstained on.
- Latency: p50 and p95 of the wall time of ``ask()``, linear interpolation between ranks.

A rate whose denominator is empty is None (JSON null), never a made-up 0 or 1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qa.evaluation.golden import GoldenQuestion
from qa.text import normalize, stem, stop_words, tokens

MIN_SHARED_WORDS = 5  # long enough that two unrelated news sentences rarely share such a run
DEPTHS = (1, 3, 5)  # hit@k reported for these k


@dataclass(frozen=True)
class Retrieved:
    """One ranked passage the system retrieved (what an LLM prompt would contain)."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cited:
    """One citation of an answer."""

    quote: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What the system did with one golden question."""

    golden: GoldenQuestion
    text: str
    abstained: bool
    citations: tuple[Cited, ...] = ()
    retrieved: tuple[Retrieved, ...] = ()  # best first
    latency_ms: float = 0.0  # wall time of ask()
    retrieval_ms: float | None = None  # the assistant's own timing of retrieval, when it reports one
    query: str = ""  # the standalone question retrieval used (rewritten for follow-ups)
    mode: str = ""
    error: str = ""  # set when ask() raised; the question then counts as not answered
    refused_by: str = ""  # what refused ("scorer", "unknown_name", ...), when the system abstained
    confidence: float | None = None  # the answer scorer's best probability, when it ran


@dataclass(frozen=True)
class Judgement:
    """The verdict on one outcome: every per-question quantity the metrics aggregate."""

    outcome: Outcome
    rank: int | None  # 1-based rank of the first hitting passage; None if none hits
    evidence_found: tuple[bool, ...]  # per evidence string: within the top 5 passages
    facts: tuple[bool, ...]  # per key-fact group: matched by the answer
    citations: int  # distinct citations
    relevant_citations: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Scores:
    """Aggregate metrics over a set of judgements; None where a rate has no denominator."""

    n: int
    answerable: int
    unanswerable: int
    hit_at: dict[int, float | None]
    mrr: float | None
    evidence_recall: float | None
    key_fact_recall: float | None
    all_facts: float | None
    citation_precision: float | None
    citation_recall: float | None
    correct_refusal: float | None
    false_refusal: float | None
    latency_p50: float | None
    latency_p95: float | None

    def to_dict(self) -> dict[str, object]:
        """Return the nested JSON shape of the contract (docs/architecture.md: ``{"retrieval": {"hit@1": ...}, ...}``)."""
        return {
            "retrieval": {
                **{f"hit@{k}": _r(v) for k, v in self.hit_at.items()},
                "mrr": _r(self.mrr),
                "evidence_recall@5": _r(self.evidence_recall),
            },
            "answer": {"key_fact_recall": _r(self.key_fact_recall), "all_facts": _r(self.all_facts)},
            "citations": {"precision": _r(self.citation_precision), "recall": _r(self.citation_recall)},
            "abstention": {"correct_refusal": _r(self.correct_refusal), "false_refusal": _r(self.false_refusal)},
            "latency_ms": {"p50": _r(self.latency_p50, 1), "p95": _r(self.latency_p95, 1)},
            "n": self.n,
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
        }


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------- matching


def squad_normal(text: str) -> str:
    """Return ``text`` normalised and stripped of punctuation (SQuAD's answer comparison)."""
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in normalize(text))
    return " ".join(kept.split())


def alias_in(text: str, alias: str, mode: str = "normalized") -> bool:
    """Return True when ``alias`` is a substring of ``text`` after normalisation."""
    if mode == "squad":
        needle = squad_normal(alias)
        return bool(needle) and needle in squad_normal(text)
    needle = normalize(alias)
    return bool(needle) and needle in normalize(text)


def passage_hits(passage: Retrieved, golden: GoldenQuestion) -> bool:
    """Return True when the passage holds the answer: an evidence string, or the gold source."""
    if golden.gold_sources:
        return any(s in golden.gold_sources for s in passage.sources)
    text = normalize(passage.text)
    return any(normalize(e) in text for e in golden.evidence)


def first_hit_rank(retrieved: Sequence[Retrieved], golden: GoldenQuestion) -> int | None:
    """Return the 1-based rank of the first passage that hits, or None."""
    for rank, passage in enumerate(retrieved, start=1):
        if passage_hits(passage, golden):
            return rank
    return None


def evidence_found(retrieved: Sequence[Retrieved], golden: GoldenQuestion) -> tuple[bool, ...]:
    """Return, per evidence string of ``golden``, whether one of the top ``max(DEPTHS)`` passages holds it."""
    top = [normalize(p.text) for p in retrieved[: max(DEPTHS)]]
    return tuple(any(normalize(e) in text for text in top) for e in golden.evidence)


def shares_run(a: Sequence[str], b: Sequence[str], n: int = MIN_SHARED_WORDS) -> bool:
    """Return True when word lists ``a`` and ``b`` share ``n`` consecutive words (all of ``b`` if shorter)."""
    n = min(n, len(b))
    if n == 0 or len(a) < n:
        return False
    grams = {tuple(a[i : i + n]) for i in range(len(a) - n + 1)}
    return any(tuple(b[i : i + n]) in grams for i in range(len(b) - n + 1))


def _same_word(word: str, alias_word: str, last: bool) -> bool:
    # One word, inflected or not ("monopolies" for "monopoly": qa.text.stem). The alias's last
    # word may also be a word start, as the answer's substring rule allows: the golden set
    # writes "monopol", "subsid", "declin".
    return word == alias_word or stem(word) == stem(alias_word) or (last and word.startswith(alias_word))


def _contains_words(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    k = len(needle)
    for i in range(len(haystack) - k + 1):
        if all(_same_word(haystack[i + j], needle[j], j == k - 1) for j in range(k)):
            return True
    return False


def informative_aliases(golden: GoldenQuestion) -> list[list[str]]:
    """Return the key-fact aliases (as words) that can show a quote is on topic."""
    asked = set(tokens(" ".join((golden.question, *golden.history))))
    stop = stop_words()
    out = []
    for group in golden.key_facts:
        for alias in group:
            ws = tokens(alias)
            if ws and not all(w in stop for w in ws) and not all(w in asked for w in ws):
                out.append(ws)
    return out


def citation_relevant(cited: Cited, golden: GoldenQuestion) -> bool:
    """Return True when the citation quotes the evidence or states a key fact (see module doc)."""
    if golden.gold_sources:
        return any(s in golden.gold_sources for s in cited.sources)
    quote = tokens(cited.quote)
    if any(shares_run(quote, tokens(e)) for e in golden.evidence):
        return True
    return any(_contains_words(quote, alias) for alias in informative_aliases(golden))


def distinct_citations(citations: Iterable[Cited]) -> list[Cited]:
    """Return the citations with repeated (normalised) quotes dropped, first kept."""
    seen: dict[str, Cited] = {}
    for c in citations:
        seen.setdefault(normalize(c.quote), c)
    return list(seen.values())


# ---------------------------------------------------------------- verdicts


def judge(outcome: Outcome) -> Judgement:
    """Return the verdict on one outcome, with a human-readable list of what went wrong."""
    g = outcome.golden
    if not g.answerable:
        if outcome.error:
            wrong: tuple[str, ...] = (f"error: {outcome.error}",)
        else:
            wrong = () if outcome.abstained else ("answered a question the documents do not answer",)
        return Judgement(outcome, None, (), (), len(distinct_citations(outcome.citations)), 0, wrong)

    rank = first_hit_rank(outcome.retrieved, g)
    found = evidence_found(outcome.retrieved, g)
    answered = not outcome.abstained and not outcome.error
    facts = tuple(answered and any(alias_in(outcome.text, a, g.fact_match) for a in grp) for grp in g.key_facts)
    cites = distinct_citations(outcome.citations) if answered else []
    relevant = sum(citation_relevant(c, g) for c in cites)

    problems: list[str] = []
    if outcome.error:
        problems.append(f"error: {outcome.error}")
    elif outcome.abstained:
        problems.append("abstained on an answerable question")
    if rank is None or rank > max(DEPTHS):
        problems.append(f"evidence not in the top {max(DEPTHS)} passages")
    missing = [" / ".join(grp) for grp, ok in zip(g.key_facts, facts, strict=True) if not ok]
    if answered and missing:
        problems.append("missing key facts: " + "; ".join(missing))
    if answered and not cites:
        problems.append("no citations")
    elif answered and relevant < len(cites):
        problems.append(f"{len(cites) - relevant} of {len(cites)} citations quote neither evidence nor a key fact")
    return Judgement(outcome, rank, found, facts, len(cites), relevant, tuple(problems))


def severity(j: Judgement) -> tuple[int, int]:
    """Return a sort key, larger = worse: a wrong answer/refusal first, then missing facts."""
    g = j.outcome.golden
    wrong_call = j.outcome.abstained == g.answerable or bool(j.outcome.error)
    missed = sum(1 for ok in j.facts if not ok)
    return (3 * wrong_call + 2 * (missed > 0 and missed == len(j.facts)) + (missed > 0), len(j.problems))


# ---------------------------------------------------------------- aggregates


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def hit_rates(ranks: Sequence[int | None]) -> tuple[dict[int, float | None], float | None]:
    """Return hit@k for every k of :data:`DEPTHS` and the MRR, from first-hit ranks (None: no hit)."""
    hit_at = {k: mean([float(r is not None and r <= k) for r in ranks]) for k in DEPTHS}
    return hit_at, mean([1.0 / r if r else 0.0 for r in ranks])


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile (0-100), interpolating linearly between closest ranks.

    The one percentile of the package (``qa eval`` and ``qa bench``): numpy's default method,
    so the 50th is the median (``statistics.median``) and p95 of twenty samples moves smoothly
    with them rather than jumping to whichever sample ranks 19th.
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def score(judgements: Sequence[Judgement]) -> Scores:
    """Return the metrics over ``judgements`` (see the module docstring for each rule)."""
    ans = [j for j in judgements if j.outcome.golden.answerable]
    una = [j for j in judgements if not j.outcome.golden.answerable]
    hit_at, mrr = hit_rates([j.rank for j in ans])
    with_facts = [j for j in ans if j.facts]
    n_cites = sum(j.citations for j in ans)
    evidence = [ok for j in ans for ok in j.evidence_found]
    latencies = [j.outcome.latency_ms for j in judgements]
    return Scores(
        n=len(judgements),
        answerable=len(ans),
        unanswerable=len(una),
        hit_at=hit_at,
        mrr=mrr,
        evidence_recall=mean([float(ok) for ok in evidence]),
        key_fact_recall=mean([sum(j.facts) / len(j.facts) for j in with_facts]),
        all_facts=mean([float(all(j.facts)) for j in with_facts]),
        citation_precision=sum(j.relevant_citations for j in ans) / n_cites if n_cites else None,
        citation_recall=mean([float(j.relevant_citations > 0) for j in ans]),
        # An error is never the right behaviour: it is no refusal, and on an answerable question no answer.
        correct_refusal=mean([float(j.outcome.abstained and not j.outcome.error) for j in una]),
        false_refusal=mean([float(j.outcome.abstained or bool(j.outcome.error)) for j in ans]),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
    )


def score_by_type(judgements: Sequence[Judgement]) -> dict[str, Scores]:
    """Return the metrics per question type, in first-seen order."""
    types = list(dict.fromkeys(j.outcome.golden.type for j in judgements))
    return {t: score([j for j in judgements if j.outcome.golden.type == t]) for t in types}


def failures(judgements: Sequence[Judgement]) -> list[Judgement]:
    """Return the judgements with problems, worst first (ties in file order)."""
    failed = [j for j in judgements if j.problems]
    return sorted(failed, key=lambda j: tuple(-x for x in severity(j)))
