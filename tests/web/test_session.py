"""A browser session's chat, without the browser: streaming, history, errors, new conversation."""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence

import pytest

from qa.assistant import AnswerStream, Assistant
from qa.types import Answer
from qa.web.session import ChatSession
from tests.web.conftest import MakeAssistant, SlowAssistant
from tests.web.html import elements, marked, text_of


def test_question_then_streamed_answer_then_sources(make_assistant: MakeAssistant) -> None:
    bot = make_assistant(cls=SlowAssistant)
    updates = list(ChatSession(bot).ask("How much do tickets cost for adults?"))
    first, *middle, last = updates
    assert [m["role"] for m in first.messages] == ["user", "assistant"]
    assert text_of(first.messages[0]["content"]) == "How much do tickets cost for adults?"
    assert first.textbox == "" and "Looking for passages" in text_of(first.panel or "")
    growing = [text_of(u.messages[-1]["content"]) for u in middle]
    assert len(growing) >= 4 and all(len(a) < len(b) for a, b in zip(growing, growing[1:], strict=False))
    assert all(u.panel is None for u in middle)  # the panel waits for the finished answer
    answer = last.messages[-1]["content"]
    assert "Tickets cost twelve euros for adults." in text_of(answer)
    (link,) = elements(answer, "a", "qa-cite")
    assert last.panel and f'id="{link["href"][1:]}"' in last.panel
    assert marked(last.panel) == ["Tickets cost twelve euros for adults."]


def test_each_session_keeps_its_own_history(make_assistant: MakeAssistant) -> None:
    bot = make_assistant()
    one, two = ChatSession(bot), ChatSession(bot)
    list(one.ask("When is the museum closed?"))
    list(two.ask("Who designed the building?"))
    *_, a = one.ask("And what about the cafe?")
    *_, b = two.ask("And what about the cafe?")
    assert "When is the cafe closed?" in text_of(a.messages[-1]["content"])
    assert "Who designed the cafe?" in text_of(b.messages[-1]["content"])
    assert one.conversation.turns != two.conversation.turns
    assert len(one.messages) == len(two.messages) == 4


def test_a_second_question_while_one_streams_is_kept_in_the_box(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant(cls=SlowAssistant))
    running = session.ask("How much do tickets cost for adults?")
    next(running)
    (refused,) = session.ask("Who designed the building?")
    assert refused.textbox == "Who designed the building?" and len(refused.messages) == 2
    list(running)
    *_, done = session.ask("Who designed the building?")
    assert "Anna Berg" in text_of(done.messages[-1]["content"])


def test_new_conversation_forgets_history_and_stops_a_streaming_answer(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant(cls=SlowAssistant))
    list(session.ask("When is the museum closed?"))
    running = session.ask("How much do tickets cost for adults?")
    next(running)
    next(running)
    cleared = session.reset()
    assert cleared.messages == [] and "Each answer marks its claims" in text_of(cleared.panel or "")
    assert list(running) == []  # the abandoned answer draws nothing more
    assert session.messages == [] and session.conversation.turns == []
    *_, after = session.ask("And what about the cafe?")  # not a follow-up any more: nothing to follow
    assert "Searched for" not in text_of(after.messages[-1]["content"])


def test_a_bad_question_is_explained_in_the_chat(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant(max_question_chars=50))
    question = "Why " * 40
    *_, last = session.ask(question)
    shown = text_of(last.messages[-1]["content"])
    assert shown == (
        f"Cannot answer that: The question is {len(question.strip())} characters long; the limit is 50. "
        "Ask a shorter question."
    )
    assert session.conversation.turns == []
    # An empty Enter keeps the conversation on screen and leaves the sources panel alone.
    [kept] = list(session.ask("   "))
    assert kept.messages == session.messages and len(kept.messages) == 2 and kept.panel is None


class BrokenAssistant(Assistant):
    def stream(self, question: str, history: Sequence[str] = (), sources: Sequence[str] | None = None) -> AnswerStream:
        return AnswerStream(self._broken())

    def _broken(self) -> Generator[str, None, Answer]:
        yield "Half an ans"
        raise KeyError("/srv/secret/index.json")


def test_a_bug_is_logged_and_shown_without_a_traceback(
    make_assistant: MakeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    session = ChatSession(make_assistant(cls=BrokenAssistant))
    with caplog.at_level(logging.ERROR, logger="qa.web"):
        *_, last = session.ask("How much do tickets cost?")
    shown = last.messages[-1]["content"]
    assert "Something went wrong while answering (KeyError)" in text_of(shown)
    assert "secret" not in shown and "Traceback" not in shown
    assert "secret" in caplog.text  # the details are for the operator
    assert list(session.ask("Who designed the building?"))  # the session still works


def test_clicking_an_earlier_answer_brings_back_its_sources(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant())
    *_, first = session.ask("Who designed the building?")
    *_, second = session.ask("How much do tickets cost for adults?")
    assert first.panel != second.panel
    assert session.panel_for(1) == session.panel_for(0) == first.panel
    assert session.panel_for(3) == second.panel and session.panel_for(9) is None
