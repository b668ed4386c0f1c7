"""Hand-made golden questions and outcomes for the metric tests."""

from __future__ import annotations

from qa.evaluation.golden import GoldenQuestion
from qa.evaluation.metrics import Cited, Outcome, Retrieved

EVIDENCE = "users still cannot use WeChat Pay for transactions on Taobao"
SENTENCE = "However, users still cannot use WeChat Pay for transactions on Taobao, the report said."
OTHER = "Alibaba, owner of the South China Morning Post, and Tencent would also collaborate."


def question(
    qid: str = "q1",
    answerable: bool = True,
    key_facts: tuple[tuple[str, ...], ...] = (("cannot", "not able"), ("wechat pay",)),
    evidence: tuple[str, ...] = (EVIDENCE,),
    qtype: str | None = None,
    text: str = "Can WeChat Pay be used on Taobao?",
    history: tuple[str, ...] = (),
) -> GoldenQuestion:
    if not answerable:
        key_facts, evidence = (), ()
    return GoldenQuestion(
        id=qid,
        question=text,
        answerable=answerable,
        type=qtype or ("factoid" if answerable else "unanswerable"),
        key_facts=key_facts,
        evidence=evidence,
        history=history,
    )


def outcome(
    golden: GoldenQuestion,
    text: str = "",
    abstained: bool = False,
    quotes: tuple[str, ...] = (),
    passages: tuple[str, ...] = (),
    latency_ms: float = 10.0,
) -> Outcome:
    return Outcome(
        golden=golden,
        text=text,
        abstained=abstained,
        citations=tuple(Cited(q, ("a.txt",)) for q in quotes),
        retrieved=tuple(Retrieved(p, ("a.txt",)) for p in passages),
        latency_ms=latency_ms,
        query=golden.question,
        mode="extractive",
    )
