"""CSV files with the standard library's csv module: each row a block reading "column: value; ...".

The span of a row is its exact text in the file (quoted commas and line breaks included);
the header's column names go into the row's plain form, which is what is embedded and shown.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from qa.ingest.outline import Outline, trim
from qa.types import Section

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def parse_csv(text: str) -> tuple[Section, ...]:
    """Return one section of row blocks (the header names each value); spans index ``text``."""
    pos = [0]  # offset just past the lines the reader has consumed

    def lines() -> Iterator[str]:
        for m in _LINE.finditer(text):
            if not m.group(0):
                return
            pos[0] = m.end()
            yield m.group(0)

    out = Outline()
    start = 0
    header: list[str] | None = None
    for row in csv.reader(lines(), _dialect(text[:4096])):
        a, b = trim(text, start, pos[0])
        start = pos[0]
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [" ".join(h.split()) for h in row]
            continue
        out.block("row", a, b, labelled(header, row, "; ", numbered=True))
    return out.sections()


def labelled(header: list[str], cells: list[str], sep: str = " | ", numbered: bool = False) -> str:
    """Return a row read with its column names: "Dataset: nfcorpus | BM25S: 1196.16".

    A row passage often sits far from its table's header (a long table is split), and a cell
    alone ("1196.16") says nothing about what it measures; with the column name beside it the
    row is embedded, BM25-indexed and scored as the statement it is. Empty cells are left out;
    a cell without a column name stands alone (or is "column N" when ``numbered``, as in CSV).
    """
    parts = []
    for i, value in enumerate(cells):
        value = " ".join(value.split())
        if not value:
            continue
        name = header[i] if i < len(header) and header[i] else (f"column {i + 1}" if numbered else "")
        parts.append(f"{name}: {value}" if name and name != value else value)
    return sep.join(parts)
