"""Reading the page's markup in tests: which elements exist, and the text a reader sees."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Collector:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector


def text_of(markup: str) -> str:
    """The text a reader sees (entities decoded), whitespace collapsed."""
    return " ".join("".join(parse(markup).text).split())


def elements(markup: str, tag: str, cls: str | None = None) -> list[dict[str, str]]:
    """Attributes of each ``tag`` element (with ``cls`` among its classes, if given)."""
    return [a for t, a in parse(markup).tags if t == tag and (cls is None or cls in a.get("class", "").split())]


def tag_names(markup: str) -> set[str]:
    return {t for t, _ in parse(markup).tags}


def marked(markup: str) -> list[str]:
    """The text inside each <mark> element."""

    class Marks(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "mark":
                self.depth += 1
                self.found.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "mark":
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.found[-1] += data

    p = Marks()
    p.feed(markup)
    return p.found
