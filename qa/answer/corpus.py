"""What answering knows about the whole corpus: document frequencies, vocabulary, sentence order.

Built once when an index view opens (one pass over the passages), so the question path
only looks things up: the IDF of a question word, whether a name occurs anywhere, and the
sentences before and after a candidate, even when they sit in a passage not retrieved.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from qa.text import stems, tokens
from qa.types import Passage, Sentence


@dataclass(frozen=True)
class CorpusStats:
    """Document frequencies of stems (qa.text.stem) over passages, the vocabulary and each file's sentences."""

    passages: int
    df: Mapping[str, int]  # content stem → passages holding it
    vocabulary: frozenset[str]  # every word, possessives stripped
    sentences: Mapping[str, tuple[Sentence, ...]] = field(default_factory=dict)  # per source, in file order
    starts: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # source → sentence start → position
    doc_stems: Mapping[str, frozenset[str]] = field(default_factory=dict)  # source → stems of its content words
    owners: Mapping[tuple[str, int], Passage] = field(default_factory=dict)  # (source, sentence start) → passage
    headings: Mapping[str, int] = field(default_factory=dict)  # source → how many distinct section headings

    @classmethod
    def build(cls, passages: Iterable[Passage]) -> CorpusStats:
        df: dict[str, int] = defaultdict(int)
        vocab: set[str] = set()
        per_source: dict[str, dict[int, Sentence]] = defaultdict(dict)
        doc: dict[str, set[str]] = defaultdict(set)
        owners: dict[tuple[str, int], Passage] = {}
        sections: dict[str, set[str]] = defaultdict(set)
        heading_stems: dict[str, frozenset[str]] = {}
        n = 0
        for p in passages:
            n += 1
            # A passage is indexed with its heading path, and a NEWS bullet's release number is only
            # there: the heading's words are the passage's words for the rules and the statistics.
            if p.heading not in heading_stems:  # a section's passages share its heading: stem it once
                vocab.update(tokens(p.heading))
                heading_stems[p.heading] = frozenset(stems(p.heading))
            vocab.update(tokens(p.text))
            have = set(stems(p.text)) | heading_stems[p.heading]
            for s in have:
                df[s] += 1
            doc[p.span.source] |= have
            sections[p.span.source].add(p.heading)
            for sent in p.sentences:
                per_source[p.span.source][sent.start] = sent
                owners[(p.span.source, sent.start)] = p
        ordered = {src: tuple(v[k] for k in sorted(v)) for src, v in per_source.items()}
        starts = {src: {s.start: i for i, s in enumerate(sents)} for src, sents in ordered.items()}
        vocabulary = frozenset(w.removesuffix("'s") for w in vocab)
        doc_stems = {src: frozenset(v) for src, v in doc.items()}
        headings = {src: len(h - {""}) for src, h in sections.items()}
        return cls(n, dict(df), vocabulary, ordered, starts, doc_stems, owners, headings)

    def sectioned(self, source: str) -> bool:
        """Return True when ``source`` has more than one section heading (so headings tell passages apart)."""
        return self.headings.get(source, 0) > 1

    def idf(self, word_stem: str) -> float:
        """Return the IDF of a stem scaled to (0, 1]: 1 for a stem no passage holds."""
        top = math.log(self.passages + 1) + 1
        return (math.log((self.passages + 1) / (self.df.get(word_stem, 0) + 1)) + 1) / top

    @cached_property
    def _by_shape(self) -> dict[tuple[str, int], tuple[str, ...]]:
        shapes: dict[tuple[str, int], list[str]] = defaultdict(list)
        for w in self.vocabulary:
            if len(w) >= 4 and not w[:1].isdigit():
                shapes[(w[:1], len(w))].append(w)
        return {k: tuple(v) for k, v in shapes.items()}

    def similar_length(self, word: str) -> tuple[str, ...]:
        """Return the corpus words with the same first letter and a length within one of ``word``."""
        shapes = self._by_shape
        return tuple(w for n in (len(word) - 1, len(word), len(word) + 1) for w in shapes.get((word[:1], n), ()))

    def neighbours(self, source: str, sentence: Sentence) -> tuple[Sentence | None, Sentence | None]:
        """Return the sentences just before and after ``sentence`` in its file (None at an edge)."""
        i = self.starts.get(source, {}).get(sentence.start)
        if i is None:
            return None, None
        sents = self.sentences[source]
        return (sents[i - 1] if i > 0 else None), (sents[i + 1] if i + 1 < len(sents) else None)

    def passage_of(self, source: str, sentence: Sentence) -> Passage | None:
        """Return the passage holding ``sentence`` of ``source``, if it is indexed."""
        return self.owners.get((source, sentence.start))

    def position(self, source: str, sentence: Sentence) -> tuple[int, int]:
        """Return (index of the sentence in its file, number of sentences in the file)."""
        i = self.starts.get(source, {}).get(sentence.start, 0)
        return i, len(self.sentences.get(source, ()))


def empty() -> CorpusStats:
    """Return statistics of an empty corpus (every word unknown)."""
    return CorpusStats(0, {}, frozenset())
