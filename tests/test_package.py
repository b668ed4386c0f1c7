"""The package surface: __all__ is complete and importing qa stays light."""

import subprocess
import sys

import qa


def test_all_names_resolve() -> None:
    for name in qa.__all__:
        assert getattr(qa, name) is not None


def test_public_errors_are_exported() -> None:
    import inspect

    from qa import errors

    defined = {n for n, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, errors.QAError)}
    assert defined <= set(qa.__all__)


def test_import_does_not_load_heavy_libraries() -> None:
    code = "import sys, qa, qa.cli; heavy = {'torch', 'chromadb', 'gradio', 'sentence_transformers', 'llama_index.core'}; print(sorted(heavy & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
