"""Making the ONNX query encoder at index time: export, check against the original, share between generations."""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.embed.model import Embedder, SentenceTransformerEmbedder
from qa.embed.onnx import ENCODER_FORMAT, OnnxEmbedder, encoder_dir, read_meta

if TYPE_CHECKING:
    from qa.index.layout import Generation

log = logging.getLogger(__name__)
_POOLING = ("mean", "cls")  # pooling modes the export reproduces


def ensure_encoder(gen: Generation, previous: Generation | None, embedder: Embedder) -> bool:
    """Give ``gen`` the ONNX export of ``embedder``'s model; return True when it has one.

    An existing export of the same model (the previous generation's, or one made earlier
    in this process) is hard-linked: no copy, no torch. Otherwise a sentence-transformers
    embedder's model is exported. Other embedders (test fakes) have nothing to export.
    A failed export is only a warning: answering then falls back to sentence-transformers.
    """
    dest = encoder_dir(gen)
    candidates = [dest, encoder_dir(previous) if previous else None]
    if isinstance(embedder, SentenceTransformerEmbedder):
        candidates.append(_EXPORTED.get(embedder.model_id))
    elif isinstance(embedder, OnnxEmbedder):
        candidates.append(embedder.folder)
    for src in candidates:
        meta = read_meta(src) if src else None
        if src and meta is not None and meta.get("model_id") == embedder.model_id:
            if src != dest:
                _install(dest, functools.partial(_link_tree, src))
            return True
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return False
    try:
        _install(dest, lambda tmp: _export_checked(embedder, tmp))
    except Exception as exc:  # torch's exporter raises many kinds; the index itself is fine
        log.warning("could not export %s to ONNX (%s: %s); answering will load torch", embedder.model_id,
                    type(exc).__name__, str(exc)[:200])  # fmt: skip
        return False
    _EXPORTED[embedder.model_id] = dest
    return True


# Exports made by this process, by model: a second index (a test, a temporary evaluation
# index) links to one instead of exporting again (a few seconds and 90 MB each time).
_EXPORTED: dict[str, Path] = {}


# Varied probes: short, long (past 128 word pieces), non-Latin, empty; batched together so
# padding is exercised. An export that disagrees with the original model is not kept.
_PROBES = (
    "Can WeChat Pay be used on Taobao?",
    "",
    "Alibaba and Tencent have long run rival ecosystems. " * 12,
    "腾讯和阿里巴巴", "Prices rose 3.5% in August, the statistics bureau said.",
)  # fmt: skip
MIN_AGREEMENT = 0.999


def _export_checked(embedder: SentenceTransformerEmbedder, dest: Path) -> None:
    export(embedder.model(), embedder.model_id, dest)
    got = OnnxEmbedder(dest, embedder.model_id, cache_size=0).encode(_PROBES)
    agreement = float((got * embedder.embed(_PROBES)).sum(axis=1).min())
    if agreement < MIN_AGREEMENT:
        raise ValueError(f"the export disagrees with the model (cosine {agreement:.4f})")


def _install(dest: Path, fill: Callable[[Path], None]) -> None:
    """Fill a temporary folder and rename it to ``dest``: readers never see half an export."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _link_tree(src: Path, dest: Path) -> None:
    for item in src.iterdir():
        try:
            os.link(item, dest / item.name)  # generations share one copy of the 90 MB model
        except OSError:
            shutil.copy2(item, dest / item.name)


def export(model: Any, model_id: str, dest: Path) -> None:
    """Write ``model`` (a loaded SentenceTransformer) as model.onnx + tokenizer.json + encoder.json."""
    import inspect
    import warnings

    import torch

    modules = [type(m).__name__ for m in model]
    if modules[:2] != ["Transformer", "Pooling"] or any(m != "Normalize" for m in modules[2:]):
        raise ValueError(f"unsupported module pipeline {modules}")
    pooling = str(model[1].get_config_dict().get("pooling_mode", ""))
    if pooling not in _POOLING:
        raise ValueError(f"unsupported pooling {pooling!r}")
    hf = model[0].auto_model
    wrapper = _pooled(hf, pooling).eval()

    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(hf.forward).parameters:
        names.append("token_type_ids")
    # Trace with a padded row: a mask of all ones may let the model skip masking altogether.
    ids = torch.tensor([[101, 2000, 2001, 2002, 2003, 102], [101, 2000, 102, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    example = (ids, mask, torch.zeros_like(ids))[: len(names)]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes about constant shapes do not apply here
        torch.onnx.export(wrapper, example, str(dest / "model.onnx"), input_names=names,
                          output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip
    model.tokenizer.backend_tokenizer.save(str(dest / "tokenizer.json"))
    meta = {
        "format": ENCODER_FORMAT,
        "model_id": model_id,
        "max_seq_length": int(model.max_seq_length),
        "pad_token": str(model.tokenizer.pad_token),
        "pad_id": int(model.tokenizer.pad_token_id),
        "dimension": int(model.get_embedding_dimension()),
        "pooling": pooling,
        "inputs": names,
    }
    (dest / "encoder.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _pooled(hf: Any, pooling: str) -> Any:
    """Return the HF model followed by sentence-transformers' pooling and normalisation."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hf = hf

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            hidden = self.hf(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
            if pooling == "cls":
                vector = hidden[:, 0]
            else:
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vector, p=2, dim=1)

    return Pooled()
