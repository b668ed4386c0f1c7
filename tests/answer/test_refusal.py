"""The model's "not in the documents" reply is recognised however it is worded, and answers are not."""

import pytest

from qa.answer.refusal import is_not_found

# Wordings seen from SmolLM2-135M and other small models, and the usual variants of each family.
REFUSALS = [
    "The documents do not contain the answer to this question.",
    "The sources do not contain the answer to this question.",
    "The document does not contain the answer to this question.",
    "I could not find this in the documents",
    "I could not find this in the documents [1].",
    "I couldn't find any information about that in the sources.",
    "I'm sorry, but I cannot find the answer in the given passages.",
    "Sorry, I am unable to answer this based on the documents.",
    "There is no information about the CEO of Alibaba in the provided sources.",
    "Based on the sources, there is no mention of a recipe for Peking duck.",
    "The provided context doesn\u2019t mention who owns the newspaper.",
    "Unfortunately, the text does not provide this information.",
    "The documents contain no information about Peking duck.",
    "It is not mentioned in the sources.",
    "The answer could not be found in the provided documents.",
    "The answer is not in the documents.",
    "None of the sources mention a recipe.",
    "This question cannot be answered from the sources.",
    "I don't know.",
    "The sources don't say.",
    "The documents do not contain the answer to this question [1][2].",
    "The sources do not contain the answer to this question. The sources are news articles.",
]

ANSWERS = [
    "Users still cannot use WeChat Pay for transactions on Taobao [1].",
    "No. WeChat Pay is not accepted on Taobao [1].",
    "Tencent did not find a buyer for the unit [2].",
    "Alibaba does not own Tencent [1].",
    "The company has no information technology division [3].",
    "Alibaba owns the South China Morning Post [1].",
    # a partial answer is checked like any answer, not thrown away as a refusal
    "The documents do not say when, but Alibaba bought it in 2016 [2].",
    "The sources do not mention the price. Alibaba bought the newspaper in 2016 [1].",
    # a meta-statement is no refusal: it goes on to verification (and fails it: no citation)
    "The document contains the answer to this question.",
    "",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_refusals_are_recognised(text: str) -> None:
    assert is_not_found(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_answers_are_not_refusals(text: str) -> None:
    assert not is_not_found(text)


def test_a_month_name_opening_the_question_is_a_verb_not_a_time() -> None:
    from qa.answer.evidence import time_words

    assert time_words("May a package ship its .pyc files?") == []
    assert time_words("What changed in May 2019?") == ["May", "2019"]
    assert time_words("2019: what happened?") == ["2019"]


def test_a_number_only_in_a_heading_is_known_to_the_corpus() -> None:
    from qa.answer.corpus import CorpusStats
    from qa.answer.evidence import unknown_names
    from qa.types import Passage, Sentence, Span

    text = "Support for VMS has been removed."
    passage = Passage("p1", text, (Span("NEWS", 0, len(text), 1, 1),), (Sentence(text, 0, len(text)),),
                      "Noteworthy changes in release 1.9 (2018-01-07)")  # fmt: skip
    stats = CorpusStats.build([passage])
    assert unknown_names("What did release 1.9 remove?", stats) == []
    assert unknown_names("What did release 2.4 remove?", stats) == ["2.4"]
