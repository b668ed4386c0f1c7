"""Question validation and settings validation."""

import pytest

from qa.config import Settings
from qa.errors import BadQuestionError, ConfigError
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


def test_settings_from_env_and_overrides() -> None:
    s = Settings.from_env({"QA_TOP_K": "7", "QA_LLM": "extractive", "OLLAMA_HOST": "10.0.0.5:11434"}, top_k=None)
    assert s.top_k == 7 and s.llm == "extractive" and s.ollama_host == "http://10.0.0.5:11434"
    assert Settings.from_env({}, top_k=3).top_k == 3


@pytest.mark.parametrize(
    "env", [{"QA_TOP_K": "0"}, {"QA_TOP_K": "many"}, {"QA_LLM": "gpt"}, {"QA_PORT": "70000"}, {"QA_AUTH": "nopassword"}]
)
def test_invalid_settings_raise_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)
