"""``qa eval`` on the command line: registered, light to import, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import cli
from qa.evaluation.sets import required_sets
from tests.conftest import ROOT


def test_eval_is_registered_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["eval", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--golden",
        "--squad",
        "--corpus",
        "--index-dir",
        "--llm",
        "--json",
        "--report",
        "--baseline",
        "--limit",
    ):
        assert option in out


def test_the_command_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, qa.cli.evaluate; "
        "heavy = {'torch', 'chromadb', 'sentence_transformers', 'llama_index.core', 'numpy', 'tiktoken'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_a_missing_golden_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["eval", "--golden", str(tmp_path / "missing.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: golden file") and "does not exist" in err


def test_a_malformed_line_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.jsonl"
    good = {"id": "a", "question": "Q?", "answerable": False}
    path.write_text(json.dumps(good) + "\n" + '{"id": "b", "question": "Q?"}\n', encoding="utf-8")
    assert cli.main(["eval", "--golden", str(path)]) == 2
    assert f"{path}, line 2: missing field 'answerable'" in capsys.readouterr().err


def test_squad_refuses_a_corpus_or_index_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--squad", "x.json", "--corpus", "seeds"]) == 2
    assert "do not apply to --squad" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--limit", "0"], ["--golden", "a", "--squad", "b"], ["--llm", "gpt"]])
def test_bad_flags_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["eval", *args])
    assert exc.value.code == 2


def test_check_exits_1_when_a_threshold_is_missed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from qa.evaluation import suite
    from tests.evaluation.test_reports import sample_run

    monkeypatch.setattr(suite, "evaluate_golden", lambda *a, **k: sample_run())
    seeds = str(required_sets()[0].golden)
    assert cli.main(["eval", "--golden", seeds, "--json", "--report", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 3 and (tmp_path / "index.html").is_file()
    assert cli.main(["eval", "--golden", seeds, "--check"]) == 1
    err = capsys.readouterr().err
    assert "gate (seeds): abstention.correct_refusal = 0.0 (needs >= 0.75)" in err


def test_without_a_golden_file_both_sets_are_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from dataclasses import replace

    from qa.evaluation import suite
    from tests.evaluation.test_reports import sample_run

    runs = [sample_run(), replace(sample_run(), name="docs")]
    monkeypatch.setattr(suite, "evaluate_sets", lambda *a, **k: runs)
    assert cli.main(["eval", "--json", "--report", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["set"] == "seeds" and out["sets"]["docs"]["set"] == "docs" and out["sets"]["docs"]["n"] == 3
    assert (tmp_path / "seeds" / "index.html").is_file() and (tmp_path / "docs" / "index.html").is_file()
    assert cli.main(["eval"]) == 0
    text = capsys.readouterr().out
    assert "== golden set: seeds ==" in text and "== golden set: docs ==" in text
