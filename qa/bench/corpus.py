"""A generated news-like corpus for ``qa bench``: deterministic, one passage per paragraph.

Each paragraph is three sentences of plain English (about 450-560 characters, close to
the 600-character passage limit, so about 100-130 word pieces like the seeds' passages),
with names and numbers that make every paragraph unique: nothing is merged by
de-duplication, so the number of passages is known before indexing.
"""

from __future__ import annotations

import random
from pathlib import Path

PARAGRAPHS_PER_FILE = 20
MAX_PARAGRAPH_CHARS = 560  # under split.MAX_CHARS (600): three sentences stay one passage

_COMPANIES = [
    "Alibaba",
    "Tencent",
    "Baidu",
    "Meituan",
    "JD.com",
    "ByteDance",
    "Xiaomi",
    "Huawei",
    "NetEase",
    "Pinduoduo",
    "Kuaishou",
    "Ctrip",
]
_PLACES = [
    "Shanghai",
    "Beijing",
    "Shenzhen",
    "Hangzhou",
    "Guangzhou",
    "Chengdu",
    "Wuhan",
    "Nanjing",
    "Suzhou",
    "Tianjin",
    "Xiamen",
    "Ningbo",
]
_PEOPLE = [
    "Li",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
]
_ROLES = ["chief executive", "finance director", "analyst", "regulator", "spokeswoman", "economist", "founder"]
_NOUNS = [
    "revenue",
    "profit",
    "market",
    "platform",
    "service",
    "payment",
    "network",
    "customer",
    "merchant",
    "advertiser",
    "shipment",
    "factory",
    "subsidy",
    "policy",
    "tariff",
    "supplier",
    "warehouse",
    "logistics",
    "cloud",
    "unit",
    "gaming",
    "division",
    "retail",
    "channel",
    "investment",
    "budget",
    "forecast",
    "quarter",
    "partnership",
    "agreement",
    "license",
    "subscription",
]
_VERBS = ["rose", "fell", "grew", "slowed", "recovered", "doubled", "stalled", "expanded", "shrank", "improved"]
_ADJ = [
    "strong",
    "weak",
    "steady",
    "modest",
    "sharp",
    "gradual",
    "unexpected",
    "record",
    "cautious",
    "broad",
    "regional",
    "national",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _sentence(rng: random.Random) -> str:
    company, other = rng.sample(_COMPANIES, 2)
    place = rng.choice(_PLACES)
    person = f"{rng.choice(_PEOPLE)} {rng.choice(_PEOPLE)}{rng.randint(1, 99)}"
    noun, noun2 = rng.sample(_NOUNS, 2)
    templates = [
        f"{company} said its {rng.choice(_ADJ)} {noun} {rng.choice(_VERBS)} by {rng.randint(2, 95)}.{rng.randint(0, 9)} "
        f"per cent in {rng.choice(_MONTHS)}, while its {noun2} in {place} {rng.choice(_VERBS)} for the "
        f"{rng.choice(['first', 'second', 'third', 'fourth'])} time in {rng.randint(2, 9)} years.",
        f"According to {person}, a {rng.choice(_ROLES)} in {place}, the {noun} of {company} and {other} "
        f"{rng.choice(_VERBS)} after the {rng.choice(_ADJ)} {noun2} announced on {rng.choice(_MONTHS)} {rng.randint(1, 28)}.",
        f"The {rng.choice(_ADJ)} {noun} at {company} {rng.choice(_VERBS)} to {rng.randint(10, 990)} million yuan, "
        f"{person} told reporters in {place}, adding that the {noun2} would follow.",
    ]
    return rng.choice(templates)


def paragraph(rng: random.Random) -> str:
    """Return three sentences, regenerated until they fit one passage."""
    while True:
        text = " ".join(_sentence(rng) for _ in range(3))
        if len(text) <= MAX_PARAGRAPH_CHARS:
            return text


def write_corpus(folder: Path, passages: int, seed: int = 7) -> list[Path]:
    """Write files holding ``passages`` paragraphs into ``folder`` (each file's heading is one more passage)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for n in range((passages + PARAGRAPHS_PER_FILE - 1) // PARAGRAPHS_PER_FILE):
        count = min(PARAGRAPHS_PER_FILE, passages - n * PARAGRAPHS_PER_FILE)
        body = "\n\n".join(paragraph(rng) for _ in range(count))
        path = folder / f"report_{n:05d}.md"
        path.write_text(
            f"# Market report {n}: {rng.choice(_COMPANIES)} in {rng.choice(_PLACES)}\n\n{body}\n", encoding="utf-8"
        )
        written.append(path)
    return written


def change_one_file(folder: Path, seed: int = 11) -> Path:
    """Append one new paragraph to the first file (the "one file changed" re-index case)."""
    path = sorted(folder.glob("*.md"))[0]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + paragraph(random.Random(seed)) + "\n")
    return path
