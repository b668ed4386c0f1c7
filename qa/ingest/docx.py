"""Word (.docx) files with python-docx: paragraphs and tables in body order, headings by style.

python-docx reads the document's own structure (styles, numbering, tables), so headings
come from "Title"/"Heading N" styles and list items from list styles or numbering, with
no guessing from text. mammoth converts to HTML and would need a second parse.
"""

from __future__ import annotations

import io
import re
from typing import Any

from qa.ingest.outline import TextBuilder
from qa.ingest.tabular import labelled
from qa.types import Section

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)


def _paragraph(out: TextBuilder, p: Any) -> None:
    text = p.text
    style = (p.style.name if p.style is not None else "") or ""
    heading = _HEADING_STYLE.match(style)
    if style.lower() == "title":
        out.add_heading(0, text)
    elif heading:
        out.add_heading(int(heading.group(1)), text)
    elif style.lower().startswith("list") or p._p.pPr is not None and p._p.pPr.numPr is not None:
        out.add("item", text)
    elif "term" in style.lower():  # "Definition Term": leads in to its definition
        out.add("term", text)
    elif style.lower() == "definition":  # pandoc's definition lists: the term titles it (qa.ingest.split)
        out.add("definition", text)
    elif style.lower() == "caption":
        out.add("caption", text)
    else:
        out.add("paragraph", text)


def _table(out: TextBuilder, table: Any) -> None:
    # Word marks no header cells the way HTML's <th> does: the first row is read as the header,
    # as Word, LibreOffice and pandoc lay tables out, and the rows after it name their columns.
    header: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:  # a merged cell is reported once per column it spans
                cells.append(text)
        if any(cells):
            out.add("row", labelled(header, cells) if header else " | ".join(cells))
            header = header or cells


def parse_docx(data: bytes) -> tuple[str, tuple[Section, ...]]:
    """Return the extracted text of a Word document and its sections (spans index that text)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    out = TextBuilder()
    for child in document.element.body.iterchildren():
        tag = child.tag.rpartition("}")[2]
        if tag == "p":
            _paragraph(out, Paragraph(child, document))
        elif tag == "tbl":
            _table(out, Table(child, document))
    return out.text(), out.sections()
