"""One error hierarchy for everything the user can cause or fix.

    QAError
    ├── ConfigError          a setting has an invalid value
    ├── BadQuestionError     empty, whitespace-only or over-long question
    ├── CorpusError          corpus folder missing, empty or unreadable
    ├── IndexMissingError    no index yet (and none could be built)
    ├── IndexCorruptError    index folder exists but cannot be read
    ├── IndexMismatchError   index was built with another embedding model
    ├── IndexLockedError     another process is writing the index
    ├── ModelUnavailableError  embedding model or LLM cannot be loaded or reached
    └── StoreUnavailableError  the Chroma server (QA_CHROMA_URL) cannot be reached

Library errors (Chroma, HTTP, torch) are caught at the seam that calls the
library and re-raised as one of these, so the CLI and UI can show one line.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: a message meant for the user, with an optional fix."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(QAError):
    exit_code = 2


class BadQuestionError(QAError):
    exit_code = 2


class CorpusError(QAError):
    exit_code = 3


class IndexMissingError(QAError):
    exit_code = 4


class IndexCorruptError(QAError):
    exit_code = 4


class IndexFormatError(IndexCorruptError):
    """An index written by an older version of qa: readers refuse it, ``qa index`` rebuilds it."""


class IndexMismatchError(QAError):
    exit_code = 4


class IndexLockedError(QAError):
    exit_code = 5


class ModelUnavailableError(QAError):
    exit_code = 6


class StoreUnavailableError(QAError):
    """An outage, not damage: the index is fine, the server holding its vectors does not answer."""

    exit_code = 6  # like a model server that cannot be reached: start it and run the command again
