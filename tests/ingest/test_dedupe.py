"""De-duplication keeps one passage per text and every file it came from."""

from qa.ingest.dedupe import dedupe
from qa.ingest.load import load_corpus
from qa.ingest.split import split_document
from qa.text import normalize
from qa.types import Document
from tests.conftest import SEEDS


def test_seed_copies_merge_with_provenance() -> None:
    everything = [p for d in load_corpus(SEEDS) for p in split_document(d)]
    unique = dedupe(everything)
    assert len(unique) < len(everything)
    assert len({normalize(p.text) for p in unique}) == len(unique)
    shared = [p for p in unique if len(p.sources) == 2]
    assert len(shared) >= 5
    for p in shared:
        assert p.span.source == p.spans[0].source  # the first file keeps the canonical text


def test_same_file_repeat_is_not_double_counted() -> None:
    # The same normalised text twice under one heading: cleaning keeps the first copy.
    d = Document("a.txt", "Same words here.\n\nSame  words here.\n", "x")
    ps = split_document(d)
    assert len(ps) == 1
    merged = dedupe(ps + ps)
    assert len(merged) == 1 and len(merged[0].spans) == 1  # the same place is counted once


def test_same_text_under_two_headings_is_one_passage_with_both_places() -> None:
    d = Document("a.md", "# Release 2\n\nFixed the parser.\n\n# Release 1\n\nFixed the parser.\n", "x")
    merged = dedupe(split_document(d))
    assert [p.heading for p in merged] == ["Release 2"] and len(merged[0].spans) == 2
