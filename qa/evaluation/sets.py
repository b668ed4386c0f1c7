"""The golden sets ``qa eval`` runs when none is named: the project's own, declared in its pyproject.toml.

The package knows no repository paths: a project declares its sets the way it declares its pytest or
ruff settings, and ``qa eval`` finds that file from the working folder upwards, as those tools do::

    [[tool.qa.golden-sets]]
    name = "seeds"                        # answered from the configured corpus and index
    golden = "tests/golden/seeds.jsonl"
    corpus = "seeds"

    [[tool.qa.golden-sets]]
    name = "docs"
    golden = "tests/golden/docs/golden.jsonl"
    corpus = "tests/golden/docs/corpus"
    private-index = true                  # indexed in a temporary folder, never the user's index/
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.evaluation.golden import GoldenFileError

HINT = "pass --golden FILE (and --corpus DIR), or declare [[tool.qa.golden-sets]] in the project's pyproject.toml"


@dataclass(frozen=True)
class GoldenSet:
    name: str
    golden: Path
    corpus: Path
    private_index: bool = False


def project_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """Return the nearest pyproject.toml at or above ``start`` (the working folder) that configures qa,
    with its ``[tool.qa]`` table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                config = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "qa" in config.get("tool", {}):
                return candidate, config["tool"]["qa"]
    return None


def declared_sets(start: Path | None = None) -> list[GoldenSet]:
    """Return the golden sets the project declares, paths resolved against its folder; [] when none."""
    found = project_config(start)
    if found is None:
        return []
    path, config = found
    sets = []
    for entry in config.get("golden-sets", []):
        try:
            sets.append(GoldenSet(str(entry["name"]), path.parent / entry["golden"], path.parent / entry["corpus"],
                                  bool(entry.get("private-index", False))))  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise GoldenFileError(f"{path}: a [[tool.qa.golden-sets]] entry lacks {exc}", HINT) from None
    return sets


def required_sets(start: Path | None = None) -> list[GoldenSet]:
    """Return the declared sets, or raise GoldenFileError saying how to name one; each golden file must exist."""
    sets = declared_sets(start)
    if not sets:
        raise GoldenFileError("no golden file given, and no golden sets are declared for this project", HINT)
    for s in sets:
        if not s.golden.is_file():
            raise GoldenFileError(f"golden set {s.name!r}: {s.golden} is not there", HINT)
    return sets


def set_name(golden: Path, start: Path | None = None) -> str:
    """Return the name of the declared golden set ``golden`` is, else its file name."""
    resolved = golden.resolve()
    for s in declared_sets(start):
        if resolved == s.golden.resolve():
            return s.name
    return golden.name
