"""The real pipeline on the seeds: real model, real Chroma, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.index.build import build_index
from tests.conftest import ROOT, SEEDS


def test_wechat_pay_question_quotes_and_cites_the_sentence(seeds_assistant: Assistant) -> None:
    ans = seeds_assistant.ask("Can WeChat Pay be used on Taobao?")
    assert not ans.abstained and ans.mode == "extractive"
    assert "users still cannot use WeChat Pay for transactions on Taobao" in ans.text
    cited = [c for c in ans.citations if "cannot use WeChat Pay" in c.quote]
    assert cited and (SEEDS / cited[0].source).is_file()


def test_every_citation_span_matches_the_file_on_disk(seeds_assistant: Assistant) -> None:
    questions = [
        "Can WeChat Pay be used on Taobao?",
        "When did Alibaba and Tencent start breaking down barriers between their services?",
        "What happened to food prices in August?",
        "Who owns the South China Morning Post?",
    ]
    checked = 0
    for q in questions:
        ans = seeds_assistant.ask(q)
        assert len({c.quote for c in ans.citations}) == len(ans.citations)  # never the same text twice
        for c in ans.citations:
            disk = (SEEDS / c.source).read_bytes().decode("utf-8")
            assert disk[c.start : c.end] == c.quote
            lines = disk.splitlines()
            assert c.quote.splitlines()[0] in lines[c.line_start - 1]
            assert f"[{c.n}]" in ans.text
            checked += 1
    assert checked >= len(questions)


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I bake sourdough bread at home?"])
def test_unrelated_question_abstains_and_lists_nearest(seeds_assistant: Assistant, question: str) -> None:
    ans = seeds_assistant.ask(question)
    assert ans.abstained and ans.citations == ()
    assert "do not contain" in ans.text
    assert ans.hits  # the nearest passages are still shown


def test_second_index_run_re_embeds_nothing(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    s = Settings(corpus_dir=SEEDS, index_dir=tmp_path / "index")
    first = build_index(s, real_embedder, progress=False)
    second = build_index(s, real_embedder, progress=False)
    assert first.embedded == first.passages > 0
    assert second.unchanged and second.embedded == 0


def run_qa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_cli_ask_json_contract(seeds_index: Settings) -> None:
    res = run_qa("ask", "Can WeChat Pay be used on Taobao?", "--json", "--llm", "extractive",
                 "--index-dir", str(seeds_index.index_dir), "--corpus", str(SEEDS))  # fmt: skip
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"question", "answer", "abstained", "mode", "citations", "timings_ms"} <= set(data)
    assert data["mode"] == "extractive" and data["abstained"] is False
    c = data["citations"][0]
    assert set(c) >= {"n", "source", "start", "end", "line_start", "line_end", "quote", "supported"}
    assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]


def test_cli_bad_input_is_one_line_and_non_zero(tmp_path: Path, seeds_index: Settings) -> None:
    res = run_qa("ask", "   ", "--index-dir", str(seeds_index.index_dir))
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: the question is empty")
    res = run_qa("ask", "x" * 2500, "--index-dir", str(seeds_index.index_dir))
    assert res.returncode != 0 and "2,000" in res.stderr and "Traceback" not in res.stderr
    res = run_qa("index", "--corpus", str(tmp_path / "missing"), "--index-dir", str(tmp_path / "i"))
    assert res.returncode != 0 and "missing" in res.stderr and "Traceback" not in res.stderr


def test_open_builds_the_index_when_missing(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    bot = Assistant.open(index_dir=tmp_path / "fresh", corpus_dir=SEEDS, llm="extractive", embedder=real_embedder)
    assert (tmp_path / "fresh" / "CURRENT").is_file()
    assert not bot.ask("Who owns the South China Morning Post?").abstained


def test_scoped_questions_search_only_the_chosen_documents_in_chroma(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "trains.txt").write_text("The night train to Vienna leaves at ten in the evening.\n", encoding="utf-8")
    (corpus / "buses.txt").write_text("The night bus to Vienna leaves at eleven in the evening.\n", encoding="utf-8")
    (corpus / "ferries.txt").write_text("The ferry to the island leaves every hour in summer.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")
    build_index(settings, real_embedder, progress=False)
    bot = Assistant.open(settings=settings, embedder=real_embedder)
    hits = bot.retriever.search("When does the night train to Vienna leave?", 3, sources=["buses.txt", "ferries.txt"])
    assert hits and {h.passage.span.source for h in hits} <= {"buses.txt", "ferries.txt"}
    assert hits[0].passage.span.source == "buses.txt" and hits[0].dense is not None and hits[0].dense > 0.5
    out = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "When does the night train leave?", "--corpus", str(corpus),
         "--index-dir", str(settings.index_dir), "--llm", "extractive", "--source", "buses.txt", "--json"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["scope"] == ["buses.txt"] and {c["source"] for c in answer["citations"]} <= {"buses.txt"}
