"""The test tiers: which fixtures make a test ``integration`` (or ``browser``), and the unit tier's guard.

A test's tier follows from what it uses, not from a mark someone remembered to write. The fixtures
that load the real embedding model or start a server are declared with ``tiers.fixture(marker)``
instead of ``pytest.fixture``; ``pytest_collection_modifyitems`` in tests/conftest.py gives every
test that uses one of them, directly or through other fixtures, that fixture's marker.

    @tiers.fixture("integration", scope="session")
    def real_embedder() -> SentenceTransformerEmbedder: ...

The other half is a guard (``guard_unit_tier`` below, autouse in tests/conftest.py): a test without
the ``integration`` marker that loads sentence-transformers, transformers or torch fails, in this
process or in a Python child process it starts. So a new test that reaches the real model without
one of these fixtures cannot slip into the unit tier and make it slow; it is told which fixture
to use instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

# fixture name -> the markers of every test that uses it
MARKERS: dict[str, tuple[str, ...]] = {}

# What loading the real embedding model imports; nothing in the unit tier needs any of them.
HEAVY = ("torch", "sentence_transformers", "transformers")

# The folder holding the sitecustomize.py that child Pythons of a unit test run at start-up.
CHILD_GUARD = Path(__file__).resolve().parent / "unit_guard"
GUARD_LOG = "UNIT_TIER_GUARD_LOG"  # where the children write what they were refused


def fixture(*markers: str, **kwargs: Any) -> Callable[[F], F]:
    """``pytest.fixture(**kwargs)`` that also gives ``markers`` to every test using the fixture."""

    def register(func: F) -> F:
        name = kwargs.get("name", func.__name__)
        if MARKERS.get(name, markers) != markers:
            raise ValueError(f"fixture {name!r} is registered twice with different markers")
        MARKERS[name] = markers
        return pytest.fixture(**kwargs)(func)  # type: ignore[no-any-return]

    return register


def mark(items: list[pytest.Item]) -> None:
    """Give each test the markers of the registered fixtures in its closure (what it uses, transitively)."""
    for item in items:
        for name in item.fixturenames:
            for marker in MARKERS.get(name, ()):
                if item.get_closest_marker(marker) is None:
                    item.add_marker(marker)


HINT = (
    "a unit-tier test loaded the real embedding model ({what}). Use the hashing embedder "
    "(the `embedder` fixture), or use `real_embedder`/`seeds_index` (or `loads_real_model` when "
    "the code under test loads it itself), which makes the test an integration test."
)


def heavy_loaded() -> set[str]:
    return {name for name in HEAVY if name in sys.modules}


def guard_unit_tier(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that has no ``integration`` marker and loads the real model (body of the autouse fixture).

    Seen, not blocked: blocking the import would also break the libraries that merely probe
    whether torch is installed, and code under test turns an ImportError into a friendly error
    that a test expecting an error would take for success. So, after the test:
    - in this process, torch & co. must not have been imported during it; when an integration
      test earlier in the run has imported them already, constructing a ``SentenceTransformer``
      is what is refused (and recorded) instead;
    - a child Python it started (``python -m qa ...``) runs tests/unit_guard/sitecustomize.py
      through PYTHONPATH, which writes to a log file what it had imported when it exited.
    """
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    refused: list[str] = []
    before = heavy_loaded()
    if "sentence_transformers" in before:
        from sentence_transformers import SentenceTransformer

        def refuse(self: object, *args: Any, **kwargs: Any) -> None:
            refused.append("SentenceTransformer()")
            raise RuntimeError("the real embedding model is not loaded in the unit tier (see tests/tiers.py)")

        monkeypatch.setattr(SentenceTransformer, "__init__", refuse)
    log = tmp_path / "unit-guard.log"
    monkeypatch.setenv(GUARD_LOG, str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(CHILD_GUARD), os.environ.get("PYTHONPATH")])))
    yield
    refused += sorted(heavy_loaded() - before)
    if log.exists():
        refused += [f"{name} in a child process" for name in log.read_text(encoding="utf-8").split()]
    if refused:
        pytest.fail(HINT.format(what=", ".join(dict.fromkeys(refused))), pytrace=False)
