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

from qa.evaluation.golden import GoldenFileError

HINT = "pass --golden FILE (and --corpus DIR), or declare [[tool.qa.golden-sets]] in the project's pyproject.toml"


@dataclass(frozen=True)
class GoldenSet:
    name: str
    golden: Path
    corpus: Path
    private_index: bool = False


def project_file(start: Path | None = None) -> Path | None:
    """Return the nearest pyproject.toml at or above ``start`` (the working folder) that configures qa."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                config = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "qa" in config.get("tool", {}):
                return candidate
    return None


def declared_sets(start: Path | None = None) -> list[GoldenSet]:
    """Return the golden sets the project declares, paths resolved against its folder; [] when none."""
    found = project_file(start)
    if found is None:
        return []
    config = tomllib.loads(found.read_text(encoding="utf-8"))
    entries = config["tool"]["qa"].get("golden-sets", [])
    sets = []
    for entry in entries:
        try:
            sets.append(GoldenSet(str(entry["name"]), found.parent / entry["golden"], found.parent / entry["corpus"],
                                  bool(entry.get("private-index", False))))  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise GoldenFileError(f"{found}: a [[tool.qa.golden-sets]] entry lacks {exc}", HINT) from None
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
