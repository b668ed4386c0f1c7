"""The public entry point: open an index and answer questions about the corpus."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.answer.evidence import vocabulary
from qa.answer.extractive import ExtractiveAnswerer
from qa.catalog import IndexView
from qa.config import Settings
from qa.conversation import Conversation, condense_by_rule
from qa.embeddings import Embedder, SentenceTransformerEmbedder
from qa.errors import CorpusError
from qa.indexing import build_index
from qa.questions import clean_question
from qa.retrieval import HybridRetriever
from qa.store import StoreFactory
from qa.types import Answer

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions about one indexed corpus. Safe to share between threads."""

    def __init__(
        self, settings: Settings, embedder: Embedder, view: IndexView, stores: StoreFactory | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.stores = stores
        self._lock = threading.Lock()
        self._set_view(view)
        self.extractive = ExtractiveAnswerer(embedder)

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
        **overrides: Any,
    ) -> Assistant:
        """Return an assistant on ``index_dir`` (built from ``corpus_dir`` first if missing)."""
        base = settings or Settings.from_env()
        values: dict[str, Any] = {"index_dir": index_dir, "corpus_dir": corpus_dir, "llm": llm, **overrides}
        changes: dict[str, Any] = {k: Path(v) if k.endswith("_dir") else v for k, v in values.items() if v is not None}
        settings = replace(base, **changes)
        embedder = embedder or SentenceTransformerEmbedder(settings.embed_model)
        from qa import layout

        if layout.current(settings.index_dir) is None:
            if not settings.corpus_dir.is_dir():
                raise CorpusError(
                    f"there is no index in {settings.index_dir} and no corpus folder {settings.corpus_dir} to build it from",
                    "put .txt or .md files in the corpus folder, or pass corpus_dir",
                )
            log.warning("no index in %s yet: building it from %s", settings.index_dir, settings.corpus_dir)
            build_index(settings, embedder, stores=stores)
        return cls(settings, embedder, IndexView.open(settings, embedder.model_id, stores), stores)

    def _set_view(self, view: IndexView) -> None:
        self.view = view
        self.retriever = HybridRetriever(view, self.embedder, self.settings.candidates)
        self.vocabulary = vocabulary(view.passages.values())

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

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Return the answer to ``question`` (earlier turns in ``history`` resolve follow-ups)."""
        answer: Answer | None = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None  # stream() always ends with the Answer
        return answer

    def stream(self, question: str, history: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Yield the answer's text as it is produced, then the complete Answer."""
        t0 = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        self.refresh()
        standalone = condense_by_rule(question, history)
        t1 = time.perf_counter()
        qvec = self.embedder.embed([standalone])[0]
        hits = self.retriever.search(standalone, self.settings.top_k, qvec)
        t2 = time.perf_counter()
        draft = self.extractive.answer(standalone, qvec, hits, self.vocabulary)
        t3 = time.perf_counter()
        notice = draft.reason or None
        yield draft.text
        yield Answer(
            question=question,
            text=draft.text,
            citations=draft.citations,
            abstained=draft.abstained,
            mode="extractive",
            hits=tuple(hits),
            rewritten_question=standalone if standalone != question else None,
            notice=notice,
            timings_ms={
                "condense": (t1 - t0) * 1000,
                "retrieve": (t2 - t1) * 1000,
                "answer": (t3 - t2) * 1000,
                "total": (t3 - t0) * 1000,
            },
        )
