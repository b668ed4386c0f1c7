"""Question validation: empty, over-long and control characters."""

import pytest

from qa.errors import BadQuestionError
from qa.questions import clean_question


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01\x7f"])
def test_empty_questions_are_refused(bad: str) -> None:
    with pytest.raises(BadQuestionError, match="empty"):
        clean_question(bad, 2000)


def test_over_long_question_is_refused_with_the_limit() -> None:
    with pytest.raises(BadQuestionError, match="2,000"):
        clean_question("why " * 600, 2000)


def test_control_characters_are_removed_not_fatal() -> None:
    assert clean_question("Can\x00 WeChat Pay\x07 be used?", 2000) == "Can  WeChat Pay  be used?"
    assert clean_question("微信支付能在淘宝上使用吗？😀", 2000) == "微信支付能在淘宝上使用吗？😀"
