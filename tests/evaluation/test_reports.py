"""The terminal table and the HTML page: complete, escaped, self-contained."""

from __future__ import annotations

import re
import time
from pathlib import Path

from qa.evaluation.baseline import Comparison, system_row
from qa.evaluation.metrics import Retrieved
from qa.evaluation.report import write_report
from qa.evaluation.sets import required_sets
from qa.evaluation.suite import EvalRun, assemble
from qa.evaluation.table import render
from qa.tokens import TokenCounter
from tests.evaluation.factories import OTHER, SENTENCE, outcome, question

CHARS = TokenCounter("characters", lambda text: [0] * len(text))  # the real tokenizers are tested elsewhere


def sample_run(with_baseline: bool = True) -> EvalRun:
    hostile = question("x1", text="<script>alert('q')</script> Can WeChat Pay be used?", qtype="yes_no")
    outcomes = [
        outcome(question("ok"), "users cannot use WeChat Pay [1]", quotes=(SENTENCE,), passages=(SENTENCE,)),
        outcome(hostile, "<img src=x onerror=alert(1)> nothing", passages=(OTHER,)),
        outcome(question("u1", answerable=False), "Made up & wrong", quotes=(OTHER,)),
    ]
    comparison = None
    if with_baseline:
        items = [(o.golden, o.retrieved, o.latency_ms) for o in outcomes]
        starter = [(o.golden, (Retrieved(SENTENCE + " " + OTHER),), 1.0) for o in outcomes]
        comparison = Comparison(
            (system_row("qa", 5, items, CHARS, "retrieval"), system_row("starter <top-2>", 2, starter, CHARS, "retrieval")),
            "characters", 2, 0.1,
        )  # fmt: skip
    seeds = required_sets()[0].golden  # the seeds set's path: its run is gated
    return assemble("golden", seeds, Path("seeds"), 5, outcomes, comparison, time.perf_counter(), 10)


def test_table_has_metrics_by_type_gate_baseline_and_failures() -> None:
    text = render(sample_run())
    assert "a sample of 3 of 10" in text
    header = next(line for line in text.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "all", "factoid", "yes_no", "unanswerable", "gate"]
    assert "citation precision" in text and ">= 0.90" in text
    assert "starter <top-2>" in text
    assert "Failed questions: 2 of 3" in text
    assert "x1 [yes_no]" in text and "u1 [unanswerable]" in text and "answered a question" in text
    assert "\nok [" not in text


def test_html_escapes_every_text_and_fetches_nothing(tmp_path: Path) -> None:
    page = write_report(sample_run(), tmp_path / "report")
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html and "Made up &amp; wrong" in html
    assert "starter &lt;top-2&gt;" in html
    # Nothing external: the only URL is the SVG namespace, which is a name, not a fetch.
    assert set(re.findall(r"https?://[^\"' >]+", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<link|@import|src=\"|url\(", html)
    assert html.count("<svg") >= 4  # the metrics and the three comparison charts
    assert (tmp_path / "report" / "results.json").is_file()


def test_html_without_baseline_has_no_comparison(tmp_path: Path) -> None:
    html = write_report(sample_run(with_baseline=False), tmp_path).read_text(encoding="utf-8")
    assert "usual starting point" not in html and html.count("<svg") == 1
    assert "x1</span> [yes_no]" in html


def test_json_contains_the_contract_keys_and_the_failures() -> None:
    d = sample_run().to_dict()
    for key in ("retrieval", "answer", "citations", "abstention", "latency_ms", "n", "by_type", "baseline"):
        assert key in d
    failed = d["failures"]
    assert isinstance(failed, list) and {f["id"] for f in failed} == {"u1", "x1"}


def test_the_sets_own_tradeoff_follows_the_recorded_confidences() -> None:
    from dataclasses import replace

    outcomes = [
        replace(outcome(question("a1"), "users cannot use WeChat Pay [1]"), confidence=0.30),
        replace(outcome(question("a2"), abstained=True), confidence=0.10, refused_by="scorer"),
        replace(outcome(question("a3"), abstained=True), confidence=0.90, refused_by="unknown_name"),
        replace(outcome(question("u1", answerable=False), "Made up"), confidence=0.20),
        replace(outcome(question("u2", answerable=False), abstained=True), confidence=0.05, refused_by="scorer"),
    ]
    run = assemble("golden", Path("mine.jsonl"), Path("docs"), 5, outcomes, None, time.perf_counter(), 5)
    curve = {p["threshold"]: (p["false_refusal"], p["correct_refusal"]) for p in run.tradeoff()}
    # The rule's refusal (a3) stands at every threshold; the others turn on their confidence.
    assert curve[0.04] == (round(1 / 3, 4), 0.0)
    assert curve[0.06] == (round(1 / 3, 4), 0.5)
    assert curve[0.12] == (round(2 / 3, 4), 0.5)
    assert curve[0.22] == (round(2 / 3, 4), 1.0)
    assert curve[0.32] == (1.0, 1.0)
    assert run.to_dict()["tradeoff"] == run.tradeoff()
    # Without confidences (answers from a model with no scorer) there is no curve to draw.
    plain = assemble("golden", Path("mine.jsonl"), Path("docs"), 5, [outcome(question("a1"), "x"),
                     outcome(question("u1", answerable=False), "y")], None, time.perf_counter(), 2)  # fmt: skip
    assert plain.tradeoff() == [] and "tradeoff" not in plain.to_dict()
