"""Hand-written abstention rules, each explainable to a user, kept where they were measured to help.

The learned scorer (qa.answer.scorer) decides most refusals. These rules refuse what it
cannot see from a few retrieved sentences: a name or number the whole corpus never
mentions, a question mostly in words the corpus does not use. They match tolerantly:
plurals, possessives and one-letter misspellings of names count as mentioned, and numbers
are tokenised as the index tokenises them ("7n2" is not "7"; "1970s" is "1970").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from qa.answer.corpus import CorpusStats
from qa.answer.features import qtype, within_one_edit
from qa.text import content_words, fold, stem, tokens
from qa.types import Passage, Sentence

# Calibrated on tests/golden/calibration.jsonl (written for calibration only, not an evaluation
# set; see README "How abstention was calibrated").
MIN_SIMILARITY = 0.35  # cosine of all-MiniLM-L6-v2 between question and best sentence
MAX_UNKNOWN_WORDS = 0.6  # abstain when this share of the question's words is foreign to the corpus
FOREIGN_SIMILARITY = 0.5  # ... and the best sentence is no closer than this (paraphrases are)

# A number is the whole token, as the index has it: "10th" is "10th", not "10" ("7n2" stays one word too).
_IDENT = re.compile(r"[a-z][a-z_]*\d\w*")  # a lowercase identifier holding a digit: "robust04", "bzip2"
_NAME = re.compile(rf"(?<![\w'])([A-Z][\w&'.-]*[\w]|[A-Z]|\d[\w.,%]*[\w%]|\d|{_IDENT.pattern})")
RULES = ("unknown_name", "foreign_words", "similarity", "amount", "count", "time", "year", "version", "option", "value")


@dataclass(frozen=True)
class Refusal:
    """Why an answer is refused: the rule (or "scorer") and a sentence for the user."""

    rule: str
    message: str


_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|earlier|preceding|system|original)\b"
    r"|\b(ignore|disregard|forget|override)\b[^.!?]{0,30}\b(instructions?|prompts?)\b"
    r"|^\s*(system|assistant|developer)\s*:|\byou (are|must) now\b|\bnew instructions\b",
    re.I,
)


def looks_like_injection(sentence: str) -> bool:
    """Return True for a sentence that addresses an AI with orders rather than stating facts."""
    return bool(_INJECTION.search(fold(sentence)))


def known(word: str, stats: CorpusStats) -> bool:
    """Return True when the corpus mentions ``word``: exactly, as a plural/possessive, or one edit away."""
    if word in stats.vocabulary or stem(word) in stats.df:
        return True
    if word[:1].isdigit() or len(word) < 5:
        return False
    return any(within_one_edit(word, w) for w in stats.similar_length(word))


def unknown_names(question: str, stats: CorpusStats | Collection[str]) -> list[str]:
    """Return names and numbers in the question that appear nowhere in the corpus.

    A question about "Apple Pay" or "2019" cannot be answered from documents that never
    mention them, however similar the nearest sentence looks. Only capitalised words
    (not the first word of a sentence), numbers and lowercase identifiers holding a digit
    ("robust04", "bzip2": dataset, program and library names in documentation) count:
    ordinary words may be paraphrases of the text and must not trigger a refusal.
    """
    if not isinstance(stats, CorpusStats):
        stats = CorpusStats(1, {stem(w): 1 for w in stats}, frozenset(stats))
    text = fold(question)
    missing: list[str] = []
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in ".?!:;\"'(" or m.group(0) == "I":
            continue  # sentence-initial capital ("What", "Does") or the pronoun
        token = m.group(0)
        # In a compound like "Alibaba-linked" only the capitalised parts (and numbers) are names.
        named = [p for p in re.split(r"[-/]", token) if p[:1].isupper() or p[:1].isdigit() or _IDENT.fullmatch(p)]
        parts = [w.removesuffix("'s") for p in named for w in tokens(p)]
        if parts and any(not known(w, stats) for w in parts) and token not in missing:
            missing.append(token)
    return missing


def vocabulary(passages: Collection[Passage]) -> frozenset[str]:
    """Return every word of the passages, possessives stripped (for :func:`unknown_names`)."""
    return frozenset(w.removesuffix("'s") for p in passages for w in tokens(p.text))


# Answer typing: "how many" wants a count (digits or number words); "how much", "what
# percentage" and the like want an amount (digits, %, currency, per cent, magnitudes):
# "two tech giants" answers the first kind but not the second. "By what means" asks for no amount.
_COUNT_QUESTION = re.compile(r"\bhow many\b|\bwhat number of\b", re.I)
_AMOUNT_QUESTION = re.compile(r"\bhow much\b|\bwhat (percentage|proportion|share|amount)\b|\bby how much\b", re.I)
_TIME = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|(?:1[0-9]|20)\d\d)\b"
)
_MAGNITUDE = (
    r"\d|[$€£¥%°]|\b(hundreds?|thousands?|millions?|billions?|trillions?|half|double|twice|per ?cent|percent"
    r"|thirds?|quarters?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?)\b"
)
# "How much of the lake ...?" asks for a share, which words give as well as numbers: "the entire length".
_SHARE_QUESTION = re.compile(r"\bhow much of\b", re.I)
_SHARE = re.compile(r"\b(all|entire|entirely|whole|most|majority|minority|part|none|some|much|little|few)\b", re.I)
_CURRENCY = r"|\b(euros?|dollars?|yuan|renminbi|pounds?|yen|cents?|rupees?|francs?|won|celsius|fahrenheit)\b"
_AMOUNT = re.compile(_MAGNITUDE + _CURRENCY, re.I)
_COUNT_WORD = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?"
    r"|thousands?|millions?|billions?|dozens?|several|both|single|pair|couple|many|few|no)\b",
    re.I,
)
# A number that labels something ("tier 2", "version 3", "Article 5") counts nothing.
_LABELLED = re.compile(
    r"\b(tier|level|version|v|phase|type|step|grade|stage|class|article|section|chapter|no|number|page|part|"
    r"season|episode|model|series|route|rule|item|figure|table|room|gate|platform)\.?\s+\d+\b",
    re.I,
)
_DIGITS = re.compile(r"(?<![\w.])\d[\d,.]*\b")
# A year question ("In what year ...?", "Which century ...?", features.qtype "year") is answered
# by a year (911, 1066, the 1960s), a century ("the 11th century", "the nineteenth century") or a
# date; any three- or four-digit number counts, so "in 911" is a year and a doubtful number lets
# the answer through.
_YEARISH = re.compile(
    r"(?<![\w.])[1-9]\d{2,3}s?\b|\b\d{1,2}(st|nd|rd|th)[- ]century\b"
    r"|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
    r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)[- ]century\b",
    re.I,
)


# "Which release added X?", "What version of GCC do I need?" want a version: a dotted number
# ("1.11", "3.4.0"), or a number after "version"/"release"/"v" ("version 3", "v2"), in the
# quoted sentences or their headings (a NEWS entry's release is in its heading).
_VERSION_QUESTION = re.compile(r"\b(which|what)\s+(?:[\w.+-]+\s+){0,2}?(version|release)s?\b", re.I)
_VERSIONISH = re.compile(r"\b\d+(?:\.\d+)+\b|\b(?:version|release|v)\s*\d+\b", re.I)


# "Which option makes tar keep old files?", "What configure flag gives a smaller library?" want an
# option: "-k", "--keep-old-files", "/Q", or what a program's API calls an option or a flag (a
# constant "OPT_UTC_Z", a setting "mmap=True"), in the quoted sentences or their headings (a
# manual's option list titles each entry with the option). "What does the --keep option do?" asks
# about an option it names and wants none.
_OPTION_QUESTION = re.compile(
    r"\b(which|what)\s+(?!(?:is|are|was|were|does|do|did|can|should|will|would)\b)(?:[\w.+/-]+\s+){0,3}?"
    r"(option|flag|switch)s?\b",
    re.I,
)
_OPTIONISH = re.compile(r"(?<![\w-])(?:--?|/)[A-Za-z0-9][\w-]*|\b[A-Za-z]\w*_\w+\b|\b\w+=\S")


# "What is the default interval?", "What's tqdm's maximum ...?" want a value: a number, a quoted or
# code value ("[%f/%t] ", `None`, %U), or a word that is one (none, true, unlimited, empty).
# A sentence that only says there is a default ("... indicates the default interval") gives none.
_VALUE_QUESTION = re.compile(
    r"\bwhat(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+)?(?:[\w.-]+'s\s+)?(default|maximum|minimum|max|min)\b", re.I
)
_VALUEISH = re.compile(
    r"\d|[\"`\u201c\u201d]|(?<!\w)'\S|%\w|\b(none|null|true|false|yes|no|on|off|empty|unlimited|infinite|nothing|zero)\b",
    re.I,
)

# The rules of one shape: (rule, the question wanting a kind of answer, what gives it, whether the
# quoted sentences' headings count, the kind's name). A release in a NEWS entry's heading, or an
# option titling its entry in a manual's list, answers; a section number is no value.
_WANTED: tuple[tuple[str, re.Pattern[str], re.Pattern[str], bool, str], ...] = (
    ("version", _VERSION_QUESTION, _VERSIONISH, True, "a version"),
    ("option", _OPTION_QUESTION, _OPTIONISH, True, "an option"),
    ("value", _VALUE_QUESTION, _VALUEISH, False, "a value"),
)


# A year ("in 1874", "the 1960s") dates something and counts nothing; "1,500" and "12" count.
_YEAR_NUMBER = re.compile(r"(?<![\w.,])(1[0-9]{3}|20[0-9]{2})s?(?![\w.,]\d)")


def holds_amount(text: str, share: bool = False) -> bool:
    """Return True when ``text`` gives an amount; with ``share`` ("how much of ...?"), a share in words counts."""
    return bool(_AMOUNT.search(text) or (share and _SHARE.search(text)))


def holds_count(text: str) -> bool:
    """Return True when ``text`` gives a count: a number word, or digits that neither label nor date something."""
    if _COUNT_WORD.search(text):
        return True
    unlabelled = _LABELLED.sub(" ", text)
    unlabelled = _YEAR_NUMBER.sub(" ", unlabelled)
    return bool(_DIGITS.search(unlabelled))


def time_words(question: str) -> list[str]:
    """Return the months, weekdays and years a question names.

    A capitalised word opening the question is a verb there, not a month: "May a package ship ...?".
    """
    text = fold(question)
    found = [m for m in _TIME.finditer(text) if m.group(1)[:1].isdigit() or text[: m.start()].strip(" \"'(")]
    return list(dict.fromkeys(m.group(1) for m in found))


def _mentions(text: str, when: str) -> bool:
    if when[:1].isdigit():  # "1970" is in "1970s", never in "19700"
        return any(stem(w) == when for w in tokens(text))
    return when.lower() in text.lower()


def refusal(
    question: str,
    chosen: Sequence[tuple[Sentence, float]],
    stats: CorpusStats,
    rules: Collection[str] = RULES,
    headings: Sequence[str] = (),
) -> Refusal | None:
    """Return the first of ``rules`` that refuses the chosen sentences (with their cosines), or None.

    ``headings`` are the section titles shown with the chosen sentences: a NEWS bullet's
    release date is only in its heading, so the date rules (time, year) accept a date there.
    The amount and count rules do not: a section number ("2.3.1 Closures") is no amount.
    """
    if "unknown_name" in rules:
        missing = unknown_names(question, stats)
        if missing:
            return Refusal("unknown_name", f"the documents never mention {', '.join(missing)}")
    best = max((sim for _, sim in chosen), default=0.0)
    if "foreign_words" in rules:
        qwords = set(content_words(question))
        foreign = sorted(w for w in qwords if not known(w, stats))
        if qwords and len(foreign) / len(qwords) >= MAX_UNKNOWN_WORDS and best < FOREIGN_SIMILARITY:
            return Refusal(
                "foreign_words", f"the documents do not use most of the question's words ({', '.join(foreign)})"
            )
    if "similarity" in rules and best < MIN_SIMILARITY:
        return Refusal("similarity", f"no sentence is close enough to the question (best similarity {best:.2f})")
    texts = [s.text for s, _ in chosen]
    return _typed_refusal(question, texts, texts + [h for h in headings if h], rules)


def _typed_refusal(question: str, texts: list[str], dated: list[str], rules: Collection[str]) -> Refusal | None:
    """Return the refusal of a rule whose question wants a kind of answer ``texts`` (``dated``: with headings) lack."""
    if (
        "amount" in rules
        and _AMOUNT_QUESTION.search(question)
        and not any(holds_amount(t, share=bool(_SHARE_QUESTION.search(question))) for t in texts)
    ):
        return Refusal("amount", "the question asks for an amount and the closest sentences give none")
    if "count" in rules and _COUNT_QUESTION.search(question) and not any(holds_count(t) for t in texts):
        return Refusal("count", "the question asks for a number and the closest sentences give none")
    if "year" in rules and qtype(question) == "year" and not any(_YEARISH.search(t) for t in dated):
        return Refusal("year", "the question asks for a year and the closest sentences give none")
    for rule, asks, gives, with_headings, kind in _WANTED:
        if (
            rule in rules
            and asks.search(question)
            and not any(gives.search(t) for t in (dated if with_headings else texts))
        ):
            return Refusal(rule, f"the question asks for {kind} and the closest sentences give none")
    if "time" in rules:
        for when in time_words(question):
            if not any(_mentions(t, when) for t in dated):
                return Refusal("time", f"the closest sentences say nothing about {when}")
    return None
