"""The Chroma store used directly: cosines, scoping, idempotent writes, and errors mapped by type."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.cli import doctor
from qa.config import Settings
from qa.errors import IndexCorruptError, StoreUnavailableError
from qa.index import layout
from qa.index.build import build_index
from qa.index.vectors import ChromaStore, ChromaStores, http_client
from qa.index.view import IndexView
from tests.conftest import ROOT
from tests.fakes.embedder import HashingEmbedder
from tests.web.conftest import free_port


def unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


def test_local_store_returns_cosines_within_scope_and_writes_idempotently(tmp_path: Path) -> None:
    store = ChromaStore.persistent(tmp_path / "chroma", "passages", create=True)
    vectors = unit([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    store.upsert(["a", "b", "c"], vectors, ["A", "B", "C"])
    store.upsert(["b"], unit([[1, 1, 0]]), ["B"])  # again: still three
    assert store.count() == 3 and store.ids() == {"a", "b", "c"}
    query = unit([[1, 0.2, 0]])[0]
    got = store.query(query, 3)
    assert [i for i, _ in got] == ["a", "b", "c"]
    np.testing.assert_allclose([s for _, s in got], vectors @ query, atol=1e-5)  # cosine, no exp(-d) round trip
    assert [i for i, _ in store.query(query, 3, within={"b", "c"})] == ["b", "c"]
    store.delete(["a"])
    assert store.ids() == {"b", "c"} and store.query(query, 1)[0][0] == "b"


def test_damaged_local_database_is_reported_as_corruption(tmp_path: Path, corpus: Path) -> None:
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    embedder = HashingEmbedder()
    build_index(s, embedder, progress=False)
    gen = layout.require_current(s.index_dir)
    (gen.chroma_path / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError) as info:
        IndexView.open(s, embedder.model_id)
    assert info.value.hint == "run: qa index --rebuild" and "InternalError" in info.value.message


def test_a_chroma_server_that_is_not_running_is_an_outage_not_a_missing_collection(
    tmp_path: Path,
    corpus: Path,
    stores,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(StoreUnavailableError) as info:
        http_client(url)
    assert f"the Chroma server at {url} is not reachable" in info.value.message
    assert "chroma run" in str(info.value.hint) and "ConnectError" in info.value.message
    # The same through the whole path: an index whose vectors live on that server.
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", chroma_url=url)
    embedder = HashingEmbedder(model_id=s.embed_model)
    build_index(s, embedder, stores=stores, progress=False)  # the manifest and BM25 are local
    with pytest.raises(StoreUnavailableError):
        IndexView.open(s, embedder.model_id, ChromaStores(s))
    with pytest.raises(StoreUnavailableError):
        build_index(replace(s, corpus_dir=corpus), embedder, rebuild=True, progress=False)
    assert doctor.run(argparse.Namespace(corpus_dir=str(corpus), index_dir=str(s.index_dir), chroma_url=url,
                                         llm="extractive", top_k=None)) == 1  # fmt: skip
    out = capsys.readouterr().out
    assert f"[FAIL] Chroma server: the Chroma server at {url} is not reachable" in out, out
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    res = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Can WeChat Pay be used on Taobao?", "--llm", "extractive",
         "--corpus", str(corpus), "--index-dir", str(s.index_dir), "--chroma-url", url],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert res.returncode == StoreUnavailableError.exit_code, res.stderr
    assert f"\nerror: the Chroma server at {url} is not reachable" in f"\n{res.stderr}", res.stderr
    assert "Traceback" not in res.stderr and "rebuild" not in res.stderr  # nothing to rebuild: start the server
