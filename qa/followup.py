"""Follow-up questions without an LLM: recognising them, and rewriting them into standalone questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qa.text import content_words

if TYPE_CHECKING:
    pass

_FOLLOW_UP_START = re.compile(
    r"^(and what about|and how about|what about|how about|and|also|but|or|what of|same for|then)\b[\s,]*", re.I
)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there)\b", re.I)
_REFERRING = re.compile(
    r"\b(?:(its|their|his|her)\s+((?:[\w'-]+\s+){0,2}?[\w'-]+)(?=\s+(?:be|is|are|was|were|shown|held|made|done)\b|[\s,?.!]|$)"
    r"|(?:(this|that|these|those)\s+([a-z][\w-]*))"
    r"|(it|they|them|he|she|this|that))\b",
    re.I,
)
_WH_START = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|should|will|would"
    r"|has|have|had|may|must|shall)\b",
    re.I,
)
_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must)"
# "Which mobile game held ...?", "What platform are ads placed through?": the referent of a
# later "it" is then the thing asked for, "the mobile game that held ...".
_WHICH = re.compile(r"^(?:which|what)\s+(.+)$", re.I)
_IRREGULAR = frozenset(
    {
        "held", "made", "won", "built", "wrote", "took", "gave", "got", "led", "ran", "sold", "bought", "began",
        "became", "found", "left", "kept", "told", "brought", "put", "set", "came", "went", "saw", "knew",
        "meant", "paid", "sent", "spent", "stood", "thought", "understood",
    }
)  # fmt: skip
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those"})
_ASKED_OF = re.compile(rf"^(?:what|which)\s+(?!is\b|are\b|was\b|were\b)({_AUX})\s+(I|you|we|they|one)\s+(.+)$", re.I)
_WHO = re.compile(r"^who\s+(.+)$", re.I)
_IS_THERE = re.compile(r"^(?:is|are) there (?:a|an|any|some)\s+(.+)$", re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# "switch those off", "turn it up": a particle after a demonstrative is no noun it qualifies
# (like a preposition, "that in"; those that are both are in _PREPOSITIONS).
_PARTICLES = frozenset({"off", "up", "out", "down", "away", "back", "again", "instead", "too", "also"})
_WHAT_IS = re.compile(rf"^(?:what|who)\s+{_AUX}\s+(.+)$", re.I)
_PREPOSITIONS = (
    "on", "in", "for", "with", "at", "by", "to", "from", "of", "about", "into", "onto", "under", "over",
    "between", "during", "since", "after", "before", "without", "within", "via", "through", "across",
    "against", "among", "around", "behind", "beyond", "near", "towards", "toward", "upon", "per",
)  # fmt: skip
_PP = re.compile(rf"\b({'|'.join(_PREPOSITIONS)})\s+", re.I)
_NAME = re.compile(r"(?<![\w-])(?:[A-Z][\w'&.-]*[\w])(?:\s+[A-Z][\w'&.-]*[\w])*")
_NUMBER = re.compile(r"(?<![\w.])v?\d+(?:[.,]\d+)*(?![\w.])")
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


_OBJECTS = _DETERMINERS | frozenset(_PREPOSITIONS) | {"it", "them", "you", "me", "us"}
_ADVERBS = frozenset({"only", "also", "still", "always", "never", "just", "first", "usually", "now", "then", "not"})
_WHICH_ONE = re.compile(r"^(which|what)\s+ones?\b(?!\s+of\b)", re.I)  # "which one of the three" names its set
_PERSONAL = re.compile(r"\b(it|its|they|them|their|he|she|his|him|her)\b", re.I)


def looks_like_follow_up(question: str) -> bool:
    """Return True when the question leans on the conversation ("And Alipay?", "Is it free?")."""
    n = len(content_words(question))
    return (
        bool(_FOLLOW_UP_START.match(question))
        or bool(_WHICH_ONE.match(question.strip()))
        or (n <= 3 and bool(_PRONOUN.search(question)))
        or (n <= 6 and bool(_PERSONAL.search(question)))
    )


def condense_by_rule(question: str, history: Sequence[str]) -> str:
    """Return a standalone question for retrieval and answering without an LLM.

    The elided part of a follow-up is filled in from the previous (already standalone)
    question, so rewrites never nest:
    - a fragment replaces the part of the previous question it stands for:
      "And Alipay on WeChat mini-programs?" after "Can WeChat Pay be used on Taobao?" gives
      "Can Alipay be used on WeChat mini-programs?" (a phrase with the same preposition, a
      name by a name, a number or version by a number, an option by an option);
    - a pronoun is replaced by what it points at: "Which company owns it?" after "Which
      rival is pressing Alibaba?" gives "Which company owns the rival that is pressing Alibaba?";
    - a follow-up that is a whole question already ("And what happened to prices?") keeps
      its own words.
    """
    if not history or not looks_like_follow_up(question):
        return question
    previous = _asking_sentence(history[-1])
    body = _FOLLOW_UP_START.sub("", question).strip() or question.strip()
    mark = "?" if body.endswith("?") or question.rstrip().endswith("?") else ""
    body = body.rstrip("?.! ").strip()
    if not body:
        return question
    rewritten = _which_one(body, previous)
    if rewritten is None:
        rewritten = _resolve_reference(body, previous)
    if rewritten is None and _WH_START.match(body):
        rewritten = body  # a complete question of its own
    if rewritten is None:
        rewritten = _substitute(body, previous)
    rewritten = rewritten.strip()
    return rewritten[0].upper() + rewritten[1:].rstrip("?.! ") + (mark or "?")


def _asking_sentence(turn: str) -> str:
    """Return the sentence of the previous turn that a follow-up refers back to.

    "My program crashes at exit with errors about __libc_freeres. Why?" asks its question in
    two sentences: "How do I work around it?" points at the one with the content, not at
    "Why?". That is the last sentence with two content words or more (the whole turn if none).
    """
    sentences = [t.strip() for t in _SENTENCE_BREAK.split(turn.strip()) if t.strip()]
    return next((t for t in reversed(sentences) if len(content_words(t)) >= 2), turn.strip())


def _which_one(body: str, previous: str) -> str | None:
    """Return "which one hides the banner" with the kind of thing the previous question asked for.

    After "Which bc flag restricts it to POSIX?", "which one" is "which bc flag": the words
    of the previous which-question before its verb.
    """
    m = _WHICH_ONE.match(body)
    asked = _WHICH.match(previous.strip().rstrip("?.! "))
    if m is None or asked is None:
        return None
    words = asked.group(1).split()
    split = next((i for i in range(1, min(len(words), 8)) if _verb_at(words, i)), None)
    while split and words[split - 1].lower() in _ADVERBS:
        split -= 1  # "Which option only checks ...": the adverb belongs to the verb
    if not split:
        return None
    return f"{m.group(1)} {' '.join(words[:split])}{body[m.end() :]}"


def _verb_at(words: Sequence[str], i: int) -> bool:
    """Return True when ``words[i]`` reads as the verb after a which-question's noun phrase."""
    low, nxt = words[i].lower(), (words[i + 1].lower() if i + 1 < len(words) else "")
    if re.fullmatch(_AUX, low) or low in _IRREGULAR or (low.endswith("ed") and len(low) > 4):
        return True
    # "restricts it", "lists the archive", "returns 3": an -s word before its object
    return low.endswith("s") and not low.endswith("ss") and (nxt in _OBJECTS or nxt[:1].isdigit())


def _referent(previous: str) -> str:
    """Return the noun phrase a pronoun in the next question most likely points at."""
    q = previous.strip().rstrip("?.! ")
    m = _WHICH.match(q)
    split = _head_noun(m.group(1).split()) if m and not _WHAT_IS.match(q) else None
    if m and split:
        words = m.group(1).split()
        head, rest = " ".join(words[:split]), words[split:]
        # "Which platform are ads placed through" -> "the platform ads are placed through" is
        # beyond a rule; dropping the auxiliary keeps every content word, which is what
        # retrieval needs, and reads acceptably.
        if re.fullmatch(_AUX, rest[0], re.I) and len(rest) > 1 and rest[1].lower() not in {"being", "been"}:
            if rest[1].lower().endswith("ing"):
                return f"the {head} that {' '.join(rest)}"  # "is putting pressure on ..."
            return f"the {head} {' '.join(rest[1:])}"
        return f"the {head} that {' '.join(rest)}"
    m = _IS_THERE.match(q)
    if m:
        # "Is there a variable that stops X?": a later "it" is the thing asked about.
        return f"the {m.group(1)}"
    m = _ASKED_OF.match(q)
    if m:
        # "What should I call instead of X?": the thing asked for is the object, so a later "it"
        # is "the one I should call instead of X" (with do-support: "what do I need" -> "the one
        # I need"), not the words after the auxiliary ("I call instead of X").
        aux, subject, rest = m.groups()
        aux = "" if aux.lower() in {"do", "does", "did"} else f" {aux.lower()}"
        return f"the one {subject}{aux} {rest}"
    m = _WHAT_IS.match(q)
    if m:
        return str(m.group(1))
    m = _WHO.match(q)
    if m:
        return f"the one who {m.group(1)}"
    names: list[str] = _NAME.findall(q[1:])  # skip the capital of the question's first word
    if names:
        return names[0].strip()
    words = content_words(q)
    return " ".join(words[-3:]) if words else q


def _head_noun(words: Sequence[str]) -> int | None:
    """Return how many leading words of "mobile game held a contest" name the thing asked for."""
    for i in range(1, min(len(words), 5)):
        if _verb_at(words, i):
            return i if i + 1 < len(words) or re.fullmatch(_AUX, words[i], re.I) is None else None
    return None


def _resolve_reference(body: str, previous: str) -> str | None:
    """Return ``body`` with its first pronoun replaced by the referent, or None if it has none."""
    m = _REFERRING.search(body)
    if m is None:
        return None
    ref = _referent(previous)
    possessive, owned, demonstrative, noun, pronoun = m.groups()
    if possessive:
        replacement = f"the {owned} of {ref}"
    elif demonstrative:
        # "that platform" -> the platform the previous question described; "that in" is no
        # noun phrase, only the pronoun is replaced.
        replacement = f"{ref} {noun}" if noun.lower() in _PREPOSITIONS or noun.lower() in _PARTICLES else ref
    elif (
        pronoun
        and pronoun.lower() in {"this", "that"}
        and m.end() < len(body)
        and body[m.end() :].strip()[:1].isalpha()
    ):
        # "that" as a conjunction or before a noun phrase we did not parse: leave it.
        return None
    else:
        replacement = ref
    return body[: m.start()] + replacement + body[m.end() :]


def _substitute(fragment: str, previous: str) -> str:
    """Return ``previous`` with its parts replaced by the fragment's matching parts."""
    q = previous.strip().rstrip("?.! ")
    head, phrases = _split_phrases(fragment)
    for prep, phrase in phrases:
        span = _phrase_span(q, prep) or _phrase_span(q, None, head_noun=phrase.split()[-1])
        q = f"{q} {phrase}" if span is None else q[: span[0]] + phrase + q[span[1] :]
    if head:
        target = _same_shape(q, head, protect=[p for _, p in phrases])
        if target is not None:
            q = q[: target[0]] + head + q[target[1] :]
        elif not phrases:
            # Nothing of the same kind to replace: the fragment is kept beside the question, so
            # retrieval still sees both (rare; names, numbers and noun phrases cover most).
            q = f"{q} ({head})"
    return q


def _split_phrases(fragment: str) -> tuple[str, list[tuple[str, str]]]:
    """Split "Alipay on WeChat mini-programs" into ("Alipay", [("on", "WeChat mini-programs")])."""
    cuts = [m for m in _PP.finditer(fragment) if m.start() > 0 or fragment[: m.start()].strip() == ""]
    if not cuts:
        return fragment.strip(), []
    head = fragment[: cuts[0].start()].strip()
    phrases: list[tuple[str, str]] = []
    for i, m in enumerate(cuts):
        end = cuts[i + 1].start() if i + 1 < len(cuts) else len(fragment)
        text = fragment[m.start() : end].strip().rstrip(",")
        if text:
            phrases.append((m.group(1).lower(), text))
    return head, phrases


def _phrase_span(q: str, prep: str | None, head_noun: str = "") -> tuple[int, int] | None:
    """Return the span of the last phrase of ``q`` led by ``prep`` (to the next preposition).

    With ``prep`` None: the last prepositional phrase ending in ``head_noun``, so "in the
    Porto office" replaces "at the Lisbon office".
    """
    pattern = _PP if prep is None else re.compile(rf"\b({re.escape(prep)})\s+", re.I)
    found: list[tuple[int, int]] = []
    for m in pattern.finditer(q):
        nxt = _PP.search(q, m.end())
        end = len(q[: nxt.start() if nxt else len(q)].rstrip(" ,"))
        if prep is not None or q[m.start() : end].lower().split()[-1:] == [head_noun.lower()]:
            found.append((m.start(), end))
    return found[-1] if found else None


def _same_shape(q: str, head: str, protect: Sequence[str]) -> tuple[int, int] | None:
    """Return the span in ``q`` of the part that ``head`` stands in for (same kind of token)."""
    if _OPTION.fullmatch(head):
        pattern = _OPTION
    elif _NUMBER.fullmatch(head):
        pattern = _NUMBER
    elif head[:1].isupper():
        pattern = _NAME
    else:
        pattern = None
    if pattern is not None:
        start = 1 if pattern is _NAME else 0  # the question's own first capital is no name
        for m in pattern.finditer(q, start):
            if not any(m.group(0) in p for p in protect):
                return m.start(), m.end()
        if pattern is not _NAME:
            return None
    # A common noun phrase ("the timeout") replaces the question's first "the/a ..." phrase
    # that is not inside a prepositional phrase: the thing the question is about.
    for m in re.finditer(r"\b(?:the|a|an)\s+", q, re.I):
        before = q[: m.start()].split()
        if before and before[-1].lower() in _PREPOSITIONS:
            continue
        end = _noun_phrase_end(q, m.end())
        if end > m.end() and not any(q[m.start() : end] in p for p in protect):
            return m.start(), end
    return None


def _noun_phrase_end(q: str, pos: int) -> int:
    """Return where the noun phrase starting at ``pos`` ends: before a verb-like word or preposition."""
    end = pos
    for i, m in enumerate(re.finditer(r"[\w'-]+", q[pos:])):
        low = m.group(0).lower()
        is_verb = re.fullmatch(_AUX, low) or low in _IRREGULAR or (low.endswith("ed") and len(low) > 4)
        if i >= 4 or (i > 0 and (low in _PREPOSITIONS or is_verb)):
            break
        end = pos + m.end()
    return end
