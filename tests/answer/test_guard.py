"""The stream guard stops a looping model at once and keeps one copy of what it repeated."""

import pytest

from qa.answer.guard import StreamGuard, repetition
from tests.fakes.chat import pieces

LOOP = (
    "Peking duck is a famous dish from Beijing, served with pancakes and sauce, including a variety of "
    "ingredients, including a variety of ingredients, including a variety of ingredients, including a variety"
)


def feed_all(guard: StreamGuard, text: str) -> int:
    """Feed ``text`` piece by piece; return how many pieces were taken before the guard stopped."""
    for n, piece in enumerate(pieces(text), start=1):
        if not guard.feed(piece):
            return n
    return len(pieces(text))


def test_a_loop_is_stopped_on_its_third_copy_and_cut_to_one() -> None:
    guard = StreamGuard(max_tokens=200)
    taken = feed_all(guard, LOOP)
    assert guard.stopped == "repetition" and taken < len(pieces(LOOP))
    kept = guard.result()
    assert kept.endswith("including a variety of ingredients,") and kept.count("including a variety") == 1
    assert "repeating" in guard.notice()


@pytest.mark.parametrize(
    "text",
    [
        "Users still cannot use WeChat Pay for transactions on Taobao [1]. Alipay is not accepted on WeChat [2].",
        "It was very, very expensive [1]. The deal was worth 1, 2 or 3 billion dollars [2].",
        "Tencent owns WeChat [1]. Tencent owns QQ [2]. Tencent owns Honour of Kings [3].",  # similar, not the same
        "No. No. It cannot [1].",
    ],
)
def test_ordinary_answers_run_to_the_end(text: str) -> None:
    guard = StreamGuard(max_tokens=200)
    assert feed_all(guard, text) == len(pieces(text)) and not guard.stopped
    assert guard.result() == text and guard.notice() == ""


def test_a_sentence_written_a_third_time_stops_the_stream() -> None:
    text = "Alibaba owns the newspaper [1]. It is based in Hong Kong [2]. Alibaba owns the newspaper [1]. " * 2
    cut = repetition(text.strip())
    assert cut is not None and text[:cut].count("Alibaba owns the newspaper") <= 2


def test_short_words_need_five_copies() -> None:
    assert repetition("the the the") is None
    assert repetition("yes yes yes yes yes") == len("yes")


def test_the_length_cap_is_reported_and_a_server_ignoring_it_is_stopped() -> None:
    at_cap = StreamGuard(max_tokens=5)
    assert feed_all(at_cap, "one two three four five") == 5 and at_cap.stopped == ""
    at_cap.result()
    assert at_cap.stopped == "length" and "5 tokens" in at_cap.notice()
    ignoring = StreamGuard(max_tokens=5)
    words = " ".join(f"w{i}" for i in range(100))
    assert feed_all(ignoring, words) == 5 + 17 and ignoring.stopped == "length"
