"""Run assembly: sampling for --limit, the default golden file, the evidence sanity warning."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.evaluation.suite import _warn_unreachable_evidence, default_golden, sample
from tests.conftest import GOLDEN
from tests.evaluation.factories import SENTENCE, question


def test_limit_takes_an_evenly_spread_deterministic_sample() -> None:
    qs = [question(f"q{i}") for i in range(10)]
    assert [q.id for q in sample(qs, 3)] == ["q0", "q3", "q6"]
    assert [q.id for q in sample(qs, 5)] == ["q0", "q2", "q4", "q6", "q8"]
    assert sample(qs, None) == qs and sample(qs, 50) == qs


def test_the_default_golden_file_is_the_repositorys() -> None:
    assert default_golden() == GOLDEN.resolve()


def test_evidence_in_no_indexed_passage_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    passages = {"p1": SimpleNamespace(text=SENTENCE)}
    assistant = SimpleNamespace(view=SimpleNamespace(passages=passages))
    with caplog.at_level(logging.WARNING):
        _warn_unreachable_evidence([question("fine")], assistant, Path("seeds"))
        assert not caplog.records
        _warn_unreachable_evidence([question("lost", evidence=("words nobody wrote",))], assistant, Path("seeds"))
    assert "1 evidence strings are in no indexed passage" in caplog.text and "lost" in caplog.text
