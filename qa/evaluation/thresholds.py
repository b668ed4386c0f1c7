"""The quality gate: the minimum scores on the seeds golden set, kept in this one place.

Measured on 2026-11-21 with ``qa eval --llm extractive --json`` (the extractive answerer as of
commit de14f44, all-MiniLM-L6-v2, top_k 5) on tests/golden/seeds.jsonl: 67 questions, 48 answerable.
One answerable question is worth 0.021 and one unanswerable 0.053, so the guard rails
below sit about two questions under what was measured: a real regression fails the gate,
a reshuffle of one borderline question does not. Where measured minus that margin would
fall under the issue's floor, the threshold is the floor. The floors are never loosened:
a metric below its floor fails (tests/test_quality_gate.py marks a known gap xfail, strict).
Latency is not gated: on a shared two-core machine it measures the neighbours as much as the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Threshold:
    """One gated metric: ``metric`` must be ``op`` ``value``."""

    metric: str  # dotted path into Scores.to_dict(), e.g. "retrieval.hit@3"
    op: Literal[">=", "<="]
    value: float
    floor: float | None = None  # the floor, when it sets one
    measured: float | None = None  # what the product scored when the threshold was set

    def passes(self, actual: float | None) -> bool:
        if actual is None:
            return False  # an undefined rate (no citations at all) is no pass
        return actual >= self.value if self.op == ">=" else actual <= self.value


THRESHOLDS: tuple[Threshold, ...] = (
    # The floors.
    Threshold("retrieval.hit@3", ">=", 0.95, floor=0.95, measured=0.9583),
    Threshold("answer.key_fact_recall", ">=", 0.85, floor=0.85, measured=0.875),  # two-part questions
    Threshold("citations.precision", ">=", 0.90, floor=0.90, measured=0.9216),
    Threshold("abstention.correct_refusal", ">=", 0.75, floor=0.75, measured=0.8421),
    Threshold("abstention.false_refusal", "<=", 0.10, floor=0.10, measured=0.125),  # below the floor: xfail
    # Guard rails from the measured figures (no floor in the issue).
    Threshold("retrieval.hit@1", ">=", 0.75, measured=0.7917),
    Threshold("retrieval.mrr", ">=", 0.83, measured=0.8653),
    Threshold("retrieval.evidence_recall@5", ">=", 0.94, measured=0.9825),  # 57 evidence strings
    Threshold("answer.all_facts", ">=", 0.81, measured=0.8542),
    Threshold("citations.recall", ">=", 0.81, measured=0.8542),
)


# The docs set (tests/golden/docs: 101 questions on real documentation, 84 answerable, 17 not).
# Measured on 2026-12-01 with ``qa eval --llm extractive --json`` (answer-scorer-v3, top_k 5).
# One answerable question is worth 0.012 and one unanswerable 0.059; guard rails sit about two
# questions under the measured figures. The floors are the targets of the issues on real
# documents and learned answering; the ones not met yet are xfail (tests/test_quality_gate.py).
DOCS_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("retrieval.hit@5", ">=", 0.95, floor=0.95, measured=0.9643),
    Threshold("answer.key_fact_recall", ">=", 0.85, floor=0.85, measured=0.7917),
    Threshold("citations.precision", ">=", 0.90, floor=0.90, measured=0.7727),
    Threshold("abstention.correct_refusal", ">=", 0.70, floor=0.70, measured=0.7059),  # 12 of 17 (2026-12-02)
    Threshold("abstention.false_refusal", "<=", 0.10, floor=0.10, measured=0.1071),
    # Raised 2026-12-01 (retrieval fuses scores instead of ranks; PDF table cells over several
    # lines): hit@1 0.7619, hit@3 0.9524, MRR 0.8417, evidence recall 0.957.
    Threshold("retrieval.hit@1", ">=", 0.73, measured=0.7738),
    Threshold("retrieval.hit@3", ">=", 0.92, measured=0.9524),
    Threshold("retrieval.mrr", ">=", 0.82, measured=0.8476),
    Threshold("retrieval.evidence_recall@5", ">=", 0.93, measured=0.957),
    # Raised 2026-12-02 (a lead-in's named list items, FAQ questions as headings): both measure 0.75.
    Threshold("answer.all_facts", ">=", 0.72, measured=0.7857),
    Threshold("citations.recall", ">=", 0.72, measured=0.7857),
)

GATES: dict[str, tuple[Threshold, ...]] = {"seeds": THRESHOLDS, "docs": DOCS_THRESHOLDS}


def gates(name: str) -> tuple[Threshold, ...]:
    """Return the thresholds of the golden set ``name`` (none for other files)."""
    return GATES.get(name, ())


def lookup(report: Mapping[str, object], metric: str) -> float | None:
    """Return the value at a dotted path of a nested report ("citations.precision")."""
    group, _, name = metric.partition(".")
    section = report.get(group)
    value = section.get(name) if isinstance(section, Mapping) else None
    return float(value) if isinstance(value, int | float) else None


def misses(report: Mapping[str, object], name: str = "seeds") -> list[tuple[Threshold, float | None]]:
    """Return every threshold of set ``name`` the report does not meet, with the value it has."""
    return [(t, lookup(report, t.metric)) for t in gates(name) if not t.passes(lookup(report, t.metric))]
