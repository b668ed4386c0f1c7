"""The served page through gradio_client: answers, streaming, sessions, login, several users."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.followup import condense_by_rule
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores
from tests.web.conftest import Launch, MakeAssistant, SlowAssistant, ask, client, content
from tests.web.corpora import MUSEUM, write
from tests.web.html import elements, marked, text_of


def test_ask_returns_the_answer_with_linked_markers_and_its_sources(
    make_assistant: MakeAssistant, launch: Launch
) -> None:
    c = client(launch(make_assistant()).url)
    messages, panel = ask(c, "When is the museum closed?")
    question, answer = (content(m) for m in messages)
    assert text_of(question) == "When is the museum closed?"
    assert "The museum is closed on Mondays. [1]" in text_of(answer)
    (link,) = elements(answer, "a", "qa-cite")
    (card,) = elements(panel, "details", "qa-source")
    assert link["href"] == f"#{card['id']}"
    assert marked(panel) == ["The museum is closed on Mondays."]
    # The paragraph is in two files: shown once, naming both.
    assert "museum.txt line 3" in text_of(panel) and "Also in: notes/visitors.md line 3" in text_of(panel)
    assert "Quoted from the documents" in text_of(answer)


def test_the_answer_streams_to_the_client_in_pieces(make_assistant: MakeAssistant, launch: Launch) -> None:
    c = client(launch(make_assistant(cls=SlowAssistant)).url)
    job = c.submit("How much do tickets cost for adults?", api_name="/ask")
    job.result(timeout=60)
    shown = [text_of(content(out[0][-1])) for out in job.outputs() if isinstance(out[0], list) and out[0]]
    partial = [s for s in dict.fromkeys(shown) if "Tickets cost twelve euros for adults." not in s]
    assert len(partial) >= 4, shown  # several growing drafts before the finished answer
    assert "Tickets cost twelve euros for adults. [1]" in shown[-1]


def test_sessions_are_separate_and_new_conversation_starts_over(make_assistant: MakeAssistant, launch: Launch) -> None:
    url = launch(make_assistant()).url
    ann, bob = client(url), client(url)
    ask(ann, "When is the museum closed?")
    ask(bob, "Who designed the building?")
    ann_msgs, _ = ask(ann, "And what about the cafe?")
    bob_msgs, _ = ask(bob, "And what about the cafe?")
    assert len(ann_msgs) == len(bob_msgs) == 4
    assert "When is the cafe closed?" in text_of(content(ann_msgs[-1]))
    assert "Who designed the cafe?" in text_of(content(bob_msgs[-1]))
    messages, panel, box = ann.predict(api_name="/new_conversation")
    assert messages == [] and box == "" and "Each answer marks its claims" in text_of(panel)
    again, _ = ask(ann, "And what about the cafe?")
    assert len(again) == 2 and "Searched for" not in text_of(content(again[-1]))
    bob_more, _ = ask(bob, "Who designed the building?")
    assert len(bob_more) == 6  # Bob's chat was not touched


def test_a_too_long_question_is_answered_with_a_message(make_assistant: MakeAssistant, launch: Launch) -> None:
    c = client(launch(make_assistant(max_question_chars=100)).url)
    messages, panel = ask(c, "x" * 500)
    shown = text_of(content(messages[-1]))
    assert "Cannot answer that: The question is 500 characters long; the limit is 100." in shown
    assert "Traceback" not in shown and "Each answer marks its claims" in text_of(panel)
    messages, _ = ask(c, "Who designed the building?")  # and the chat goes on
    assert "Anna Berg" in text_of(content(messages[-1]))


def test_with_auth_set_the_page_needs_a_login(make_assistant: MakeAssistant, launch: Launch) -> None:
    import httpx

    url = launch(make_assistant(), auth="ann:s3cret:x").url
    assert httpx.get(f"{url}/config").status_code == 401
    with pytest.raises(Exception, match="(?i)login|auth|401|credentials"):
        client(url, auth=("ann", "wrong"))
    messages, _ = ask(client(url, auth=("ann", "s3cret:x")), "Who designed the building?")
    assert "Anna Berg" in text_of(content(messages[-1]))


def test_the_assistant_is_opened_once_per_process(
    launch: Launch, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Settings] = []
    real_open = Assistant.open.__func__  # type: ignore[attr-defined]

    def counting_open(cls: type[Assistant], *args: Any, settings: Settings, **kw: Any) -> Assistant:
        opened.append(settings)
        return real_open(cls, settings=settings, embedder=HashingEmbedder(), stores=MemoryStores())

    monkeypatch.setattr(Assistant, "open", classmethod(counting_open))
    settings = Settings(corpus_dir=write(MUSEUM, tmp_path / "c"), index_dir=tmp_path / "i", llm="extractive")
    url = launch(None, settings).url
    for c in (client(url), client(url)):
        for q in ("Who designed the building?", "When is the museum closed?"):
            ask(c, q)
    assert len(opened) == 1


@pytest.mark.slow
def test_several_people_chat_at_once(make_assistant: MakeAssistant, launch: Launch) -> None:
    bot = make_assistant(cls=SlowAssistant)
    bot.delay = 0.15  # type: ignore[attr-defined]  # ~1 s per answer: sequential service would take long
    url = launch(bot).url
    topics = ["When is the museum closed?", "Who designed the building?", "How much do tickets cost for adults?"]
    people = 8
    results: dict[int, tuple[str, str]] = {}
    errors: list[BaseException] = []

    def chat(i: int) -> None:
        try:
            c = client(url)
            first = topics[i % len(topics)]
            ask(c, first)
            messages, _ = ask(c, "And what about the cafe?")
            results[i] = (first, text_of(content(messages[-1])))
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == people
    for first, follow_up in results.values():  # each follow-up saw its own session's history
        assert condense_by_rule("And what about the cafe?", [first]) in follow_up
    # Served side by side: some answer started while another was still streaming. Asserted by
    # overlap of the answers' time intervals, not by seconds, which a loaded machine stretches.
    spans = sorted(bot.intervals)  # type: ignore[attr-defined]
    assert len(spans) == people * 2
    most_at_once = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
    assert most_at_once >= 2, spans
