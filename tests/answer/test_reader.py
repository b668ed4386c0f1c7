"""The trained reader: the shipped file matches its card, loads offline, scores pairs; damage falls back clearly."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from qa.answer.reader import MODELS, Reader, card_path, damage, load_reader, pair_text, read_card
from qa.errors import ModelUnavailableError


def test_pair_text_puts_the_sentence_first_and_clips_the_context() -> None:
    text = pair_text("It is 9.", "Manual › Limits", "word " * 100, "")
    assert text.startswith("It is 9. [SEP] Manual › Limits | word")
    assert text.endswith("...") and len(text.split()) < 60
    assert pair_text("Alone.") == "Alone."


def test_the_shipped_reader_matches_its_card() -> None:
    card = read_card(card_path())
    for name, record in card.files.items():
        data = (MODELS / name).read_bytes()
        assert len(data) == record["size"] and hashlib.sha256(data).hexdigest() == record["sha256"]
    assert (MODELS / f"{card.version}.onnx").stat().st_size <= 25 * 2**20
    assert 0 < card.threshold < 1 and card.a > 0


@pytest.mark.integration
def test_the_reader_ranks_the_answering_sentence_first() -> None:
    reader = load_reader()
    p = reader.probabilities(
        "When did the Wars of Religion end?",
        ["The weather in Paris was mild that spring.", "The Wars of Religion ended in 1598 with the Edict of Nantes."],
    )
    assert p[1] > p[0] and all(0 <= x <= 1 for x in p)


def _copy(tmp_path: Path) -> Path:
    for f in MODELS.glob("reader-v1.*"):
        shutil.copyfile(f, tmp_path / f.name)
    return tmp_path / "reader-v1.json"


def test_a_missing_or_cut_model_file_is_one_clear_error(tmp_path: Path) -> None:
    card = _copy(tmp_path)
    (tmp_path / "reader-v1.onnx").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelUnavailableError) as err:
        Reader(card)
    assert "reader-v1.onnx" in err.value.message and "make train-reader" in (err.value.hint or "")
    (tmp_path / "reader-v1.onnx").unlink()
    with pytest.raises(ModelUnavailableError, match="missing"):
        Reader(card)
    with pytest.raises(ModelUnavailableError, match="card"):
        Reader(tmp_path / "nope.json")


def test_an_altered_file_of_the_same_size_fails_the_full_check(tmp_path: Path) -> None:
    card_file = _copy(tmp_path)
    tok = tmp_path / "reader-v1.tokenizer.json"
    data = bytearray(tok.read_bytes())
    data[-2] = ord(" ") if data[-2] != ord(" ") else ord("\n")
    tok.write_bytes(bytes(data))
    card = read_card(card_file)
    assert damage(card, tmp_path, full=False) is None
    assert "sha256" in (damage(card, tmp_path, full=True) or "")
    json.loads((tmp_path / "reader-v1.json").read_text())  # the card itself is untouched
