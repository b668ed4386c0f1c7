"""The shared ONNX cache: where it is, what keys it, what a reader and a writer do when an entry is gone."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from qa.config import Settings, cache_root
from qa.embed.cache import EncoderCache
from qa.embed.export import ENCODER_FORMAT
from qa.embed.model import SentenceTransformerEmbedder, hash_model_dir
from qa.embed.onnx import FILES, OnnxEmbedder, file_record
from qa.errors import IndexMismatchError
from qa.index import layout
from qa.index.build import build_index
from qa.index.encoder import encoder_cache, query_embedder
from tests.conftest import ROOT
from tests.fakes.embedder import HashingEmbedder


class ModelFilesEmbedder(HashingEmbedder):
    """A fake that claims model files (a hash) but cannot export them, like a failed torch export."""

    def __init__(self, model_hash: str, model_id: str) -> None:
        super().__init__(model_id=model_id)
        self.hash = model_hash
        self.exports = 0

    def model_hash(self) -> str | None:
        return self.hash

    def export_onnx(self, dest: Path) -> None:
        self.exports += 1
        raise RuntimeError("no exporter here")


def fake_entry(cache: EncoderCache, model_hash: str, recorded_hash: str | None = None) -> Path:
    """Write a cache entry with placeholder files (enough for lookup, not for onnxruntime)."""
    folder = cache.folder(model_hash)
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).write_bytes(b"placeholder " + name.encode())
    meta = {"format": ENCODER_FORMAT, "model_id": "m", "model_hash": recorded_hash or model_hash,
            "files": file_record(folder)}  # fmt: skip
    (folder / "encoder.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_cache_folder_comes_from_the_setting_then_xdg_then_home(tmp_path: Path) -> None:
    assert cache_root(tmp_path / "mine", {"XDG_CACHE_HOME": "/elsewhere"}) == tmp_path / "mine"
    assert cache_root(None, {"QA_CACHE_DIR": str(tmp_path / "env"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "env"
    assert cache_root(None, {"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "qa"
    assert cache_root(None, {"XDG_CACHE_HOME": "relative/path"}) == Path.home() / ".cache" / "qa"  # invalid: ignored
    assert cache_root(None, {}) == Path.home() / ".cache" / "qa"
    assert Settings.from_env({"QA_CACHE_DIR": str(tmp_path / "env")}).cache_dir == tmp_path / "env"


def test_tests_never_write_the_users_cache(isolated_cache: Path) -> None:
    assert cache_root() == isolated_cache and Path.home() not in isolated_cache.parents


def test_model_hash_is_the_content_not_the_name(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "1_Pooling").mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"weights")
        (folder / "1_Pooling" / "config.json").write_text("{}")
    assert hash_model_dir(a) == hash_model_dir(b)  # two names for the same files share one export
    (b / ".gitattributes").write_text("*.bin lfs")  # neither hidden files...
    (b / "onnx").mkdir()
    (b / "onnx" / "model.onnx").write_bytes(b"another runtime's copy")  # ...nor other runtimes' weights count
    assert hash_model_dir(a) == hash_model_dir(b)
    (b / "model.safetensors").write_bytes(b"weightz")
    assert hash_model_dir(a) != hash_model_dir(b)
    (b / "model.safetensors").write_bytes(b"weights")
    (b / "1_Pooling" / "config.json").rename(b / "config.json")  # the same bytes elsewhere: another model
    assert hash_model_dir(a) != hash_model_dir(b)


def test_model_hash_memo_is_used_while_sizes_and_times_stay(tmp_path: Path) -> None:
    folder, memo = tmp_path / "model", tmp_path / "cache" / "model-hashes.json"
    folder.mkdir()
    weights = folder / "model.safetensors"
    weights.write_bytes(b"weights")
    first = hash_model_dir(folder, memo)
    assert memo.is_file() and hash_model_dir(folder) == first
    stat = weights.stat()
    weights.write_bytes(b"weightz")
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time: the memo answers
    assert hash_model_dir(folder, memo) == first
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert hash_model_dir(folder, memo) == hash_model_dir(folder) != first  # a new time: read again
    memo.write_text("{not json")
    assert hash_model_dir(folder, memo) == hash_model_dir(folder)  # a damaged memo is only ignored


def test_lookup_refuses_another_models_export_and_a_cut_short_one(tmp_path: Path) -> None:
    cache = EncoderCache(tmp_path)
    good = fake_entry(cache, "a" * 64)
    assert cache.lookup("a" * 64) == good and cache.damage("a" * 64) is None
    fake_entry(cache, "b" * 64, recorded_hash="c" * 64)  # copied under the wrong name
    assert cache.lookup("b" * 64) is None and cache.damage("b" * 64) == "made from another model"
    (good / "model.onnx").write_bytes(b"place")  # shorter than recorded: an interrupted copy
    assert cache.lookup("a" * 64) is None and "missing" in str(cache.damage("a" * 64))
    (good / "model.onnx").write_bytes(b"placeholder MODEL.onnx")  # same size, other bytes
    assert cache.lookup("a" * 64) == good  # the cheap check of every question passes...
    assert "changed" in str(cache.damage("a" * 64, full=False))  # ...qa index sees a new time, and checks
    assert cache.damage("a" * 64) == "model.onnx altered (checksum)"
    recorded = json.loads((good / "encoder.json").read_text())["files"]["model.onnx"]["mtime_ns"]
    os.utime(good / "model.onnx", ns=(recorded, recorded))  # altered with its time kept:
    assert cache.damage("a" * 64, full=False) is None  # trusted by qa index, as make would...
    assert cache.damage("a" * 64) == "model.onnx altered (checksum)"  # ...found by qa doctor's full check
    assert cache.lookup("d" * 64) is None and cache.damage("d" * 64) == "missing or incomplete"


@pytest.fixture
def own_cache(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a cache of the test's own (these tests put entries in it)."""
    return replace(settings, cache_dir=tmp_path / "cache")


def test_an_entry_whose_times_changed_is_checked_once_and_kept(tmp_path: Path) -> None:
    cache = EncoderCache(tmp_path)
    folder = fake_entry(cache, "a" * 64)
    os.utime(folder / "model.onnx", ns=(0, 0))  # as a copy without -p leaves it: same bytes, new times
    assert "changed" in str(cache.damage("a" * 64, full=False)) and cache.damage("a" * 64) is None
    embedder = ModelFilesEmbedder("a" * 64, "m")
    assert cache.ensure(embedder) == folder and embedder.exports == 0  # checksums right: not exported again
    assert cache.damage("a" * 64, full=False) is None  # the new times recorded: the next check is cheap


def test_index_records_the_model_hash_and_refuses_changed_model_files(own_cache: Settings, stores) -> None:  # type: ignore[no-untyped-def]
    settings = own_cache
    first = ModelFilesEmbedder("1" * 64, settings.embed_model)
    build_index(settings, first, stores=stores)
    gen = layout.require_current(settings.index_dir)
    assert layout.read_manifest(gen)["embed_hash"] == "1" * 64
    assert first.exports == 1  # tried, failed: a warning, and the index is there all the same
    assert build_index(settings, first, stores=stores).unchanged
    with pytest.raises(IndexMismatchError, match="changed since the index was built") as info:
        build_index(settings, ModelFilesEmbedder("2" * 64, settings.embed_model), stores=stores)
    assert info.value.hint == "run: qa index --rebuild"
    rebuilt = build_index(settings, ModelFilesEmbedder("2" * 64, settings.embed_model), stores=stores, rebuild=True)
    assert layout.read_manifest(layout.require_current(settings.index_dir))["embed_hash"] == "2" * 64
    assert rebuilt.embedded == rebuilt.passages


def test_an_index_from_before_the_cache_gets_its_hash_without_re_embedding(own_cache: Settings, stores) -> None:  # type: ignore[no-untyped-def]
    settings = own_cache
    build_index(settings, HashingEmbedder(model_id=settings.embed_model), stores=stores)  # no hash: like an old index
    old = layout.require_current(settings.index_dir)
    counting = ModelFilesEmbedder("1" * 64, settings.embed_model)
    report = build_index(settings, counting, stores=stores)
    new = layout.require_current(settings.index_dir)
    assert new.name != old.name and report.embedded == 0 and counting.embedded == 0
    assert layout.read_manifest(new)["embed_hash"] == "1" * 64


def test_reader_without_its_cache_entry_falls_back_with_one_warning(
    own_cache: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = own_cache
    build_index(settings, ModelFilesEmbedder("1" * 64, settings.embed_model))  # real (local) Chroma: cheap
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        embedder = query_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder._model is None  # loaded only if asked
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not in" in warnings[0] and "run: qa index" in warnings[0], warnings
    # An export of another model under that name is not used either.
    fake_entry(encoder_cache(settings), "1" * 64, recorded_hash="2" * 64)
    assert isinstance(query_embedder(settings), SentenceTransformerEmbedder)


# -- with the real model --------------------------------------------------------------------------


@pytest.mark.integration
def test_a_deleted_or_damaged_entry_still_answers_and_qa_index_makes_it_again(
    tmp_path: Path, corpus: Path, real_embedder: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    from qa.assistant import Assistant

    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive", cache_dir=tmp_path / "cache")
    build_index(s, real_embedder, progress=False)
    cache, model_hash = encoder_cache(s), real_embedder.model_hash()
    assert model_hash and cache.damage(model_hash) is None
    for damage in ("deleted", "cut short", "altered"):
        model = cache.folder(model_hash) / "model.onnx"
        if damage == "deleted":
            shutil.rmtree(cache.folder(model_hash))
        elif damage == "cut short":
            model.write_bytes(model.read_bytes()[:1000])
        else:
            data = bytearray(model.read_bytes())
            data[len(data) // 2] ^= 0xFF
            model.write_bytes(bytes(data))
        assert cache.damage(model_hash) is not None, damage
        if damage != "altered":  # what every question checks: the entry is there and complete
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                bot = Assistant.open(settings=s)
            assert not isinstance(bot.embedder, OnnxEmbedder), damage
            assert any("qa index" in r.getMessage() for r in caplog.records), damage
            assert "cannot use WeChat Pay" in bot.ask("Can WeChat Pay be used on Taobao?").text
        report = build_index(s, real_embedder, progress=False)  # nothing changed: only the encoder is made
        assert report.unchanged and cache.damage(model_hash) is None, damage
        assert isinstance(Assistant.open(settings=s).embedder, OnnxEmbedder), damage
    assert not [p for p in cache.encoders.iterdir() if p.name.endswith((".tmp", ".old"))]


@pytest.mark.integration
def test_two_processes_exporting_at_once_make_one_entry(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from qa.embed.cache import EncoderCache\n"
        "from qa.embed.model import SentenceTransformerEmbedder\n"
        "folder = EncoderCache(Path(sys.argv[1])).ensure(SentenceTransformerEmbedder())\n"
        "print(folder, (folder / 'model.onnx').stat().st_ino)\n"
    )
    cmd = [sys.executable, "-c", code, str(tmp_path / "cache")]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in "ab"]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-500:] for _, err in outputs]
    results = {out.strip() for out, _ in outputs}
    assert len(results) == 1, results  # the same folder, the same file: the second did not export again
    folder, inode = results.pop().rsplit(" ", 1)
    assert (Path(folder) / "model.onnx").stat().st_ino == int(inode)
    entries = sorted(p.name for p in (tmp_path / "cache" / "encoders").iterdir())
    assert [e for e in entries if not e.endswith(".lock")] == [Path(folder).name]  # no temporary folders left
    assert EncoderCache(tmp_path / "cache").damage(Path(folder).name) is None
