"""The answer stream: text while it is written, the Answer at the end, stopped when closed."""

from __future__ import annotations

import re

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import BadQuestionError
from qa.types import Answer
from tests.fakes import replies
from tests.fakes.chat import ScriptedChat
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores

WECHAT = "Can WeChat Pay be used on Taobao?"
SENTENCE = "Users still cannot use WeChat Pay for transactions on Taobao [{n}]. "


def open_bot(seeds_in_memory: tuple[Settings, MemoryStores], chat: ScriptedChat | None = None) -> Assistant:
    s, stores = seeds_in_memory
    return Assistant.open(settings=s, embedder=HashingEmbedder(), stores=stores, chat=chat)


# The WeChat sentence, citing whichever source holds it (an invalid [9] when none does).
citing = replies.citing("cannot use wechat pay", SENTENCE, otherwise=SENTENCE.format(n=9))


def test_iterating_gives_text_then_answer_gives_the_answer(seeds_in_memory: tuple[Settings, MemoryStores]) -> None:
    stream = open_bot(seeds_in_memory, ScriptedChat(citing)).stream(WECHAT)
    pieces = list(stream)
    assert len(pieces) > 3 and all(type(p) is str for p in pieces)
    answer = stream.answer()
    assert type(answer) is Answer and answer.mode == "fake:scripted"
    assert "".join(pieces).strip() == answer.text and answer.citations[0].supported
    # Read once: a second loop has nothing left, and the answer stays the same object.
    assert list(stream) == [] and stream.answer() is answer


def test_answer_reads_whatever_was_not_read(seeds_in_memory: tuple[Settings, MemoryStores]) -> None:
    chat = ScriptedChat(citing)
    stream = open_bot(seeds_in_memory, chat).stream(WECHAT)
    first = next(stream)
    answer = stream.answer()  # after one piece: the rest is read, the model runs to its end
    assert answer.text.startswith(first.strip()) and "cannot use WeChat Pay" in answer.text
    assert chat.pulled == len(re.findall(r"\s*\S+|\s+$", citing(chat.prompts[0])))


def test_the_extractive_answer_streams_as_one_piece(seeds_in_memory: tuple[Settings, MemoryStores]) -> None:
    stream = open_bot(seeds_in_memory).stream(WECHAT)
    (text,) = list(stream)
    answer = stream.answer()
    assert answer.mode == "extractive" and text == answer.text and "cannot use WeChat Pay" in text


def test_closing_stops_the_model(seeds_in_memory: tuple[Settings, MemoryStores]) -> None:
    chat = ScriptedChat(citing, endless=True)  # it would go on until the guard stops it
    stream = open_bot(seeds_in_memory, chat).stream(WECHAT)
    for _ in range(3):
        next(stream)
    stream.close()
    assert chat.closed and chat.pulled == 3  # no piece was generated after the close
    assert list(stream) == []
    with pytest.raises(RuntimeError, match="closed"):
        stream.answer()


def test_leaving_a_with_block_early_stops_the_model(seeds_in_memory: tuple[Settings, MemoryStores]) -> None:
    chat = ScriptedChat(citing, endless=True)
    with open_bot(seeds_in_memory, chat).stream(WECHAT) as stream:
        for _ in stream:
            break
    assert chat.closed and chat.pulled == 1


def test_nothing_runs_until_read_and_a_bad_question_raises_there(
    seeds_in_memory: tuple[Settings, MemoryStores],
) -> None:
    chat = ScriptedChat(citing)
    bot = open_bot(seeds_in_memory, chat)
    stream = bot.stream("   ")
    assert chat.prompts == []
    with pytest.raises(BadQuestionError):
        next(stream)
    with pytest.raises(RuntimeError):  # it failed: there is no answer to give
        stream.answer()
    with pytest.raises(BadQuestionError):
        bot.ask("   ")


def test_a_conversation_remembers_a_turn_only_when_its_answer_is_complete(
    seeds_in_memory: tuple[Settings, MemoryStores],
) -> None:
    chat = ScriptedChat(citing, endless=True)
    conversation = open_bot(seeds_in_memory, chat).conversation()
    stopped = conversation.stream(WECHAT)
    next(stopped)
    stopped.close()
    assert chat.closed and conversation.turns == []  # closing the conversation's stream reached the model

    conversation = open_bot(seeds_in_memory, ScriptedChat(citing)).conversation()
    stream = conversation.stream(WECHAT)
    pieces = list(stream)
    assert conversation.turns == [WECHAT] and "".join(pieces).strip() == stream.answer().text


def test_the_answer_threshold_setting_decides_between_answering_and_refusing(
    seeds_in_memory: tuple[Settings, MemoryStores],
) -> None:
    from dataclasses import replace

    s, stores = seeds_in_memory

    def ask(threshold: float) -> Answer:
        settings = replace(s, llm="extractive", answer_threshold=threshold)
        return Assistant.open(settings=settings, embedder=HashingEmbedder(), stores=stores).ask(WECHAT)

    strict, lenient = ask(1.0), ask(0.0)
    # Nothing reaches a probability of 1: refused by the scorer, with the confidence it had.
    assert strict.abstained and strict.refused_by == "scorer" and strict.confidence is not None
    assert strict.confidence < 1.0
    # Everything reaches 0: the same best sentence is quoted, cited.
    assert not lenient.abstained and lenient.citations and lenient.confidence == strict.confidence


def test_a_broken_reader_falls_back_to_the_feature_scorer_with_a_notice(
    seeds_in_memory: tuple[Settings, MemoryStores], tmp_path: object
) -> None:
    from dataclasses import replace
    from pathlib import Path

    s, stores = seeds_in_memory
    missing = Path(str(tmp_path)) / "reader-v9.json"
    broken = Assistant.open(settings=replace(s, llm="extractive", reader=str(missing)), embedder=HashingEmbedder(),
                            stores=stores).ask(WECHAT)  # fmt: skip
    assert broken.notice and str(missing) in broken.notice and "feature scorer" in broken.notice
    off = Assistant.open(settings=replace(s, llm="extractive", reader="off"), embedder=HashingEmbedder(),
                         stores=stores).ask(WECHAT)  # fmt: skip
    # Without the reader both answer alike, from the feature scorer; only the broken one says why.
    assert off.notice is None or "reader" not in off.notice
    assert broken.text == off.text and broken.confidence == off.confidence
