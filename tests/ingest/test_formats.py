"""HTML and PDF corpora: visible text only, exact spans into the extracted text, PDF page numbers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.config import Settings
from qa.index.build import build_index
from qa.ingest.formats import extract, html_text
from qa.ingest.load import list_files, read_document
from qa.ingest.split import split_document
from qa.types import Document, Passage
from tests.fakes.embedder import HashingEmbedder
from tests.fakes.store import MemoryStores
from tests.pdf_maker import make_pdf

PAGE = """<!DOCTYPE html>
<html><head><title>Payments between rival apps</title>
<style>p { color: red }</style><script>var secret = "Never index this script.";</script></head>
<body><nav><a href="/">Home</a> | <a href="/markets">Markets</a></nav>
<h1>Payments between rival apps</h1>
<p>Users still cannot use WeChat&nbsp;Pay for transactions on Taobao &amp; Tmall,
   the two companies said on Monday.</p>
<ul><li>Alipay cannot be used on WeChat mini-programs.</li><li>Both firms run cloud businesses.</li></ul>
<noscript>Enable JavaScript to read the comments.</noscript>
<p>Food prices dropped by 1.8 per cent in August.<br>Services prices rose by 1.3 per cent.</p>
</body></html>
"""

REPORT = [
    [
        "Quarterly report of the example company",
        "The company sold more widgets in the third quarter than in any",
        "quarter before, its chief executive said.",
        "",
        "Costs fell because the new factory in Ningbo opened early and ran",
        "at full capacity from its first week.",
        "1",
    ],
    [
        "Quarterly report of the example company",
        "Analysts expect the growth of widget sales to continue next year,",
        "although the trade dispute remains a risk for exporters.",
        "2",
    ],
    [
        "Quarterly report of the example company",
        "The board approved a dividend of ten cents per share in December.",
        "3",
    ],
]


def test_html_keeps_visible_text_and_drops_scripts_styles_and_navigation() -> None:
    text = html_text(PAGE)
    assert "Users still cannot use WeChat\xa0Pay for transactions on Taobao & Tmall, the two companies" in text
    assert "# Payments between rival apps" in text and text.count("Payments between rival apps") == 1
    assert "- Alipay cannot be used on WeChat mini-programs." in text
    for hidden in ("secret", "color: red", "Home", "JavaScript"):
        assert hidden not in text
    assert "\n\n" in text  # block elements become paragraphs, which the splitter relies on


def test_html_passages_are_exact_spans_of_the_extracted_text(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    doc = read_document(tmp_path / "page.html", tmp_path)
    assert doc is not None and doc.text == extract(str(tmp_path / "page.html"))
    passages = split_document(doc)
    assert passages and all(doc.text[p.span.start : p.span.end] == p.text for p in passages)
    sentences = [s.text for p in passages for s in p.sentences]
    assert "Services prices rose by 1.3 per cent." in sentences
    assert all(p.span.page is None for p in passages)


def test_html_in_a_declared_legacy_charset_is_decoded(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 prices rose in Paris.</p></body></html>'
    (tmp_path / "old.htm").write_bytes(page.encode("cp1252"))
    doc = read_document(tmp_path / "old.htm", tmp_path)
    assert doc is not None and "Café prices rose in Paris." in doc.text


def test_html_that_cannot_be_decoded_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "bad.html").write_bytes("<p>Caf\xe9 cr\xe8me.</p>".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        assert read_document(tmp_path / "bad.html", tmp_path) is None
    assert "bad.html" in caplog.text and "UTF-8" in caplog.text


def test_pdf_text_is_reflowed_per_page_and_spans_carry_the_page(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(make_pdf(REPORT))
    doc = read_document(tmp_path / "report.pdf", tmp_path)
    assert doc is not None and len(doc.pages) == 3
    # A sentence printed over two lines is one line again; running head and page numbers are gone.
    assert "in any quarter before, its chief executive said." in doc.text
    assert "Quarterly report" not in doc.text
    passages = split_document(doc)
    assert all(doc.text[p.span.start : p.span.end] == p.text for p in passages)
    page_of = {p.text.split()[1]: p.span.page for p in passages}
    assert page_of == {"company": 1, "fell": 1, "expect": 2, "board": 3}


def test_broken_or_textless_pdf_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[], []]))
    with caplog.at_level(logging.WARNING):
        assert read_document(tmp_path / "broken.pdf", tmp_path) is None
        assert read_document(tmp_path / "scan.pdf", tmp_path) is None
    assert "broken.pdf" in caplog.text and "scan.pdf" in caplog.text and "OCR" in caplog.text


def test_mixed_corpus_is_indexed_and_answered_with_exact_quotes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text(PAGE, encoding="utf-8")
    (corpus / "report.pdf").write_bytes(make_pdf(REPORT))
    (corpus / "notes.txt").write_text("The archive holds notes about widgets and payments.\n", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    assert [p.name for p in list_files(corpus)] == ["notes.txt", "page.html", "report.pdf"]
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")
    embedder, stores = HashingEmbedder(), MemoryStores()
    report = build_index(settings, embedder, progress=False, stores=stores)
    assert report.files == 3 and report.skipped == ["image.png"]  # named, no longer silently ignored
    assert "unsupported" in report.reasons["image.png"]
    from qa.assistant import Assistant

    bot = Assistant.open(settings=settings, embedder=embedder, stores=stores)
    for question, source in [
        ("Can WeChat Pay be used for transactions on Taobao and Tmall?", "page.html"),
        ("Which dividend per share did the board approve in December?", "report.pdf"),
    ]:
        ans = bot.ask(question)
        assert not ans.abstained and ans.citations, (question, ans.notice)
        for c in ans.citations:
            assert extract(str(corpus / c.source))[c.start : c.end] == c.quote
        assert any(c.source == source for c in ans.citations)
    assert not build_index(settings, embedder, progress=False, stores=stores).embedded  # hashes of the bytes


def test_pdf_citations_carry_their_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(make_pdf(REPORT))
    (corpus / "page.html").write_text(PAGE, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", llm="extractive")
    embedder, stores = HashingEmbedder(), MemoryStores()
    build_index(settings, embedder, progress=False, stores=stores)
    from qa.assistant import Assistant

    bot = Assistant.open(settings=settings, embedder=embedder, stores=stores)  # passages read back from the manifest
    pdf = bot.ask("Which dividend per share did the board approve in December?").citations
    assert pdf and {c.page for c in pdf if c.source == "report.pdf"} == {3}
    assert pdf[0].to_dict()["page"] == pdf[0].page
    html = bot.ask("Can WeChat Pay be used for transactions on Taobao and Tmall?").citations
    assert html and all(c.page is None for c in html)


DEFINITIONS = """<html><body><main><h2>Primitive types</h2>
<p>The library provides these type descriptors:</p>
<dl>
<dt>ffi_type_pointer</dt><dd>The generic pointer. Use this for all pointers, whatever they point to.</dd>
<dt>ffi_type_sint16</dt><dd>A signed, 16-bit integer type.</dd>
</dl>
<p>Other types are built from these.</p>
<dl><dt>A term with no definition</dt></dl>
</main></body></html>"""


def test_a_definition_list_term_titles_its_definition_and_is_never_a_passage(tmp_path: Path) -> None:
    (tmp_path / "types.html").write_text(DEFINITIONS, encoding="utf-8")
    doc = read_document(tmp_path / "types.html", tmp_path)
    assert doc is not None
    passages = split_document(doc)
    assert all(doc.text[p.span.start : p.span.end] == p.text for p in passages)
    by_text = {s.text: p.heading for p in passages for s in p.sentences}
    assert by_text["Use this for all pointers, whatever they point to."] == "Primitive types \u203a ffi_type_pointer"
    assert by_text["A signed, 16-bit integer type."] == "Primitive types \u203a ffi_type_sint16"
    assert "ffi_type_pointer" not in by_text  # the term titles the definition; it is not quoted itself
    # What follows the list belongs to the section again, and a term without a definition stays text.
    assert by_text["Other types are built from these."] == "Primitive types"
    assert "A term with no definition" in by_text


DOCBOOK_FAQ = """<html><body><h1>Lamp FAQ</h1><div class="qandaset">
<dl><dt>1. <a href="faq.html#care">Care</a></dt>
<dd>1.1. <a href="faq.html#gas">Can the lamp burn gas?</a></dd>
<dd>1.2. <a href="#wick">Why does the wick smoke?</a></dd></dl>
<table summary="Q and A Div">
<tr class="qandadiv"><td colspan="2"><h3>1. Care</h3></td></tr>
<tr class="toc"><td colspan="2">1.1. <a href="faq.html#gas">Can the lamp burn gas?</a></td></tr>
<tr class="question"><td><b>1.1.</b></td><td><b>Can the lamp burn gas?</b></td></tr>
<tr class="answer"><td></td><td><p>No. It burns paraffin only.</p><pre>lamp --fuel=paraffin</pre></td></tr>
<tr class="question"><td><b>1.2.</b></td><td><b>Why does the wick smoke?</b></td></tr>
<tr class="answer"><td></td><td><p>It is cut unevenly; trim it level with the tube.</p></td></tr>
</table></div></body></html>"""


@pytest.mark.parametrize("body", ["", "tbody"])
def test_a_docbook_faq_question_titles_its_answer_and_the_page_contents_are_furniture(
    tmp_path: Path, body: str
) -> None:
    html = DOCBOOK_FAQ
    if body:  # XHTML output wraps the rows in <tbody>
        html = html.replace('Div">', 'Div"><tbody>').replace("</table>", "</tbody></table>")
    (tmp_path / "faq.html").write_text(html, encoding="utf-8")
    doc = read_document(tmp_path / "faq.html", tmp_path)
    assert doc is not None
    passages = split_document(doc)
    assert all(doc.text[p.span.start : p.span.end] == p.text for p in passages)
    by_text = {s.readable: p.heading for p in passages for s in p.sentences}
    assert by_text["It burns paraffin only."] == "Lamp FAQ › 1. Care › Can the lamp burn gas?"
    assert by_text["lamp --fuel=paraffin"] == "Lamp FAQ › 1. Care › Can the lamp burn gas?"
    assert by_text["It is cut unevenly; trim it level with the tube."].endswith("› Why does the wick smoke?")
    # Neither the question nor a contents entry is a passage of its own.
    assert not [t for t in by_text if "?" in t]
    # A list of links into the page is its table of contents; a list with text of its own is content.
    assert "Care" not in doc.text.split("# 1. Care")[0]


def one_page_pdf(tmp_path: Path, name: str, lines: list[str]) -> tuple[Document, list[Passage]]:
    """Return the document and passages of a one-page PDF of ``lines``; every passage's span is exact."""
    (tmp_path / name).write_bytes(make_pdf([lines]))
    doc = read_document(tmp_path / name, tmp_path)
    assert doc is not None
    passages = split_document(doc)
    assert all(doc.text[p.span.start : p.span.end] == p.text for p in passages)
    return doc, passages


def test_a_pdf_bulleted_list_is_items_not_table_rows(tmp_path: Path) -> None:
    lines = [
        "The parser accepts these types:",
        "\u2022     SEQUENCE;",
        "\u2022     CHOICE;",
        "\u2022     ANY DEFINED BY.",
        "",
        "This version does not handle the REAL type.",
    ]
    _, passages = one_page_pdf(tmp_path, "manual.pdf", lines)
    sentences = [s.text for p in passages for s in p.sentences]
    assert "CHOICE;" in sentences and "ANY DEFINED BY." in sentences
    assert not any("|" in s for s in sentences)  # no "\u2022 | CHOICE;" rows
    assert "This version does not handle the REAL type." in sentences


def test_a_pdf_numbered_heading_may_name_a_file(tmp_path: Path) -> None:
    lines = [
        "2.8 Tree files",
        "Tree files match directory layouts on removable media.",
        "",
        "2.9. The rules.cache files",
        "The cache holds the same rules in a binary format.",
    ]
    _, passages = one_page_pdf(tmp_path, "spec.pdf", lines)
    by_text = {s.text: p.heading for p in passages for s in p.sentences}
    assert by_text["The cache holds the same rules in a binary format."].endswith("2.9. The rules.cache files")
    assert "2.9. The rules.cache files" not in by_text  # a heading, never a sentence of the section before


def test_a_pdf_chapter_title_alone_on_a_page_of_short_lines_is_a_heading(tmp_path: Path) -> None:
    # The page's usual line is a short list item, as long as the chapter title: the title is
    # still a heading because it stands alone between blank lines.
    items = [f"\u2022     TYPE{n};" for n in range(12)]
    lines = [
        "Types we know:", *items, "", "2 Syntax of the schema", "", "2.1 Comments", "A comment starts with two dashes.",
        "", "1. Download the schema and unpack it into a", "folder of your own.",
    ]  # fmt: skip
    _, passages = one_page_pdf(tmp_path, "manual.pdf", lines)
    by_text = {s.text: p.heading for p in passages for s in p.sentences}
    assert by_text["A comment starts with two dashes."] == "2 Syntax of the schema \u203a 2.1 Comments"
    assert "2 Syntax of the schema" not in by_text
    # A wrapped numbered step reads on into its next line: no heading.
    step = [p for p in passages if "unpack it into a folder of your own." in p.text]
    assert [p.heading for p in step] == ["2 Syntax of the schema \u203a 2.1 Comments"]


def test_a_pdf_table_cell_wrapped_over_several_lines_stays_in_its_row(tmp_path: Path) -> None:
    # The first two columns print on the middle line of a wrapped third cell, as LaTeX and
    # DocBook tables do; a first-column word may wrap too ("start-" / "time").
    lines = [
        "Each valve has these settings:",
        "",
        "Setting       Required?                    Meaning",
        "name          Yes            A label shown on the panel.",
        "                             The pressure, in bar, at which the valve opens. It may",
        "limit         Yes            be a single number or a range such as 2:4, and the",
        "                             range is inclusive.",
        "                             The number of seconds the valve stays open after a",
        "delay         No             trip. Zero keeps it open until reset.",
        "start-        3              The wait before the first check, in seconds.",
        "time",
        "",
        "Valves are checked once a day.",
    ]
    _, passages = one_page_pdf(tmp_path, "valves.pdf", lines)
    text = "\n".join(p.text for p in passages)
    assert (
        "limit | Yes | The pressure, in bar, at which the valve opens. It may be a single number or a range such "
        "as 2:4, and the range is inclusive." in text
    )
    assert (
        "delay | No | The number of seconds the valve stays open after a trip. Zero keeps it open until reset." in text
    )
    assert "start-time | 3 | The wait before the first check, in seconds." in text
    assert "Valves are checked once a day." in [s.text for p in passages for s in p.sentences]
    # The same with the whole table indented: the wrapped first-column word is found where that
    # column starts, not at the margin.
    indented = ["Checks:", "", *("        " + ln for ln in lines[2:11])]
    doc, _ = one_page_pdf(tmp_path, "indented.pdf", indented)
    assert "start-time | 3 | The wait before the first check, in seconds." in doc.text


def test_an_indented_capitalised_pdf_line_opens_a_paragraph(tmp_path: Path) -> None:
    # TeX and texinfo indent a paragraph's first line; the help text before it ends in a URL,
    # no sentence end, and used to run into it. A wrapped signature goes on in lower case.
    lines = [
        "Report bugs to: someone@example.org",
        "General help: <https://example.org/help>",
        "   For example, the command below decodes the file.",
        "",
        "int frob (const char * name, const char *",
        "     label, int size)",
    ]
    _, passages = one_page_pdf(tmp_path, "tool.pdf", lines)
    sentences = [s.text for p in passages for s in p.sentences]
    assert "For example, the command below decodes the file." in sentences
    assert not any("help>" in s and "For example" in s for s in sentences)
    assert any("const char * label, int size)" in s for s in sentences)


def test_a_docx_definition_list_term_titles_its_definition(tmp_path: Path) -> None:
    from tests.ingest.corpora import docx_bytes

    parts: list[tuple[str, str | list[list[str]]]] = [
        ("Heading 1", "Options"),
        ("Normal", "The file defines these options:"),
        ("Definition Term", "old-beds"),
        ("Definition", "Beds that may still hold plants but are no longer watered."),
        ("Normal", "Other options are described below."),
    ]
    (tmp_path / "garden.docx").write_bytes(docx_bytes(parts))
    doc = read_document(tmp_path / "garden.docx", tmp_path)
    assert doc is not None
    passages = split_document(doc)
    by_text = {s.text: p.heading for p in passages for s in p.sentences}
    assert by_text["Beds that may still hold plants but are no longer watered."] == "Options \u203a old-beds"
    assert by_text["Other options are described below."] == "Options"
    assert "old-beds" not in by_text
