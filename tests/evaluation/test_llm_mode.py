"""``qa eval --llm ollama`` scores generated answers: the same set, another backend, over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qa.config import Settings
from qa.types import ABSTAIN_TEXT
from tests.conftest import ROOT, SEEDS, StartOllama
from tests.fakes.replies import WECHAT_REPLY

pytestmark = pytest.mark.slow
MODEL = "qwen2.5:3b"


def reply(messages: list[dict[str, Any]]) -> str:
    """Answer the WeChat Pay question from its source; refuse anything else, as the prompt asks."""
    if "wechat pay be used" not in messages[-1]["content"].lower():
        return ABSTAIN_TEXT
    return WECHAT_REPLY(messages)


def test_llm_answers_are_scored_and_the_mode_reported(
    seeds_index: Settings, tmp_path: Path, fake_ollama: StartOllama
) -> None:
    golden = tmp_path / "g.jsonl"
    golden.write_text(
        json.dumps({"id": "w", "question": "Can WeChat Pay be used on Taobao?", "answerable": True, "type": "yes_no",
                    "key_facts": [["cannot"], ["wechat pay"]],
                    "evidence": "users still cannot use WeChat Pay for transactions on Taobao"}) + "\n"
        + json.dumps({"id": "u", "question": "Who is the chief executive of Tencent?", "answerable": False}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    srv = fake_ollama(models=[MODEL], responder=reply)
    res = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--llm", "ollama", "--json", "--golden", str(golden),
         "--corpus", str(SEEDS), "--index-dir", str(seeds_index.index_dir)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "OLLAMA_HOST": srv.url, "QA_OLLAMA_MODEL": MODEL},
    )  # fmt: skip
    asked = len(srv.bodies("/api/chat"))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    # The unanswerable question never reaches the model: the scorer refuses it first (QA_LLM_GATE),
    # and the report says that one answer was extractive.
    assert out["mode"] == f"ollama:{MODEL}, extractive"
    questions = [b["messages"][-1]["content"] for b in srv.bodies("/api/chat")]
    assert asked >= 1 and not any("chief executive" in q for q in questions)
    assert out["answer"] == {"key_fact_recall": 1.0, "all_facts": 1.0}
    assert out["citations"] == {"precision": 1.0, "recall": 1.0}
    assert out["abstention"] == {"correct_refusal": 1.0, "false_refusal": 0.0}
