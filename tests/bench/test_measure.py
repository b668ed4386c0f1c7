"""``qa bench`` pieces that need no measuring: the generated corpus, the starter's refusals, the table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from qa.bench import starter
from qa.bench.corpus import change_one_file, write_corpus
from qa.bench.measure import table
from qa.cli.bench import register
from qa.errors import IndexMissingError
from qa.evaluation.baseline import COLLECTION, StarterRetriever
from qa.ingest.dedupe import dedupe
from qa.ingest.load import load_corpus
from qa.ingest.split import split_document


def test_generated_corpus_has_one_passage_per_paragraph_and_no_duplicates(tmp_path: Path) -> None:
    files = write_corpus(tmp_path, 45)
    passages = [p for doc in load_corpus(tmp_path) for p in split_document(doc)]
    # Each file starts with a heading line: the heading path of its passages, not a passage.
    assert len(files) == 3 and len(passages) == 45 and all(p.heading.startswith("Market report") for p in passages)
    assert len(dedupe(passages)) == len(passages)
    assert write_corpus(tmp_path / "again", 45)[0].read_text() == files[0].read_text()  # deterministic
    before = files[0].read_text()
    assert change_one_file(tmp_path) == files[0] and files[0].read_text().startswith(before)


def test_the_starter_refuses_a_missing_or_empty_index_instead_of_scoring_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the bench's setup failed, the starter used to rank an empty Chroma and report hit@5 0.0.
    import chromadb

    from qa.index.vectors import chroma_settings

    assert starter.main(["ask", "--chroma", str(tmp_path / "never-built")]) == IndexMissingError.exit_code
    assert "no starter index" in capsys.readouterr().err
    client = chromadb.PersistentClient(path=str(tmp_path / "empty"), settings=chroma_settings())
    client.get_or_create_collection(COLLECTION)  # what a build that failed half-way leaves
    with pytest.raises(IndexMissingError, match="empty"):
        StarterRetriever.open(tmp_path / "empty", "all-MiniLM-L6-v2")
    other = chromadb.PersistentClient(path=str(tmp_path / "other"), settings=chroma_settings())
    other.get_or_create_collection("something-else")
    with pytest.raises(IndexMissingError, match="no starter collection"):
        StarterRetriever.open(tmp_path / "other", "all-MiniLM-L6-v2")


def test_table_shows_figures_targets_and_failed_sections() -> None:
    results = {
        "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 8, "python": "3.11", "system": "Linux",
                    "date": "2026-01-01", "load_before": 0.1, "load_after": 0.2},
        "command": "qa bench",
        "cold": {"product_s": 1.234, "starter_s": 6.17, "starter_over_product": 5.0},
        "warm": {"answer_p50_ms": 12.3, "answer_p95_ms": 40.1},
        "webapp": {"error": "RuntimeError: app.py did not start"},
    }  # fmt: skip
    text = table(results)
    assert "Test CPU, 2 cores" in text and "1.23 s" in text and "6.17 s (5.0×" in text
    assert "12.3 / 40.1 ms" in text and "≤ 2.5 s" in text
    assert "n/a" in text  # sections not run
    assert "webapp: RuntimeError: app.py did not start" in text


def test_bench_command_registers_with_its_options() -> None:
    root = argparse.ArgumentParser()
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["bench", "--json", "--runs", "3", "--only", "cold", "--only", "warm"])
    assert args.func.__module__ == "qa.cli.bench" and args.json and args.runs == 3 and args.only == ["cold", "warm"]


def test_the_in_process_model_figures_are_in_the_table(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from qa.bench.measure import find_gguf

    results = {
        "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 8, "python": "3.11", "system": "Linux",
                    "date": "2026-01-01", "load_before": 0.1, "load_after": 0.2},
        "command": "qa bench --only llamacpp",
        "llamacpp": {"model": "tiny.gguf", "load_s": 0.15, "check_s": 2.5, "prompt_tokens": 648,
                     "first_token_s": 3.2, "tokens_per_s": 22.4, "overhead_ms": 0.05},
    }  # fmt: skip
    text = table(results)
    assert "in-process tiny.gguf: load" in text and "0.15 s (+ 2.50 s)" in text
    assert "648-token seeds prompt" in text and "3.20 s" in text and "22.4 tokens/s" in text and "0.05 ms" in text
    given = tmp_path / "m.gguf"
    monkeypatch.setenv("QA_GGUF", "/from/env.gguf")
    assert find_gguf(given) == given and find_gguf(None) == Path("/from/env.gguf")
