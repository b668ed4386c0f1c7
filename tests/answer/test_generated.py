"""What the user gets from a generated answer: loops stopped, refusals recognised, unverified text never passed off.

A scripted in-process model stands in for the LLM (the real one is in tests/answer/test_llamacpp_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.index import layout
from qa.types import Answer
from tests.fakes.chat import ScriptedChat, pieces
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.replies import citing
from tests.fakes.store import MemoryStores

WECHAT = "Can WeChat Pay be used on Taobao?"
DUCK = "What is the recipe for Peking duck?"


def ask(
    seeds_in_memory: tuple[Settings, MemoryStores], chat: ScriptedChat, question: str, gate: bool = False
) -> tuple[str, Answer]:
    """Ask with the model; without the gate (the default here), so what it writes is what is tested."""
    from dataclasses import replace

    s, stores = seeds_in_memory
    bot = Assistant.open(settings=replace(s, llm_gate=gate), embedder=HashingEmbedder(), stores=stores, chat=chat)
    stream = bot.stream(question)
    shown = "".join(stream)
    return shown, stream.answer()


def test_a_verified_answer_is_shown_as_the_models(seeds_in_memory: Any) -> None:
    chat = ScriptedChat(
        citing("cannot use WeChat Pay", "Users still cannot use WeChat Pay for transactions on Taobao [{n}].")
    )
    shown, ans = ask(seeds_in_memory, chat, WECHAT)
    assert ans.mode == "fake:scripted" and not ans.flagged and ans.partial == ""
    assert [c.supported for c in ans.citations] == [True] and shown.strip() == ans.text


def test_a_loop_is_stopped_while_streaming_cut_to_one_copy_and_flagged(seeds_in_memory: Any) -> None:
    sentence = "Users still cannot use WeChat Pay for transactions on Taobao [{n}]. "
    chat = ScriptedChat(citing("cannot use WeChat Pay", sentence), endless=True)
    shown, ans = ask(seeds_in_memory, chat, WECHAT)
    assert chat.closed and chat.pulled <= 3 * len(pieces(sentence)) + 1  # the stream was stopped, not drained
    assert ans.text.count("cannot use WeChat Pay") == 1 and ans.flagged and "repeating" in (ans.notice or "")
    assert ans.mode == "fake:scripted" and ans.citations[0].supported


def test_with_the_gate_the_model_is_not_asked_when_the_scorer_refuses(seeds_in_memory: Any) -> None:
    chat = ScriptedChat("Peking duck is a dish.")
    shown, ans = ask(seeds_in_memory, chat, DUCK, gate=True)
    assert chat.pulled == 0 and ans.abstained and ans.mode == "extractive"
    assert "was not asked" in (ans.notice or "") and shown == ans.text


def test_a_loop_with_nothing_verifiable_is_not_shown_as_the_answer(seeds_in_memory: Any) -> None:
    chat = ScriptedChat("Peking duck is a dish, including a variety of ingredients, ", endless=True)
    shown, ans = ask(seeds_in_memory, chat, DUCK)
    assert chat.closed and "including a variety" in shown
    assert ans.abstained and "including a variety" not in ans.text and "including a variety" in ans.partial
    assert "repeating" in (ans.notice or "") and "not shown as an answer" in (ans.notice or "")


@pytest.mark.parametrize(
    "refusal", ["The sources do not contain the answer to this question.", "I could not find this in the documents"]
)
def test_a_paraphrased_refusal_of_an_answerable_question_gives_the_extractive_answer(
    seeds_in_memory: Any, refusal: str
) -> None:
    shown, ans = ask(seeds_in_memory, ScriptedChat(refusal), WECHAT)
    assert ans.mode == "extractive" and not ans.abstained and "cannot use WeChat Pay" in ans.text
    assert "found no answer" in (ans.notice or "") and ans.partial == refusal
    assert shown.startswith(refusal) and shown.endswith(ans.text)  # the stream said it replaced the reply


def test_a_paraphrased_refusal_of_an_unanswerable_question_is_an_abstention(seeds_in_memory: Any) -> None:
    _, ans = ask(seeds_in_memory, ScriptedChat("There is no information about this in the provided sources."), DUCK)
    assert ans.abstained and ans.mode == "fake:scripted" and ans.citations == ()


@pytest.mark.parametrize(
    "reply",
    [
        "The document contains the answer to this question.",  # what SmolLM2 said to an unanswerable question
        "Yes, it has worked with every card sold since 1999 [1][2].",  # cited, but backed by neither source
    ],
)
def test_an_unverified_answer_gives_way_to_a_confident_extractive_one(seeds_in_memory: Any, reply: str) -> None:
    _, ans = ask(seeds_in_memory, ScriptedChat(reply), WECHAT)
    assert ans.mode == "extractive" and "cannot use WeChat Pay" in ans.text and all(c.supported for c in ans.citations)
    assert "could not be verified" in (ans.notice or "") and ans.partial == reply


def test_a_small_context_gets_fewer_passages_and_the_user_is_told(seeds_in_memory: Any) -> None:
    reply = citing("cannot use WeChat Pay", "They cannot use WeChat Pay on Taobao [{n}].")
    roomy = ScriptedChat(reply)
    _, whole = ask(seeds_in_memory, roomy, WECHAT)
    assert roomy.prompts[0][1]["content"].count("<source ") == 5 and "held" not in (whole.notice or "")
    small = int(roomy.count_tokens(roomy.prompts[0]) * 1.3)  # two thirds of it for the prompt: too little for all 5
    chat = ScriptedChat(reply, context_window=small)
    _, ans = ask(seeds_in_memory, chat, WECHAT)
    sent = chat.prompts[0][1]["content"].count("<source ")
    assert 1 <= sent < 5 and f"held {sent} of the 5 passages" in (ans.notice or "")
    assert chat.count_tokens(chat.prompts[0]) <= small - small // 3


def test_the_token_cap_is_said(seeds_in_memory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s, stores = seeds_in_memory
    chat = ScriptedChat(
        citing("cannot use WeChat Pay", "Users still cannot use WeChat Pay for transactions on Taobao [{n}].")
    )
    bot = Assistant.open(settings=s, embedder=HashingEmbedder(), stores=stores, chat=chat, max_tokens=6)
    ans = bot.ask(WECHAT)
    assert "length cap of 6 tokens" in (ans.notice or "")


def test_nothing_is_written_outside_the_index(seeds_in_memory: Any, tmp_path: Path) -> None:
    # Guards the module fixture: answering through it writes nothing where this test's environment
    # points (QA_INDEX_DIR is tmp_path/index), and its vectors stay in memory (no Chroma folder).
    s, _ = seeds_in_memory
    _, ans = ask(
        seeds_in_memory,
        ScriptedChat(citing("cannot use WeChat Pay", "They cannot use WeChat Pay on Taobao [{n}].")),
        WECHAT,
    )
    assert ans.citations and ans.citations[0].supported
    assert not (tmp_path / "index").exists()
    assert not layout.require_current(s.index_dir).chroma_path.exists()


def test_llamacpp_not_installed_falls_back_with_the_install_command(
    seeds_in_memory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from qa.answer import llamacpp
    from qa.answer.llm import LLMError

    def missing() -> None:
        raise LLMError("llama-cpp-python is not installed", llamacpp.INSTALL_HINT, kind="unusable")

    monkeypatch.setattr(llamacpp, "_import_llama", missing)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    s, stores = seeds_in_memory
    bot = Assistant.open(settings=replace(s, llm="llamacpp", gguf=str(gguf)), embedder=HashingEmbedder(), stores=stores)
    ans = bot.ask(WECHAT)
    assert ans.mode == "extractive" and "cannot use WeChat Pay" in ans.text
    assert "pip install -e '.[llamacpp]'" in (ans.notice or "")


def follow_up_chat(rewrite: str) -> ScriptedChat:
    def reply(messages: Sequence[dict[str, str]]) -> str:
        if "standalone question" in messages[0]["content"]:
            return rewrite
        return citing("Alibaba, owner of the South China Morning Post", "Tencent [{n}].")(messages)

    return ScriptedChat(reply)


@pytest.mark.parametrize(
    ("rewrite", "used"),
    [
        ("Which company is Alibaba teaming up with for Singles' Day?", True),
        # what SmolLM2 wrote: an invented answer, not a question; retrieving with it finds nothing useful
        ("The company that owns the South China Morning Post is a subsidiary of a larger company called China Daily.", False),
        ("Which company is Alibaba teaming up with for Singles' Day?\nAlibaba is teaming up with Tencent.", True),
        ("What is the weather like today?", False),  # a question, but not the one asked
    ],
)  # fmt: skip
def test_a_follow_up_rewrite_is_used_only_when_it_is_the_question(
    seeds_in_memory: Any, rewrite: str, used: bool
) -> None:
    s, stores = seeds_in_memory
    bot = Assistant.open(settings=s, embedder=HashingEmbedder(), stores=stores, chat=follow_up_chat(rewrite))
    ans = bot.ask(
        "Which company is it teaming up with for Singles' Day?",
        history=["Which company owns the South China Morning Post?"],
    )
    if used:
        assert ans.rewritten_question == rewrite.split("\n")[0]
    else:
        assert ans.rewritten_question and ans.rewritten_question != rewrite and ans.rewritten_question.endswith("?")
