"""One evaluation run end to end: load the questions, ask them, score them, compare with the baseline."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.evaluation.golden import GoldenQuestion, load_golden, missing_evidence
from qa.evaluation.metrics import Judgement, Outcome, Scores, failures, judge, score, score_by_type
from qa.evaluation.sets import required_sets, set_name

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.evaluation.baseline import Baseline, Comparison

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvalRun:
    """Everything one ``qa eval`` run measured."""

    kind: str  # "golden" or "squad"
    name: str  # "seeds", "docs" (the repository's golden sets), else the file's name
    dataset: str
    corpus: str
    modes: tuple[str, ...]  # answering backends that produced the answers
    top_k: int
    judgements: tuple[Judgement, ...]
    scores: Scores
    by_type: dict[str, Scores]
    comparison: Comparison | None
    seconds: float
    total_questions: int  # in the file, before --limit
    scorer: str = ""  # the answer-scorer version that answered (Settings.scorer)

    def refusals(self) -> dict[str, int]:
        """Return how many questions each rule, and the scorer, refused."""
        counts: dict[str, int] = {}
        for j in self.judgements:
            if j.outcome.abstained:
                key = j.outcome.refused_by or "other"
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def tradeoff(self) -> list[dict[str, float]]:
        """Return this run's false and correct refusal had the threshold been 0.02, 0.04, ..., 0.94.

        Computed from the recorded confidences, without asking again: a rule's refusal (or a
        model's "not found") stands at every threshold, since the rules run whatever the score;
        any other question is refused exactly when its confidence is under the threshold. Empty
        when no answer carries a confidence or the set lacks answerable or unanswerable questions.
        """
        outcomes = [j.outcome for j in self.judgements]
        if not any(o.confidence is not None for o in outcomes):
            return []
        answerable = [o for o in outcomes if o.golden.answerable]
        unanswerable = [o for o in outcomes if not o.golden.answerable]
        if not answerable or not unanswerable:
            return []

        def refused(o: Outcome, t: float) -> bool:
            if o.abstained and o.refused_by != "scorer":
                return True
            return o.confidence is None or o.confidence < t

        curve = []
        for k in range(1, 48):
            t = round(0.02 * k, 2)
            curve.append({
                "threshold": t,
                "false_refusal": round(sum(refused(o, t) for o in answerable) / len(answerable), 4),
                "correct_refusal": round(sum(refused(o, t) for o in unanswerable) / len(unanswerable), 4),
            })  # fmt: skip
        return curve

    def scorer_info(self) -> dict[str, object]:
        """Return the scorer's version, threshold and held-out calibration curve (for the report)."""
        if not self.scorer:
            return {}
        from qa.answer.scorer import load_scorer

        model = load_scorer(self.scorer)
        return {
            "version": model.version,
            "threshold": model.threshold,
            "target_false_refusal": model.metadata.get("target_false_refusal"),
            "held_out_curve": [
                {k: p[k] for k in ("threshold", "false_refusal", "correct_refusal")}
                for p in model.metadata.get("calibration_curve", [])
            ],
        }

    @property
    def failed(self) -> list[Judgement]:
        return failures(self.judgements)

    def to_dict(self) -> dict[str, object]:
        """Return the ``--json`` object: the contract's nested metrics (docs/architecture.md), then the details."""
        out: dict[str, object] = self.scores.to_dict()
        out.update(
            kind=self.kind,
            set=self.name,
            dataset=self.dataset,
            corpus=self.corpus,
            mode=", ".join(self.modes),
            top_k=self.top_k,
            seconds=round(self.seconds, 2),
            by_type={t: s.to_dict() for t, s in self.by_type.items()},
            refused_by=self.refusals(),
            failures=[failure_dict(j) for j in self.failed],
        )
        if self.scorer:
            out["scorer"] = self.scorer_info()
        curve = self.tradeoff()
        if curve:
            out["tradeoff"] = curve
        if self.comparison is not None:
            out["baseline"] = self.comparison.to_dict()
        return out


def failure_dict(j: Judgement) -> dict[str, object]:
    g, o = j.outcome.golden, j.outcome
    return {
        "id": g.id,
        "type": g.type,
        "question": g.question,
        "history": list(g.history),
        "query": o.query,
        "expected": g.reference_answer,
        "key_facts": [list(grp) for grp in g.key_facts],
        "evidence": list(g.evidence),
        "answer": o.text,
        "abstained": o.abstained,
        "refused_by": o.refused_by,
        "confidence": o.confidence,
        "rank": j.rank,
        "problems": list(j.problems),
    }


def sample(questions: Sequence[GoldenQuestion], limit: int | None) -> list[GoldenQuestion]:
    """Return ``limit`` questions spread evenly over the file (all when no limit).

    Evenly spaced rather than the first N, so a quick run still mixes articles and types.
    """
    if limit is None or limit >= len(questions):
        return list(questions)
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def assemble(
    kind: str,
    dataset: Path,
    corpus: Path,
    top_k: int,
    outcomes: Sequence[Outcome],
    comparison: Comparison | None,
    t0: float,
    total: int,
    scorer: str = "",
) -> EvalRun:
    """Return the run record: every outcome judged, scored overall and by type."""
    judgements = tuple(judge(o) for o in outcomes)
    return EvalRun(
        kind=kind,
        name=set_name(dataset) if kind == "golden" else dataset.name,
        dataset=str(dataset),
        corpus=str(corpus),
        modes=tuple(dict.fromkeys(o.mode for o in outcomes if o.mode)),
        top_k=top_k,
        judgements=judgements,
        scores=score(judgements),
        by_type=score_by_type(judgements),
        comparison=comparison,
        seconds=time.perf_counter() - t0,
        total_questions=total,
        scorer=scorer,
    )


def evaluate_golden(
    settings: Settings,
    golden: Path | None = None,
    limit: int | None = None,
    baseline: bool = False,
    progress: Progress | None = None,
) -> EvalRun:
    """Return the scores of the assistant on ``settings`` for a golden JSON Lines file."""
    from qa.evaluation.runner import open_assistant, run

    t0 = time.perf_counter()
    path = golden or required_sets()[0].golden
    questions = load_golden(path)
    assistant = open_assistant(settings)
    _warn_unreachable_evidence(questions, assistant, settings.corpus_dir)
    top_k = assistant.settings.top_k
    base = _baseline(settings.corpus_dir, settings.embed_model) if baseline else None
    outcomes = run(assistant, sample(questions, limit), progress, observer=base.observe if base else None)
    comparison = base.comparison(outcomes, top_k) if base else None
    return assemble("golden", path, settings.corpus_dir, top_k, outcomes, comparison, t0, len(questions),
                    settings.scorer)  # fmt: skip


def evaluate_sets(
    settings: Settings,
    limit: int | None = None,
    baseline: bool = False,
    progress: Progress | None = None,
) -> list[EvalRun]:
    """Return one run per declared golden set: the first on ``settings``, private-index ones in a temporary folder."""
    runs = []
    for declared in required_sets():
        if not declared.private_index:
            runs.append(evaluate_golden(settings, declared.golden, limit, baseline, progress))
            continue
        with tempfile.TemporaryDirectory(prefix=f"qa-{declared.name}-") as tmp:
            # Never the user's index/ nor a configured Chroma server.
            local = replace(settings, corpus_dir=declared.corpus, index_dir=Path(tmp) / "index", chroma_url=None)
            runs.append(evaluate_golden(local, declared.golden, limit, baseline, progress))
    return runs


def evaluate_squad(
    settings: Settings,
    squad: Path,
    limit: int | None = None,
    baseline: bool = False,
    progress: Progress | None = None,
) -> EvalRun:
    """Return the scores on a SQuAD 2.0 file, its paragraphs indexed in a temporary folder."""
    from qa.evaluation.runner import open_assistant, run
    from qa.evaluation.squad import load_squad

    t0 = time.perf_counter()
    data = load_squad(squad)
    with tempfile.TemporaryDirectory(prefix="qa-squad-") as tmp:
        corpus = Path(tmp) / "corpus"
        data.write_corpus(corpus)
        # A private local index: never the user's index/ nor a configured Chroma server.
        local = replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index", chroma_url=None)
        assistant = open_assistant(local)
        top_k = assistant.settings.top_k
        base = _baseline(corpus, settings.embed_model) if baseline else None
        outcomes = run(assistant, sample(data.questions, limit), progress, observer=base.observe if base else None)
        comparison = base.comparison(outcomes, top_k) if base else None
    return assemble("squad", squad, Path(f"{len(data.paragraphs)} paragraphs of {squad.name}"), top_k,
                   outcomes, comparison, t0, len(data.questions), settings.scorer)  # fmt: skip


def _baseline(corpus: Path, embed_model: str) -> Baseline:
    from qa.evaluation.baseline import Baseline

    return Baseline(corpus, embed_model)


def _warn_unreachable_evidence(questions: Sequence[GoldenQuestion], assistant: Any, corpus: Path) -> None:
    """Warn when evidence strings are in no indexed passage: retrieval could never find them.

    That happens with the wrong corpus for the golden file, or evidence that spans two
    passages or sits in text that ingestion strips; either way the scores would mislead.
    """
    view = getattr(assistant, "view", None)
    passages = getattr(view, "passages", None)
    if not isinstance(passages, dict):
        return  # an assistant without an index view to inspect: nothing to check against
    lost = missing_evidence(questions, [f"{getattr(p, 'heading', '')}\n{p.text}" for p in passages.values()])
    if lost:
        log.warning(
            "%d evidence strings are in no indexed passage of %s (first: %s %r): wrong corpus, or evidence "
            "spanning two passages?", len(lost), corpus, lost[0][0], lost[0][1],
        )  # fmt: skip
