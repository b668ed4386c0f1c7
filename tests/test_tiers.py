"""The tiers themselves (tests/tiers.py): fixtures mark the tests using them, and the unit tier's guard bites."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from tests import tiers


class Item:
    """What ``tiers.mark`` reads and writes of a collected test."""

    def __init__(self, *fixturenames: str, marked: tuple[str, ...] = ()) -> None:
        self.fixturenames = list(fixturenames)
        self.markers = list(marked)

    def get_closest_marker(self, name: str) -> str | None:
        return name if name in self.markers else None

    def add_marker(self, name: str) -> None:
        self.markers.append(name)


def test_a_test_gets_the_markers_of_the_fixtures_it_uses() -> None:
    def chromium_probe() -> None: ...

    tiers.fixture("browser")(chromium_probe)
    # fixturenames is the closure: seeds_index brings real_embedder along, as pytest lists it
    items = [
        Item("tmp_path", "seeds_index", "real_embedder"),
        Item("tmp_path", "embedder", "stores"),
        Item("chromium_probe", "fake_ollama", marked=("integration",)),
    ]
    try:
        tiers.mark(items)  # type: ignore[arg-type]
    finally:
        del tiers.MARKERS["chromium_probe"]
    assert [i.markers for i in items] == [["integration"], [], ["integration", "browser"]]


def test_a_fixture_name_cannot_be_registered_with_two_tiers() -> None:
    def probe() -> None: ...

    try:
        tiers.fixture("browser")(probe)
        with pytest.raises(ValueError, match="registered twice"):
            tiers.fixture("integration")(probe)
    finally:
        del tiers.MARKERS["probe"]


def guarded(body: Callable[[], Any], tmp_path: Path, *markers: str) -> None:
    """Run ``body`` as the guard runs a test with ``markers``; raise what the guard raises at the end."""
    tmp_path.mkdir()
    request = SimpleNamespace(node=SimpleNamespace(get_closest_marker=lambda name: name if name in markers else None))
    with pytest.MonkeyPatch.context() as mp:
        guard = tiers.guard_unit_tier(request, tmp_path, mp)  # type: ignore[arg-type]
        next(guard)
        body()
        next(guard, None)


def test_the_guard_fails_a_unit_test_that_imports_a_heavy_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiers, "HEAVY", ("heavy_stand_in",))  # torch may be loaded already in a full run

    def imports_it() -> None:
        sys.modules["heavy_stand_in"] = ModuleType("heavy_stand_in")

    try:
        with pytest.raises(pytest.fail.Exception, match="heavy_stand_in"):
            guarded(imports_it, tmp_path / "unit")
        del sys.modules["heavy_stand_in"]
        guarded(imports_it, tmp_path / "integration", "integration")  # an integration test may
    finally:
        sys.modules.pop("heavy_stand_in", None)  # before this test's own guard looks


def test_the_guard_sees_a_child_python_load_torch(tmp_path: Path) -> None:
    def child(code: str) -> Callable[[], None]:
        return lambda: subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

    # Not really torch: the child's guard only reads the names its process holds at exit.
    with pytest.raises(pytest.fail.Exception, match="torch in a child process"):
        guarded(child("import sys; sys.modules['torch'] = sys"), tmp_path / "loads")
    guarded(child("import json"), tmp_path / "light")
