"""The runner: asks in order with history, records hits and citations, times only the real asks."""

from __future__ import annotations

from collections.abc import Sequence

from qa.errors import BadQuestionError
from qa.evaluation.metrics import Outcome, judge
from qa.evaluation.runner import run
from qa.types import Answer, Citation, Hit, Passage, Sentence, Span
from tests.evaluation.factories import SENTENCE, question


def passage(text: str, *sources: str) -> Passage:
    spans = tuple(Span(s, 0, len(text), 1, 1) for s in sources or ("a.txt",))
    return Passage(text[:8], text, spans, (Sentence(text, 0, len(text)),))


class FakeAssistant:
    """Answers from a script; remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        self.calls.append((question, tuple(history)))
        if not question.strip():
            raise BadQuestionError("the question is empty")
        p = passage(SENTENCE, "b.txt", "c.txt")
        rewritten = f"{question} (following: {history[-1]})" if history else None
        cite = Citation(1, "b.txt", 0, len(SENTENCE), 1, 1, SENTENCE, also_in=("c.txt",))
        return Answer(question, f"{SENTENCE} [1]", (cite,), False, "fake", (Hit(p, 1.0, rank=1),), rewritten,
                      timings_ms={"retrieve": 2.5})  # fmt: skip


def test_outcomes_carry_hits_citations_query_and_timings() -> None:
    fake = FakeAssistant()
    follow = question("f", text="And Alipay?", history=("Can WeChat Pay be used on Taobao?",), qtype="follow_up")
    seen: list[Outcome] = []
    outcomes = run(fake, [question("a"), follow], observer=seen.append)
    assert fake.calls[0] == ("Can WeChat Pay be used on Taobao?", ())  # the untimed warm-up
    assert fake.calls[1:] == [("Can WeChat Pay be used on Taobao?", ()), ("And Alipay?", follow.history)]
    a, f = outcomes
    assert seen == outcomes
    assert a.query == a.golden.question and f.query == "And Alipay? (following: Can WeChat Pay be used on Taobao?)"
    assert a.retrieved[0].text == SENTENCE and a.retrieved[0].sources == ("b.txt", "c.txt")
    assert a.citations[0].quote == SENTENCE and a.citations[0].sources == ("b.txt", "c.txt")
    assert a.mode == "fake" and a.retrieval_ms == 2.5 and a.latency_ms > 0
    assert judge(a).rank == 1 and judge(a).relevant_citations == 1


def test_without_warm_up_every_call_is_a_question() -> None:
    fake = FakeAssistant()
    run(fake, [question("a"), question("b")], warm_up=False)
    assert len(fake.calls) == 2


def test_a_refused_question_is_recorded_as_an_error_and_the_run_goes_on() -> None:
    fake = FakeAssistant()
    progress: list[tuple[int, int]] = []
    outcomes = run(fake, [question("bad", text="   "), question("ok")], progress=lambda i, n: progress.append((i, n)))
    assert outcomes[0].error == "the question is empty" and outcomes[0].text == ""
    assert not outcomes[1].error
    assert progress == [(1, 2), (2, 2)]
    assert "error: the question is empty" in judge(outcomes[0]).problems
