"""Running golden questions through the assistant and recording what came back, timed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from qa.errors import BadQuestionError
from qa.evaluation.golden import GoldenQuestion
from qa.evaluation.metrics import DEPTHS, Cited, Outcome, Retrieved
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.embed.model import Embedder

MIN_TOP_K = max(DEPTHS)  # hit@5 needs at least five retrieved passages


class Asker(Protocol):
    """The part of Assistant the runner needs (a fake in unit tests)."""

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer: ...


def outcome_from(golden: GoldenQuestion, answer: Answer, latency_ms: float) -> Outcome:
    """Return the record of one answer: text, citations, ranked passages, timing."""
    return Outcome(
        golden=golden,
        text=answer.text,
        abstained=answer.abstained,
        citations=tuple(Cited(c.quote, (c.source, *c.also_in)) for c in answer.citations),
        # A passage's heading path is part of what is retrieved and shown (a release note's release).
        retrieved=tuple(Retrieved(_with_heading(h.passage), h.passage.sources) for h in answer.hits),
        latency_ms=latency_ms,
        retrieval_ms=answer.timings_ms.get("retrieve"),
        query=answer.rewritten_question or answer.question,
        mode=answer.mode,
        refused_by=answer.refused_by,
        confidence=answer.confidence,
    )


def run(
    asker: Asker,
    questions: Sequence[GoldenQuestion],
    progress: Callable[[int, int], None] | None = None,
    warm_up: bool = True,
    observer: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Return one Outcome per question, asked in order with its history.

    The golden ``history`` is passed as the earlier turns (it is written as standalone
    questions), so a follow-up is rewritten by the assistant exactly as in a conversation
    and its retrieval is scored on that rewritten question. One untimed question is
    asked first (``warm_up``) so that lazy loading (model weights, tokenizer tables)
    counts as start-up, not as the first question's latency. ``observer`` sees each
    outcome as soon as it exists (the baseline runs there, under the same load). A question the assistant refuses as malformed is recorded as an error; anything else
    (model or index unavailable) stops the run, since every later question would fail too.
    """
    out: list[Outcome] = []
    if warm_up and questions:
        with contextlib.suppress(BadQuestionError):  # reported properly when its turn comes
            asker.ask(questions[0].question)
    for i, q in enumerate(questions, start=1):
        t0 = time.perf_counter()
        try:
            answer = asker.ask(q.question, history=q.history)
        except BadQuestionError as exc:
            ms = (time.perf_counter() - t0) * 1000
            out.append(Outcome(q, "", False, latency_ms=ms, query=q.question, error=exc.message))
        else:
            out.append(outcome_from(q, answer, (time.perf_counter() - t0) * 1000))
        if observer:
            observer(out[-1])
        if progress:
            progress(i, len(questions))
    return out


def open_assistant(settings: Settings, embedder: Embedder | None = None) -> Assistant:
    """Return an assistant on an index brought up to date with the corpus, retrieving >= 5 passages.

    Updating first (incremental: nothing is re-embedded when the corpus is unchanged)
    means the scores describe the corpus as it is, not a stale index of it.
    """
    from dataclasses import replace

    from qa.assistant import Assistant
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.index.build import build_index

    settings = replace(settings, top_k=max(settings.top_k, MIN_TOP_K))
    embedder = embedder or SentenceTransformerEmbedder(settings.embed_model)
    build_index(settings, embedder, progress=False)
    return Assistant.open(settings=settings, embedder=embedder, llm=settings.llm)


def _with_heading(passage: Passage) -> str:
    return f"{passage.heading}\n{passage.text}" if passage.heading else passage.text
