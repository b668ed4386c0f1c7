"""Text normalisation shared by ingestion, de-duplication, matching and evaluation."""

from __future__ import annotations

import re
import unicodedata

# Curly quotes, primes and dash variants folded to ASCII so that the two copies of
# an article that differ only in typography compare equal.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ",
    }
)  # fmt: skip
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def fold(text: str) -> str:
    """Return ``text`` with NFKC applied and quotes/dashes folded, same length not guaranteed."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def normalize(text: str) -> str:
    """Return the matching form: folded, whitespace collapsed, lower-cased."""
    return _WS.sub(" ", fold(text)).strip().lower()


def display(text: str) -> str:
    """Return ``text`` with whitespace runs collapsed, for showing a quote on one line."""
    return _WS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text`` (numbers like 1.7 stay whole)."""
    return _WORD.findall(normalize(text))


# A small English stop list: enough to keep question words out of lexical overlap.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "or",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yes",
        "also",
        "any",
        "about",
        "after",
        "again",
        "against",
        "all",
        "am",
        "because",
        "before",
        "being",
        "below",
        "between",
        "both",
        "during",
        "each",
        "few",
        "further",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "just",
        "once",
        "only",
        "other",
        "ours",
        "s",
        "t",
        "don",
        "now",
        "let",
        "let's",
        "tell",
        "say",
        "said",
        "says",
        "used",
        "use",
        "using",
        "according",
        "article",
        "documents",
    ]
)


def content_words(text: str) -> list[str]:
    """Return the words of ``text`` that carry meaning (stop words removed)."""
    return [w for w in words(text) if w not in STOPWORDS]


def short_stem(word: str) -> str:
    """Return a crude stem: the possessive dropped, cut to 5 characters ("collaborate" meets "collaboration")."""
    word = word.removesuffix("'s")
    return word[:5] if len(word) > 5 else word
