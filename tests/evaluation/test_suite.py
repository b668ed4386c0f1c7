"""Run assembly: sampling for --limit, the default golden file, the evidence sanity warning."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.evaluation.golden import GoldenFileError
from qa.evaluation.sets import declared_sets, required_sets, set_name
from qa.evaluation.suite import _warn_unreachable_evidence, sample
from tests.conftest import GOLDEN
from tests.evaluation.factories import SENTENCE, question


def test_limit_takes_an_evenly_spread_deterministic_sample() -> None:
    qs = [question(f"q{i}") for i in range(10)]
    assert [q.id for q in sample(qs, 3)] == ["q0", "q3", "q6"]
    assert [q.id for q in sample(qs, 5)] == ["q0", "q2", "q4", "q6", "q8"]
    assert sample(qs, None) == qs and sample(qs, 50) == qs


def test_the_default_golden_file_is_the_first_set_the_project_declares() -> None:
    assert required_sets()[0].golden.resolve() == GOLDEN.resolve()
    assert set_name(GOLDEN) == "seeds"


def test_sets_are_declared_in_the_nearest_pyproject_and_resolved_against_its_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.qa.golden-sets]]\nname = "mine"\ngolden = "q/set.jsonl"\ncorpus = "docs"\nprivate-index = true\n'
    )
    (tmp_path / "sub").mkdir()
    [found] = declared_sets(tmp_path / "sub")
    assert (found.name, found.golden, found.corpus, found.private_index) == (
        "mine",
        tmp_path / "q" / "set.jsonl",
        tmp_path / "docs",
        True,
    )
    with pytest.raises(GoldenFileError, match="is not there"):
        required_sets(tmp_path / "sub")


def test_a_project_that_declares_no_sets_is_told_to_name_a_golden_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert declared_sets(tmp_path) == []
    with pytest.raises(GoldenFileError) as err:
        required_sets(tmp_path)
    assert "--golden FILE" in (err.value.hint or "")


def test_evidence_in_no_indexed_passage_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    passages = {"p1": SimpleNamespace(text=SENTENCE)}
    assistant = SimpleNamespace(view=SimpleNamespace(passages=passages))
    with caplog.at_level(logging.WARNING):
        _warn_unreachable_evidence([question("fine")], assistant, Path("seeds"))
        assert not caplog.records
        _warn_unreachable_evidence([question("lost", evidence=("words nobody wrote",))], assistant, Path("seeds"))
    assert "1 evidence strings are in no indexed passage" in caplog.text and "lost" in caplog.text
