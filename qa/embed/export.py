"""Exporting a sentence-transformers model to ONNX with torch (the format read by qa.embed.onnx).

Only ``SentenceTransformerEmbedder.export_onnx`` calls this, from ``qa index`` through the
shared cache (qa.embed.cache), which checks the export against the model and keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ENCODER_FORMAT = 1  # of encoder.json; qa.embed.onnx reads only this one
_POOLING = ("mean", "cls")  # pooling modes the export reproduces


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
