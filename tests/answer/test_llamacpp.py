"""QA_LLM=llamacpp without loading a model: settings, choices, file checks, auto's order, fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import llamacpp
from qa.answer.backends import Backends
from qa.answer.llm import LLMError
from qa.cli import parser
from qa.config import LLM_CHOICES, Settings
from qa.errors import ConfigError


@pytest.fixture
def fake_gguf(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 60)  # the magic only: enough for the cheap check, not to load
    return path


def test_settings_for_the_in_process_model() -> None:
    s = Settings.from_env({"QA_LLM": "llamacpp", "QA_GGUF": "/m/x.gguf", "QA_LLM_THREADS": "2", "QA_MAX_TOKENS": "128",
                           "QA_NUM_CTX": "2048"})  # fmt: skip
    assert (s.llm, s.gguf, s.llm_threads, s.max_tokens, s.num_ctx) == ("llamacpp", "/m/x.gguf", 2, 128, 2048)
    assert Settings().llm_threads is None and Settings().max_tokens == 512


@pytest.mark.parametrize("env", [{"QA_MAX_TOKENS": "0"}, {"QA_LLM_THREADS": "0"}, {"QA_LLM_THREADS": "two"}])
def test_bad_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


@pytest.mark.parametrize("command", [["ask", "q"], ["chat"], ["doctor"], ["serve"], ["eval"]])
def test_every_llm_flag_offers_the_one_list(command: list[str]) -> None:
    assert "llamacpp" in LLM_CHOICES
    for choice in LLM_CHOICES:
        assert parser().parse_args([*command, "--llm", choice]).llm == choice
    with pytest.raises(SystemExit):
        parser().parse_args([*command, "--llm", "gpt"])


def test_file_checks_name_the_fix(tmp_path: Path, fake_gguf: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    cases = {
        None: ("QA_GGUF", "model_missing"),
        str(tmp_path / "missing.gguf"): ("no GGUF file", "model_missing"),
        str(text): ("is not a GGUF file", "unusable"),
    }
    for path, (words, kind) in cases.items():
        problem = llamacpp.gguf_problem(Settings(gguf=path))
        assert problem is not None and words in str(problem) and problem.hint and problem.kind == kind
    assert llamacpp._gguf_path(Settings(gguf=str(fake_gguf))) == fake_gguf


def not_installed() -> None:
    raise LLMError("llama-cpp-python is not installed", llamacpp.INSTALL_HINT, kind="unusable")


def test_auto_tries_ollama_then_the_gguf_then_extractive(fake_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nobody = "http://127.0.0.1:9"  # the discard port: nothing listens
    monkeypatch.setattr(llamacpp, "_import_llama", lambda: object)  # "installed"
    chat, notice = Backends(Settings(llm="auto", ollama_host=nobody, gguf=str(fake_gguf))).select()
    assert chat is not None and chat.name == "llamacpp:tiny"
    assert notice and "Ollama not reachable" in notice and "QA_GGUF" in notice
    monkeypatch.setattr(llamacpp, "_import_llama", not_installed)
    chat, notice = Backends(Settings(llm="auto", ollama_host=nobody, gguf=str(fake_gguf))).select()
    assert chat is None and notice and "Ollama not reachable" in notice and ".[llamacpp]" in notice
    chat, notice = Backends(Settings(llm="auto", ollama_host=nobody)).select()  # no GGUF configured: as before
    assert chat is None and notice and "ollama pull" in notice and "GGUF" not in notice


def test_one_instance_per_backend(fake_gguf: Path) -> None:
    backends = Backends(Settings(llm="llamacpp", gguf=str(fake_gguf)))
    assert backends.select()[0] is backends.select()[0]  # the model is loaded once, not per question
