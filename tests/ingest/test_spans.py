"""Every passage and sentence of every format is exactly the cited text[start:end]; structure is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.formats import extract
from qa.ingest.load import open_document
from qa.ingest.split import split_document
from qa.types import Document, Passage
from tests.ingest import corpora

FILES: dict[str, str | bytes] = {
    "notes.txt": corpora.TXT,
    "toolkit.md": corpora.MD,
    "harbour.rst": corpora.RST,
    "towns.csv": corpora.CSV,
    "kites.html": corpora.HTML,
    "stations.pdf": corpora.PDF,
    "bakery.docx": corpora.docx_bytes(corpora.DOCX_PARTS),
}


def load(tmp_path: Path, name: str) -> tuple[Document, list[Passage]]:
    content = FILES[name]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.replace("\n", "\r\n").encode() if name == "notes.txt" else content.encode())
    doc = open_document(path, tmp_path)
    assert isinstance(doc, Document), doc
    return doc, split_document(doc)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_passage_and_sentence_is_an_exact_span_of_the_cited_text(tmp_path: Path, name: str) -> None:
    doc, passages = load(tmp_path, name)
    cited = extract(str(tmp_path / name))  # the file itself for text formats, the extracted text otherwise
    assert cited == doc.text
    if not name.endswith((".html", ".pdf", ".docx")):
        assert cited == (tmp_path / name).read_bytes().decode("utf-8")
    assert passages
    for p in passages:
        assert cited[p.span.start : p.span.end] == p.text
        for s in p.sentences:
            assert cited[s.start : s.end] == s.text and p.span.start <= s.start < s.end <= p.span.end
        lines = cited[: p.span.start].count("\n") + 1
        assert p.span.line_start == lines


@pytest.mark.parametrize("name", sorted(FILES))
def test_headings_are_paths_never_passages_or_sentences(tmp_path: Path, name: str) -> None:
    _, passages = load(tmp_path, name)
    headings = {p.heading for p in passages}
    sentences = {s.readable for p in passages for s in p.sentences}
    expected = {"notes.txt": "Garden club notes › Watering", "toolkit.md": "Lantern toolkit › Install",
                "harbour.rst": "Harbour guide › Tides", "kites.html": "Kite flying › Lines",
                "stations.pdf": "2 Maintenance", "bakery.docx": "Bakery handbook › Loaves",
                "towns.csv": ""}  # fmt: skip
    assert expected[name] in headings
    for heading in headings:
        for part in filter(None, heading.split(" › ")):
            assert part not in sentences


def test_lead_in_stays_with_what_follows_and_markup_is_not_shown(tmp_path: Path) -> None:
    _, passages = load(tmp_path, "toolkit.md")
    install = next(p for p in passages if "Build it with:" in p.text)
    assert "make install PREFIX=/opt/lantern" in [s.readable for s in install.sentences]
    intro = passages[0]
    assert intro.readable == "Lantern draws maps of river deltas with bold colours."
    assert "[river deltas](https://example.org/deltas)" in intro.text  # the span stays exact
    _, passages = load(tmp_path, "harbour.rst")
    assert "the tables" in passages[0].readable and "<https" not in passages[0].readable


def test_table_rows_read_with_their_column_names_and_separated_cells(tmp_path: Path) -> None:
    # A row passage may sit far from its header: each value is read with its column's name.
    for name, row in [("toolkit.md", "option: 1.2 - 1.4 | meaning: 13"), ("kites.html", "range: 1.2 - 1.4 | length: 13"),
                      ("stations.pdf", "North | 120 | 1990"), ("bakery.docx", "loaf: rye | minutes: 45"),
                      ("towns.csv", "town: Bramble; population: 3,400; river: Wey")]:  # fmt: skip
        doc, passages = load(tmp_path, name)
        rows = [s for p in passages for s in p.sentences if s.readable == row]
        assert rows, name
        if name.endswith((".md", ".csv")):  # the quote is still the row's exact text in the file
            assert doc.text[rows[0].start : rows[0].end].lstrip().startswith(("| 1.2", "Bramble")), name


def test_a_cell_without_a_column_name_stands_alone() -> None:
    from qa.ingest.tabular import labelled

    assert labelled(["name", ""], ["Ann", "42", "x"]) == "name: Ann | 42 | x"
    assert labelled(["a", "b"], ["", "2"], "; ", numbered=True) == "b: 2"
    assert labelled([], ["1", "2"], "; ", numbered=True) == "column 1: 1; column 2: 2"


def test_pdf_blocks_know_their_page_and_html_keeps_captions_without_navigation(tmp_path: Path) -> None:
    _, passages = load(tmp_path, "stations.pdf")
    assert {p.span.page for p in passages} == {1, 2}
    assert next(p for p in passages if "sensors" in p.text).span.page == 2
    doc, passages = load(tmp_path, "kites.html")
    shown = " ".join(p.readable for p in passages)
    assert "A box kite over the dunes at Camber." in shown
    for furniture in ("Home", "About", "keyboard shortcuts", "Copyright"):
        assert furniture not in doc.text


def test_plain_text_news_structure() -> None:
    text = (
        "* Changes in release 2.1 (2031-05-01)\n\n** Bug fixes\n\n  The parser no longer stops at an empty line.\n\n"
        "* Changes in release 2.0 (2030-01-01)\n\n** New features\n\n  A --quiet option.\n"
    )
    passages = split_document(Document("NEWS", text, "x"))
    assert [(p.heading, p.readable) for p in passages] == [
        ("Changes in release 2.1 (2031-05-01) › Bug fixes", "The parser no longer stops at an empty line."),
        ("Changes in release 2.0 (2030-01-01) › New features", "A --quiet option."),
    ]


def test_a_sentence_announcing_the_following_stays_with_what_it_announces() -> None:
    text = (
        "# Logs\n\nThe keeper writes a log every night. The following command prints it.\n\n"
        "```\nkeeper-log --since 1874\n```\n\nThe following year the tower got a new lamp.\n\n"
        "Nobody wrote it down.\n"
    )
    passages = split_document(Document("guide.md", text, "x"))
    with_command = next(p for p in passages if "keeper-log" in p.text)
    # One passage, so the answer quotes the announcement and the command as one citation.
    assert "The following command prints it." in with_command.text
    # "The following year" is a date: it announces nothing and glues nothing to it.
    assert not any("following year" in p.text and "Nobody" in p.text for p in passages)


def test_a_plain_text_faq_question_titles_its_indented_answer() -> None:
    text = (
        "Questions about the lamp\n\n"
        " 1. Can the lamp run on gas?\n\n"
        "    No.  It burns paraffin only, and the burner was\n"
        "    never made for gas:\n\n"
        "        see burner.txt\n\n"
        " 2. The wick smokes.\n\n"
        "    Trim it level with the tube and the flame\n"
        "    burns clean again.\n\n"
        "Is it bright enough?\n"
        "Most keepers say so.\n"
    )
    passages = split_document(Document("FAQ", text, "x"))
    readable = [(p.heading.split(" \u203a ")[-1], " ".join(p.readable.split())) for p in passages]
    # The question (numbered or ending in "?") is the answer's heading, never a passage of its own;
    # a lead-in and its command do not turn the next answer into code.
    assert readable[:2] == [
        (
            "Can the lamp run on gas?",
            "No. It burns paraffin only, and the burner was never made for gas: see burner.txt",
        ),
        ("The wick smokes.", "Trim it level with the tube and the flame burns clean again."),
    ]
    assert len(passages[1].sentences) == 1  # prose, not code read line by line
    assert all(p.text == text[p.span.start : p.span.end] for p in passages)
    # A question not standing above an indented answer is text like any other.
    assert "Is it bright enough?" in [r for _, r in readable]


def test_hard_wrapped_paragraph_stays_whole_and_one_line_paragraphs_split() -> None:
    wrapped = (
        "The committee met on a grey morning in the old hall by the river\n"
        "and agreed, after a long debate about the costs of the new roof,\n"
        "that the work should start in the spring of the following year.\n"
        "Everyone present signed the minutes before they left the hall.\n"
    )
    passages = split_document(Document("minutes.txt", wrapped, "x"))
    assert len(passages) == 1 and len(passages[0].sentences) == 2


def test_a_sentence_is_never_cut_inside_a_link() -> None:
    text = "Two variants exist (see [Lund et al. 2031](https://example.org/lund)). The first is older.\n"
    passages = split_document(Document("v.md", text, "x"))
    assert [s.readable for p in passages for s in p.sentences] == [
        "Two variants exist (see Lund et al. 2031).",
        "The first is older.",
    ]


def test_a_plain_text_table_reads_its_rows_with_the_column_names_above_them() -> None:
    from qa.ingest.plaintext import parse_plaintext

    text = (
        "The ferries run all summer.\n\n"
        "    Route          Leaves      Crossing\n"
        "                   from        time\n\n"
        "    North loop     Quay 2      40 min\n"
        "    Island hop                 15 min\n"
    )
    rows = [b for s in parse_plaintext(text) for b in s.blocks if b.kind == "row"]
    plain = [b.plain or text[b.start : b.end] for b in rows]
    assert plain[-2:] == [
        "Route: North loop | Leaves from: Quay 2 | Crossing time: 40 min",
        "Route: Island hop | Crossing time: 15 min",  # an empty cell: the next value keeps its own column
    ]
    assert text[rows[-1].start : rows[-1].end] == "Island hop                 15 min"  # the span is the line


def test_release_notes_lose_no_one_line_entry_and_keep_every_release_as_its_heading() -> None:
    text = (
        "KETTLE NEWS\n\n"
        "* Noteworthy changes in release 3.1 (2024-05-02)\n\n"
        "** Bug fixes\n\n"
        "  The whistle no longer sounds twice.\n\n"
        "* Noteworthy changes in release 3.0 (2023-01-09)\n\n"
        "* spout redesigned for pouring\n\n"
        "* lid hinge made of steel\n\n"
        "* New option --boil-dry\n\n"
        "  It lets the kettle heat with no water, for descaling.\n\n"
        "* The timer option now counts down properly when the lid is opened and closed again\n\n"
        "  Opening the lid used to reset it.\n\n"
        "-----------------------------------------------------\n"
        "Kettle 2.4\n\n"
        "* handle wrapped in cork\n\n"
        "version 2.3 - 2019-02-01\n\n"
        "* first release with a gauge\n"
    )
    passages = split_document(Document("NEWS", text, "x"))
    where = {" ".join(s.readable.split()): p.heading for p in passages for s in p.sentences}
    assert all(p.text == text[p.span.start : p.span.end] for p in passages)
    # A one-line entry followed by another is an item of its release, not an empty heading: none is lost.
    for entry in ("spout redesigned for pouring", "lid hinge made of steel", "handle wrapped in cork"):
        assert entry in where, entry
    r30 = "KETTLE NEWS \u203a Noteworthy changes in release 3.0 (2023-01-09)"
    assert where["spout redesigned for pouring"] == r30
    # An entry with text under it titles that text, under its release.
    assert where["It lets the kettle heat with no water, for descaling."] == f"{r30} \u203a New option --boil-dry"
    # ... however long its title (a clause of 16 words), not under the entry before it.
    timer = "The timer option now counts down properly when the lid is opened and closed again"
    assert where["Opening the lid used to reset it."] == f"{r30} \u203a {timer}"
    # A bare version line under a rule, or alone, is a release beside the others, not under the last entry.
    assert where["handle wrapped in cork"] == "KETTLE NEWS \u203a Kettle 2.4"
    assert where["first release with a gauge"] == "KETTLE NEWS \u203a version 2.3 - 2019-02-01"
    assert where["The whistle no longer sounds twice."].endswith("release 3.1 (2024-05-02) \u203a Bug fixes")


def test_a_q_and_a_faq_question_titles_its_answer_and_a_short_answer_is_never_a_heading() -> None:
    text = (
        "Kettle FAQ\n==========\n\n"
        "Q:  Can the kettle boil milk?\n\n"
        "A:  No. Milk scorches on the element.\n\n\n"
        "Q:  My kettle clicks off early. How can I\n"
        "    stop that?\n\n"
        "A:  descale --deep\n\n\n"
        "Q:  Is the cord detachable?\n\n"
        "A:  Yes, it lifts off the base.\n"
    )
    passages = split_document(Document("FAQ", text, "x"))
    readable = [(p.heading.split(" \u203a ")[-1], " ".join(p.readable.split())) for p in passages]
    assert readable == [
        ("Can the kettle boil milk?", "No. Milk scorches on the element."),
        ("My kettle clicks off early. How can I stop that?", "descale --deep"),
        ("Is the cord detachable?", "Yes, it lifts off the base."),
    ]
    assert all(p.text == text[p.span.start : p.span.end] for p in passages)
