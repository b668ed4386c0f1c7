"""The quality gate: each golden set, answered extractively, must meet qa/evaluation/thresholds.py.

The seeds set is answered from the seeds index; the docs set (real documentation nobody here
wrote) from its own corpus. A floor the product does not meet yet is marked xfail(strict=True)
with what was measured: the suite stays green while the gap is visible, and the mark turns
into a failure the day the gap closes, so it is noticed and removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qa.evaluation.golden import load_golden
from qa.evaluation.metrics import failures, judge, score
from qa.evaluation.runner import MIN_TOP_K, run
from qa.evaluation.thresholds import GATES, Threshold, lookup
from tests.conftest import GOLDEN

DOCS = GOLDEN.parent / "docs"

# Floors not met when measured on 2026-12-02 (`qa eval --llm extractive`, answer-scorer-v3).
KNOWN_GAPS = {
    ("seeds", "abstention.false_refusal"): "measured 0.125 (6 of 48); floor 0.10: paraphrases refused by the "
    "foreign-words and unknown-name rules, a two-month question by the time rule (q36: its July sentence is "
    "not quoted)",
    ("docs", "answer.key_fact_recall"): "measured 0.792; floor 0.85: the right passage, the wrong sentence quoted "
    "(a general sentence over the specific one); answerable paraphrases under the scorer's threshold",
    ("docs", "citations.precision"): "measured 0.773; floor 0.90: the wrong sentence quoted (9 answers), "
    "runners-up from other sections",
    ("docs", "abstention.false_refusal"): "measured 0.107 (9 of 84); floor 0.10: answerable questions scored "
    "0.03-0.16 by answer-scorer-v3, under its threshold (0.168) chosen on SQuAD articles",
}


@pytest.fixture(scope="module")
def docs_assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Any:
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.index.build import build_index

    s = Settings(corpus_dir=DOCS / "corpus", index_dir=tmp_path_factory.mktemp("docs") / "index", llm="extractive")
    build_index(s, real_embedder, progress=False)
    return Assistant.open(settings=s, embedder=real_embedder)


def _evaluate(assistant: Any, golden: Path) -> dict[str, Any]:
    assert assistant.settings.llm == "extractive" and assistant.settings.top_k >= MIN_TOP_K
    outcomes = run(assistant, load_golden(golden))
    judgements = [judge(o) for o in outcomes]
    return {
        "report": score(judgements).to_dict(),
        "modes": {o.mode for o in outcomes},
        "n": len(load_golden(golden)),
        "failed": {j.outcome.golden.id: j.problems for j in failures(judgements)},
    }


@pytest.fixture(scope="module")
def evaluations(request: pytest.FixtureRequest, real_embedder: Any) -> dict[str, dict[str, Any]]:
    # real_embedder is named, not only fetched below, so that the tests using this are integration tests.
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            if name == "seeds":
                cache[name] = _evaluate(request.getfixturevalue("seeds_assistant"), GOLDEN)
            else:
                cache[name] = _evaluate(request.getfixturevalue("docs_assistant"), DOCS / "golden.jsonl")
        return cache[name]

    return get  # type: ignore[return-value]


def _params() -> list[Any]:
    out = []
    for name, thresholds in GATES.items():
        for t in thresholds:
            gap = KNOWN_GAPS.get((name, t.metric))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            out.append(pytest.param(name, t, id=f"{name}:{t.metric}", marks=marks))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(GATES))
def test_the_whole_set_was_answered_extractively(evaluations: Any, name: str) -> None:
    got = evaluations(name)
    assert got["modes"] == {"extractive"}
    assert got["report"]["n"] == got["n"]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "threshold"), _params())
def test_metric_meets_its_threshold(evaluations: Any, name: str, threshold: Threshold) -> None:
    actual = lookup(evaluations(name)["report"], threshold.metric)
    assert threshold.passes(actual), (
        f"{name}: {threshold.metric} = {actual}, needs {threshold.op} {threshold.value}; "
        f"failing questions: {evaluations(name)['failed']}"
    )


def test_every_known_gap_names_a_gated_metric() -> None:
    gated = {(name, t.metric) for name, ts in GATES.items() for t in ts}
    assert set(KNOWN_GAPS) <= gated
