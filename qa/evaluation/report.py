"""The HTML report: one self-contained page (inline SVG and CSS, nothing fetched) of a run's results."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

from qa.evaluation.baseline import Comparison
from qa.evaluation.metrics import DEPTHS, Judgement
from qa.evaluation.suite import EvalRun
from qa.evaluation.table import ROWS, fmt
from qa.evaluation.thresholds import gates as gates_of
from qa.text import display

COLORS = ("#2563eb", "#d97706", "#7c2d12", "#059669")
Series = Sequence[tuple[str, float | None]]  # (label, value) per series, in series order

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:980px;color:#111;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9rem} table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
td,th{padding:.2rem .5rem;border-bottom:1px solid #eee;text-align:right} td:first-child,th:first-child{text-align:left}
.miss{color:#b91c1c;font-weight:600} .ok{color:#047857} .legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
details{border:1px solid #e5e5e5;border-radius:4px;margin:.35rem 0;padding:.3rem .6rem}
summary{cursor:pointer} .q{font-weight:600} dl{margin:.3rem 0} dt{color:#555;font-size:.8rem}
dd{margin:0 0 .3rem 0} .note{color:#555;font-size:.85rem}
"""


def bar_chart(groups: Sequence[tuple[str, Series]], scale: float = 1.0, ticks: dict[str, float] | None = None) -> str:
    """Return an inline SVG of horizontal bars: one group per metric, one bar per series.

    ``scale`` is the value drawn full width; ``ticks`` puts a red mark at a group's threshold.
    """
    label_w, bar_w, bar_h, gap = 230, 560, 14, 10
    n_series = max((len(s) for _, s in groups), default=1)
    group_h = n_series * bar_h + gap
    height = len(groups) * group_h + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{height}" role="img">']
    for q in (0.25, 0.5, 0.75, 1.0):  # faint quarter lines, so a bar's length can be read
        x = label_w + q * bar_w
        out.append(f'<line x1="{x}" x2="{x}" y1="5" y2="{height - 8}" stroke="#e5e7eb"/>')
    for g, (label, series) in enumerate(groups):
        tick_x = label_w + min(1.0, ticks[label] / scale) * bar_w if ticks and label in ticks else None
        y0 = 10 + g * group_h
        out.append(
            f'<text x="{label_w - 8}" y="{y0 + n_series * bar_h / 2 + 4}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
        )
        for i, (name, value) in enumerate(series):
            y = y0 + i * bar_h
            w = 0.0 if value is None else max(0.0, min(1.0, value / scale)) * bar_w
            color = COLORS[i % len(COLORS)]
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}">'
                f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
            )
            shown = "n/a" if value is None else (f"{value:.3f}" if scale == 1.0 else f"{value:,.0f}")
            text_x = max(label_w + w, tick_x or 0.0) + 4  # never under the threshold mark
            out.append(f'<text x="{text_x:.1f}" y="{y + bar_h - 4}" font-size="11">{shown}</text>')
        if tick_x is not None:
            out.append(
                f'<line x1="{tick_x:.1f}" x2="{tick_x:.1f}" y1="{y0 - 2}" y2="{y0 + n_series * bar_h}" '
                'stroke="#dc2626" stroke-width="2"><title>gate</title></line>'
            )
    out.append(f'<line x1="{label_w}" x2="{label_w}" y1="5" y2="{height - 8}" stroke="#999"/></svg>')
    return "".join(out)


def legend(names: Sequence[str]) -> str:
    items = "".join(
        f'<span><i style="background:{COLORS[i % len(COLORS)]}"></i>{escape(n)}</span>' for i, n in enumerate(names)
    )
    return f'<p class="legend">{items}</p>'


def metrics_section(run: EvalRun) -> str:
    gates = {t.metric: t for t in gates_of(run.name)} if run.kind == "golden" else {}
    rates = [(label, key, get) for label, key, get in ROWS if not key.startswith("latency")]
    groups = [(label, [("qa", get(run.scores))]) for label, _, get in rates]
    ticks = {label: gates[key].value for label, key, _ in rates if key in gates}
    types = list(run.by_type)
    head = "".join(f"<th>{escape(t)}</th>" for t in ["metric", "all", *types]) + ("<th>gate</th>" if gates else "")
    body = []
    for label, key, get in ROWS:
        cells = [fmt(get(run.scores), key), *(fmt(get(run.by_type[t]), key) for t in types)]
        row = f"<td>{escape(label)}</td>" + "".join(f"<td>{escape(c)}</td>" for c in cells)
        if gates:
            t = gates.get(key)
            ok = t is None or t.passes(get(run.scores))
            text = f"{t.op} {t.value:.2f} {'ok' if ok else 'MISS'}" if t else ""
            row += f'<td class="{"ok" if ok else "miss"}">{escape(text)}</td>'
        body.append(f"<tr>{row}</tr>")
    n_row = "".join(f"<td>{run.by_type[t].n}</td>" for t in types)
    body.append(f"<tr><td>questions</td><td>{run.scores.n}</td>{n_row}{'<td></td>' if gates else ''}</tr>")
    chart_note = "Red marks: the quality gate's thresholds (false refusal: lower is better)." if gates else ""
    return (
        "<h2>Metrics</h2>"
        + bar_chart(groups, ticks=ticks)
        + f'<p class="note">{escape(chart_note)}</p>'
        + f"<h3>By question type</h3><table><tr>{head}</tr>{''.join(body)}</table>"
    )


def comparison_section(c: Comparison) -> str:
    names = [r.label for r in c.rows]
    quality = [
        *((f"hit@{k}", [(r.label, r.hit_at.get(k)) for r in c.rows]) for k in DEPTHS),
        ("MRR", [(r.label, r.mrr) for r in c.rows]),
    ]
    tokens = max((r.context_tokens or 0.0 for r in c.rows), default=1.0) or 1.0
    chars = max((r.context_chars or 0.0 for r in c.rows), default=1.0) or 1.0
    latency = max((r.latency_p95 or 0.0 for r in c.rows), default=1.0) or 1.0
    head = "<tr><th>system</th><th>top_k</th>" + "".join(f"<th>hit@{k}</th>" for k in DEPTHS)
    head += "<th>MRR</th><th>context chars</th><th>context tokens</th><th>retrieval p50 ms</th><th>p95 ms</th></tr>"
    rows = "".join(
        f"<tr><td>{escape(r.label)}</td><td>{r.top_k}</td>"
        + "".join(f"<td>{fmt(r.hit_at.get(k))}</td>" for k in DEPTHS)
        + f"<td>{fmt(r.mrr)}</td><td>{fmt(r.context_chars, 'latency')}</td><td>{fmt(r.context_tokens, 'latency')}</td>"
        + f"<td>{fmt(r.latency_p50, 'latency')}</td><td>{fmt(r.latency_p95, 'latency')}</td></tr>"
        for r in c.rows
    )
    return (
        "<h2>Against the usual starting point</h2>"
        + legend(names)
        + "<h3>Retrieval (answerable questions)</h3>"
        + bar_chart(quality)
        + "<h3>Context sent to an LLM per question (mean)</h3>"
        + bar_chart([("tokens", [(r.label, r.context_tokens) for r in c.rows])], scale=tokens)
        + bar_chart([("characters", [(r.label, r.context_chars) for r in c.rows])], scale=chars)
        + "<h3>Retrieval latency, ms (p50, p95)</h3>"
        + bar_chart(
            [("p50", [(r.label, r.latency_p50) for r in c.rows]), ("p95", [(r.label, r.latency_p95) for r in c.rows])],
            scale=latency,
        )
        + f"<table>{head}{rows}</table>"
        + f'<p class="note">Tokens counted with {escape(c.tokenizer)}. The starter index holds {c.baseline_chunks} '
        "chunks. Both systems get the same standalone query; a top-2 system's hit@3 and hit@5 equal its hit@2.</p>"
    )


def failure_item(j: Judgement) -> str:
    g, o = j.outcome.golden, j.outcome
    fields: list[tuple[str, str]] = []
    if g.history:
        fields.append(("earlier turns", " / ".join(g.history)))
    if o.query != g.question:
        fields.append(("asked as", o.query))
    if g.answerable:
        fields.append(("expected", g.reference_answer))
        fields.append(("key facts", "; ".join(" / ".join(grp) for grp in g.key_facts)))
        if g.evidence:
            fields.append(("evidence", " | ".join(g.evidence)))
        fields.append(("evidence rank", str(j.rank or "not retrieved")))
    else:
        fields.append(("expected", "an abstention: the documents do not say"))
    fields.append(("answer" + (" (abstained)" if o.abstained else ""), display(o.text) or "(nothing)"))
    fields.append(("problems", "; ".join(j.problems)))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields)
    return (
        f'<details><summary><span class="q">{escape(g.id)}</span> [{escape(g.type)}] {escape(g.question)}'
        f"</summary><dl>{items}</dl></details>"
    )


def tradeoff_chart(
    curve: Sequence[dict[str, float]],
    here: tuple[float | None, float | None],
    this_set: Sequence[dict[str, float]] = (),
) -> str:
    """Return an inline SVG of correct refusal (y) against false refusal (x), one point per threshold.

    ``curve`` is the scorer's held-out curve, ``this_set`` the evaluated set's own (EvalRun.tradeoff),
    and ``here`` marks this run's (false refusal, correct refusal).
    """
    size, pad = 300, 40
    pts = [(p["false_refusal"], p["correct_refusal"]) for p in curve if p.get("correct_refusal") is not None]

    def xy(fr: float, cr: float) -> str:
        return f"{pad + fr * size:.1f},{pad + (1 - cr) * size:.1f}"

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 2 * pad}" height="{size + 2 * pad}" role="img">',
           f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
           f'<line x1="{pad}" y1="{pad + size}" x2="{pad + size}" y2="{pad}" stroke="#e5e7eb"/>',
           f'<text x="{pad + size / 2}" y="{size + 2 * pad - 8}" text-anchor="middle" font-size="12">false refusal</text>',
           f'<text x="12" y="{pad + size / 2}" font-size="12" transform="rotate(-90 12 {pad + size / 2})" '
           'text-anchor="middle">correct refusal</text>']  # fmt: skip
    if pts:
        out.append(
            f'<polyline fill="none" stroke="{COLORS[0]}" stroke-width="2" points="{" ".join(xy(*p) for p in pts)}"/>'
        )
    for p in curve:
        if p.get("correct_refusal") is not None:
            out.append(f'<circle cx="{xy(p["false_refusal"], p["correct_refusal"]).split(",")[0]}" '
                       f'cy="{xy(p["false_refusal"], p["correct_refusal"]).split(",")[1]}" r="2.5" fill="{COLORS[0]}">'
                       f'<title>threshold {p["threshold"]}: false refusal {p["false_refusal"]}, '
                       f'correct refusal {p["correct_refusal"]}</title></circle>')  # fmt: skip
    if this_set:
        own = " ".join(xy(p["false_refusal"], p["correct_refusal"]) for p in this_set)
        out.append(f'<polyline fill="none" stroke="{COLORS[2]}" stroke-width="2" stroke-dasharray="4 3" points="{own}">'
                   "<title>this set, over the same thresholds</title></polyline>")  # fmt: skip
    fr, cr = here
    if fr is not None and cr is not None:
        x, y = xy(fr, cr).split(",")
        out.append(f'<circle cx="{x}" cy="{y}" r="5" fill="{COLORS[1]}"><title>this run</title></circle>')
    out.append("</svg>")
    return "".join(out)


def abstention_section(run: EvalRun) -> str:
    """Return who refused (each rule, the scorer) and the scorer's held-out trade-off curve."""
    counts = run.refusals()
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in counts.items())
    parts = ["<h2>Abstention</h2>", f"<table><tr><th>refused by</th><th>questions</th></tr>{rows}</table>"]
    info = run.scorer_info()
    if info.get("held_out_curve"):
        parts.append(
            f"<p class='note'>Scorer {escape(str(info['version']))}: correct against false refusal over thresholds on "
            f"the pool's held-out articles (blue); threshold {info['threshold']} was chosen there for "
            f"{info['target_false_refusal']} false refusal. Dashed: this set, had the threshold been each of "
            "those (QA_ANSWER_THRESHOLD sets it). Orange: this run.</p>"
        )
        curve = info["held_out_curve"]
        assert isinstance(curve, list)
        parts.append(tradeoff_chart(curve, (run.scores.false_refusal, run.scores.correct_refusal), run.tradeoff()))
    return "\n".join(parts)


def render_html(run: EvalRun) -> str:
    """Return the report page; every question and answer text is escaped."""
    s = run.scores
    failed = run.failed
    meta = (
        f"{s.n} questions ({s.answerable} answerable, {s.unanswerable} unanswerable) from {run.dataset}; "
        f"corpus {run.corpus}; answers by {', '.join(run.modes) or '?'}; top_k {run.top_k}; "
        f"{run.seconds:.1f} s; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>qa eval: {escape(Path(run.dataset).name)}</title><style>{CSS}</style></head><body>",
        f"<h1>qa eval: {escape(Path(run.dataset).name)}</h1><p class='meta'>{escape(meta)}</p>",
        metrics_section(run),
    ]
    if run.comparison is not None:
        parts.append(comparison_section(run.comparison))
    parts.append(abstention_section(run))
    parts.append(f"<h2>Failed questions ({len(failed)} of {s.n}, worst first)</h2>")
    parts += [failure_item(j) for j in failed] or ["<p>None.</p>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(run: EvalRun, folder: Path) -> Path:
    """Write ``index.html`` and ``results.json`` into ``folder``; return the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "index.html"
    page.write_text(render_html(run), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(run.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return page
