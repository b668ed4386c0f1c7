"""``python -m qa.bench.starter build|ask|warm``: the LlamaIndex starter in a process of its own.

The configuration is qa.evaluation.baseline's (the one ``qa eval --baseline`` runs), kept in
a Chroma folder here so that ``ask`` can time a fresh process opening it, as ``qa bench``
times a fresh ``qa ask``. ``warm`` scores retrieval with the evaluation's rules.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from qa.config import DEFAULT_EMBED_MODEL
from qa.errors import QAError
from qa.evaluation.baseline import StarterRetriever
from qa.evaluation.golden import load_golden
from qa.evaluation.metrics import first_hit_rank, hit_rates, percentile

TOP_K = 5  # the depth of the hit@5 it is compared on


def build(corpus: Path, chroma_dir: Path) -> int:
    """Index ``corpus`` the starter way into ``chroma_dir``; return the number of chunks."""
    return StarterRetriever.build(corpus, DEFAULT_EMBED_MODEL, TOP_K, chroma_dir=chroma_dir).chunks


def warm(chroma_dir: Path, golden: Path, corpus: Path | None = None) -> dict[str, float | None]:
    """Return retrieval latency percentiles and hit@5 over the golden questions, in one process."""
    questions = load_golden(golden)
    r = StarterRetriever.open(chroma_dir, DEFAULT_EMBED_MODEL, TOP_K, corpus)
    r.retrieve("a first question to warm up")
    latencies, ranks = [], []
    for q in questions:
        query = " ".join([*q.history, q.question])  # the starter has no follow-up rewriting
        t0 = time.perf_counter()
        retrieved = r.retrieve(query)
        latencies.append((time.perf_counter() - t0) * 1000)
        if q.answerable:
            ranks.append(first_hit_rank(retrieved, q))
    hit_at, _ = hit_rates(ranks)
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "hit@5": hit_at[TOP_K]}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.bench.starter")
    p.add_argument("action", choices=["build", "ask", "warm"])
    p.add_argument("--chroma", type=Path, required=True)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--question", default="Can WeChat Pay be used on Taobao?")
    p.add_argument("--golden", type=Path)
    args = p.parse_args(argv)
    if args.action == "build" and args.corpus is None:
        p.error("build needs --corpus")
    if args.action == "warm" and args.golden is None:
        p.error("warm needs --golden")
    try:
        if args.action == "build":
            print(json.dumps({"chunks": build(args.corpus, args.chroma)}))
        elif args.action == "ask":
            found = StarterRetriever.open(args.chroma, DEFAULT_EMBED_MODEL, TOP_K).retrieve(args.question)
            print(json.dumps({"retrieved": len(found)}))
        else:
            print(json.dumps(warm(args.chroma, args.golden, args.corpus)))
    except QAError as exc:  # one line for the bench's section error, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
