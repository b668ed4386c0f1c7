"""scripts/train_scorer.py is deterministic: the same slice of the pool gives the same model file."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POOL = ROOT.parent / "shared" / "benchmarks" / "squad2-pool.json"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("train_scorer", ROOT / "scripts" / "train_scorer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_scorer"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not POOL.is_file(), reason="the SQuAD pool is not beside the checkout")
def test_training_on_a_slice_twice_writes_the_same_model(tmp_path: Path, loads_real_model: None) -> None:
    train = _script()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert train.main(["--limit", "2", "--work", str(tmp_path / "work"), "--out", str(first)]) == 0
    # A work folder left by an older version of the package: its index is remade, not a traceback.
    for manifest in (tmp_path / "work" / "index").rglob("manifest.json"):
        data = json.loads(manifest.read_text())
        manifest.write_text(json.dumps(data | {"format": data["format"] - 1}))
    assert train.main(["--limit", "2", "--work", str(tmp_path / "work"), "--out", str(second), "--fresh"]) == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    for model in (a, b):
        del model["metadata"]["seconds"]
    assert a == b
    assert a["metadata"]["held_out_articles"] and a["metadata"]["fit_articles"]
    assert not set(a["metadata"]["held_out_articles"]) & set(a["metadata"]["fit_articles"])


def test_the_evaluation_file_is_refused_as_training_data(tmp_path: Path) -> None:
    train = _script()
    bad = tmp_path / "squad2-dev-normans-rhine.json"
    bad.write_text("{}")
    with pytest.raises(SystemExit):
        train.main(["--pool", str(bad), "--work", str(tmp_path)])
