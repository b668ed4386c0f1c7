"""Benchmark: time the product adds between the LLM server's first token and the first text it yields.

Runs the real client code (LlamaIndex's Ollama integration over HTTP) against the loopback
Ollama server from the tests, which waits a fixed delay before its first token. The overhead
is (first text yielded by Assistant.stream) - (moment the server sends its first token).

    .venv/bin/python scripts/bench_llm_overhead.py [--runs 20] [--delay 0.3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from tests.fakes.llm_servers import OllamaServer, Reply  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--delay", type=float, default=0.3, help="server delay before its first token (s)")
    opts = ap.parse_args()
    sent: list[float] = []

    def responder(_messages: object) -> Reply:
        sent.append(time.perf_counter() + opts.delay)  # the server writes its first token then
        return Reply("Users still cannot use WeChat Pay for transactions on Taobao [1].", delay_first_token=opts.delay)

    with tempfile.TemporaryDirectory() as tmp, OllamaServer(models=["qwen2.5:3b"], responder=responder) as srv:
        settings = Settings(corpus_dir=ROOT / "seeds", index_dir=Path(tmp) / "index", llm="ollama", ollama_host=srv.url)
        bot = Assistant.open(settings=settings)
        bot.ask("warm up the model and the HTTP connection")
        overheads = []
        for _ in range(opts.runs):
            sent.clear()
            with bot.stream("Can WeChat Pay be used on Taobao?") as answering:  # closed: the generation stops
                for _ in answering:
                    overheads.append((time.perf_counter() - sent[0]) * 1000)
                    break
            bot.ask("Can WeChat Pay be used on Taobao?")  # a full answer too, so connection reuse is realistic
    overheads.sort()
    p95 = overheads[max(0, int(len(overheads) * 0.95) - 1)]
    print(
        f"first-token overhead over {len(overheads)} runs: p50 {statistics.median(overheads):.1f} ms, p95 {p95:.1f} ms, max {overheads[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
