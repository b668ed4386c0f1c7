"""The package's shape, checked from its source: no import cycles, no private names imported across
modules, nothing in ``qa/`` that reads the repository's ``tests/``.

Every ``import`` counts, including the lazy ones inside functions and under ``TYPE_CHECKING``: a
lazy import hides a cycle from the interpreter, not from a reader. ``python tests/test_architecture.py``
prints the graph's cycles (strongly connected components) for a review.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qa"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: dict[str, Path]) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import of a ``qa`` module in ``path``."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "qa":
                    yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "qa":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # ``from qa.answer import scorer`` imports the module qa.answer.scorer
                    yield sub, "", node.lineno
                else:
                    yield base, alias.name, node.lineno


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, _, _ in imports(path, known):
            if target in known and target != name:
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough for ~100 nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_checker_finds_a_cycle() -> None:
    # The checker itself can fail: a made-up graph with a loop is reported.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    known = modules()
    crossings = [
        f"{module_name(path)}:{line} imports {target}.{name}"
        for path in known.values()
        for target, name, line in imports(path, known)
        if name.startswith("_") and not name.startswith("__")
    ]
    assert crossings == []


def path_literals(path: Path) -> Iterator[tuple[int, str]]:
    """(line, string) for every string literal in ``path`` that names the tests folder (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        if literal and (node.value == "tests" or node.value.startswith(("tests/", "tests\\"))):
            yield node.lineno, node.value


def test_nothing_in_the_package_reads_the_test_folder() -> None:
    readers = [
        f"{path.relative_to(PACKAGE.parent)}:{line} {text!r}"
        for path in PACKAGE.rglob("*.py")
        for line, text in path_literals(path)
    ]
    assert readers == []


def test_the_literal_check_sees_a_path_into_tests(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text('"""Reads tests/golden: a docstring may say so."""\nGOLDEN = "tests/golden/seeds.jsonl"\n')
    assert list(path_literals(sample)) == [(2, "tests/golden/seeds.jsonl")]


if __name__ == "__main__":
    found = cycles(graph())
    for component in found:
        print(" <-> ".join(component))
    print(f"{len(found)} cycle(s) among {len(modules())} modules")
