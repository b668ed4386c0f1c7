"""What the page says about the corpus: its size, and example questions it can answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from qa.text import stem, stems, tokens
from qa.types import Passage
from qa.web.render import esc

# Questions about the default corpus (seeds/): a yes/no, a who, a when and a what, each with the
# words of the passage that answers it. An example is offered only when the corpus being served
# holds that passage: shared words are not enough (a corpus that mentions "pay" and "China" does
# not answer questions about WeChat Pay).
SEED_EXAMPLES = {
    "Can WeChat Pay be used on Taobao?": "cannot use WeChat Pay for transactions on Taobao",
    "Who owns the South China Morning Post?": "owner of the South China Morning Post",
    "Since what year has Tencent Video allowed direct links to Taobao?": "allowed direct links to Taobao since 2021",
    "Which mobile game held an invitation-only competition with Taobao?": "announced an invitation-only competition",
}
DEFAULT_EXAMPLES = tuple(SEED_EXAMPLES)
COVERAGE = 1.0  # share of a given example's content words the corpus must contain to show it


def answered_examples(examples: Mapping[str, str], passages: Iterable[Passage]) -> list[str]:
    """Keep the examples whose answering passage (``examples[question]``) is in the corpus."""
    texts = [" ".join(p.text.split()).lower() for p in passages]
    return [q for q, evidence in examples.items() if any(" ".join(evidence.split()).lower() in t for t in texts)]


def counts(passages: Mapping[str, Passage]) -> tuple[int, int]:
    """Return (files, unique passages) in the index."""
    files = {source for p in passages.values() for source in p.sources}
    return len(files), len(passages)


def covered_examples(examples: Sequence[str], passages: Iterable[Passage]) -> list[str]:
    """Keep the examples whose words the corpus all contains.

    The defaults are about seeds/: someone who indexed their own folder should not be offered
    questions about WeChat, so examples that the corpus does not speak about are dropped.
    """
    vocabulary = {stem(w) for p in passages for w in tokens(p.text)}
    kept = []
    for question in examples:
        wanted = stems(question)
        if wanted and sum(w in vocabulary for w in wanted) >= COVERAGE * len(wanted):
            kept.append(question)
    return kept


def header_html(files: int, passages: int, corpus: str) -> str:
    documents = f"{files} document{'s' if files != 1 else ''}"
    return (
        '<div class="qa-header"><h1>Ask the documents</h1>'
        f"<p>Answers come only from the {documents} in <code>{esc(corpus)}</code> "
        f"({passages:,} passages), with a numbered source for every claim."
        "</p></div>"
    )
