"""Loading golden files: valid lines become typed questions; a bad line is named by file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.evaluation.golden import GoldenFileError, load_golden, missing_evidence
from tests.evaluation.factories import question

GOOD = {
    "id": "q01",
    "question": "Can WeChat Pay be used on Taobao?",
    "answerable": True,
    "type": "yes_no",
    "key_facts": [["cannot", "can't"], ["wechat pay"]],
    "evidence": "users still cannot use WeChat Pay for transactions on Taobao",
    "reference_answer": "No.",
}


def write(tmp_path: Path, *records: object) -> Path:
    path = tmp_path / "golden.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_valid_file_loads_into_typed_questions(tmp_path: Path) -> None:
    follow = {"id": "q02", "question": "And Alipay?", "answerable": True, "type": "follow_up",
              "history": ["Can WeChat Pay be used on Taobao?"], "key_facts": [["alipay"]], "evidence": ["a", "b"]}  # fmt: skip
    unanswerable = {"id": "q03", "question": "Who is the CEO?", "answerable": False, "key_facts": [], "evidence": []}
    qs = load_golden(write(tmp_path, GOOD, "", follow, unanswerable))
    assert [q.id for q in qs] == ["q01", "q02", "q03"]
    assert qs[0].evidence == (GOOD["evidence"],) and qs[0].key_facts == (("cannot", "can't"), ("wechat pay",))
    assert qs[1].history == ("Can WeChat Pay be used on Taobao?",) and qs[1].evidence == ("a", "b")
    assert qs[2].type == "unanswerable" and not qs[2].answerable


def test_an_unanswerable_line_may_give_its_evidence_as_an_empty_string(tmp_path: Path) -> None:
    empty = {"id": "q02", "question": "Who is the CEO?", "answerable": False, "key_facts": [], "evidence": ""}
    missing = {"id": "q03", "question": "Who founded it?", "answerable": False}
    qs = load_golden(write(tmp_path, GOOD, empty, missing))
    assert [(q.id, q.evidence) for q in qs[1:]] == [("q02", ()), ("q03", ())]
    # An answerable line still needs something to be scored by.
    with pytest.raises(GoldenFileError, match="'evidence' must be"):
        load_golden(write(tmp_path, {**GOOD, "key_facts": [["x"]], "evidence": ""}))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({**GOOD, "answerable": "yes"}), "'answerable' must be true or false"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "question"}), "missing field 'question'"),
        (json.dumps({**GOOD, "type": "riddle"}), "unknown type 'riddle'"),
        (json.dumps({**GOOD, "key_facts": [["ok"], []]}), "each key_facts group"),
        (json.dumps({**GOOD, "evidence": ["fine", 3]}), "'evidence' must be"),
        (json.dumps({**GOOD, "id": "q02", "key_facts": [], "evidence": []}), "needs key_facts or evidence"),
        (json.dumps({**GOOD, "id": "q01"}), "duplicate id 'q01'"),
    ],
)
def test_a_malformed_line_is_reported_with_file_and_line_number(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, GOOD, line)
    with pytest.raises(GoldenFileError) as err:
        load_golden(path)
    assert f"{path}, line 2" in err.value.message and message in err.value.message
    assert isinstance(err.value, QAError)


def test_missing_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(GoldenFileError, match="does not exist"):
        load_golden(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(GoldenFileError, match="holds no questions"):
        load_golden(tmp_path / "empty.jsonl")


def test_missing_evidence_names_the_strings_not_in_any_text() -> None:
    q = question(evidence=("users still cannot use WeChat Pay", "a sentence nobody wrote"))
    corpus = ["However, users still cannot use WeChat\u00a0Pay."]
    assert missing_evidence([q], corpus) == [("q1", "a sentence nobody wrote")]
