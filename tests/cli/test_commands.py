"""``qa chat`` and ``qa doctor`` driven in-process."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qa.cli import chat, doctor, main
from qa.config import Settings
from tests.conftest import ROOT, StartOllama
from tests.fakes.embedder import HashingEmbedder


def args_for(s: Settings, **extra: Any) -> argparse.Namespace:
    return argparse.Namespace(
        corpus_dir=str(s.corpus_dir), index_dir=str(s.index_dir), chroma_url=None, llm=s.llm, top_k=None, **extra
    )


def test_chat_keeps_history_and_new_resets(seeds_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = iter(["Can WeChat Pay be used on Taobao?", "And Alipay on WeChat mini-programs?", "/new", "", "/quit"])
    assert chat.run(args_for(seeds_index), read=lambda _prompt: next(inputs)) == 0
    out = capsys.readouterr().out
    assert "cannot use WeChat Pay" in out
    assert out.count("understood as:") == 1 and "Alipay" in out.split("understood as:")[1]
    assert "(new conversation)" in out


def test_chat_ends_on_eof(seeds_index: Settings) -> None:
    def eof(_prompt: str) -> str:
        raise EOFError

    assert chat.run(args_for(seeds_index), read=eof) == 0


def test_doctor_all_green_with_ollama(
    seeds_index: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fake_ollama: StartOllama
) -> None:
    srv = fake_ollama(models=["qwen2.5:3b"])
    monkeypatch.setenv("OLLAMA_HOST", srv.url)
    code = doctor.run(args_for(replace(seeds_index, llm="ollama")))
    out = capsys.readouterr().out
    assert code == 0 and "FAIL" not in out and "unique passages" in out


def test_doctor_names_the_fix_for_each_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.embed.model

    # The model check is not what this test is about; the hashing embedder stands in, so it stays a unit test.
    monkeypatch.setattr(qa.embed.model, "SentenceTransformerEmbedder", lambda _model: HashingEmbedder())
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # discard port: nothing listens
    s = Settings(corpus_dir=tmp_path / "none", index_dir=tmp_path / "idx", llm="ollama")
    assert doctor.run(args_for(s)) == 1
    out = capsys.readouterr().out
    assert (
        "fix: put .txt, .md, .rst, .csv, .html, .pdf or .docx files" in out
        and "fix: run: qa index" in out
        and "ollama pull" in out
    )


def test_doctor_reports_the_gguf_with_the_fix(
    seeds_index: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    notes = tmp_path / "model.gguf"
    notes.write_text("not a model")
    monkeypatch.setenv("QA_GGUF", str(notes))
    assert doctor.run(args_for(replace(seeds_index, llm="llamacpp"))) == 1  # asked for: a failure
    out = capsys.readouterr().out
    assert "[FAIL] GGUF model" in out and "is not a GGUF file" in out and "fix: point QA_GGUF at a .gguf" in out
    assert doctor.run(args_for(replace(seeds_index, llm="auto"))) == 0  # a fallback under auto: a warning
    monkeypatch.delenv("QA_GGUF")
    doctor.run(args_for(replace(seeds_index, llm="auto")))
    assert "GGUF model: none configured" in capsys.readouterr().out


def test_doctor_checks_the_model_and_its_encoder_without_torch(
    seeds_index: Settings, tmp_path: Path, isolated_cache: Path
) -> None:
    where = ["--index-dir", str(seeds_index.index_dir), "--corpus", str(seeds_index.corpus_dir)]
    code = (
        "import sys; from qa.cli import main\n"
        f"code = main(['doctor', '--llm', 'extractive', *{where!r}])\n"
        "print('loaded:', 'torch' in sys.modules, 'sentence_transformers' in sys.modules, code)\n"
    )

    def doctor_with(env: dict[str, str]) -> list[str]:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, **env}, timeout=120)  # fmt: skip
        assert res.returncode == 0, res.stderr
        return res.stdout.splitlines()

    out = doctor_with({})
    assert out[-1] == "loaded: False False 0", out  # checked without loading torch, and all is well
    encoder = next(line for line in out if "query encoder" in line)
    assert encoder.startswith("[ok  ]") and "checksums match" in encoder and "encodes" in encoder, out
    # The index's encoder gone from the cache: answers still work (slower), so a warning with the fix.
    out = doctor_with({"QA_CACHE_DIR": str(tmp_path / "empty-cache")})
    assert out[-1] == "loaded: False False 0", out
    at = next(i for i, line in enumerate(out) if "query encoder" in line)
    assert out[at].startswith("[warn]") and "missing" in out[at], out
    assert out[at + 1].strip().startswith("fix: run: qa index --corpus") and str(seeds_index.index_dir) in out[at + 1]
    # Altered with its size and time kept: readers would use it, so a failure, with how to remake it.
    from qa.index import layout

    entry = (
        isolated_cache / "encoders" / layout.read_manifest(layout.require_current(seeds_index.index_dir))["embed_hash"]
    )
    copy = tmp_path / "altered-cache" / "encoders" / entry.name
    shutil.copytree(entry, copy)  # copy2: times kept
    model, stat = copy / "model.onnx", (copy / "model.onnx").stat()
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "QA_CACHE_DIR": str(tmp_path / "altered-cache")}, timeout=120)  # fmt: skip
    out = res.stdout.splitlines()
    assert out[-1] == "loaded: False False 1", out
    at = next(i for i, line in enumerate(out) if "query encoder" in line)
    assert out[at].startswith("[FAIL]") and "model.onnx altered (checksum)" in out[at], out
    assert f"fix: delete {copy}, then run: qa index --corpus" in out[at + 1], out


def test_cli_dispatches_registered_commands(seeds_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "doctor",
            "--llm",
            "extractive",
            "--index-dir",
            str(seeds_index.index_dir),
            "--corpus",
            str(seeds_index.corpus_dir),
        ]
    )
    assert code == 0 and "extractive answers only" in capsys.readouterr().out
