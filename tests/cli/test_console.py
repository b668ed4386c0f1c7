"""Logging belongs to the ``qa`` console script: ``console()`` configures it, ``main()`` leaves it alone."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator

import pytest

from qa import cli
from qa.cli import index as index_command


@pytest.fixture
def configured_here() -> Iterator[logging.Logger]:
    """The root logger, put back afterwards as it was: handlers, level and the level names."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    names = {n: logging.getLevelName(n) for n in (logging.WARNING, logging.ERROR)}
    yield root
    # pytest adds and removes its own handlers around each phase: only those we added go.
    for handler in [h for h in root.handlers if h not in before and not type(h).__module__.startswith("_pytest")]:
        root.removeHandler(handler)
    root.setLevel(level)
    for number, name in names.items():
        logging.addLevelName(number, name)


def index_warning(message: str) -> Callable[[object], int]:
    """A stand-in for ``qa index`` that logs one warning, as indexing a bad file does."""

    def run(_args: object) -> int:
        logging.getLogger("qa.index.build").warning(message)
        return 0

    return run


def test_main_leaves_the_root_logger_as_the_caller_has_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(index_command, "run", index_warning("2 files skipped"))
    root = logging.getLogger()
    with caplog.at_level(logging.WARNING):
        before = (list(root.handlers), root.level)
        assert cli.main(["index"]) == 0
        after = (list(root.handlers), root.level)
    assert after == before  # same handler objects, same level
    assert "2 files skipped" in caplog.text  # the record went to the caller's logging


def test_console_shows_our_warnings_once_on_the_stderr_of_the_moment(
    configured_here: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_command, "run", index_warning("one"))
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    for _ in range(2):  # a second console() in the same process must not print twice
        with pytest.raises(SystemExit) as exit_:
            cli.console(["index"])
        assert exit_.value.code == 0
    assert first.getvalue() == "warning: one\nwarning: one\n"
    first.close()  # as pytest closes a finished test's captured stream
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("qa.test").warning("two")
    logging.getLogger("chromadb").warning("a library's warning")  # libraries: only errors
    logging.getLogger("chromadb").error("a library's error")
    assert second.getvalue() == "warning: two\nerror: a library's error\n"
