"""``qa ask`` without a language model starts cold without LlamaIndex (importing llama_index.core is ~0.9 s).

LlamaIndex is the LLM layer: an extractive answer, or ``--llm auto`` when Ollama is not running,
has no use for it. Checked in fresh processes, where an import cannot hide behind an earlier test's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from qa.config import Settings
from tests.conftest import ROOT

QUESTION = "Can WeChat Pay be used on Taobao?"

ANSWER_PATH = """
import json, sys
from qa.ingest.split import split_document
from qa.types import Document, Hit

# Index-time work (splitting; Punkt's data is found beside LlamaIndex) happens before the snapshot.
text = "Users cannot use WeChat Pay on Taobao. Alipay is not accepted on WeChat mini-programs.\\n"
passages = split_document(Document("pay.txt", text, "x"))
hits = [Hit(p, 1.0 / (i + 1), rank=i + 1) for i, p in enumerate(passages)]
before = set(sys.modules)

import qa.assistant, qa.cli.ask, qa.cli.chat, qa.web.session
from qa.answer.backends import Backends
from qa.answer.corpus import CorpusStats
from qa.answer.extractive import ExtractiveAnswerer
from qa.config import Settings
from tests.fakes.embedder import HashingEmbedder

for llm in ("extractive", "auto"):
    chat, notice = Backends(Settings(llm=llm, ollama_host=sys.argv[1])).select()
    assert chat is None, llm
emb = HashingEmbedder()
question = "Can WeChat Pay be used on Taobao?"
draft = ExtractiveAnswerer(emb).answer(question, emb.embed([question])[0], hits, CorpusStats.build(passages))
assert not draft.abstained and "WeChat Pay" in draft.text, draft
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.split(".")[0] == "llama_index")))
"""


def test_the_answer_path_without_a_model_imports_no_llamaindex(closed_port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ANSWER_PATH, closed_port], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def imported(*args: str, env: dict[str, str]) -> set[str]:
    """Run ``python -X importtime -m qa ask ...``; return every module it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qa", "ask", QUESTION, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cannot use WeChat Pay" in done.stdout  # it answered, extractively
    return set(re.findall(r"^import time:.*\|\s*(\S+)\s*$", done.stderr, re.M))


def test_qa_ask_extractive_and_auto_without_ollama_never_import_llamaindex(
    seeds_index: Settings, closed_port: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["QA_OLLAMA_HOST"] = closed_port
    where = ["--corpus", str(seeds_index.corpus_dir), "--index-dir", str(seeds_index.index_dir)]
    for llm in ("extractive", "auto"):
        modules = imported(*where, "--llm", llm, env=env)
        assert "qa.assistant" in modules  # the measurement saw the answer path
        assert sorted(m for m in modules if m.split(".")[0] == "llama_index") == [], llm
