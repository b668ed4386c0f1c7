"""Stop, Copy, Export, the document list and view, and asking within documents, without a browser."""

from __future__ import annotations

import pytest

from qa.web import corpus, documents
from qa.web.page import Documents
from qa.web.session import ChatSession
from tests.web.conftest import MakeAssistant, SlowAssistant
from tests.web.html import text_of


def test_stop_keeps_the_part_shown_and_marks_it(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant(cls=SlowAssistant))
    stream = session.ask("How much do tickets cost for adults?")
    shown = ""
    for update in stream:
        shown = text_of(update.messages[-1]["content"])
        if "cost" in shown:
            stopped = session.stop()
            break
    rest = list(stream)
    assert "Stopped" in text_of(stopped.messages[-1]["content"])
    assert "Tickets cost" in text_of(stopped.messages[-1]["content"])
    assert rest and rest[-1].messages == stopped.messages  # the stream ends on what Stop drew
    assert "twelve euros for adults" not in text_of(rest[-1].messages[-1]["content"])
    assert session.answers == {} and "stopped before" in session.export()


def test_copy_and_export_carry_the_numbered_sources(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant())
    list(session.ask("When is the museum closed?"))
    copied = session.copy_text()
    assert copied.startswith("The museum is closed on Mondays. [1]")
    assert '[1] museum.txt, line 3: "The museum is closed on Mondays."' in copied
    exported = session.export()
    assert exported.startswith("# Conversation\n\n## When is the museum closed?")
    assert "1. `museum.txt, line 3`: \u201cThe museum is closed on Mondays.\u201d" in exported


def test_asking_within_documents_shows_the_choice_above_the_answer(make_assistant: MakeAssistant) -> None:
    session = ChatSession(make_assistant())
    *_, last = session.ask("When is the museum closed?", ["notes/visitors.md"])
    shown = text_of(last.messages[-1]["content"])
    assert shown.startswith("Searched only in: notes/visitors.md")
    answer = session.answers[1]
    assert answer.scope == ("notes/visitors.md",)
    # The paragraph is in both files (shown once, under museum.txt): it is cited as also in the chosen one.
    assert answer.citations and all("notes/visitors.md" in (c.source, *c.also_in) for c in answer.citations)


def test_the_ollama_notice_is_said_once_per_conversation(
    make_assistant: MakeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_assistant(llm="auto", ollama_host="http://127.0.0.1:9")  # nothing listens there
    session = ChatSession(bot)
    shown = [text_of(list(session.ask("When is the museum closed?"))[-1].messages[-1]["content"]) for _ in range(3)]
    assert "not reachable" in shown[0]
    assert all("not reachable" not in s and "Quoted from the documents" in s for s in shown[1:])
    session.reset()
    assert "not reachable" in text_of(list(session.ask("When is the museum closed?"))[-1].messages[-1]["content"])


def test_the_document_list_and_view(make_assistant: MakeAssistant) -> None:
    from tests.web.corpora import MUSEUM

    bot = make_assistant({**MUSEUM, "bad.txt": "binary\x00data"})
    docs = Documents(bot)
    markup = docs.listing()
    listing = text_of(markup)
    assert "2 documents indexed" in listing
    assert (
        '<td class="qa-file">museum.txt</td><td>Text</td><td class="qa-num">202 bytes</td><td class="qa-num">3</td>'
        in markup
    )
    assert "Not indexed (1)" in listing and "bad.txt: it looks like a binary file" in listing
    assert "1 matching" in text_of(docs.listing("visitors"))
    text = (bot.settings.corpus_dir / "museum.txt").read_text()
    start = text.index("The building")
    view = docs.view(f'{{"source": "museum.txt", "start": {start}, "end": {start + 12}}}')
    assert '<mark class="qa-hl" id="qa-doc-hit">The building</mark>' in view
    assert "Tickets cost twelve euros" in text_of(view)
    assert "no longer in the corpus" in docs.view('{"source": "../../etc/passwd"}')
    assert documents.document_text(bot.settings.corpus_dir, "../outside.txt", 10**6) is None


def test_examples_come_only_from_the_corpus_served(make_assistant: MakeAssistant) -> None:
    # A corpus that shares every word of an example but not its answer gets no example.
    bot = make_assistant({"pay.txt": "WeChat users pay on Taobao with cards. The pay page was used often.\n"})
    assert corpus.answered_examples(corpus.SEED_EXAMPLES, bot.view.passages.values()) == []
    assert corpus.covered_examples(["Can WeChat Pay be used on Taobao?"], bot.view.passages.values())
