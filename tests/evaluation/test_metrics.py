"""The metrics on hand-made outcomes: each rule, and the edge cases the issue names."""

from __future__ import annotations

import pytest

from qa.evaluation.golden import GoldenQuestion
from qa.evaluation.metrics import (
    Cited,
    Outcome,
    Retrieved,
    alias_in,
    citation_relevant,
    failures,
    first_hit_rank,
    hit_rates,
    judge,
    percentile,
    score,
    score_by_type,
    shares_run,
)
from tests.evaluation.factories import EVIDENCE, OTHER, SENTENCE, outcome, question

FILLER = "Tencent Video, a streaming platform, has allowed direct links to Taobao since 2021."


# ------------------------------------------------------------------ retrieval


@pytest.mark.parametrize(("position", "expected"), [(0, 1), (1, 2), (3, 4), (None, None)])
def test_first_hit_rank_is_the_rank_of_the_first_passage_holding_evidence(
    position: int | None, expected: int | None
) -> None:
    passages = [Retrieved(FILLER) for _ in range(5)]
    if position is not None:
        passages[position] = Retrieved(SENTENCE)
    assert first_hit_rank(passages, question()) == expected


def test_hit_at_k_and_mrr_over_answerable_questions_only() -> None:
    q1, q2, q3 = question("a"), question("b"), question("c")
    outcomes = [
        outcome(q1, passages=(SENTENCE, FILLER)),  # rank 1
        outcome(q2, passages=(FILLER, FILLER, FILLER, SENTENCE)),  # rank 4
        outcome(q3, passages=(FILLER,)),  # miss
        outcome(question("u", answerable=False), abstained=True, passages=(SENTENCE,)),  # not counted
    ]
    s = score([judge(o) for o in outcomes])
    assert s.hit_at == {1: pytest.approx(1 / 3), 3: pytest.approx(1 / 3), 5: pytest.approx(2 / 3)}
    assert s.mrr == pytest.approx((1 + 1 / 4 + 0) / 3)
    assert (s.answerable, s.unanswerable, s.n) == (3, 1, 4)


def test_passage_matching_is_on_normalised_text() -> None:
    curly = "However, users still cannot use WeChat\u00a0Pay for  transactions on TAOBAO."
    assert first_hit_rank([Retrieved(curly)], question()) == 1
    apostrophe = question(evidence=("Alibaba's Taobao and Tmall",))
    assert first_hit_rank([Retrieved("to Alibaba\u2019s Taobao and Tmall")], apostrophe) == 1


def test_several_evidence_strings_one_is_enough_for_a_hit_but_recall_counts_each() -> None:
    q = question(evidence=(EVIDENCE, "Alibaba, owner of the South China Morning Post"))
    j = judge(outcome(q, passages=(FILLER, OTHER)))
    assert j.rank == 2
    assert j.evidence_found == (False, True)
    assert score([j]).evidence_recall == pytest.approx(0.5)


def test_evidence_ranked_below_five_is_no_hit_at_5_but_counts_for_mrr() -> None:
    j = judge(outcome(question(), passages=(FILLER,) * 6 + (SENTENCE,)))
    s = score([j])
    assert j.rank == 7 and s.hit_at[5] == 0.0 and s.mrr == pytest.approx(1 / 7)
    assert any("not in the top 5" in p for p in j.problems)


def test_gold_sources_replace_evidence_for_squad_questions() -> None:
    q = GoldenQuestion("s", "Where is Normandy?", True, "answerable", (("France",),), gold_sources=("Normans_000.txt",))
    o = Outcome(q, "in France [1]", False, (Cited("x", ("Normans_000.txt",)),),
                (Retrieved("x", ("Rhine_001.txt",)), Retrieved("y", ("Normans_000.txt",))))  # fmt: skip
    j = judge(o)
    assert j.rank == 2 and j.relevant_citations == 1


# ------------------------------------------------------------------ answers


def test_key_facts_need_one_alias_of_every_group_case_insensitively() -> None:
    q = question()
    full = judge(outcome(q, "No: users CANNOT use WeChat\u00a0Pay on Taobao."))
    half = judge(outcome(q, "WeChat Pay is popular."))
    assert full.facts == (True, True) and half.facts == (False, True)
    s = score([full, half])
    assert s.key_fact_recall == pytest.approx((1.0 + 0.5) / 2)
    assert s.all_facts == pytest.approx(0.5)


def test_key_fact_recall_weighs_questions_equally() -> None:
    three = question("a", key_facts=(("alpha",), ("beta",), ("gamma",)))
    one = question("b", key_facts=(("delta",),))
    s = score([judge(outcome(three, "alpha")), judge(outcome(one, "delta"))])
    assert s.key_fact_recall == pytest.approx((1 / 3 + 1) / 2)  # not 2/4 pooled


def test_an_abstention_matches_no_key_fact_even_if_its_wording_contains_an_alias() -> None:
    q = question(key_facts=(("not", "no"),))
    j = judge(outcome(q, "The documents do not contain the answer.", abstained=True))
    assert j.facts == (False,)
    assert "abstained on an answerable question" in j.problems


def test_squad_matching_ignores_punctuation() -> None:
    assert alias_in("It is 1230 km long", "1,230 km", "squad") is False  # digits still differ
    assert alias_in("the U.S. Army", "US Army", "squad") is False
    assert alias_in("the Normans' duchy", "Normans duchy", "squad")
    assert alias_in("built (in 1066) by", "in 1066", "squad")
    assert not alias_in("built in 1066", "in 1066,", "normalized") and alias_in("built in 1066", "in 1066,", "squad")


# ------------------------------------------------------------------ citations


def test_citation_precision_and_recall() -> None:
    good = outcome(question("a"), "cannot [1] [2]", quotes=(SENTENCE, OTHER))
    none = outcome(question("b"), "cannot", quotes=())
    s = score([judge(good), judge(none)])
    assert s.citation_precision == pytest.approx(1 / 2)
    assert s.citation_recall == pytest.approx(1 / 2)


def test_no_citations_at_all_leaves_precision_undefined() -> None:
    j = judge(outcome(question(), "users cannot use WeChat Pay", quotes=()))
    s = score([j])
    assert s.citation_precision is None and s.citation_recall == 0.0
    assert "no citations" in j.problems


def test_duplicate_citations_count_once() -> None:
    quotes = (SENTENCE, SENTENCE.replace("'", "\u2019").upper(), OTHER)
    j = judge(outcome(question(), "cannot", quotes=quotes))
    assert (j.citations, j.relevant_citations) == (2, 1)


@pytest.mark.parametrize(
    ("quote", "relevant"),
    [
        (SENTENCE, True),  # contains the evidence
        ("users still cannot use WeChat", True),  # part of it: a run of five words
        ("WeChat Pay for transactions", False),  # four words: too short a run ...
        ("the firms are not able to agree", True),  # ... but a key-fact alias not in the question
        ("WeChat Pay is a payment service", False),  # alias, but the question's own words
        (OTHER, False),
    ],
)
def test_citation_relevance_rule(quote: str, relevant: bool) -> None:
    assert citation_relevant(Cited(quote), question()) is relevant


def test_short_evidence_must_be_contained_whole() -> None:
    q = question(key_facts=(("monday",),), evidence=("announced on Monday",), text="When was it said?")
    assert citation_relevant(Cited("The giants announced on Monday that ads..."), q)
    assert not citation_relevant(Cited("They announced new ads."), q)


def test_stop_word_aliases_prove_nothing_but_stems_match_word_starts() -> None:
    q = question(key_facts=(("no", "not"), ("monopol",)), evidence=(), text="Why did they open up?")
    assert not citation_relevant(Cited("This is not the point."), q)
    assert citation_relevant(Cited("efforts to break up tech monopolies"), q)
    inflected = question(key_facts=(("monopoly", "ant group"),), evidence=(), text="Why did they open up?")
    assert citation_relevant(Cited("the monopolies were broken up"), inflected)  # one word, by stem
    assert citation_relevant(Cited("Ant Group's listing"), inflected)  # a possessive is the same word
    assert not citation_relevant(Cited("the monopolist was fined"), inflected)  # another word


def test_follow_up_history_words_do_not_make_a_quote_relevant() -> None:
    q = question(
        key_facts=(("bytedance",), ("douyin",)),
        evidence=("ByteDance's domestic short-video sensation Douyin",),
        text="Which company owns it?",
        history=("Which younger rival, such as Douyin, competes?",),
        qtype="follow_up",
    )
    assert not citation_relevant(Cited("rising competition from rivals like Douyin"), q)
    assert citation_relevant(Cited("ByteDance is expanding"), q)
    j = judge(outcome(q, "ByteDance [1]", quotes=("ByteDance is expanding",), passages=(FILLER,)))
    assert j.facts == (True, False) and j.rank is None


def test_citations_on_unanswerable_questions_are_not_in_precision() -> None:
    wrong = outcome(question("u", answerable=False), "Some answer [1]", quotes=(OTHER,))
    right = outcome(question("a"), "cannot [1]", quotes=(SENTENCE,))
    s = score([judge(wrong), judge(right)])
    assert s.citation_precision == 1.0


# ------------------------------------------------------------------ abstention, latency, edge cases


def test_refusal_rates() -> None:
    outcomes = [
        outcome(question("u1", answerable=False), abstained=True),
        outcome(question("u2", answerable=False), "made up"),
        outcome(question("a1"), abstained=True),
        outcome(question("a2"), "cannot"),
        outcome(question("a3"), "cannot"),
        outcome(question("a4"), "cannot"),
    ]
    s = score([judge(o) for o in outcomes])
    assert s.correct_refusal == pytest.approx(0.5)
    assert s.false_refusal == pytest.approx(0.25)


def test_all_abstained() -> None:
    outcomes = [outcome(question(f"u{i}", answerable=False), abstained=True) for i in range(3)]
    outcomes += [outcome(question(f"a{i}"), "The documents do not say.", abstained=True) for i in range(2)]
    s = score([judge(o) for o in outcomes])
    assert s.correct_refusal == 1.0 and s.false_refusal == 1.0
    assert s.key_fact_recall == 0.0 and s.citation_precision is None and s.citation_recall == 0.0


def test_empty_evidence_and_no_answerable_questions_give_undefined_rates() -> None:
    s = score([judge(outcome(question("u", answerable=False), abstained=True))])
    assert s.hit_at == {1: None, 3: None, 5: None} and s.mrr is None and s.key_fact_recall is None
    assert s.false_refusal is None and s.correct_refusal == 1.0
    assert s.to_dict()["retrieval"] == {
        "hit@1": None,
        "hit@3": None,
        "hit@5": None,
        "mrr": None,
        "evidence_recall@5": None,
    }


def test_an_error_is_neither_a_refusal_nor_an_answer() -> None:
    errored = Outcome(question("u", answerable=False), "", False, error="the question is empty")
    s = score([judge(errored)])
    assert s.correct_refusal == 0.0
    assert judge(errored).problems == ("error: the question is empty",)


def test_hit_rates_from_first_hit_ranks() -> None:
    hit_at, mrr = hit_rates([1, 3, None, 6])
    assert hit_at == {1: 0.25, 3: 0.5, 5: 0.5} and mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 6) / 4)
    assert hit_rates([]) == ({1: None, 3: None, 5: None}, None)  # no answerable question: no rate


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 10.0], 50) == 2.5  # the median, as statistics.median gives it
    assert percentile([7.0], 95) == 7.0
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == pytest.approx(25.0)
    assert percentile([float(x) for x in range(1, 101)], 95) == pytest.approx(95.05)
    s = score([judge(outcome(question(f"a{i}"), "cannot", latency_ms=ms)) for i, ms in enumerate([5.0, 1.0, 3.0])])
    assert (s.latency_p50, s.latency_p95) == (3.0, pytest.approx(4.8))


def test_shares_run() -> None:
    def w(text: str) -> list[str]:
        return text.split(" ")

    assert shares_run(w("a b c d e f"), w("x b c d e f y"))
    assert not shares_run(w("a b c d e f"), w("b c d e x"))
    assert shares_run(w("a b c"), w("b c"))  # shorter than the run: whole
    assert not shares_run(w("a b"), [])


def test_json_shape_matches_the_design_contract() -> None:
    d = score(
        [judge(outcome(question(), "cannot use WeChat Pay [1]", quotes=(SENTENCE,), passages=(SENTENCE,)))]
    ).to_dict()
    assert set(d["retrieval"]) >= {"hit@1", "hit@3", "hit@5", "mrr"}  # type: ignore[arg-type]
    assert set(d["answer"]) == {"key_fact_recall", "all_facts"}  # type: ignore[arg-type]
    assert set(d["citations"]) == {"precision", "recall"}  # type: ignore[arg-type]
    assert set(d["abstention"]) == {"correct_refusal", "false_refusal"}  # type: ignore[arg-type]
    assert set(d["latency_ms"]) == {"p50", "p95"}  # type: ignore[arg-type]
    assert d["n"] == 1 and d["answer"] == {"key_fact_recall": 1.0, "all_facts": 1.0}


def test_failures_are_ordered_worst_first_and_passes_left_out() -> None:
    ok = outcome(question("ok"), "cannot use WeChat Pay [1]", quotes=(SENTENCE,), passages=(SENTENCE,))
    citation_only = outcome(
        question("cit"), "cannot use WeChat Pay [1] [2]", quotes=(SENTENCE, OTHER), passages=(SENTENCE,)
    )
    refused = outcome(question("ref"), abstained=True, passages=(SENTENCE,))
    made_up = outcome(question("un", answerable=False), "something")
    order = [j.outcome.golden.id for j in failures([judge(o) for o in (ok, citation_only, refused, made_up)])]
    assert order[-1] == "cit" and set(order[:2]) == {"ref", "un"} and "ok" not in order


def test_scores_by_type() -> None:
    outcomes = [
        outcome(question("a", qtype="yes_no"), "cannot use WeChat Pay"),
        outcome(question("b", qtype="factoid"), "nothing"),
        outcome(question("u", answerable=False), abstained=True),
    ]
    by = score_by_type([judge(o) for o in outcomes])
    assert list(by) == ["yes_no", "factoid", "unanswerable"]
    assert (
        by["yes_no"].all_facts == 1.0 and by["factoid"].all_facts == 0.0 and by["unanswerable"].correct_refusal == 1.0
    )
