"""Citation parsing and verification on realistic model outputs."""

import pytest

from qa.answer.generate import finalize
from qa.answer.verify import expand, parse_claims, strip_invalid_markers, verify_claims
from qa.ingest.split import split_document
from qa.types import Document, Hit
from tests.fakes.embedder import HashingEmbedder

SOURCES = [
    "Users still cannot use WeChat Pay for transactions on Taobao. Alipay is not accepted in WeChat mini-programs.",
    "A 1.7 per cent drop in food prices was recorded in August. Services prices rose by 1.3 per cent.",
    "Tencent Video has allowed direct links to Taobao since 2021.",
]


def hits() -> list[Hit]:
    out = []
    for i, text in enumerate(SOURCES):
        (p,) = split_document(Document(f"s{i}.txt", text, "x"))
        out.append(Hit(p, 1.0, rank=i + 1))
    return out


@pytest.mark.parametrize(
    ("marker", "numbers"),
    [("1", [1]), ("1, 2", [1, 2]), ("1-3", [1, 2, 3]), ("2–3", [2, 3]), ("1;3", [1, 3]), ("3-1", [3, 1])],
)
def test_marker_bodies_expand(marker: str, numbers: list[int]) -> None:
    assert expand(marker) == numbers


def test_parse_every_marker_style() -> None:
    text = "First claim [1]. Second claim [1][2]. Third [1, 3]. Fourth [2-3]. Fifth 【2】. Sixth ［3］."
    claims = parse_claims(text)
    assert [c.cites for c in claims] == [(1,), (1, 2), (1, 3), (2, 3), (2,), (3,)]
    assert claims[0].text == "First claim."
    assert all("[" not in c.text for c in claims)


def test_marker_after_the_full_stop_stays_with_its_sentence() -> None:
    claims = parse_claims("Prices fell. [2] Links exist since 2021. [3]")
    assert [c.cites for c in claims] == [(2,), (3,)]


def test_out_of_range_numbers_are_dropped() -> None:
    text, dropped = strip_invalid_markers("A [1][7]. B [0, 2].", range(1, 4))
    assert text == "A [1]. B [2]." and dropped == [7, 0]


def test_correct_citation_is_supported_and_points_at_the_best_sentence() -> None:
    draft = finalize("Food prices dropped 1.7 per cent in August [2].", hits(), HashingEmbedder())
    (c,) = draft.citations
    assert c.supported and c.quote == "A 1.7 per cent drop in food prices was recorded in August."
    assert SOURCES[1][c.start : c.end] == c.quote and not draft.flagged


def test_wrong_passage_is_marked_unsupported() -> None:
    draft = finalize("Food prices dropped 1.7 per cent in August [3].", hits(), HashingEmbedder())
    assert [c.supported for c in draft.citations] == [False]
    assert "not verified" in draft.reason or "do not support" in draft.reason


def test_contradicting_passage_is_marked_unsupported() -> None:
    draft = finalize("Users can use WeChat Pay for transactions on Taobao [1].", hits(), HashingEmbedder())
    assert [c.supported for c in draft.citations] == [False]


def test_changed_number_is_marked_unsupported() -> None:
    draft = finalize("Food prices dropped 2.7 per cent in August [2].", hits(), HashingEmbedder())
    assert [c.supported for c in draft.citations] == [False]


def test_missing_and_all_invalid_citations_are_flagged() -> None:
    none = finalize("Food prices dropped in August.", hits(), HashingEmbedder())
    assert none.flagged and none.citations == ()
    invalid = finalize("Food prices dropped in August [9].", hits(), HashingEmbedder())
    assert invalid.flagged and "[9]" in invalid.reason and "[9]" not in invalid.text


def test_fixed_phrase_becomes_abstention() -> None:
    draft = finalize("The documents do not contain the answer to this question.", hits(), HashingEmbedder())
    assert draft.abstained and draft.citations == ()


def test_one_source_cited_for_two_claims_quotes_both_sentences_once() -> None:
    text = "WeChat Pay cannot be used on Taobao [1]. Alipay is not accepted in WeChat mini-programs [1]."
    draft = finalize(text, hits(), HashingEmbedder())
    (c,) = draft.citations
    assert c.quote == SOURCES[0] and c.supported


def test_verify_reports_support_per_pair() -> None:
    claims = parse_claims("Links to Taobao since 2021 [3]. Links to Taobao since 2021 [1].")
    support = verify_claims(claims, [h.passage for h in hits()], HashingEmbedder())
    assert support[(0, 3)].supported and not support[(1, 1)].supported
