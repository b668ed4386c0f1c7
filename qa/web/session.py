"""One browser session's chat: its conversation, the messages shown, each answer's sources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
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
        self.turn = 0
        # One question at a time per session: a second click while an answer streams is ignored.
        self._busy = threading.Lock()
        self._epoch = 0  # bumped by reset(), so an answer still streaming stops drawing

    def ask(self, question: str) -> Iterator[Update]:
        """Show the question, stream the answer into the chat, then its sources in the panel."""
        if not question.strip():
            return  # an Enter on an empty box: nothing to ask, nothing to complain about
        busy = self._busy
        if not busy.acquire(blocking=False):
            yield Update(list(self.messages), textbox=question)  # keep what they typed for later
            return
        try:
            yield from self._ask(question)
        finally:
            busy.release()

    def _ask(self, question: str) -> Iterator[Update]:
        self.turn += 1
        epoch = self._epoch
        self.messages.append({"role": "user", "content": render.question_message(question)})
        self.messages.append({"role": "assistant", "content": render.streaming_message("")})
        index = len(self.messages) - 1
        yield Update(list(self.messages), sources.waiting_panel(question, self.turn), "")
        text = ""
        failure: BaseException
        try:
            for item in self.conversation.stream(question):
                if self._epoch != epoch:
                    return  # "New conversation" was clicked meanwhile: this answer is no longer wanted
                if isinstance(item, Answer):
                    panel = self._finish(item, index)  # before copying the messages it rewrites
                    yield Update(list(self.messages), panel)
                    return
                text += item
                self.messages[index] = {"role": "assistant", "content": render.streaming_message(text)}
                yield Update(list(self.messages))
            failure = RuntimeError("the answer ended without a result")
        except QAError as exc:
            failure = exc
        except Exception as exc:  # a bug must not leave a half-drawn page or show a traceback
            log.exception("answering %r failed", question[:200])
            failure = exc
        if self._epoch != epoch:
            return
        self.messages[index] = {"role": "assistant", "content": render.error_message(failure)}
        self.panels[index] = sources.intro_panel()
        yield Update(list(self.messages), self.panels[index])

    def _finish(self, answer: Answer, index: int) -> str:
        passages = self.assistant.view.passages  # one read: a refresh may swap the view meanwhile
        cards = sources.cards_for(answer, passages, self.turn)
        llm = self.assistant.settings.llm
        self.messages[index] = {
            "role": "assistant",
            "content": render.answer_message(answer, sources.anchors(cards), llm),
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
        return Update([], sources.intro_panel(), "")

    def panel_for(self, index: int) -> str | None:
        """Return the sources of the answer at ``index`` (or of the answer to the question there)."""
        return self.panels.get(index, self.panels.get(index + 1))
