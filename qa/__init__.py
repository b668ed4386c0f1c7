"""qa: ask questions about a folder of documents and get answers cited to the passages.

from qa import Assistant
bot = Assistant.open()
answer = bot.ask("Can WeChat Pay be used on Taobao?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.errors import (
    BadQuestionError,
    ConfigError,
    CorpusError,
    IndexCorruptError,
    IndexFormatError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
    ModelUnavailableError,
    QAError,
    StoreUnavailableError,
)
from qa.types import Answer, Citation, Hit, Passage

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.config import Settings

__all__ = [
    "Answer",
    "Assistant",
    "BadQuestionError",
    "Citation",
    "ConfigError",
    "CorpusError",
    "Hit",
    "IndexCorruptError",
    "IndexFormatError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexMissingError",
    "ModelUnavailableError",
    "Passage",
    "QAError",
    "Settings",
    "StoreUnavailableError",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy: importing qa must stay fast; the assistant pulls in the index machinery.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    if name == "Settings":
        from qa.config import Settings

        return Settings
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
