"""The ONNX query encoder: same vectors as sentence-transformers, used when present, fallback when not."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.embed.cache import EncoderCache
from qa.embed.model import SentenceTransformerEmbedder
from qa.embed.onnx import OnnxEmbedder
from qa.index import layout
from qa.index.build import build_index
from qa.index.encoder import encoder_cache, query_embedder
from tests.conftest import ROOT, SEEDS
from tests.fakes.embedder import HashingEmbedder

# Varied on purpose: empty, one character, very long (past the 128 word pieces tokenizer.json
# truncates at, and past the model's 256), other scripts, emoji, numbers, markup, odd spacing.
TEXTS = [
    "",
    "a",
    "Can WeChat Pay be used on Taobao?",
    "Users still cannot use WeChat Pay for transactions on Taobao.",
    "WECHAT PAY ON TAOBAO?!",
    "Alibaba and Tencent have long run rival ecosystems. " * 8,
    "The consumer price index fell 0.4 per cent year on year in August. " * 30,
    "腾讯和阿里巴巴正在打破彼此之间的壁垒。",
    "Доходы компании выросли на 12 процентов.",
    "Les prix des aliments ont baissé en août.",
    "Die Preise für Lebensmittel sind im August gesunken.",
    "価格は8月に下落した。",
    "🎉🚀 launch day! 🙂",
    "3.14159 2.71828 1.41421 42 1e-9 -7",
    "def embed(texts): return model.encode(texts)",
    "<p>Some <b>markup</b> &amp; entities</p>",
    "   leading and trailing spaces   ",
    "tabs\tand\nnew\nlines",
    "Who owns the South China Morning Post?",
    "The South China Morning Post is owned by Alibaba.",
    "How do I bake sourdough bread at home?",
    "What is the capital of France?",
    "Food prices dropped in August.",
    "Services prices rose by 1.3 per cent.",
    "e-commerce, fintech, cloud-computing; ad-tech: all of them.",
    "“Curly quotes” and ‘single ones’ — with dashes – too…",
    "ALL CAPS HEADLINE ABOUT MARKETS",
    "no punctuation at all just words in a row",
    "Ant Group's Alipay",
    "JD.com, Meituan and Pinduoduo compete in e-commerce.",
    "x" * 2000,
    "The the the the the the the the the the.",
    "Q: Is it free? A: No.",
    "Mr. Smith went to Washington D.C. on Jan. 5.",
    "naïve café résumé coöperate",
    "12:30 pm, 31/12/2023, $1,000,000",
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))


@pytest.fixture(scope="module")
def exported(isolated_cache: Path, real_embedder: SentenceTransformerEmbedder) -> OnnxEmbedder:
    folder = EncoderCache(isolated_cache).ensure(real_embedder)  # the session's cache: exported once
    assert folder is not None
    return OnnxEmbedder(folder, real_embedder.model_id)


def test_onnx_vectors_match_sentence_transformers(
    exported: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder
) -> None:
    reference = real_embedder.embed(TEXTS)
    batched = exported.encode(TEXTS)  # one call: padding and length-sorting are exercised
    one_by_one = np.vstack([exported.encode([t]) for t in TEXTS])
    assert batched.shape == reference.shape and batched.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    worst = min(cosines(batched, reference).min(), cosines(one_by_one, reference).min())
    assert worst > 0.999, [t[:30] for t, c in zip(TEXTS, cosines(batched, reference), strict=True) if c <= 0.999]


def test_seeds_index_answers_without_importing_torch(seeds_index: Settings) -> None:
    # A fresh process, as `qa ask` is: the export must spare it sentence-transformers and torch.
    code = (
        "import sys; from pathlib import Path; from qa.assistant import Assistant; from qa.config import Settings\n"
        f"bot = Assistant.open(settings=Settings(index_dir=Path({str(seeds_index.index_dir)!r}), "
        f"corpus_dir=Path({str(SEEDS)!r}), llm='extractive'))\n"
        "ans = bot.ask('Can WeChat Pay be used on Taobao?')\n"
        "print(type(bot.embedder).__name__, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
        "print(ans.text)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    first, answer = res.stdout.split("\n", 1)
    assert first == "OnnxEmbedder False False"
    assert "cannot use WeChat Pay" in answer
    assert "warning" not in res.stderr.lower()


def test_update_embeds_with_the_shared_export_and_no_index_holds_a_copy(
    settings: Settings, real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    build_index(settings, real_embedder, progress=False)
    first = layout.require_current(settings.index_dir)
    with (settings.corpus_dir / sorted(os.listdir(settings.corpus_dir))[0]).open("a", encoding="utf-8") as f:
        f.write("\n\nThe zebra count at the Hangzhou office reached 17 in October.\n")
    fresh = SentenceTransformerEmbedder()  # never loaded: the update must not need torch
    report = build_index(settings, fresh, progress=False)
    second = layout.require_current(settings.index_dir)
    assert report.embedded == 1 and second.name != first.name
    assert fresh._model is None
    # A second index of the same corpus uses the same export: one entry in the cache, none in the indexes.
    other = Settings(corpus_dir=settings.corpus_dir, index_dir=tmp_path / "other-index", llm="extractive")
    build_index(other, real_embedder, progress=False)
    cache = encoder_cache(settings)
    model_hash = real_embedder.model_hash()
    assert model_hash and [p.name for p in cache.encoders.iterdir() if not p.name.startswith(".")] == [model_hash]
    for s in (settings, other):
        gen = layout.require_current(s.index_dir)
        assert layout.read_manifest(gen)["embed_hash"] == model_hash
        size = sum(p.stat().st_size for p in s.index_dir.rglob("*") if p.is_file())
        assert size < 5e6, size  # the seeds index was 88 MB when each generation carried the model
    from qa.assistant import Assistant

    bot = Assistant.open(settings=settings)
    assert isinstance(bot.embedder, OnnxEmbedder) and bot.embedder.folder == cache.folder(model_hash)
    assert "17" in bot.ask("How many zebras were counted at the Hangzhou office?").text


def test_vector_cache_returns_the_same_vectors_and_stays_bounded(exported: OnnxEmbedder) -> None:
    small = OnnxEmbedder(exported.folder, exported.model_id, cache_size=3)
    first = small.embed(TEXTS[:5])
    again = small.embed(list(reversed(TEXTS[:5])))
    np.testing.assert_array_equal(first, again[::-1])
    np.testing.assert_allclose(first, small.encode(TEXTS[:5]), atol=1e-6)
    assert list(small._cache) == [TEXTS[2], TEXTS[1], TEXTS[0]]  # the least recently used went first
    none = OnnxEmbedder(exported.folder, exported.model_id, cache_size=0)
    none.embed(TEXTS[:3])
    assert not none._cache


def test_old_index_without_export_falls_back_with_one_warning(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Built by a model that cannot be exported, under the default model's name: like an old index.
    build_index(settings, HashingEmbedder(model_id=settings.embed_model), progress=False)
    with caplog.at_level(logging.WARNING):
        embedder = query_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder._model is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ONNX" in warnings[0].getMessage() and "\n" not in warnings[0].getMessage()


def test_export_is_skipped_for_embedders_that_cannot_be_exported(tmp_path: Path) -> None:
    assert EncoderCache(tmp_path / "cache").ensure(HashingEmbedder()) is None
    assert not (tmp_path / "cache").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_cli_refuses_an_index_built_with_another_model(settings: Settings) -> None:
    build_index(settings, HashingEmbedder(), progress=False)  # model id "hashing-test-embedder"
    where = ["--index-dir", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]
    for args in (["ask", "Can WeChat Pay be used on Taobao?", "--llm", "extractive"], ["index"]):
        res = run_cli(*args, *where)
        assert res.returncode == 4, (args, res.stderr)
        assert res.stderr.startswith("error: ") and "hashing-test-embedder" in res.stderr, res.stderr
        assert "qa index --rebuild" in res.stderr and "Traceback" not in res.stderr
        assert "ONNX" not in res.stderr  # the real problem, not a misleading performance warning
    shutil.rmtree(settings.index_dir)
