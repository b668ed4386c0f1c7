"""The gate's thresholds: never looser than the issue's floors, and checked against reports correctly."""

from __future__ import annotations

from qa.evaluation.thresholds import THRESHOLDS, Threshold, lookup, misses

ISSUE_FLOORS = {
    "retrieval.hit@3": (">=", 0.95),
    "answer.key_fact_recall": (">=", 0.85),
    "citations.precision": (">=", 0.90),
    "abstention.correct_refusal": (">=", 0.75),
    "abstention.false_refusal": ("<=", 0.10),
}


def test_every_floor_of_the_issue_is_gated_and_never_loosened() -> None:
    gated = {t.metric: t for t in THRESHOLDS}
    for metric, (op, floor) in ISSUE_FLOORS.items():
        t = gated[metric]
        assert t.op == op and t.floor == floor
        assert t.value >= floor if op == ">=" else t.value <= floor


def test_thresholds_name_metrics_the_report_has() -> None:
    sections = {"retrieval", "answer", "citations", "abstention", "latency_ms"}
    for t in THRESHOLDS:
        assert t.metric.split(".")[0] in sections and 0 <= t.value <= 1


def test_misses_compares_in_the_right_direction_and_fails_undefined_values() -> None:
    report = {
        "retrieval": {"hit@1": 1.0, "hit@3": 0.94, "mrr": 1.0, "evidence_recall@5": 1.0},
        "answer": {"key_fact_recall": 0.9, "all_facts": 1.0},
        "citations": {"precision": None, "recall": 1.0},
        "abstention": {"correct_refusal": 1.0, "false_refusal": 0.2},
    }
    missed = {t.metric: actual for t, actual in misses(report)}
    assert missed == {"retrieval.hit@3": 0.94, "citations.precision": None, "abstention.false_refusal": 0.2}
    assert lookup(report, "answer.all_facts") == 1.0 and lookup(report, "nope.x") is None


def test_threshold_passes() -> None:
    assert Threshold("m.x", ">=", 0.5).passes(0.5) and not Threshold("m.x", ">=", 0.5).passes(0.49)
    assert Threshold("m.x", "<=", 0.1).passes(0.1) and not Threshold("m.x", "<=", 0.1).passes(0.11)
    assert not Threshold("m.x", "<=", 0.1).passes(None)


DOCS_FLOORS = {  # the targets for real documents (issues 10 and 11)
    "retrieval.hit@5": (">=", 0.95),
    "answer.key_fact_recall": (">=", 0.85),
    "citations.precision": (">=", 0.90),
    "abstention.correct_refusal": (">=", 0.70),
    "abstention.false_refusal": ("<=", 0.10),
}


def test_the_docs_set_gates_its_floors_and_never_loosens_them() -> None:
    from qa.evaluation.thresholds import gates

    gated = {t.metric: t for t in gates("docs")}
    for metric, (op, floor) in DOCS_FLOORS.items():
        t = gated[metric]
        assert t.op == op and t.floor == floor and (t.value >= floor if op == ">=" else t.value <= floor)
    assert gates("unknown.jsonl") == ()
