"""What a newcomer hit on the command line: each message names the flag or path that fixes it."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from qa import cli
from qa.assistant import Assistant
from qa.cli import chat, doctor
from qa.cli import index as index_command
from qa.cli.common import answered_by
from qa.config import Settings
from qa.errors import ConfigError, CorpusError
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores


def test_an_unknown_option_shows_the_usage_of_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["ask", "--jsn", "x"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "usage: qa ask" in err and "--json" in err and "unrecognized arguments: --jsn" in err


def test_hints_name_flags_and_absolute_paths_not_python_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # run from another folder: the relative defaults miss
    with pytest.raises(CorpusError) as err:
        Assistant.open(settings=Settings(), embedder=HashingEmbedder(), stores=MemoryStores())
    assert str(elsewhere / "index") in err.value.message and str(elsewhere / "seeds") in err.value.message
    assert "--corpus DIR" in (err.value.hint or "")
    assert "pass corpus_dir" not in str(err.value)


def test_index_on_a_missing_corpus_names_it_and_leaves_no_index_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["index", "--corpus", "nowhere", "--index-dir", "idx"]) == 3
    err = capsys.readouterr().err
    assert str(tmp_path / "nowhere") in err and "--corpus DIR" in err
    assert not (tmp_path / "idx").exists()


def test_a_failed_first_index_leaves_no_folder_holding_only_the_lock(tmp_path: Path) -> None:
    from qa.index.build import build_index

    empty = tmp_path / "empty"
    empty.mkdir()
    s = Settings(corpus_dir=empty, index_dir=tmp_path / "idx", llm="extractive")
    with pytest.raises(CorpusError):
        build_index(s, HashingEmbedder(), stores=MemoryStores())
    assert not s.index_dir.exists()
    # An index folder the user already had is left alone.
    s.index_dir.mkdir()
    with pytest.raises(CorpusError):
        build_index(s, HashingEmbedder(), stores=MemoryStores())
    assert s.index_dir.is_dir()


def test_doctor_suggests_the_index_command_with_the_same_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.embed.model

    monkeypatch.setattr(qa.embed.model, "SentenceTransformerEmbedder", lambda _model: HashingEmbedder())
    index_dir = tmp_path / "my index"
    assert cli.main(["doctor", "--llm", "extractive", "--index-dir", str(index_dir)]) == 1
    out = capsys.readouterr().out
    assert f"fix: run: qa index --index-dir '{index_dir}'" in out
    args = cli.parse(["doctor", "--corpus", "docs"])
    assert doctor.with_flags("run: qa index --rebuild (or set QA_EMBED_MODEL back)", args) == (
        "run: qa index --rebuild --corpus docs (or set QA_EMBED_MODEL back)"
    )


def test_a_busy_port_names_the_flag_and_variable(tmp_path: Path) -> None:
    import gradio as gr

    from qa.web import server

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with gr.Blocks() as page:
            gr.Markdown("x")
        with pytest.raises(ConfigError) as err:
            server.launch(page, Settings(port=port))
    text = str(err.value)
    assert "--port" in text and "QA_PORT" in text and f"127.0.0.1:{port}" in text
    assert "launch()" not in text and "GRADIO_SERVER_PORT" not in text


def test_ctrl_c_while_indexing_says_the_previous_index_is_still_used(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(index_command, "run", interrupted)
    assert cli.main(["index"]) == 130
    assert "previous one is still in use" in capsys.readouterr().err


def test_chat_has_line_editing() -> None:
    assert chat.line_editing() is True
    assert "readline" in sys.modules


def test_ask_says_who_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("The museum opens at nine in the morning.\n", encoding="utf-8")
    bot = Assistant.open(
        settings=Settings(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i", llm="extractive"),
        embedder=HashingEmbedder(),
        stores=MemoryStores(),
    )
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, **kw: bot))
    assert cli.main(["ask", "When does the museum open?"]) == 0
    assert "(quoted from the documents: no language model was used)" in capsys.readouterr().out
    assert answered_by("ollama:qwen2.5:3b") == "(generated by qwen2.5:3b via Ollama)"


def test_chat_says_the_ollama_notice_once_per_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens: answers are quoted
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("The museum opens at nine in the morning.\n", encoding="utf-8")
    bot = Assistant.open(
        settings=Settings.from_env(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i", llm="auto"),
        embedder=HashingEmbedder(),
        stores=MemoryStores(),
    )
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, **kw: bot))
    q = "When does the museum open?"
    inputs = iter([q, q, "/new", q, "/quit"])
    assert chat.run(cli.parse(["chat"]), read=lambda _prompt: next(inputs)) == 0
    out = capsys.readouterr().out
    assert out.count("not reachable") == 2  # once in each of the two conversations
    assert out.count("(quoted from the documents") == 3  # the compact badge under every answer
