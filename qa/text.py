"""Text normalisation and the one tokeniser, stemmer and stop-word list of the project.

Everything that compares words goes through here: BM25 (qa.index.bm25), the answer
scorer's features and corpus statistics, the abstention rules, citation verification,
the check of a model's follow-up rewrite, the web page's example filter and the metrics.
A word is then the same word for retrieval and for answering: "Normans", "Norman's" and
"Norman" are one stem everywhere, and "1970s" is the year 1970 everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import ModelUnavailableError

if TYPE_CHECKING:
    import Stemmer

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
# A run of letters or digits of any script, with inner dots and apostrophes kept ("1.7",
# "u.s", "wechat's"), so a version number or a possessive stays one token.
_WORD = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*")


def fold(text: str) -> str:
    """Return ``text`` with NFKC applied and quotes/dashes folded, same length not guaranteed."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def normalize(text: str) -> str:
    """Return the matching form: folded, whitespace collapsed, lower-cased."""
    return _WS.sub(" ", fold(text)).strip().lower()


def display(text: str) -> str:
    """Return ``text`` with whitespace runs collapsed, for showing a quote on one line."""
    return _WS.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text`` after :func:`normalize` (numbers like 1.7 stay whole)."""
    return _WORD.findall(normalize(text))


# Words that frame a question rather than say what it is about ("According to the article,
# what did Tencent say ..."), added to NLTK's list: a question's content is what is left.
QUESTION_FRAME = frozenset(
    ["according", "also", "article", "could", "documents", "let", "let's", "said", "say", "says", "tell",
     "use", "used", "using", "would", "yes"]
)  # fmt: skip


def nltk_data() -> Path | None:
    """Return the NLTK data folder that llama-index-core ships (Punkt tables, stop words), if installed.

    Found without importing anything of llama_index (the top-level name is only looked up):
    importing llama_index.core costs most of a second, and reading two small files needs none of it.
    """
    import importlib.util

    spec = importlib.util.find_spec("llama_index")
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(root) / "core" / "_static" / "nltk_cache"
        if folder.is_dir():
            return folder
    return None


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return NLTK's English stop words (read from the bundled file, offline) and :data:`QUESTION_FRAME`."""
    data = nltk_data()
    path = data / "corpora" / "stopwords" / "english" if data else None
    try:
        if path is None:
            raise FileNotFoundError("llama_index/core/_static/nltk_cache")
        listed = path.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise ModelUnavailableError(
            f"NLTK's English stop-word list is missing ({exc})", "pip install llama-index-core (it ships the list)"
        ) from None
    return frozenset(listed) | QUESTION_FRAME


def content_words(text: str) -> list[str]:
    """Return the tokens of ``text`` that carry meaning (stop words removed), in order."""
    stop = stop_words()
    return [w for w in tokens(text) if w not in stop]


@lru_cache(maxsize=1)
def _snowball() -> Stemmer.Stemmer:
    import Stemmer  # PyStemmer, installed with bm25s: Snowball's English (Porter 2) stemmer in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Return the stem of one token: Snowball English, with numbers and codes kept whole.

    The possessive goes ("keeper's" is "keeper"). A token with a digit or an inner dot is
    not a word to stem: "1970s" is the year "1970" (a decade names its year), while "7n2",
    "1.7" and "u.s" stay as they are (Snowball would make "u.s" into "u.").
    """
    word = word.removesuffix("'s").removesuffix("'")
    if "." in word or any(c.isdigit() for c in word):
        return word[:-1] if word.endswith("s") and word[:-1].isdigit() else word
    return str(_snowball().stemWord(word))


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Return the stop words BM25 drops: Lucene's English set as bm25s ships it (33 words, all in :func:`stop_words`).

    Ranking wants only pure function words out, and lets IDF weigh the rest: dropping the
    whole list (question words, "after", "most", "who") cost retrieval on the training pool
    (hit@3 0.9017 against 0.9049 with this set, 5,311 questions), and keeping every word
    gained nothing (0.9057). This is the set bm25s applied when LlamaIndex called it.
    """
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def stems(text: str, drop: Collection[str] | None = None) -> list[str]:
    """Return the stems of the words of ``text`` not in ``drop`` (default: :func:`stop_words`), in order."""
    stop = stop_words() if drop is None else drop
    return [stem(w) for w in tokens(text) if w not in stop]
