"""``qa eval`` for real: the bundled model, Chroma, the LlamaIndex baseline, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.config import Settings
from qa.evaluation.baseline import STARTER_TOP_K, StarterRetriever
from qa.evaluation.suite import evaluate_squad
from tests.conftest import ROOT, SEEDS
from tests.evaluation.test_squad import TINY

pytestmark = pytest.mark.slow

RATES = {
    "retrieval": ("hit@1", "hit@3", "hit@5", "mrr"),
    "answer": ("key_fact_recall", "all_facts"),
    "citations": ("precision", "recall"),
    "abstention": ("correct_refusal", "false_refusal"),
}


def offline_prefix() -> list[str]:
    """Return a command prefix that runs without any network interface, if this machine allows it."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n"]
    return []


def test_cli_json_baseline_and_report_offline(seeds_index: Settings, tmp_path: Path) -> None:
    report = tmp_path / "report"
    cmd = [*offline_prefix(), sys.executable, "-m", "qa", "eval", "--llm", "extractive", "--json", "--limit", "8",
           "--baseline", "--report", str(report), "--corpus", str(SEEDS), "--index-dir", str(seeds_index.index_dir)]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for section, keys in RATES.items():
        for key in keys:
            value = out[section][key]
            assert value is None or 0.0 <= value <= 1.0, (section, key, value)
    assert out["n"] == 8 and out["latency_ms"]["p50"] > 0 and out["mode"] == "extractive"
    systems = out["baseline"]["systems"]
    assert [s["top_k"] for s in systems] == [5, STARTER_TOP_K]  # the seeds make only two starter chunks
    assert systems[1]["context"]["chars"] > systems[0]["context"]["chars"]  # whole articles versus passages
    assert "cl100k_base" in out["baseline"]["tokenizer"]
    assert (report / "index.html").is_file() and json.loads((report / "results.json").read_text())["n"] == 8


def test_starter_top_2_is_the_head_of_its_top_5(tmp_path: Path, loads_real_model: None) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = ["rivers and canals", "mountain railways", "castles of Normandy", "coffee roasting",
              "tidal energy", "bee keeping", "chess openings"]  # fmt: skip
    for i, topic in enumerate(topics):
        (corpus / f"doc{i}.txt").write_text(f"This note is about {topic}. " * 5, encoding="utf-8")
    two = StarterRetriever.build(corpus, "all-MiniLM-L6-v2", 2)
    five = StarterRetriever.build(corpus, "all-MiniLM-L6-v2", 5)
    assert two.chunks == five.chunks == len(topics)
    for query in ("Which castles did the Normans build?", "How is coffee roasted?", "tides"):
        assert two.retrieve(query) == five.retrieve(query)[:2]
    assert two.retrieve("castles in Normandy")[0].sources == ("doc2.txt",)


def test_the_starter_kept_in_chroma_for_the_bench_ranks_as_the_one_built_in_memory(
    tmp_path: Path, loads_real_model: None
) -> None:
    # One starter configuration: qa eval builds it in memory, qa bench keeps it in Chroma so
    # that a fresh process can open it. Both must be the same retriever.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, topic in enumerate(["rivers and canals", "castles of Normandy", "coffee roasting", "tidal energy"]):
        (corpus / f"doc{i}.txt").write_text(f"This note is about {topic}. " * 5, encoding="utf-8")
    memory = StarterRetriever.build(corpus, "all-MiniLM-L6-v2", 3)
    kept = StarterRetriever.build(corpus, "all-MiniLM-L6-v2", 3, chroma_dir=tmp_path / "chroma")
    opened = StarterRetriever.open(tmp_path / "chroma", "all-MiniLM-L6-v2", 3, corpus)
    assert memory.chunks == kept.chunks == opened.chunks == 4
    for query in ("Which castles did the Normans build?", "How is coffee roasted?", "tides"):
        assert opened.retrieve(query) == memory.retrieve(query)


def test_starter_embeds_the_text_alone_so_the_folder_does_not_matter(tmp_path: Path, loads_real_model: None) -> None:
    # SQuAD runs use a random temporary folder; when its path was embedded with every chunk
    # the baseline's scores moved from run to run.
    from llama_index.core.schema import MetadataMode

    texts = {f"doc{i}.txt": f"Paragraph {i} is about {topic}. " * 4
             for i, topic in enumerate(["rivers", "castles", "coffee", "tides", "bees", "chess"])}  # fmt: skip
    rankings = []
    for folder in (tmp_path / "a", tmp_path / "a much longer folder name" / "Normans castles coffee"):
        folder.mkdir(parents=True)
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
        r = StarterRetriever.build(folder, "all-MiniLM-L6-v2", 5)
        for node in r.index.docstore.docs.values():
            assert node.get_content(metadata_mode=MetadataMode.EMBED) == node.get_content(MetadataMode.NONE)
        rankings.append([[h.sources for h in r.retrieve(q)] for q in ("castles", "hot drinks", "sea")])
    assert rankings[0] == rankings[1]


def test_squad_run_on_a_tiny_file(tmp_path: Path, loads_real_model: None) -> None:
    path = tmp_path / "tiny.json"
    data = json.loads(json.dumps(TINY))
    data["data"][1]["paragraphs"][0]["context"] = "The Rhine flows from the Swiss Alps to the North Sea."
    path.write_text(json.dumps(data), encoding="utf-8")
    settings = Settings(llm="extractive", index_dir=tmp_path / "never-used")
    run = evaluate_squad(settings, path, baseline=True)
    assert run.scores.n == 2 and run.scores.answerable == 1
    assert run.judgements[0].rank == 1  # the Normandy paragraph, out of two
    assert run.comparison is not None and run.comparison.baseline_chunks == 2
    assert not (tmp_path / "never-used").exists()  # a temporary index, never the configured one
