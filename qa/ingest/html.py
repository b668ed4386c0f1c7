"""HTML pages with lxml: the main content only, as headings, paragraphs, list items and table rows.

Main content is found by the page's own markup: ``<main>``, ``role="main"`` or a single
``<article>``, else ``<body>``; inside it, navigation, headers, footers, asides, forms and
elements whose class or id names site furniture (sidebar, breadcrumb, cookie banner...)
are left out. Site furniture these rules miss repeats across the pages of a site, and
``qa.ingest.clean.boilerplate`` drops it. trafilatura and readability were considered:
both are tuned for news articles and drop the code blocks, tables and definition lists
that documentation pages are made of, and neither keeps the page's heading levels.
Table rows become ``cell | cell`` lines, so adjacent cells never run together.
"""

from __future__ import annotations

import re
from typing import Any

from qa.ingest.outline import TextBuilder
from qa.ingest.tabular import labelled
from qa.types import Section

_DROP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "nav", "form", "button",
                   "aside", "footer", "select", "input", "textarea", "head", "canvas", "map", "dialog"})  # fmt: skip
_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alert", "menu"})
_FURNITURE_NAME = re.compile(
    r"(^|[-_ ])(nav|navbar|navigation|menu|menubar|sidebar|breadcrumbs?|footer|cookies?|consent|banner|skip"
    r"|share|social|advert|ads|related|pagination|toolbar|masthead|site-header|header|headerlink)([-_ ]|$)"
    r"|sphinxsidebar|sidebar|breadcrumb|cookie|navbar|footer|copiable-anchor",
    re.I,
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset({"p", "div", "section", "article", "main", "header", "blockquote", "address", "details",
                     "summary", "center", "body", "html", "hgroup", "figure", "fieldset", "dl", "ul", "ol",
                     "menu", "hr"})  # fmt: skip
_NUMBERING = re.compile(r"^[\d.]+\s*")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # not \s: a no-break space is kept as written
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _furniture(el: Any) -> bool:
    if el.tag in _DROP or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if el.tag in ("dl", "ul", "ol") and _in_page_contents(el):
        return True
    if (el.get("role") or "").lower() in _ROLES:
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    if el.tag == "body" or not names.strip() or not _FURNITURE_NAME.search(names):
        return False
    # A "header" that holds the page's heading is the article's head, not the site's.
    return not el.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")


def _in_page_contents(el: Any) -> bool:
    """Return True for a table of contents: a list whose every entry is a link to a place in the page.

    Each entry repeats a heading (or a FAQ's question) found further down; indexed, it is a
    second, context-free copy that matches the question better than the answer does.
    """
    entries = [c for c in el if c.tag in ("li", "dt", "dd")]
    if len(entries) < 2:
        return False
    for entry in entries:
        links = entry.xpath(".//a[@href]")
        if not links or not all("#" in a.get("href") for a in links):
            return False
        text = _NUMBERING.sub("", _SPACE.sub(" ", entry.text_content()).strip())  # "1.2. " is the entry's number
        linked = _SPACE.sub(" ", " ".join(a.text_content() for a in links)).strip()
        if len(linked) < 0.6 * len(text):
            return False
    return True


def main_content(root: Any) -> Any:
    """Return the element holding the page's main content."""
    for path in ("//main", "//*[@role='main']"):
        found = root.xpath(path)
        if len(found) == 1:
            return found[0]
    articles = root.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find("body")
    return body if body is not None else root


class _Walker:
    def __init__(self) -> None:
        self.out = TextBuilder()
        self.inline: list[str] = []
        self.kind = "paragraph"

    def flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self.inline)).strip()
        self.inline = []
        if text:
            self.out.add(self.kind, text)

    def walk(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # comments, processing instructions
            return
        tag = tag.lower()
        if _furniture(el):
            return
        if tag in _HEADINGS:
            self.flush()
            self.out.add_heading(_HEADINGS[tag], el.text_content())
        elif tag == "pre":
            self.flush()
            self.out.add("code", el.text_content().strip("\n"))
        elif tag == "table":
            self.flush()
            self._table(el)
        elif tag == "br":
            self.inline.append("\n")
        elif tag in ("li", "dt", "dd", "figcaption", "caption"):
            self.flush()
            outer = self.kind
            kinds = {"li": "item", "dt": "term", "dd": "definition", "figcaption": "caption", "caption": "caption"}
            self.kind = kinds[tag]
            self._children(el)
            self.flush()
            self.kind = outer
        elif tag in _BLOCKS:
            self.flush()
            self._children(el)
            self.flush()
        else:
            self._children(el)
        if el.tail:
            self.inline.append(el.tail)

    def _children(self, el: Any) -> None:
        if el.text:
            self.inline.append(el.text)
        for child in el:
            self.walk(child)

    def _table(self, table: Any) -> None:
        rows = _own_rows(table)
        if any(tr.get("class") == "question" for tr in rows):
            self._qandaset(rows)
            return
        for cap in table.iterfind("caption"):
            self.out.add("caption", _SPACE.sub(" ", cap.text_content()).strip())
        header: list[str] = []
        for tr in rows:
            cols = [c for c in tr if c.tag in ("td", "th")]
            cells = [_SPACE.sub(" ", c.text_content()).strip() for c in cols]
            heading_row = bool(cols) and (all(c.tag == "th" for c in cols) or tr.getparent().tag == "thead")
            if heading_row:
                header = cells
            if any(cells):
                # Body rows read with their column names: the extracted text is ours to word.
                self.out.add("row", " | ".join(cells) if heading_row or not header else labelled(header, cells))

    def _qandaset(self, rows: list[Any]) -> None:
        """Read a DocBook FAQ (``<tr class="question">`` over ``<tr class="answer">``) as questions titling answers.

        As in a plain-text FAQ, the question is the heading of its answer (deeper than the
        ``qandadiv`` section titles), never a passage quoted as an answer; the answer's
        paragraphs, lists and code are blocks; the per-section table of contents is left out.
        The question's number ("5.4.") is its own cell and is dropped.
        """
        for tr in rows:
            cells = [c for c in tr if c.tag in ("td", "th")]
            kind = tr.get("class")
            if kind == "toc" or not cells:
                continue
            if kind == "question":
                self.out.add_heading(6, cells[-1].text_content())
                continue
            self.walk(cells[-1])
            self.flush()


def _own_rows(table: Any) -> list[Any]:
    """Return the rows of ``table`` (inside ``<tbody>`` or not), not those of a table nested in a cell."""
    return [tr for tr in table.iter("tr") if _owner_table(tr) is table]


def _owner_table(tr: Any) -> Any:
    el = tr.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el


def parse_html(markup: str) -> tuple[str, tuple[Section, ...]]:
    """Return the extracted text of a page and its sections (spans index that text)."""
    import lxml.html

    markup = _XML_DECL.sub("", markup)
    if not markup.strip():
        return "", ()
    root = lxml.html.document_fromstring(markup)
    titles = root.xpath("//title")
    title = _SPACE.sub(" ", titles[0].text_content()).strip() if titles else ""
    main = main_content(root)
    walker = _Walker()
    if title and not main.xpath(".//h1"):
        walker.out.add_heading(1, title)  # a page without <h1> is known by its <title>
    walker.walk(main)
    walker.flush()
    return walker.out.text(), walker.out.sections()
