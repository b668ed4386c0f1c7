"""Training groups for the reader: each question with the candidate sentences the product retrieves for it.

A corpus and its questions (gold answer spans, or none for an unanswerable question) go through
the product's own pipeline: indexed with ``qa.index.build.build_index``, retrieved with the
Assistant's HybridRetriever at ``top_k``, candidates made by ``qa.answer.features.candidates``
and ordered by the feature scorer. So the reader is trained on the sentences, headings,
neighbours and near misses it meets at run time. A candidate is positive when it overlaps a
gold span of the question's own file. Groups are written as JSON Lines, a cache the training
script reads back.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GoldQuestion:
    """A training question: where its answer is (file and spans), or that there is none."""

    id: str
    origin: str  # "squad" or "docs"
    kind: str  # squad: "answerable"/"unanswerable"; docs: "faq", "heading", "option", "changed"
    group: str  # what is split on: an article, a documentation file
    source: str  # the question's own file, relative to the corpus
    question: str
    answerable: bool
    spans: tuple[tuple[int, int], ...]  # gold ranges in the file's text; () when unanswerable
    near: tuple[tuple[int, int], ...] = ()  # SQuAD's plausible answers of an unanswerable question


@dataclass(frozen=True)
class Group:
    """One question with every candidate: its reader input, label and the feature scorer's probability."""

    id: str
    origin: str
    kind: str
    group: str
    held_out: bool
    question: str
    answerable: bool
    gold_retrieved: bool
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    near: tuple[int, ...]  # 1 for a sentence holding a plausible (wrong) answer
    scorer: tuple[float, ...]  # answer-scorer-v3's probability, the order hard negatives are taken in


def build_groups(
    corpus: Path, work: Path, questions: Sequence[GoldQuestion], held_out: Iterable[str], top_k: int = 5
) -> list[Group]:
    """Return a Group for every question, indexing ``corpus`` into ``work``/index first."""
    from qa.answer.corpus import CorpusStats
    from qa.answer.evidence import looks_like_injection
    from qa.answer.reader import pair_text
    from qa.answer.scorer import extract, load_scorer
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.errors import IndexFormatError
    from qa.index.build import build_index

    held = set(held_out)
    settings = Settings(corpus_dir=corpus, index_dir=work / "index", llm="extractive", chroma_url=None, top_k=top_k)
    t0 = time.perf_counter()
    encoder = SentenceTransformerEmbedder(settings.embed_model)
    try:
        build_index(settings, encoder, progress=False)
    except IndexFormatError:
        build_index(settings, encoder, rebuild=True, progress=False)
    print(f"index: {corpus} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    bot = Assistant.open(settings=settings)
    stats = CorpusStats.build(bot.view.passages.values())
    scorer = load_scorer()
    qvecs = bot.embedder.embed([q.question for q in questions])
    out: list[Group] = []
    t1 = time.perf_counter()
    for q, qvec in zip(questions, qvecs, strict=True):
        hits = bot.retriever.search(q.question, top_k, qvec)
        _, cands, rows, _ = extract(q.question, qvec, hits, bot.embedder, stats, lambda t: not looks_like_injection(t))
        probs = scorer.predict(rows)
        texts, labels, near = [], [], []
        for c in cands:
            own = c.passage.span.source == q.source
            s = c.sentence
            labels.append(int(own and any(a < s.end and s.start < b for a, b in q.spans)))
            near.append(int(own and any(a < s.end and s.start < b for a, b in q.near)))
            texts.append(
                pair_text(
                    s.readable,
                    c.passage.heading,
                    c.prev.readable if c.prev else "",
                    c.next.readable if c.next else "",
                )
            )
        out.append(
            Group(
                q.id,
                q.origin,
                q.kind,
                q.group,
                q.group in held,
                q.question,
                q.answerable,
                any(labels),
                tuple(texts),
                tuple(labels),
                tuple(near),
                tuple(round(float(p), 5) for p in probs),
            )  # fmt: skip
        )
    print(f"groups: {len(questions)} questions in {time.perf_counter() - t1:.0f} s", file=sys.stderr)
    return out


def write_groups(path: Path, groups: Iterable[Group]) -> None:
    """Write groups as JSON Lines (atomically: a cut-short file is never read as whole)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for g in groups:
            f.write(json.dumps(asdict(g), ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_groups(path: Path) -> list[Group]:
    """Return the groups written by :func:`write_groups`."""
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            d: dict[str, Any] = json.loads(line)
            for key in ("texts", "labels", "near", "scorer"):
                d[key] = tuple(d[key])
            out.append(Group(**d))
    return out
