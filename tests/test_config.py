"""Settings from the environment and overrides; a bad value is a ConfigError."""

import pytest

from qa.config import Settings
from qa.errors import ConfigError


def test_settings_from_env_and_overrides() -> None:
    s = Settings.from_env({"QA_TOP_K": "7", "QA_LLM": "extractive", "OLLAMA_HOST": "10.0.0.5:11434"}, top_k=None)
    assert s.top_k == 7 and s.llm == "extractive" and s.ollama_host == "http://10.0.0.5:11434"
    assert Settings.from_env({}, top_k=3).top_k == 3


@pytest.mark.parametrize(
    "env",
    [
        {"QA_TOP_K": "0"},
        {"QA_TOP_K": "many"},
        {"QA_LLM": "gpt"},
        {"QA_PORT": "70000"},
        {"QA_AUTH": "nopassword"},
        {"QA_ANSWER_THRESHOLD": "1.5"},
        {"QA_ANSWER_THRESHOLD": "-0.1"},
        {"QA_ANSWER_THRESHOLD": "strict"},
    ],
)
def test_invalid_settings_raise_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_boolean_settings_read_the_usual_spellings_and_refuse_others() -> None:
    assert Settings.from_env({"QA_LLM_GATE": "0"}).llm_gate is False
    assert Settings.from_env({"QA_LLM_GATE": "yes"}).llm_gate is True
    assert Settings.from_env({}).llm_gate is True
    with pytest.raises(ConfigError, match="QA_LLM_GATE"):
        Settings.from_env({"QA_LLM_GATE": "maybe"})


def test_the_answer_threshold_is_the_models_unless_set() -> None:
    assert Settings.from_env({}).answer_threshold is None
    assert Settings.from_env({"QA_ANSWER_THRESHOLD": "0.1"}).answer_threshold == 0.1


def test_the_default_abstention_rules_are_known_rules_and_the_answerers_default() -> None:
    from qa.answer.evidence import RULES
    from qa.answer.extractive import DEFAULT_RULES

    rules = Settings().abstain_rules.split(",")
    assert rules == list(DEFAULT_RULES)
    assert set(rules) <= set(RULES)
    assert Settings.from_env({"QA_ABSTAIN_RULES": "year,version"}).abstain_rules == "year,version"
