"""Small documents in every format, written for these tests (never taken from the seeds or golden sets)."""

from __future__ import annotations

import io

from tests.pdf_maker import make_pdf


def docx_bytes(parts: list[tuple[str, str | list[list[str]]]]) -> bytes:
    """Return a .docx made with python-docx: (style, text) pairs; style "table" takes rows of cells."""
    import docx

    document = docx.Document()
    for style, content in parts:
        if style == "table":
            assert isinstance(content, list)
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for r, row in enumerate(content):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif style.startswith("Heading"):
            document.add_heading(str(content), level=int(style.split()[1]))
        else:
            if style not in [s.name for s in document.styles]:  # pandoc's "Definition Term", "Definition"
                from docx.enum.style import WD_STYLE_TYPE

                document.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH)
            document.add_paragraph(str(content), style=style)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


TXT = """Garden club notes
=================

The spring meeting chose new beds for the herb garden.

Watering
--------

To start the pump, run:

    pump --start ZONE=north

- Mint
- Sage
- Basil needs full sun and daily water.
"""

MD = """# Lantern toolkit

Lantern draws maps of [river deltas](https://example.org/deltas) with **bold** colours.

## Install

Build it with:

```
make install PREFIX=/opt/lantern
```

| option | meaning |
| --- | --- |
| 1.2 - 1.4 | 13 |

- small list item
- another item
"""

RST = """Harbour guide
=============

Tides
-----

The harbour closes when the tide is below ``2 m``, see `the tables <https://example.org/tides>`_.

Example::

    tide --port west

* Ferries leave hourly
* Boats return at dusk
"""

CSV = 'town,population,river\nAmberley,1200,Arun\nBramble,"3,400",Wey\n'

HTML = """<html><head><title>Kite flying</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<div class="sidebar">Press ? to show keyboard shortcuts</div>
<main>
<h1>Kite flying</h1>
<p>Kites need a steady wind of <a href="/wind">twelve knots</a>.</p>
<h2>Lines</h2>
<table><tr><th>range</th><th>length</th></tr><tr><td>1.2 - 1.4</td><td>13</td></tr></table>
<figure><img src="k.png"><figcaption>A box kite over the dunes at Camber.</figcaption></figure>
<ul><li>Gloves</li><li>Spare line</li></ul>
<pre>kite --launch</pre>
</main>
<footer>Copyright the kite club</footer>
</body></html>
"""

PDF_PAGES = [
    ["1 Weather stations", "Each station records rain every hour of the day and", "sends the readings at noon.",
     "", "Station   Height   Opened", "North   120   1990", "South   45   2004"],
    ["2 Maintenance", "The sensors are cleaned every spring before the storms."],
]  # fmt: skip
PDF = make_pdf(PDF_PAGES)

DOCX_PARTS: list[tuple[str, str | list[list[str]]]] = [
    ("Heading 1", "Bakery handbook"),
    ("Normal", "The ovens are lit at five in the morning."),
    ("Heading 2", "Loaves"),
    ("Normal", "Each loaf needs:"),
    ("List Bullet", "flour"),
    ("List Bullet", "salt"),
    ("table", [["loaf", "minutes"], ["rye", "45"], ["spelt", "40"]]),
    ("Caption", "The old oven in the back room."),
]
