"""Small corpora for the web tests, written to a folder on demand."""

from __future__ import annotations

from pathlib import Path

MUSEUM = {
    "museum.txt": (
        "The city museum opens at nine in the morning. Tickets cost twelve euros for adults.\n\n"
        "Children under six enter for free. The museum is closed on Mondays.\n\n"
        "The building was designed by Anna Berg in 1931.\n"
    ),
    # The same paragraph in a second file: the page must show it once, naming both files.
    "notes/visitors.md": (
        "# Visitor notes\n\n"
        "Children under six enter for free. The museum is closed on Mondays.\n\n"
        "The cafe on the roof serves lunch from noon until three.\n"
    ),
}

# Markup that must stay text. Ingestion drops lines that look like scraped tags (<img>, src=, ...),
# so the cited lines carry markup it keeps: script, svg and details handlers, template syntax.
INJECTION = {
    "markup.txt": (
        "The harbour lighthouse beam shines red <script>window.__pwned=1</script> and white at night.\n\n"
        'The harbour lighthouse keeper rings the harbour bell <svg onload="window.__pwned=2"></svg> every hour.\n\n'
        'The harbour ferry ticket <details open ontoggle="window.__pwned=5">costs</details> five euros '
        "${window.__pwned=3} {{7*7}}, `payable` *in cash* at the pier.\n"
    ),
}


def write(corpus: dict[str, str], folder: Path) -> Path:
    for name, text in corpus.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
