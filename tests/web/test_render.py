"""Rendering answers and sources to HTML: escaping, linked markers, highlights, provenance."""

from __future__ import annotations

import re

import pytest

from qa.errors import BadQuestionError
from qa.types import ABSTAIN_TEXT, Answer, Citation, Hit, Passage, Sentence, Span
from qa.web import corpus, render, sources
from tests.web.html import elements, marked, tag_names, text_of

# Tags the page itself writes; anything else in the output came from a document.
OUR_TAGS = {
    "div",
    "p",
    "a",
    "span",
    "br",
    "code",
    "strong",
    "details",
    "summary",
    "mark",
    "sup",
    "button",
}  # button: our Copy


def passage(pid: str, text: str, *where: tuple[str, int, int, int]) -> Passage:
    spans = tuple(Span(src, start, start + len(text), a, b) for src, start, a, b in where)
    return Passage(pid, text, spans, (Sentence(text, spans[0].start, spans[0].end),))


def cite(n: int, p: Passage, quote: str, *, occurrence: int = 0, supported: bool = True) -> Citation:
    offset = -1
    for _ in range(occurrence + 1):
        offset = p.text.index(quote, offset + 1)
    span = p.span
    return Citation(
        n,
        span.source,
        span.start + offset,
        span.start + offset + len(quote),
        span.line_start,
        span.line_end,
        quote,
        supported,
        tuple(s for s in p.sources if s != span.source),
        p.id,
    )


def answer(text: str, *citations: Citation, **kw: object) -> Answer:
    kw.setdefault("abstained", False)
    return Answer(question=str(kw.pop("question", "q?")), text=text, citations=citations, **kw)  # type: ignore[arg-type]


def panel_and_message(ans: Answer, passages: dict[str, Passage], llm: str = "auto") -> tuple[str, str]:
    cards = sources.cards_for(ans, passages, turn=1)
    return sources.sources_panel(ans, cards, 1, llm), render.answer_message(ans, sources.anchors(cards), llm)


EVIL = 'It rains <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> daily.'


def test_document_markup_is_shown_as_text_never_as_tags() -> None:
    p = passage("p1", f"Intro. {EVIL} Outro.", ("evil.txt", 100, 4, 4))
    ans = answer(f"{EVIL} [1]", cite(1, p, EVIL), mode="extractive")
    panel, message = panel_and_message(ans, {"p1": p})
    for markup in (panel, message):
        assert tag_names(markup) <= OUR_TAGS  # no script, no img: nothing that could run
        assert EVIL in text_of(markup)  # the reader sees exactly what the file says
    assert marked(panel) == [EVIL]


def test_template_math_and_markdown_syntax_are_inert() -> None:
    text = "Costs $5 ${window.x=1} {{7*7}} `code` *bold* \\n $$x$$."
    p = passage("p1", text, ("t.txt", 0, 1, 1))
    panel, message = panel_and_message(answer(f"{text} [1]", cite(1, p, text), mode="extractive"), {"p1": p})
    for markup in (panel, message):
        between_tags = "".join(re.split(r"<[^>]*>", markup))
        assert not set("${}`*\\") & set(between_tags)  # all turned into entities
        assert text in text_of(markup)


def test_answer_block_has_no_blank_line_so_markdown_cannot_reinterpret_it() -> None:
    p = passage("p1", "One. Two.", ("t.txt", 0, 1, 1))
    message = render.answer_message(
        answer("One [1].\n\nTwo [1].\nThree.", cite(1, p, "One."), mode="extractive"), {1: "a"}, "auto"
    )
    assert "\n" not in message and message.startswith('<div class="qa-answer')
    assert len(elements(message, "p")) >= 2 and len(elements(message, "br")) == 1


def test_markers_link_to_one_card_per_passage_with_each_sentence_marked() -> None:
    p = passage("p1", "Tickets cost twelve euros. Children enter free. Closed on Mondays.", ("museum.txt", 40, 3, 4))
    ans = answer(
        "Adults pay [1]; children do not [2].",
        cite(1, p, "Tickets cost twelve euros."),
        cite(2, p, "Children enter free."),
        mode="extractive",
    )
    panel, message = panel_and_message(ans, {"p1": p})
    links = elements(message, "a", "qa-cite")
    cards = elements(panel, "details", "qa-source")
    assert len(cards) == 1 and [a["href"] for a in links] == [f"#{cards[0]['id']}"] * 2
    assert marked(panel) == ["Tickets cost twelve euros.", "Children enter free."]
    assert "[1] [2] museum.txt lines 3\u20134" in text_of(panel)


def test_highlight_is_placed_by_offset_not_by_first_match() -> None:
    text = "It is red. The sky is grey. It is red."
    p = passage("p1", text, ("t.txt", 1000, 7, 7))
    c = cite(1, p, "It is red.", occurrence=1)
    assert c.start == 1000 + text.rindex("It is red.")
    panel, _ = panel_and_message(answer("It is red [1].", c, mode="extractive"), {"p1": p})
    passage_html = panel[panel.index('<div class="qa-passage">') :]
    assert passage_html.index("<mark") > passage_html.index("grey")


def test_duplicated_passage_is_shown_once_listing_every_file_and_its_lines() -> None:
    p = passage("p1", "The museum is closed on Mondays.", ("museum.txt", 10, 3, 3), ("notes/visitors.md", 50, 5, 5))
    c = cite(1, p, "The museum is closed on Mondays.")
    assert c.also_in == ("notes/visitors.md",)
    panel, _ = panel_and_message(answer("Closed on Mondays [1].", c, mode="extractive"), {"p1": p})
    assert len(elements(panel, "details", "qa-source")) == 1
    assert "museum.txt line 3" in text_of(panel)
    assert "Also in: notes/visitors.md line 5" in text_of(panel)


def test_unverified_citation_is_marked_in_answer_and_sources() -> None:
    p = passage("p1", "Tickets cost twelve euros.", ("museum.txt", 0, 1, 1))
    ans = answer("Tickets are free [1].", cite(1, p, "Tickets cost twelve euros.", supported=False), mode="ollama:m")
    panel, message = panel_and_message(ans, {"p1": p})
    assert elements(message, "a", "qa-unverified") and "could not be verified" in text_of(message)
    assert elements(panel, "details", "qa-unverified") and "not verified" in text_of(panel)
    assert elements(panel, "mark", "qa-unverified")


def test_verified_citation_carries_no_warning() -> None:
    p = passage("p1", "Tickets cost twelve euros.", ("museum.txt", 0, 1, 1))
    panel, message = panel_and_message(
        answer("Twelve [1].", cite(1, p, "Tickets cost twelve euros."), mode="x"), {"p1": p}
    )
    assert "verified" not in text_of(panel) + text_of(message)
    assert not elements(message, "a", "qa-unverified")


def test_a_quote_the_passage_no_longer_holds_is_still_shown() -> None:
    p = passage("p1", "Tickets cost twelve euros.", ("museum.txt", 0, 1, 1))
    stale = Citation(1, "museum.txt", 0, 10, 1, 1, "Entry is free.", passage_id="p1")
    gone = Citation(2, "old.txt", 5, 20, 2, 2, "Closed on Sundays.", also_in=("copy.txt",), passage_id="missing")
    panel, message = panel_and_message(answer("A [1]. B [2].", stale, gone, mode="extractive"), {"p1": p})
    assert "Cited [1]: Entry is free." in text_of(panel)
    assert "old.txt line 2" in text_of(panel) and "copy.txt" in text_of(panel)
    assert marked(panel) == ["Entry is free.", "Closed on Sundays."]
    assert len(elements(message, "a", "qa-cite")) == 2


def test_marker_without_citation_stays_plain_text() -> None:
    message = render.answer_message(answer("A claim [7] and [1, 2].", mode="extractive"), {}, "auto")
    assert not elements(message, "a") and "A claim [7] and [1, 2]." in text_of(message)


def test_grouped_markers_each_link() -> None:
    p = passage("p1", "One. Two.", ("t.txt", 0, 1, 1))
    ans = answer("Both [1, 2].", cite(1, p, "One."), cite(2, p, "Two."), mode="extractive")
    _, message = panel_and_message(ans, {"p1": p})
    assert [a.get("title", "")[:8] for a in elements(message, "a", "qa-cite")] == ["Source 1", "Source 2"]


def test_abstention_says_so_and_shows_the_nearest_passages() -> None:
    hits = tuple(
        Hit(passage(f"p{i}", f"Passage number {i}.", (f"f{i}.txt", 0, i, i)), 1 / (i + 1)) for i in range(1, 6)
    )
    ans = answer(
        ABSTAIN_TEXT,
        abstained=True,
        mode="extractive",
        hits=hits,
        notice="the documents never mention Mars",
    )
    panel, message = panel_and_message(ans, {})
    assert f"{ABSTAIN_TEXT} The nearest passages" in text_of(panel)  # the answer's own words
    assert [text_of(f"<p>{h.passage.text}</p>") in text_of(panel) for h in hits] == [True] * 3 + [False] * 2
    assert "f1.txt line 1" in text_of(panel) and not marked(panel)
    assert elements(message, "p", "qa-abstain") and "never mention Mars" in text_of(message)


@pytest.mark.parametrize(
    ("mode", "llm", "notice", "expected"),
    [
        ("ollama:qwen2.5:3b", "auto", None, "Generated by qwen2.5:3b via Ollama"),
        ("openai:local-model", "openai", None, "Generated by local-model via an OpenAI-compatible server"),
        ("extractive", "auto", None, "Quoted from the documents: start Ollama for generated answers"),
        ("extractive", "extractive", None, "Quoted from the documents"),
        # the notice already says how to get generated answers: the badge does not repeat it
        (
            "extractive",
            "auto",
            "Ollama not reachable at http://x: start it, then `ollama pull m`",
            "Quoted from the documents",
        ),
    ],
)
def test_mode_badge(mode: str, llm: str, notice: str | None, expected: str) -> None:
    badge = render.mode_badge(mode, llm, notice)
    assert text_of(badge) == expected


def test_notice_and_rewritten_question_are_shown_with_the_answer() -> None:
    ans = answer(
        "Text.",
        mode="extractive",
        notice="Ollama not reachable at http://127.0.0.1:1: start it, then `ollama pull qwen2.5:3b`",
        rewritten_question="Alipay on WeChat? <b>(following: WeChat Pay)</b>",
    )
    message = render.answer_message(ans, {}, "auto")
    assert "Searched for: \u201cAlipay on WeChat? <b>(following: WeChat Pay)</b>\u201d" in text_of(message)
    assert [c for c in elements(message, "code")] and "ollama pull qwen2.5:3b" in text_of(message)
    assert "b" not in tag_names(message)
    panel = sources.sources_panel(ans, [], 1, "auto")
    assert "Searched for" in text_of(panel)


def test_flagged_answer_warns() -> None:
    message = render.answer_message(answer("Made up.", mode="ollama:m", flagged=True), {}, "auto")
    assert "cites no passage that could be checked" in text_of(message)


def test_timings_are_in_a_collapsed_section() -> None:
    ans = answer("x", mode="extractive", timings_ms={"retrieve": 15.234, "first_token": 812.0, "total": 2.5})
    panel = sources.sources_panel(ans, [], 1, "auto")
    (section,) = elements(panel, "details", "qa-timings")
    assert "open" not in section
    cells = re.findall(r"<span>(.*?)</span>", panel[panel.index("qa-timing-grid") :])
    assert cells == ["retrieve", "15 ms", "first token", "812 ms", "total", "2.5 ms"]


def test_streaming_message_shows_markers_unlinked_and_a_cursor() -> None:
    partial = render.streaming_message("Users cannot [1")
    done = render.streaming_message("Users cannot pay [1] <i>x</i>")
    assert elements(done, "span", "qa-pending") and not elements(done, "a")
    assert elements(partial, "span", "qa-cursor") and "Users cannot [1" in text_of(partial)
    assert "i" not in tag_names(done) and "<i>x</i>" in text_of(done)
    assert "Searching the documents" in text_of(render.streaming_message(""))


def test_errors_explain_user_mistakes_and_hide_internals() -> None:
    bad = render.error_message(
        BadQuestionError("the question is 2,500 characters long; the limit is 2,000", "ask a shorter question")
    )
    assert text_of(bad) == (
        "Cannot answer that: The question is 2,500 characters long; the limit is 2,000. Ask a shorter question."
    )
    bug = render.error_message(RuntimeError("secret /home/user/path <b>"))
    assert "RuntimeError" in text_of(bug) and "secret" not in bug and "Traceback" not in bug


def test_long_question_bubble_is_shortened() -> None:
    bubble = render.question_message("word " * 1000)
    assert len(text_of(bubble)) < 450 and "(5,000 characters)" in text_of(bubble)


def test_examples_are_offered_only_when_the_corpus_speaks_about_them() -> None:
    museum = [passage("p1", "The museum opens at nine. Tickets cost twelve euros.", ("m.txt", 0, 1, 1))]
    examples = ["When does the museum open?", "Can WeChat Pay be used on Taobao?"]
    assert corpus.covered_examples(examples, museum) == ["When does the museum open?"]
    assert corpus.counts({"p1": museum[0]}) == (1, 1)


def test_the_answer_scorers_confidence_is_shown_with_the_answer() -> None:
    shown = render.answer_message(answer("Quoted [1].", mode="extractive", confidence=0.625), {}, "auto")
    assert "confidence 0.62" in shown and "qa-confidence" in shown
    assert "qa-confidence" not in render.answer_message(answer("Generated.", mode="ollama:m"), {}, "auto")
