"""The prompt fits the model's context: fewer passages, then a shorter one, and the user is told."""

import pytest

from qa.answer.llm import LLMError
from qa.answer.prompt import build_messages, fit_prompt
from tests.answer.test_verify import hits
from tests.fakes.chat import ScriptedChat

count = ScriptedChat("").count_tokens
QUESTION = "Can WeChat Pay be used on Taobao?"


def test_everything_fits_a_large_context() -> None:
    prompt = fit_prompt(QUESTION, hits(), 4096, 512, count)
    assert len(prompt.hits) == 3 and prompt.notice == "" and prompt.tokens == count(prompt.messages)
    assert prompt.messages == build_messages(QUESTION, hits())


def test_a_small_context_holds_fewer_passages_best_first_and_says_so() -> None:
    whole = count(build_messages(QUESTION, hits()))
    two = count(build_messages(QUESTION, hits()[:2]))
    context = two + 60  # room for the answer is a third of this, or max_tokens when smaller
    prompt = fit_prompt(QUESTION, hits(), context, 60, count)
    assert whole > context - 60 >= two
    assert [h.rank for h in prompt.hits] == [1, 2] and '<source n="3"' not in prompt.messages[1]["content"]
    assert prompt.notice == f"the model's context ({context} tokens) held 2 of the 3 passages found"


def test_when_one_passage_is_too_long_it_is_cut_at_a_sentence() -> None:
    one = count(build_messages(QUESTION, hits()[:1]))
    prompt = fit_prompt(QUESTION, hits(), one - 3 + 30, 30, count)
    user = prompt.messages[1]["content"]
    assert len(prompt.hits) == 1 and "cannot use WeChat Pay for transactions on Taobao." in user
    assert "mini-programs" not in user and "first 1 of 2 sentences" in prompt.notice


def test_a_context_too_small_for_anything_is_an_error_with_the_fix() -> None:
    with pytest.raises(LLMError) as info:
        fit_prompt(QUESTION, hits(), 64, 512, count)
    assert "QA_NUM_CTX" in (info.value.hint or "") and info.value.kind == "unusable"
