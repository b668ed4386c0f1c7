"""One browser session's chat: its conversation, the messages shown, each answer's sources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.types import Answer
from qa.web import render, sources

if TYPE_CHECKING:
    from qa.assistant import Assistant

log = logging.getLogger(__name__)

Message = dict[str, str]


@dataclass(frozen=True)
class Update:
    """What the page shows after a step; None leaves that part as it is."""

    messages: list[Message]
    panel: str | None = None
    textbox: str | None = None


class ChatSession:
    """The state of one browser tab. The Assistant is shared; everything else is per session."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.conversation = assistant.conversation()
        self.messages: list[Message] = []
        self.panels: dict[int, str] = {}  # index of an answer in ``messages`` -> its sources panel
        self.answers: dict[int, Answer] = {}  # index of an answer in ``messages`` -> the Answer
        self.questions: dict[int, str] = {}  # index of an answer in ``messages`` -> the question asked
        self.stopped: dict[int, str] = {}  # index of a stopped answer -> the text shown when stopped
        self.told: set[str] = set()  # notices already shown in this conversation
        self.turn = 0
        # One question at a time per session: a second click while an answer streams is ignored.
        self._busy = threading.Lock()
        self._epoch = 0  # bumped by reset(), so an answer still streaming stops drawing
        self._stop = -1  # the turn Stop was pressed in
        self._streaming: tuple[int, str, tuple[str, ...]] | None = None  # (index, text so far, scope)

    def ask(self, question: str, scope: Sequence[str] | None = None) -> Iterator[Update]:
        """Show the question, stream the answer into the chat, then its sources in the panel."""
        if not question.strip():
            # An Enter on an empty box: nothing to ask, and the conversation stays on screen.
            yield Update(list(self.messages), textbox="")
            return
        busy = self._busy
        if not busy.acquire(blocking=False):
            yield Update(list(self.messages), textbox=question)  # keep what they typed for later
            return
        try:
            yield from self._ask(question, tuple(scope or ()))
        finally:
            busy.release()

    def _ask(self, question: str, scope: tuple[str, ...]) -> Iterator[Update]:
        self.turn += 1
        turn, epoch = self.turn, self._epoch
        # The bubble counts what the limit counts: the question without surrounding whitespace.
        self.messages.append({"role": "user", "content": render.question_message(question.strip())})
        self.messages.append({"role": "assistant", "content": render.streaming_message("", scope)})
        index = len(self.messages) - 1
        self.questions[index] = question.strip()
        self._streaming = (index, "", scope)
        yield Update(list(self.messages), sources.waiting_panel(question, self.turn), "")
        text = ""
        failure: BaseException
        stream = self.conversation.stream(question, sources=list(scope) or None)
        try:
            for piece in stream:
                if self._epoch != epoch:
                    return  # "New conversation" was clicked meanwhile: this answer is no longer wanted
                if self._stop == turn:
                    yield Update(list(self.messages))  # what stop() drew: the part shown, marked stopped
                    return
                text += piece
                self._streaming = (index, text, scope)
                self.messages[index] = {"role": "assistant", "content": render.streaming_message(text, scope)}
                yield Update(list(self.messages))
            answer = stream.answer()
            if self._epoch != epoch:
                return
            if self._stop == turn:  # pressed after the last piece: what was shown stays, marked stopped
                yield Update(list(self.messages))
                return
            panel = self._finish(answer, index)  # before copying the messages it rewrites
            yield Update(list(self.messages), panel)
            return
        except QAError as exc:
            failure = exc
        except Exception as exc:  # a bug must not leave a half-drawn page or show a traceback
            log.exception("answering %r failed", question[:200])
            failure = exc
        finally:
            stream.close()  # ends the model's generation (and its HTTP stream) when stopped early
            self._streaming = None
        if self._epoch != epoch or self._stop == turn:
            return
        self.messages[index] = {"role": "assistant", "content": render.error_message(failure)}
        self.panels[index] = sources.intro_panel()
        yield Update(list(self.messages), self.panels[index])

    def stop(self) -> Update:
        """End the answer being written; the part already shown stays, marked as stopped."""
        streaming = self._streaming
        if streaming is None:
            return Update(list(self.messages))
        index, text, scope = streaming
        self._stop = self.turn
        self.stopped[index] = text
        self.messages[index] = {"role": "assistant", "content": render.stopped_message(text, scope)}
        return Update(list(self.messages), sources.stopped_panel(self.turn))

    def _finish(self, answer: Answer, index: int) -> str:
        passages = self.assistant.view.passages  # one read: a refresh may swap the view meanwhile
        cards = sources.cards_for(answer, passages, self.turn)
        llm = self.assistant.settings.llm
        # A notice (e.g. "Ollama not reachable ...") is said once per conversation; the badge stays.
        fresh = bool(answer.notice) and answer.notice not in self.told
        if answer.notice:
            self.told.add(answer.notice)
        self.answers[index] = answer
        self.messages[index] = {
            "role": "assistant",
            "content": render.answer_message(answer, sources.anchors(cards), llm, show_notice=fresh),
        }
        self.panels[index] = sources.sources_panel(answer, cards, self.turn, llm)
        return self.panels[index]

    def reset(self) -> Update:
        """Start a new conversation: no history, no messages, an empty panel."""
        self._epoch += 1
        self._busy = threading.Lock()  # the abandoned answer releases its own lock when it ends
        self.conversation = self.assistant.conversation()
        self.messages = []
        self.panels = {}
        self.answers = {}
        self.questions = {}
        self.stopped = {}
        self.told = set()
        return Update([], sources.intro_panel(), "")

    def panel_for(self, index: int) -> str | None:
        """Return the sources of the answer at ``index`` (or of the answer to the question there)."""
        return self.panels.get(index, self.panels.get(index + 1))

    def copy_text(self, index: int | None = None) -> str:
        """Return an answer (the last one by default) with its numbered sources, as plain text."""
        if not self.answers:
            return ""
        answer = self.answers[index if index in self.answers else max(self.answers)]
        return render.plain_answer(answer)

    def export(self) -> str:
        """Return the conversation as Markdown: each question, its answer, and the answer's sources."""
        lines = ["# Conversation", ""]
        for index in range(1, len(self.messages), 2):
            question = self.questions.get(index) or render.plain_text(self.messages[index - 1]["content"])
            lines += [f"## {' '.join(question.split())}", ""]
            answer = self.answers.get(index)
            if answer is not None:
                lines += [render.markdown_answer(answer), ""]
            elif index in self.stopped:
                lines += [f"{self.stopped[index].strip()}", "", "*(stopped before the answer was complete)*", ""]
            else:
                lines += [f"*{render.plain_text(self.messages[index]['content'])}*", ""]
        return "\n".join(lines).rstrip() + "\n"
