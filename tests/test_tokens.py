"""Token counting: cl100k_base from llama-index-core's bundled copy, else the bundled MiniLM tokenizer."""

from __future__ import annotations

import pytest

from qa import tokens


def test_cl100k_is_loaded_from_the_bundled_file_without_leaving_the_environment_changed() -> None:
    import os

    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    encode = tokens.cl100k_encoder()
    assert encode is not None, "llama-index-core ships cl100k_base: it should load offline"
    assert len(encode("hello world")) == 2
    assert os.environ.get("TIKTOKEN_CACHE_DIR") == before


def test_the_token_counter_is_a_real_tokenizer() -> None:
    counter = tokens.token_counter()
    assert counter.count("hello world") == 2
    assert counter.count("Tokenization of uncommonwordsxyz") > 4  # word pieces, not words


def test_without_cl100k_the_minilm_wordpiece_tokenizer_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "cl100k_encoder", lambda: None)
    counter = tokens.token_counter()
    assert "MiniLM" in counter.name
    assert counter.count("hello world") == 2
    assert counter.count("uncommonwordsxyz") > 1  # split into word pieces, not one token per word
