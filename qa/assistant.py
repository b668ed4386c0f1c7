"""The public entry point: open an index and answer questions about the corpus."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from qa.answer.backends import Backends
from qa.answer.corpus import CorpusStats
from qa.answer.extractive import Draft, ExtractiveAnswerer
from qa.answer.generate import finalize, settle
from qa.answer.guard import StreamGuard
from qa.answer.llm import ChatModel, LLMError
from qa.answer.prompt import condense_messages, fit_prompt, rewrite_follow_up, usable_rewrite
from qa.answer.reader import Reader
from qa.config import Settings
from qa.embed.model import Embedder
from qa.errors import CorpusError, ModelUnavailableError
from qa.followup import condense_by_rule, looks_like_follow_up
from qa.index.build import build_index
from qa.index.vectors import StoreFactory
from qa.index.view import IndexView
from qa.questions import clean_question
from qa.retrieve import HybridRetriever
from qa.types import Answer, Hit

log = logging.getLogger(__name__)


def _reader(name: str) -> tuple[Reader | None, str | None]:
    """Return the trained reader (or None when it is off), and a notice when it could not be loaded.

    A missing or damaged model file is no reason to stop answering: the feature scorer answers
    instead, every answer says so, and ``qa doctor`` names the file and the command that rebuilds it.
    """
    if name.strip().lower() in ("off", "none", ""):
        return None, None
    from qa.answer.reader import load_reader

    try:
        return load_reader(name), None
    except ModelUnavailableError as exc:
        log.warning("%s; answering with the feature scorer", exc)
        return None, f"{exc}; answered by the feature scorer instead"


class Assistant:
    """Answers questions about one indexed corpus. Safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        view: IndexView,
        stores: StoreFactory | None = None,
        chat: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.stores = stores
        self._lock = threading.Lock()
        self._set_view(view)
        from qa.answer.scorer import load_scorer

        rules = [r.strip() for r in settings.abstain_rules.split(",") if r.strip()]
        reader, self.reader_notice = _reader(settings.reader)
        self.extractive = ExtractiveAnswerer(
            embedder, load_scorer(settings.scorer), rules=rules, threshold=settings.answer_threshold, reader=reader
        )
        self.backends = Backends(settings, chat)

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        corpus_dir: str | Path | None = None,
        llm: str | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        stores: StoreFactory | None = None,
        chat: ChatModel | None = None,
        **overrides: Any,
    ) -> Assistant:
        """Return an assistant on ``index_dir`` (built from ``corpus_dir`` first if missing)."""
        base = settings or Settings.from_env()
        values: dict[str, Any] = {"index_dir": index_dir, "corpus_dir": corpus_dir, "llm": llm, **overrides}
        changes: dict[str, Any] = {k: Path(v) if k.endswith("_dir") else v for k, v in values.items() if v is not None}
        settings = replace(base, **changes)
        from qa.index.encoder import query_embedder  # the shared ONNX export of the index's model: no torch import

        embedder = embedder or query_embedder(settings)
        from qa.index import layout

        if layout.current(settings.index_dir) is None:
            if not settings.corpus_dir.is_dir():
                # Absolute paths: run from another folder, the relative defaults point somewhere unexpected.
                raise CorpusError(
                    f"there is no index in {settings.index_dir.absolute()} and no corpus folder "
                    f"{settings.corpus_dir.absolute()} to build it from",
                    "put .txt, .md, .html or .pdf files in a folder and pass --corpus DIR (corpus_dir= in Python), "
                    "or run from the folder that holds seeds/",
                )
            log.warning("no index in %s yet: building it from %s", settings.index_dir, settings.corpus_dir)
            build_index(settings, embedder, stores=stores)
        return cls(settings, embedder, IndexView.open(settings, embedder.model_id, stores), stores, chat)

    def _set_view(self, view: IndexView) -> None:
        self.view = view
        self.retriever = HybridRetriever(view, self.embedder, self.settings.candidates)
        self.stats = CorpusStats.build(view.passages.values())

    def refresh(self) -> bool:
        """Switch to a newer index generation if one was published; return True if it did."""
        if self.view.is_current():
            return False
        with self._lock:
            if not self.view.is_current():
                self._set_view(IndexView.open(self.settings, self.embedder.model_id, self.stores))
                return True
        return False

    def conversation(self) -> Conversation:
        """Return a new conversation with its own history."""
        return Conversation(self)

    def ask(self, question: str, history: Sequence[str] = (), sources: Sequence[str] | None = None) -> Answer:
        """Return the answer to ``question`` (earlier turns in ``history`` resolve follow-ups).

        ``sources``: corpus-relative paths of the only documents to search.
        """
        return self.stream(question, history, sources).answer()

    def stream(self, question: str, history: Sequence[str] = (), sources: Sequence[str] | None = None) -> AnswerStream:
        """Return the answer as it is written: iterate it for the text, then call ``.answer()``."""
        return AnswerStream(self._answering(question, history, sources))

    def _answering(
        self, question: str, history: Sequence[str], sources: Sequence[str] | None
    ) -> Generator[str, None, Answer]:
        """Yield the answer's text as it is produced; return the complete Answer."""
        clock = _Clock()
        question = clean_question(question, self.settings.max_question_chars)
        self.refresh()
        chat, notice = self.backends.select()
        notice = "; ".join(n for n in (self.reader_notice, notice) if n) or None
        standalone = self._condense(question, history, chat)
        clock.lap("condense")
        qvec = self.embedder.embed([standalone])[0]
        if history:
            in_context = f"{history[-1]} {question}"
            hits = self.retriever.search_in_conversation(standalone, in_context, self.settings.top_k, qvec, sources)
        else:
            hits = self.retriever.search(standalone, self.settings.top_k, qvec, sources)
        clock.lap("retrieve")
        asked = _Asked(question, tuple(hits), _changed(standalone, question), tuple(sources or ()))
        # Made once per question, when first needed: the answer itself, the gate before a model,
        # or the stand-in when the model fails or its answer does not verify.
        quoted = functools.cache(lambda: self.extractive.answer(standalone, qvec, hits, self.stats))
        if chat is None:
            draft = quoted()
            clock.lap("answer")
            yield draft.text
            return _answer(asked, draft, "extractive", clock, notice)
        if self.settings.llm_gate:
            # The model is asked only when the answer scorer finds a sentence that
            # answers: a small model handed near-miss passages writes a plausible wrong answer,
            # and the same calibrated score already decides refusals without one.
            draft = quoted()
            if draft.abstained:
                clock.lap("answer")
                yield draft.text
                why = f"{draft.reason}; {chat.name} was not asked"
                return _answer(asked, draft, "extractive", clock, "; ".join(n for n in (notice, why) if n))
            generated = yield from self._generate(chat, notice, standalone, hits, clock, asked, quoted)
            # The score that let the model answer goes with its answer (shown as the answer's confidence).
            return generated if generated.confidence is not None else replace(generated, confidence=draft.confidence)
        return (yield from self._generate(chat, notice, standalone, hits, clock, asked, quoted))

    # -- generated answers: fit the prompt, guard the stream, verify, settle ------------------

    def _generate(
        self,
        chat: ChatModel,
        notice: str | None,
        question: str,
        hits: Sequence[Hit],
        clock: _Clock,
        asked: _Asked,
        quoted: Callable[[], Draft],
    ) -> Generator[str, None, Answer]:
        """Yield the model's answer as it streams; return the Answer the user gets (see ``settle``)."""
        guard = StreamGuard(self.settings.max_tokens)
        try:
            prompt = fit_prompt(question, hits, chat.context_window, self.settings.max_tokens, chat.count_tokens)
            stream = chat.stream(prompt.messages)
            try:
                for delta in stream:
                    if not guard.parts:
                        clock.lap("first_token")
                    going = guard.feed(delta)
                    yield delta
                    if not going:
                        break
            finally:
                # Stops the generation (a loop, the cap, or the consumer closing the AnswerStream:
                # GeneratorExit arrives at the ``yield`` above and passes through here).
                getattr(stream, "close", lambda: None)()
        except LLMError as exc:
            self.backends.forget()
            partial = guard.text
            draft = quoted()
            clock.lap("answer")
            reason = f"{exc}: answer quoted from the documents instead"
            yield (f"\n\n[{reason}]\n\n" if partial else "") + draft.text
            return _answer(asked, draft, "extractive", clock, reason, partial=partial)
        clock.lap("generate")
        generated = finalize(guard.result(), prompt.hits, self.embedder)
        if guard.stopped == "repetition":
            generated = replace(generated, flagged=True)
        shown, stood_in = settle(generated, quoted, chat.name)
        clock.lap("verify")
        notices = "; ".join(n for n in (notice, prompt.notice, guard.notice(), shown.reason) if n)
        if stood_in:
            yield f"\n\n[{shown.reason}]\n\n{shown.text}"
        return _answer(
            asked,
            replace(shown, reason=""),
            "extractive" if stood_in else chat.name,
            clock,
            notices or None,
            partial=guard.text if stood_in else "",
            prompt_tokens=prompt.tokens,
        )

    def _condense(self, question: str, history: Sequence[str], chat: ChatModel | None) -> str:
        """Return a standalone form of a follow-up (by the LLM when there is one)."""
        if not history or not looks_like_follow_up(question):
            return question
        if chat is not None:
            try:
                rewritten = rewrite_follow_up(chat, condense_messages(question, history))
                if usable_rewrite(rewritten, question) and len(rewritten) <= self.settings.max_question_chars:
                    return rewritten
                log.info("the model's rewrite %r is not a standalone question; using a rule", rewritten[:200])
            except LLMError as exc:
                log.warning("could not rewrite the follow-up with the model (%s); using a rule", exc)
        return condense_by_rule(question, history)


class AnswerStream:
    """An answer being written: iterating gives its text as it comes; ``answer()`` gives the Answer.

    In the manner of simonw/llm's ``Response``::

        stream = bot.stream("Can WeChat Pay be used on Taobao?")
        for text in stream:          # str pieces, shown as they arrive
            print(text, end="")
        answer = stream.answer()     # the Answer: citations, mode, notice, timings

    Nothing runs until the stream is read, so a bad question raises at the first read (or in
    ``answer()``), not where the stream was made. It is an iterator, read once: a second loop
    goes on from where the first stopped. ``answer()`` reads (and drops) any text not yet read.
    ``close()``, or leaving a ``with`` block, stops the generation: the model's HTTP stream is
    closed, an in-process model is freed for the next question. Read and close it from one thread.
    """

    def __init__(self, source: Generator[str, None, Answer]) -> None:
        self._source = source  # yields the text, returns the Answer
        self._answer: Answer | None = None
        self._ended = False  # the source returned, failed or was closed

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> str:
        if self._ended:
            raise StopIteration(self._answer)
        try:
            return next(self._source)
        except StopIteration as end:
            self._ended, self._answer = True, end.value
            raise StopIteration(self._answer) from None
        except BaseException:
            self._ended = True  # the generator is finished: it raised
            raise

    def answer(self) -> Answer:
        """Return the complete Answer, reading the rest of the stream first if needed."""
        for _ in self:
            pass
        if self._answer is None:
            raise RuntimeError("the answer stream was closed (or failed) before the answer was complete")
        return self._answer

    def close(self) -> None:
        """Stop the generation; the text read so far is all there will be."""
        self._ended = True
        self._source.close()

    def __enter__(self) -> AnswerStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _Asked:
    """What every Answer to one question carries, whoever answered it."""

    question: str
    hits: tuple[Hit, ...]
    rewritten_question: str | None
    scope: tuple[str, ...]


def _answer(
    asked: _Asked,
    draft: Draft,
    mode: str,
    clock: _Clock,
    notice: str | None,
    partial: str = "",
    prompt_tokens: int | None = None,
) -> Answer:
    return Answer(
        question=asked.question,
        text=draft.text,
        citations=draft.citations,
        abstained=draft.abstained,
        mode=mode,
        hits=asked.hits,
        rewritten_question=asked.rewritten_question,
        notice=notice or draft.reason or None,
        timings_ms=clock.done(),
        flagged=draft.flagged,
        partial=partial,
        prompt_tokens=prompt_tokens,
        scope=asked.scope,
        confidence=draft.confidence,
        refused_by=draft.refused_by,
    )


def _changed(standalone: str, question: str) -> str | None:
    return standalone if standalone != question else None


class _Clock:
    """Per-stage wall times in milliseconds."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = (now - self.last) * 1000
        self.last = now

    def done(self) -> dict[str, float]:
        return {**self.laps, "total": (time.perf_counter() - self.start) * 1000}


@dataclass
class Conversation:
    """One conversation's turns; two conversations never share history."""

    assistant: Assistant
    turns: list[str] = field(default_factory=list)  # earlier user questions, standalone form

    def ask(self, question: str, sources: Sequence[str] | None = None) -> Answer:
        return self.stream(question, sources).answer()

    def stream(self, question: str, sources: Sequence[str] | None = None) -> AnswerStream:
        """Return the answer as it is written; the turn is remembered once the answer is complete."""
        return AnswerStream(self._turn(self.assistant.stream(question, history=self.turns, sources=sources)))

    def _turn(self, answering: AnswerStream) -> Generator[str, None, Answer]:
        with answering:  # closing this turn's stream closes the assistant's, stopping the model
            yield from answering
            answer = answering.answer()
        self.turns.append(answer.rewritten_question or answer.question)
        return answer

    def reset(self) -> None:
        self.turns.clear()
