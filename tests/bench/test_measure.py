"""``qa bench`` pieces that need no measuring: the generated corpus, percentiles, the table."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.bench.corpus import change_one_file, write_corpus
from qa.bench.measure import evidence_hit, percentile, table
from qa.cli.bench import register
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


def test_percentile_is_a_measured_value() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0 and percentile(values, 95) == 19.0 and percentile(values, 100) == 20.0
    assert percentile([7.0], 95) == 7.0


def test_evidence_hit_normalises_quotes_and_case() -> None:
    q = {"evidence": ["users still can’t use WeChat Pay"]}
    assert evidence_hit(q, ["Nothing here.", "Users still can't use WeChat  Pay on Taobao."]) == 1
    assert evidence_hit(q, ["WeChat Pay works everywhere."]) == 0


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
