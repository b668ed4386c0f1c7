"""The sources panel: each cited passage once, its files and lines, the cited sentences marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qa.types import ABSTAIN_TEXT, Answer, Citation, Hit, Passage, Span
from qa.web.render import esc, lines_label, mode_badge

NEAREST = 3  # passages shown when the documents do not answer


@dataclass(frozen=True)
class Location:
    source: str
    line_start: int | None = None
    line_end: int | None = None
    page: int | None = None  # 1-based PDF page
    start: int | None = None  # offsets of the passage in the document's text, for the document view
    end: int | None = None


def _span_location(s: Span) -> Location:
    return Location(s.source, s.line_start, s.line_end, s.page, s.start, s.end)


def heading_of(passage: Passage | None, citation: Citation | None = None) -> str:
    """Return the section heading of a passage (where the index records one), as one line."""
    for holder in (citation, passage):
        value = getattr(holder, "heading", None) if holder is not None else None
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list | tuple) and value:
            return " \u203a ".join(str(v) for v in value if str(v).strip())
    return ""


@dataclass(frozen=True)
class Mark:
    """A cited sentence inside a card's text: [start, end) offsets and the markers citing it."""

    start: int
    end: int
    numbers: tuple[int, ...]
    supported: bool


@dataclass
class Card:
    """One passage as shown to the reader, however many citations point into it."""

    anchor: str
    label: str
    text: str
    locations: list[Location]
    heading: str = ""
    marks: list[Mark] = field(default_factory=list)
    unplaced: list[Citation] = field(default_factory=list)  # quotes we could not find in ``text``
    places: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # sentence span -> in ``text``

    @property
    def verified(self) -> bool:
        return all(m.supported for m in self.marks) and all(c.supported for c in self.unplaced)


def cards_for(answer: Answer, passages: Mapping[str, Passage], turn: int) -> list[Card]:
    """Group the answer's citations by passage, in order of first citation."""
    cards: dict[str, Card] = {}
    for c in sorted(answer.citations, key=lambda c: c.n):
        passage = passages.get(c.passage_id) if c.passage_id else None
        key = passage.id if passage else f"{c.source}:{c.start}:{c.end}"
        card = cards.get(key)
        if card is None:
            card = cards[key] = _new_card(c, passage, f"qa-src-{turn}-{len(cards) + 1}")
        place = _locate(c, card, passage) if passage else (0, len(c.quote))
        if place is None:
            card.unplaced.append(c)
        else:
            card.marks.append(Mark(place[0], place[1], (c.n,), c.supported))
        card.label = " ".join(f"[{n}]" for n in card_numbers(card))
    for card in cards.values():
        card.marks = _merge(card.marks)
    return list(cards.values())


def card_numbers(card: Card) -> list[int]:
    return sorted({n for m in card.marks for n in m.numbers} | {c.n for c in card.unplaced})


def anchors(cards: Iterable[Card]) -> dict[int, str]:
    """Map each citation number to the anchor of the card that shows it."""
    return {n: card.anchor for card in cards for n in card_numbers(card)}


def _new_card(c: Citation, passage: Passage | None, anchor: str) -> Card:
    if passage is None:  # e.g. the index was rebuilt since: the quote is all we can show
        first = Location(c.source, c.line_start, c.line_end, c.page, c.start, c.end)
        return Card(anchor, "", c.quote, [first, *(Location(f) for f in c.also_in)], heading_of(None, c))
    locations = [_span_location(s) for s in passage.spans]
    known = {loc.source for loc in locations}
    locations += [Location(f) for f in (c.source, *c.also_in) if f not in known]
    text, places = plain_text(passage)
    return Card(anchor, "", text, _unique(locations), heading_of(passage, c), places=places)


def plain_text(passage: Passage) -> tuple[str, dict[tuple[int, int], tuple[int, int]]]:
    """Return the passage as read (sentences' plain forms, no markup) and where each sentence is in it."""
    parts: list[str] = []
    places: dict[tuple[int, int], tuple[int, int]] = {}
    pos = 0
    for s in passage.sentences or ():
        if parts:
            parts.append(" ")
            pos += 1
        shown = " ".join(s.readable.split())
        places[(s.start, s.end)] = (pos, pos + len(shown))
        parts.append(shown)
        pos += len(shown)
    return ("".join(parts), places) if parts else (passage.text, {})


def _unique(locations: list[Location]) -> list[Location]:
    seen: dict[str, Location] = {}
    for loc in locations:
        seen.setdefault(loc.source, loc)
    return list(seen.values())


def _locate(c: Citation, card: Card, passage: Passage) -> tuple[int, int] | None:
    """Return where the cited sentences are in the card's text, or None if they are not there."""
    inside = [place for (a, b), place in card.places.items() if c.start <= a and b <= c.end]
    if inside:  # one sentence, or a generated answer's claim backed by several
        return min(p[0] for p in inside), max(p[1] for p in inside)
    # Part of one sentence (or a passage without sentences): by offset, where the text is as shown.
    starts = [(a, place[0]) for (a, b), place in card.places.items() if a <= c.start and c.end <= b]
    a, shown = starts[0] if starts else (passage.span.start, 0) if not card.places else (0, -1)
    if shown >= 0 and c.source == passage.span.source:
        offset = shown + c.start - a
        if card.text[offset : offset + len(c.quote)] == c.quote:
            return offset, offset + len(c.quote)
    found = card.text.find(c.quote) if c.quote else -1
    return (found, found + len(c.quote)) if found >= 0 else None


def _merge(marks: list[Mark]) -> list[Mark]:
    """Sort marks and merge overlapping ones, so highlights never nest."""
    merged: list[Mark] = []
    for m in sorted(marks, key=lambda m: (m.start, m.end)):
        if merged and m.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Mark(
                last.start, max(last.end, m.end), last.numbers + m.numbers, last.supported and m.supported
            )
        else:
            merged.append(m)
    return merged


def highlighted(text: str, marks: Sequence[Mark]) -> str:
    """Return ``text`` escaped, with each mark wrapped in <mark> and followed by its numbers."""
    out: list[str] = []
    pos = 0
    for m in marks:
        out.append(esc(text[pos : m.start]))
        cls = "qa-hl" if m.supported else "qa-hl qa-unverified"
        numbers = "".join(f"[{n}]" for n in m.numbers)
        out.append(f'<mark class="{cls}">{esc(text[m.start : m.end])}</mark><sup class="qa-hl-n">{numbers}</sup>')
        pos = m.end
    out.append(esc(text[pos:]))
    return "".join(out)


def card_html(card: Card) -> str:
    first, *others = card.locations
    summary = [f'<span class="qa-card-n">{esc(card.label)}</span>'] if card.label else []
    summary.append(_location(first))
    if not card.verified:
        summary.append(
            '<span class="qa-warn" title="the cited sentence may not support the claim">\u26a0 not verified</span>'
        )
    body = []
    if card.heading:
        body.append(f'<div class="qa-heading">\u00a7 {esc(card.heading)}</div>')
    if others:
        body.append(f'<div class="qa-also">Also in: {", ".join(_location(loc) for loc in others)}</div>')
    for c in card.unplaced:
        body.append(f'<div class="qa-quote">Cited [{c.n}]: <mark class="qa-hl">{esc(c.quote)}</mark></div>')
    body.append(f'<div class="qa-passage">{highlighted(card.text, card.marks)}</div>')
    body.append(open_link(first, card))
    cls = "qa-source" if card.verified else "qa-source qa-unverified"
    if card.anchor.startswith("qa-near-"):
        cls += " qa-near"
    return f'<details class="{cls}" id="{card.anchor}" open><summary>{" ".join(summary)}</summary>{"".join(body)}</details>'


def _location(loc: Location) -> str:
    where = [f"page {loc.page}"] if loc.page is not None else []
    lines = lines_label(loc.line_start, loc.line_end)
    if lines:
        where.append(lines)
    suffix = f' <span class="qa-lines">{", ".join(where)}</span>' if where else ""
    return f'<span class="qa-file">{esc(loc.source)}</span>{suffix}'


def open_link(loc: Location, card: Card) -> str:
    """A link that opens the whole document with this passage (its cited sentence, if any) highlighted."""
    start, end = loc.start, loc.end
    if start is not None and card.marks:
        start, end = start + card.marks[0].start, start + card.marks[0].end
    span = f' data-start="{start}" data-end="{end}"' if start is not None and end is not None else ""
    return f'<a class="qa-open" href="#" data-source="{esc(loc.source)}"{span}>Open document</a>'


def hit_cards(hits: Sequence[Hit], turn: int, limit: int = NEAREST) -> list[Card]:
    """Cards for retrieved passages nobody cited (nearest passages after an abstention)."""
    return [
        Card(
            f"qa-near-{turn}-{i}",
            f"#{i}",
            plain_text(h.passage)[0],
            [_span_location(s) for s in h.passage.spans],
            heading_of(h.passage),
        )
        for i, h in enumerate(hits[:limit], start=1)
    ]


def timings_html(timings: Mapping[str, float]) -> str:
    if not timings:
        return ""
    # A grid of spans, not a table: Gradio's prose styles would box every cell.
    rows = "".join(f"<span>{esc(k.replace('_', ' '))}</span><span>{_ms(v)}</span>" for k, v in timings.items())
    return f'<details class="qa-timings"><summary>Timings</summary><div class="qa-timing-grid">{rows}</div></details>'


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def sources_panel(answer: Answer, cards: Sequence[Card], turn: int, llm_setting: str) -> str:
    """The whole panel for one answer: what was asked, its sources, then how long it took."""
    head = [f'<div class="qa-panel-head">Sources for \u201c{esc(_short(answer.question))}\u201d</div>']
    if answer.rewritten_question:
        head.append(f'<div class="qa-rewritten">Searched for: \u201c{esc(answer.rewritten_question)}\u201d</div>')
    head.append(mode_badge(answer.mode, llm_setting, answer.notice))
    if cards:
        body = "".join(card_html(c) for c in cards)
    else:
        nearest = hit_cards(answer.hits, turn)
        intro = ABSTAIN_TEXT if answer.abstained else "This answer cites no passage."
        if nearest:
            intro += " The nearest passages, for you to judge:"
        body = f'<p class="qa-abstain">{intro}</p>' + "".join(card_html(c) for c in nearest)
    partial = getattr(answer, "partial", "")  # generated text the model wrote before it failed
    if partial:
        body += (
            '<details class="qa-partial"><summary>What the model wrote before it stopped (unverified)</summary>'
            f'<div class="qa-passage">{esc(partial)}</div></details>'
        )
    return panel("".join(head) + body + timings_html(answer.timings_ms), turn)


def panel(inner: str, turn: int = 0) -> str:
    return f'<div class="qa-panel" data-turn="{turn}">{inner}</div>'


def intro_panel() -> str:
    return panel(
        '<div class="qa-panel-head">Sources</div>'
        '<p class="qa-empty">Each answer marks its claims with numbers like <span class="qa-cite">[1]</span>. '
        "The passages they come from appear here, with the quoted sentence highlighted, so you can check "
        "the answer yourself. Click a number to jump to its passage; click an earlier answer to see its sources "
        "again.</p>"
    )


def stopped_panel(turn: int) -> str:
    return panel(
        '<div class="qa-panel-head">Sources</div>'
        '<p class="qa-empty">The answer was stopped before it was finished, so its citations were not checked.</p>',
        turn,
    )


def waiting_panel(question: str, turn: int) -> str:
    return panel(
        f'<div class="qa-panel-head">Sources for \u201c{esc(_short(question))}\u201d</div>'
        '<p class="qa-empty">Looking for passages\u2026</p>',
        turn,
    )


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
