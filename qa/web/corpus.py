"""What the page says about the corpus: its size, and example questions it can answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from qa.text import content_words, words
from qa.types import Passage
from qa.web.render import esc

# Questions about the default corpus (seeds/): a yes/no, a who, a when and a what.
DEFAULT_EXAMPLES = (
    "Can WeChat Pay be used on Taobao?",
    "Who owns the South China Morning Post?",
    "Since what year has Tencent Video allowed direct links to Taobao?",
    "Which mobile game held an invitation-only competition with Taobao?",
)
COVERAGE = 0.75  # share of an example's content words the corpus must contain to show it


def counts(passages: Mapping[str, Passage]) -> tuple[int, int]:
    """Return (files, unique passages) in the index."""
    files = {source for p in passages.values() for source in p.sources}
    return len(files), len(passages)


def covered_examples(examples: Sequence[str], passages: Iterable[Passage]) -> list[str]:
    """Keep the examples whose words the corpus mostly contains.

    The defaults are about seeds/: someone who indexed their own folder should not be offered
    questions about WeChat, so examples that the corpus does not speak about are dropped.
    """
    vocabulary = {_stem(w) for p in passages for w in words(p.text)}
    kept = []
    for question in examples:
        wanted = [_stem(w) for w in content_words(question)]
        if wanted and sum(w in vocabulary for w in wanted) >= COVERAGE * len(wanted):
            kept.append(question)
    return kept


def _stem(word: str) -> str:
    """Strip a common English ending, so "owns" meets "owner" and "opens" meets "open"."""
    for suffix in ("ing", "ed", "es", "er", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def header_html(files: int, passages: int, corpus: str) -> str:
    documents = f"{files} document{'s' if files != 1 else ''}"
    return (
        '<div class="qa-header"><h1>Ask the documents</h1>'
        f"<p>Answers come only from the {documents} in <code>{esc(corpus)}</code> "
        f"({passages:,} passages), with a numbered source for every claim."
        "</p></div>"
    )
