"""Typed values passed between pipeline stages: Document → Passage → Hit → Answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# "The following year" is a date, not an announcement.
_ANNOUNCES = re.compile(
    r"\bas follows\b|\bthe following\b(?!\s+(year|day|week|month|decade|century|season|morning|night)s?\b)", re.I
)

# What an abstaining Answer says, whoever abstained: the extractive answerer quotes it, the LLM is
# asked to reply with exactly it (and is recognised by it), the web page repeats it in the sources.
ABSTAIN_TEXT = "The documents do not contain the answer to this question."


@dataclass(frozen=True)
class Span:
    """A character range [start, end) in a file as stored on disk, with its 1-based lines."""

    source: str  # path relative to the corpus folder, with forward slashes
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None = None  # 1-based PDF page; None for formats without pages


@dataclass(frozen=True)
class Block:
    """One unit of content inside a section, located by its exact span [start, end) in the text."""

    kind: str  # paragraph | item | row | code | caption | term | definition (of the term before it)
    start: int
    end: int
    plain: str = ""  # how it reads without markup, when that differs from the span text (CSV rows)


@dataclass(frozen=True)
class Section:
    """The blocks under one heading path (outermost heading first; empty before the first heading)."""

    path: tuple[str, ...]
    blocks: tuple[Block, ...]
    heading: tuple[int, int] | None = None  # span of the heading line itself: never a passage


@dataclass(frozen=True)
class Document:
    """A loaded corpus file: its exact text, the content hash used by the manifest, its structure.

    ``text`` is what spans index: the file as stored for .txt/.md/.rst/.csv, the extracted
    text for HTML, PDF and DOCX (see ``qa.ingest.formats.extract``).
    """

    source: str
    text: str
    sha256: str
    pages: tuple[int, ...] = ()  # PDF: offset in ``text`` where each page starts
    sections: tuple[Section, ...] | None = None  # None: parsed from ``text`` by the file's suffix


@dataclass(frozen=True)
class Sentence:
    """One sentence of a passage, located in the first file that holds it."""

    text: str
    start: int
    end: int
    plain: str = ""  # the sentence without markup ("" when it has none): what is shown and embedded

    @property
    def readable(self) -> str:
        return self.plain or self.text

    @property
    def lead_in(self) -> bool:
        """True for a sentence that introduces what follows it ("The options are:")."""
        return self.readable.rstrip().endswith(":")

    @property
    def announces(self) -> bool:
        """True for a lead-in, or a sentence ending in "." that speaks of "the following" thing.

        "For example, the following invocation will decode the DER data." comes before the
        command, "We show the following results" before the table: what answers comes next.
        "The following year" is a date, not an announcement.
        """
        return self.lead_in or bool(_ANNOUNCES.search(self.readable))


@dataclass(frozen=True)
class Passage:
    """A few consecutive sentences: the unit that is embedded, stored and retrieved.

    ``text`` is exactly ``file_text[span.start:span.end]`` of ``spans[0]``;
    ``spans`` lists every file that holds the same (normalised) text under the same heading.
    """

    id: str
    text: str
    spans: tuple[Span, ...]
    sentences: tuple[Sentence, ...]
    heading: str = ""  # heading path joined with " › ", e.g. "Release 2.1 › Changes"

    @property
    def readable(self) -> str:
        """Return the passage as read without markup: its sentences' plain forms."""
        return " ".join(s.readable for s in self.sentences) if self.sentences else self.text

    @property
    def indexed_text(self) -> str:
        """Return what is embedded and BM25-indexed: the heading path, then the readable text."""
        return f"{self.heading}\n{self.readable}" if self.heading else self.readable

    @property
    def span(self) -> Span:
        return self.spans[0]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.source for s in self.spans))


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the evidence for its rank."""

    passage: Passage
    score: float  # fused score (qa.retrieve.fuse): higher is better
    dense: float | None = None  # cosine similarity to the query, when dense retrieval found it
    bm25: float | None = None
    rank: int = 0


@dataclass(frozen=True)
class Citation:
    """Where a claim of the answer comes from: ``quote == file_text[start:end]``."""

    n: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str
    supported: bool = True
    also_in: tuple[str, ...] = ()  # other files holding the same text
    passage_id: str = ""
    page: int | None = None  # 1-based PDF page of the quote
    heading: str = ""  # heading path of the quoted passage

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "quote": self.quote,
            "supported": self.supported,
            "also_in": list(self.also_in),
            "page": self.page,
            "heading": self.heading,
        }


@dataclass(frozen=True)
class Answer:
    """What the user gets back: text with [n] markers, its citations and how it was made."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    mode: str  # "extractive" or "ollama:<model>" / "openai:<model>"
    hits: tuple[Hit, ...] = ()
    rewritten_question: str | None = None
    notice: str | None = None  # e.g. why the extractive mode answered
    timings_ms: dict[str, float] = field(default_factory=dict)
    flagged: bool = False  # the model cited nothing valid
    partial: str = ""  # generated text shown before the model failed mid-answer
    prompt_tokens: int | None = None  # size of the LLM prompt (cl100k tokens), when one was sent
    scope: tuple[str, ...] = ()  # the only documents searched, when the question was scoped
    confidence: float | None = None  # the answer scorer's P(the best sentence answers), when it ran
    refused_by: str = ""  # what refused: "scorer" or a rule ("unknown_name", ...); "" when answered

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "rewritten_question": self.rewritten_question,
            "notice": self.notice,
            "flagged": self.flagged,
            "partial": self.partial,
            "prompt_tokens": self.prompt_tokens,
            "scope": list(self.scope),
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "refused_by": self.refused_by,
            "nearest": [
                {
                    "source": h.passage.span.source,
                    "line_start": h.passage.span.line_start,
                    "line_end": h.passage.span.line_end,
                    "text": h.passage.text,
                }
                for h in self.hits
            ]
            if self.abstained
            else [],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
