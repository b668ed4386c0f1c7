"""The plain-text report of an evaluation run: metrics by type, the baseline, the failures."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from qa.evaluation.baseline import Comparison
from qa.evaluation.metrics import DEPTHS, Judgement, Scores
from qa.evaluation.suite import EvalRun
from qa.evaluation.thresholds import gates as gates_of
from qa.text import display

MAX_FAILURES = 25  # in the terminal; --json and --report list them all

Getter = Callable[[Scores], float | None]
ROWS: tuple[tuple[str, str, Getter], ...] = (
    *((f"retrieval hit@{k}", f"retrieval.hit@{k}", (lambda s, k=k: s.hit_at.get(k))) for k in DEPTHS),
    ("retrieval MRR", "retrieval.mrr", lambda s: s.mrr),
    ("evidence recall@5", "retrieval.evidence_recall@5", lambda s: s.evidence_recall),
    ("key-fact recall", "answer.key_fact_recall", lambda s: s.key_fact_recall),
    ("all facts", "answer.all_facts", lambda s: s.all_facts),
    ("citation precision", "citations.precision", lambda s: s.citation_precision),
    ("citation recall", "citations.recall", lambda s: s.citation_recall),
    ("correct refusal", "abstention.correct_refusal", lambda s: s.correct_refusal),
    ("false refusal (lower=better)", "abstention.false_refusal", lambda s: s.false_refusal),
    ("latency p50 (ms)", "latency_ms.p50", lambda s: s.latency_p50),
    ("latency p95 (ms)", "latency_ms.p95", lambda s: s.latency_p95),
)


def fmt(value: float | None, metric: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if metric.startswith("latency") else f"{value:.3f}"


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return rows as aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def metrics_table(run: EvalRun) -> str:
    gates = {t.metric: t for t in gates_of(run.name)} if run.kind == "golden" else {}
    types = list(run.by_type)
    header = ["metric", "all", *types] + (["gate"] if gates else [])
    rows = []
    for label, key, get in ROWS:
        row = [label, fmt(get(run.scores), key), *(fmt(get(run.by_type[t]), key) for t in types)]
        if gates:
            t = gates.get(key)
            row.append(f"{t.op} {t.value:.2f} {'ok' if t.passes(get(run.scores)) else 'MISS'}" if t else "")
        rows.append(row)
    rows.append(["questions", str(run.scores.n), *(str(run.by_type[t].n) for t in types)] + ([""] if gates else []))
    return grid(header, rows)


def comparison_table(c: Comparison) -> str:
    header = ["system", "top_k", *(f"hit@{k}" for k in DEPTHS), "MRR", "context chars", "context tokens",
              "retrieval p50 ms", "p95 ms"]  # fmt: skip
    rows = [
        [r.label, str(r.top_k), *(fmt(r.hit_at.get(k)) for k in DEPTHS), fmt(r.mrr),
         fmt(r.context_chars, "latency"), fmt(r.context_tokens, "latency"),
         fmt(r.latency_p50, "latency"), fmt(r.latency_p95, "latency")]
        for r in c.rows
    ]  # fmt: skip
    notes = (
        f"tokens: {c.tokenizer}; context = text of the retrieved passages/chunks per question (mean); "
        f"the starter index holds {c.baseline_chunks} chunks (built in {c.baseline_build_seconds:.1f} s). "
        "Both get the same standalone query; hit@k needs k retrieved, so a top-2 system's hit@3 = its hit@2."
    )
    return grid(header, rows) + "\n" + textwrap.fill(notes, 110)


def failure_lines(j: Judgement) -> list[str]:
    g, o = j.outcome.golden, j.outcome
    out = [f"{g.id} [{g.type}] {g.question}"]
    if g.history:
        out.append(f"    after: {' / '.join(g.history)}")
    if o.query != g.question:
        out.append(f"    asked as: {o.query}")
    if g.answerable:
        want = "; ".join(" / ".join(grp) for grp in g.key_facts)
        out.append(f"    expected: {g.reference_answer or want}  (key facts: {want})")
        if g.evidence:
            out.append("    evidence: " + " | ".join(f'"{e}"' for e in g.evidence))
        out.append(f"    evidence rank: {j.rank or 'not retrieved'}")
    else:
        out.append("    expected: an abstention (the documents do not say)")
    got = display(o.text) or "(nothing)"
    out.append(f"    got{' (abstained)' if o.abstained else ''}: {got[:300]}{'…' if len(got) > 300 else ''}")
    out.append(f"    problems: {'; '.join(j.problems)}")
    return out


def render(run: EvalRun) -> str:
    """Return the whole terminal report."""
    s = run.scores
    limited = f" (a sample of {s.n} of {run.total_questions})" if s.n < run.total_questions else ""
    parts = [
        f"qa eval: {s.n} questions{limited}, {s.answerable} answerable, {s.unanswerable} unanswerable, "
        f"from {run.dataset}",
        f"corpus {run.corpus}; answers by {', '.join(run.modes) or '?'}; top_k {run.top_k}; {run.seconds:.1f} s",
        "",
        metrics_table(run),
    ]
    if run.kind == "squad":
        parts.append(
            "SQuAD: key-fact recall = share of answerable questions whose answer contains a gold answer "
            "(case/punctuation-insensitive); retrieval and citations count the gold paragraph's file."
        )
    if run.comparison is not None:
        parts += ["", "Baseline comparison (retrieval on answerable questions):", comparison_table(run.comparison)]
    failed = run.failed
    parts += ["", f"Failed questions: {len(failed)} of {s.n}, worst first" + (":" if failed else ".")]
    for j in failed[:MAX_FAILURES]:
        parts += failure_lines(j)
    if len(failed) > MAX_FAILURES:
        parts.append(f"... and {len(failed) - MAX_FAILURES} more (see --json or --report)")
    return "\n".join(parts)
