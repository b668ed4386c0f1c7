"""Cleaning rules, tested on text written for the test (not the seeds)."""

from qa.ingest.clean import classify, is_boilerplate, split_lines

PAGE = """Sponsored
Local council approves new cycling lanes across the city centre

By Jane Doe
The council voted on Tuesday to build twelve kilometres of protected lanes.
Sponsored
Cyclists at a junction in the city centre. Photo: City Press
Work will start in spring and finish before the end of next year.
<img src="lanes.jpg" alt="A cycle lane">
3 min read
# Background
The plan was first proposed in 2019.
"""


def kinds(text: str) -> dict[str, str]:
    return {line.text: kind for line, kind in classify(text)}


def test_repeated_and_label_lines_are_dropped_content_kept() -> None:
    k = kinds(PAGE)
    assert k["Sponsored"] == "dropped"  # repeated and common boilerplate
    assert k["By Jane Doe"] == "dropped"  # short label without punctuation
    assert k["Cyclists at a junction in the city centre. Photo: City Press"] == "dropped"  # credit caption
    assert k['<img src="lanes.jpg" alt="A cycle lane">'] == "dropped"  # markup residue
    assert k["3 min read"] == "dropped"
    assert k["The council voted on Tuesday to build twelve kilometres of protected lanes."] == "content"
    assert k["Local council approves new cycling lanes across the city centre"] == "content"  # a headline
    assert k["# Background"] == "content"  # markdown headings are kept
    assert k[""] == "blank"


def test_short_sentence_with_punctuation_is_content() -> None:
    assert not is_boilerplate("Prices rose.", repeated=False)
    assert is_boilerplate("Prices rose.", repeated=True)
    assert is_boilerplate("Read more", repeated=False)


def test_split_lines_offsets_are_exact_for_every_line_ending() -> None:
    text = "one\r\ntwo\rthree\nfour"
    for line in split_lines(text):
        assert text[line.start : line.end] == line.text
    assert [line.text for line in split_lines(text)] == ["one", "two", "three", "four"]
