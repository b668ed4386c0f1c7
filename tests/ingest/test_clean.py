"""Cleaning by evidence, each rule tried in every format on text written for the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.clean import boilerplate, is_furniture, keys
from qa.ingest.formats import sections_of
from qa.ingest.load import open_document
from qa.ingest.split import split_document
from qa.types import Document
from tests.ingest.corpora import docx_bytes
from tests.pdf_maker import make_pdf


def doc(text: str, source: str) -> Document:
    return Document(source, text, "x")


def readable(d: Document, common: frozenset[str] = frozenset()) -> list[str]:
    return [s.readable for p in split_document(d, boilerplate=common) for s in p.sentences]


def test_web_furniture_is_recognised_by_its_form() -> None:
    for text in ("Press ? to show keyboard shortcuts", "Skip to content", "Accept all cookies", "4 min read",
                 "Advertisement", "Back to top", "Share this article"):  # fmt: skip
        assert is_furniture(text), text
    for text in ("make install PREFIX=/usr", "Read the manual before you start.", "Skip the first line", "Mint"):
        assert not is_furniture(text), text


# One document per format, each with a furniture line, a block repeated under one heading,
# a command line, a table row and short list items.
FORMATS = {
    "notes.txt": "Skip to content\n\nRun it with:\n\n    make install PREFIX=/usr\n\n- Mint\n- Sage\n\n"
    "Fresh leaves every week.\n\nFresh leaves every week.\n",
    "notes.md": "Skip to content\n\nRun it with:\n\n```\nmake install PREFIX=/usr\n```\n\n| a | b |\n|---|---|\n"
    "| 1.2 - 1.4 | 13 |\n\n- Mint\n- Sage\n\nFresh leaves every week.\n\nFresh leaves every week.\n",
    "notes.rst": "Skip to content\n\nRun it with::\n\n    make install PREFIX=/usr\n\n- Mint\n- Sage\n\n"
    "Fresh leaves every week.\n\nFresh leaves every week.\n",
    "notes.html": "<body><p>Skip to content</p><p>Run it with:</p><pre>make install PREFIX=/usr</pre>"
    "<table><tr><td>1.2 - 1.4</td><td>13</td></tr></table><ul><li>Mint</li><li>Sage</li></ul>"
    "<p>Fresh leaves every week.</p><p>Fresh leaves every week.</p></body>",
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_furniture_dropped_repeats_kept_once_commands_rows_and_items_kept(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(FORMATS[name], encoding="utf-8")
    d = open_document(tmp_path / name, tmp_path)
    assert isinstance(d, Document)
    got = readable(d)
    assert "Skip to content" not in got
    assert got.count("Fresh leaves every week.") == 1  # a repeat is kept once, not zero times
    assert "make install PREFIX=/usr" in got and "Mint" in got and "Sage" in got
    if name.endswith((".md", ".html")):
        assert any(row.endswith(("1.2 - 1.4 | 13", "1.2 - 1.4 | b: 13")) for row in got)  # cells never run together


def test_csv_rows_are_content_and_repeated_rows_are_kept(tmp_path: Path) -> None:
    text = "tool,flag\nmake,install\nmake,install\n"
    assert readable(doc(text, "t.csv")) == ["tool: make; flag: install", "tool: make; flag: install"]


def test_pdf_and_docx_keep_short_items_rows_and_one_copy_of_a_repeat(tmp_path: Path) -> None:
    pdf = make_pdf([["Run it with make install PREFIX=/usr on the host.", "", "Name   Size", "Ash   12", "Oak   30",
                     "", "Fresh leaves every week.", "", "Fresh leaves every week."]])  # fmt: skip
    (tmp_path / "p.pdf").write_bytes(pdf)
    (tmp_path / "w.docx").write_bytes(
        docx_bytes(
            [
                ("List Bullet", "Mint"),
                ("List Bullet", "Sage"),
                ("Normal", "Skip to content"),
                ("table", [["Name", "Size"], ["Ash", "12"]]),
                ("Normal", "Fresh leaves every week."),
                ("Normal", "Fresh leaves every week."),
            ]
        )  # fmt: skip
    )
    for name in ("p.pdf", "w.docx"):
        d = open_document(tmp_path / name, tmp_path)
        assert isinstance(d, Document), d
        got = readable(d)
        assert (
            {"Ash | 12", "Name: Ash | Size: 12"} & set(got)
            and got.count("Fresh leaves every week.") == 1
            and "Skip to content" not in got
        )
    assert "Mint" in readable(open_document(tmp_path / "w.docx", tmp_path))  # type: ignore[arg-type]


def test_the_same_line_under_two_headings_is_kept_under_both() -> None:
    text = "# Release 2\n\n- Translations updated.\n\n# Release 1\n\n- Translations updated.\n"
    passages = split_document(doc(text, "NEWS.md"))
    assert [p.heading for p in passages] == ["Release 2", "Release 1"]


@pytest.mark.parametrize("name", ["order.md", "order.txt", "order.rst"])
def test_a_list_repeating_another_lists_items_in_another_order_is_kept(name: str) -> None:
    # The same items in another order say something else: list items repeat by design.
    text = (
        "With the flag, the first of these is used:\n\n- The file.\n- The shell.\n- The default.\n\n"
        "Without the flag, the first of these is used:\n\n- The shell.\n- The file.\n- The default.\n"
    )
    got = readable(doc(text, name))
    assert [t.lstrip("- ") for t in got].count("The shell.") == 2, got
    assert [t.lstrip("- ") for t in got].count("The default.") == 2, got


def test_captions_are_kept_once() -> None:
    caption = "The lighthouse at Dunmore in 1910. Photo: Harbour Archive"
    text = f"{caption}\n\nThe keeper lived there for thirty years.\n\n{caption}\n"
    assert readable(doc(text, "a.txt")).count("Photo: Harbour Archive") == 1


def test_scraping_residue_is_dropped_from_plain_text_only() -> None:
    assert readable(doc('Ships <img src="a.png" alt="ship"> in port\n\nReal text here.\n', "a.txt")) == [
        "Real text here."
    ]


def _site(n: int, suffix: str = "html") -> dict[str, Document]:
    pages = {}
    for i in range(n):
        html = (f"<body><div>Site map of the kite club</div><h1>Page {i}</h1><p>Kite number {i} flies high.</p>"
                "<p>Copyright the kite club, all rights kept.</p></body>")  # fmt: skip
        from qa.ingest.html import parse_html

        text, sections = parse_html(html)
        pages[f"site/p{i}.{suffix}"] = Document(f"site/p{i}.{suffix}", text, str(i), sections=sections)
    return pages


def test_blocks_repeated_across_most_files_of_a_folder_are_boilerplate() -> None:
    pages = _site(4)
    common = boilerplate({s: keys(d, sections_of(d)) for s, d in pages.items()})
    got = readable(pages["site/p2.html"], frozenset(common))
    assert got == ["Kite number 2 flies high."]
    assert "Copyright the kite club, all rights kept." in readable(pages["site/p2.html"])  # without the evidence


def test_two_copies_of_one_article_keep_their_content() -> None:
    pages = dict(list(_site(2).items()))
    common = boilerplate({s: keys(d, sections_of(d)) for s, d in pages.items()})
    assert not common  # two files are never evidence of site furniture
    article = "Tides rise twice a day.\n\nThe moon pulls the sea.\n"
    copies = {f"c{i}.txt": doc(article, f"c{i}.txt") for i in range(3)}
    common = boilerplate({s: keys(d, sections_of(d)) for s, d in copies.items()})
    assert readable(copies["c1.txt"], frozenset(common)) == ["Tides rise twice a day.", "The moon pulls the sea."]
