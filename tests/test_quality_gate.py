"""The quality gate: the seeds golden set, answered extractively, must meet qa/evaluation/thresholds.py.

A floor the product does not meet yet is marked xfail(strict=True) with what was measured:
the suite stays green while the gap is visible, and the mark turns into a failure the day
the gap closes, so it is noticed and removed.
"""

from __future__ import annotations

from typing import Any

import pytest

from qa.evaluation.golden import load_golden
from qa.evaluation.metrics import failures, judge, score
from qa.evaluation.runner import MIN_TOP_K, run
from qa.evaluation.thresholds import THRESHOLDS, Threshold, lookup
from tests.conftest import GOLDEN

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Floors not met when measured on 2026-11-21 (`qa eval --llm extractive`, 67 questions, commit de14f44);
# see the issue "Evaluation with golden Q&A" and its report for the failing questions and why.
KNOWN_GAPS = {
    "abstention.false_refusal": "measured 0.125 (6 of 48) on 2026-11-21; floor 0.10; see issue: paraphrased "
    "questions refused by the foreign-words rule (q27, q30, q33) and the unknown-name rule ('URLs', q34), "
    "q15 under the similarity floor, q35 by the date rule",
}


@pytest.fixture(scope="module")
def evaluation(seeds_assistant: Any) -> dict[str, Any]:
    assert seeds_assistant.settings.llm == "extractive" and seeds_assistant.settings.top_k >= MIN_TOP_K
    outcomes = run(seeds_assistant, load_golden(GOLDEN))
    judgements = [judge(o) for o in outcomes]
    return {
        "report": score(judgements).to_dict(),
        "modes": {o.mode for o in outcomes},
        "failed": {j.outcome.golden.id: j.problems for j in failures(judgements)},
    }


def _param(t: Threshold) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[t.metric])] if t.metric in KNOWN_GAPS else []
    return pytest.param(t, id=t.metric, marks=marks)


def test_the_whole_set_was_answered_extractively(evaluation: dict[str, Any]) -> None:
    assert evaluation["modes"] == {"extractive"}
    assert evaluation["report"]["n"] == len(load_golden(GOLDEN))


@pytest.mark.parametrize("threshold", [_param(t) for t in THRESHOLDS])
def test_metric_meets_its_threshold(evaluation: dict[str, Any], threshold: Threshold) -> None:
    actual = lookup(evaluation["report"], threshold.metric)
    assert threshold.passes(actual), (
        f"{threshold.metric} = {actual}, needs {threshold.op} {threshold.value}; "
        f"failing questions: {evaluation['failed']}"
    )
