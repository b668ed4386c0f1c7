"""The one tokeniser, stemmer and stop-word list (qa.text), and the places that must agree on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qa import text
from qa.errors import ModelUnavailableError
from qa.text import content_words, stem, stems, stop_words, tokens


def test_tokens_keep_numbers_possessives_and_letters_of_any_script_whole() -> None:
    assert tokens("Version 1.7 of the U.S. app’s “Zürich” café, C++ and 7n2.") == [
        "version", "1.7", "of", "the", "u.s", "app's", "zürich", "café", "c", "and", "7n2",
    ]  # fmt: skip
    assert tokens("") == [] and tokens("— … !") == []


def test_stems_meet_inflections_and_possessives_but_keep_numbers_whole() -> None:
    assert stem("keepers") == stem("keeper's") == stem("keeper")
    assert stem("Normans".lower()) == stem("norman's") == stem("norman")
    assert stem("collaborate") == stem("collaboration") and stem("opens") == stem("open")
    assert stem("owner") != stem("own")  # Snowball is no prefix cut: different words stay apart
    assert stem("1870s") == "1870" and stem("2021s") == "2021"  # a decade names its year
    assert stem("7n2") == "7n2" and stem("1.7") == "1.7" and stem("u.s") == "u.s" and stem("glass") == "glass"


def test_stop_words_are_nltks_list_and_the_words_that_frame_a_question() -> None:
    stop = stop_words()
    assert {"the", "which", "yourselves", "doesn't"} <= stop  # NLTK's English list, contractions too
    assert stop >= text.QUESTION_FRAME and "according" in stop
    assert not {"wechat", "pay", "taobao", "owns"} & stop
    assert content_words("According to the article, can WeChat Pay be used on Taobao?") == ["wechat", "pay", "taobao"]
    assert stems("Who owns the newspapers?") == ["own", "newspap"]
    assert stems("Who owns the newspapers?", drop=()) == ["who", "own", "the", "newspap"]
    assert text.function_words() < stop and stems("Who owns the newspapers?", text.function_words()) == [
        "who", "own", "newspap",
    ]  # fmt: skip


def test_the_stop_words_are_read_offline_without_importing_llama_index() -> None:
    code = (
        "import sys, qa.text as t; words = t.stop_words(); "
        "assert not [m for m in sys.modules if m.startswith('llama_index')], 'imported llama_index'; print(len(words))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 150


def test_a_missing_stop_word_list_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(text, "nltk_data", lambda: tmp_path)
    text.stop_words.cache_clear()
    try:
        with pytest.raises(ModelUnavailableError, match="stop-word list") as err:
            stop_words()
        assert err.value.hint is not None and "llama-index-core" in err.value.hint
    finally:
        monkeypatch.undo()
        text.stop_words.cache_clear()
    assert "the" in stop_words()
