"""Load test: many concurrent conversations through the running web app's API.

Starts ``python app.py`` on a free loopback port (or uses --url), then runs N conversations
in parallel, each asking Q questions in turn through gradio_client. It checks that every
question gets an answer and that each conversation's history holds only its own turns, and
prints latency percentiles. Bounded in count and time; loopback only.

    .venv/bin/python scripts/load_test.py [--conversations 20] [--questions 10] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Can WeChat Pay be used on Taobao?",
    "And Alipay on WeChat mini-programs?",
    "Who owns the South China Morning Post?",
    "Since when can Tencent Video link directly to Taobao?",
    "What happened to food prices in August?",
    "Which younger rival competes with Alibaba and Tencent?",
    "What is Alimama Uni Desk?",
    "What will the companies do for Singles' Day?",
    "What is the capital of France?",
    "Where were the Honour of Kings finals aired?",
]


def text(markup: Any) -> str:
    body = markup if isinstance(markup, str) else "".join(p.get("text", "") for p in markup if isinstance(p, dict))
    return unescape(re.sub(r"<[^>]+>", " ", body))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "QA_PORT": str(port), "QA_HOST": "127.0.0.1", "QA_LLM": os.environ.get("QA_LLM", "extractive")}
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited: {proc.stderr.read().decode() if proc.stderr else ''}") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("app.py did not start within 180 s")


def conversation(url: str, index: int, questions: list[str], latencies: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    for turn, question in enumerate(questions, start=1):
        t0 = time.perf_counter()
        try:
            messages, _panel, _box = client.predict(f"{question}", api_name="/ask")
        except Exception as exc:  # a failed request is a finding, not a crash of the load test
            errors.append(f"conversation {index} turn {turn}: {type(exc).__name__}: {exc}")
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        asked = [text(m["content"]).strip() for m in messages if m["role"] == "user"]
        answer = text(messages[-1]["content"]).strip() if messages else ""
        if asked != [q.strip() for q in questions[:turn]]:
            errors.append(f"conversation {index} turn {turn}: history holds other turns: {asked}")
        if not answer:
            errors.append(f"conversation {index} turn {turn}: empty answer")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=20)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--url")
    opts = ap.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # gradio_client would report each Client
    proc, url = (None, opts.url) if opts.url else start_app()
    try:
        latencies: list[float] = []
        errors: list[str] = []
        # Each conversation asks the questions in its own rotated order: histories differ, so a leak shows.
        threads = [
            threading.Thread(
                target=conversation,
                args=(
                    url,
                    i,
                    (QUESTIONS[i % len(QUESTIONS) :] + QUESTIONS[: i % len(QUESTIONS)])[: opts.questions],
                    latencies,
                    errors,
                ),
            )
            for i in range(opts.conversations)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=900)
        wall = time.perf_counter() - t0
        latencies.sort()
        n = len(latencies)
        expected = opts.conversations * opts.questions
        print(
            f"{opts.conversations} conversations x {opts.questions} questions: {n}/{expected} answered in {wall:.1f} s "
            f"({n / wall:.1f} answers/s)"
        )
        if n:
            p95 = latencies[max(0, int(n * 0.95) - 1)]
            print(
                f"latency per question: p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
            )
        for e in errors[:20]:
            print("ERROR", e)
        print(f"errors: {len(errors)}")
        return 0 if not errors and n == expected else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
