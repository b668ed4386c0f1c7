"""Report the LLM prompt size (cl100k tokens, characters) for every golden question.

.venv/bin/python scripts/prompt_sizes.py [tests/golden/seeds.jsonl]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.prompt import build_messages, count_tokens  # noqa: E402
from qa.assistant import Assistant  # noqa: E402


def main() -> None:
    golden = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/golden/seeds.jsonl"
    bot = Assistant.open(corpus_dir=ROOT / "seeds", llm="extractive")
    tokens, chars = [], []
    for line in golden.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)["question"]
        messages = build_messages(q, bot.retriever.search(q, bot.settings.top_k))
        tokens.append(count_tokens(messages))
        chars.append(sum(len(m["content"]) for m in messages))
    print(
        f"{len(tokens)} questions, top_k={bot.settings.top_k}: prompt tokens (cl100k) median {statistics.median(tokens):.0f}, "
        f"max {max(tokens)}, min {min(tokens)}; characters median {statistics.median(chars):.0f}, max {max(chars)}"
    )


if __name__ == "__main__":
    main()
