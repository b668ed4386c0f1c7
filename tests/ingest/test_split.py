"""Splitting into sentences and passages with exact spans."""

from qa.ingest import split
from qa.ingest.load import read_document
from qa.ingest.split import split_document
from qa.types import Document
from tests.conftest import SEEDS


def doc(text: str, source: str = "a.txt") -> Document:
    return Document(source, text, "x")


def test_every_seed_passage_and_sentence_matches_the_file_on_disk() -> None:
    count = 0
    for path in sorted(SEEDS.glob("*.txt")):
        document = read_document(path, SEEDS)
        assert document is not None
        on_disk = path.read_bytes().decode("utf-8")
        for p in split_document(document):
            assert on_disk[p.span.start : p.span.end] == p.text
            lines = on_disk.splitlines()
            assert p.text.splitlines()[0] in lines[p.span.line_start - 1]
            for s in p.sentences:
                assert on_disk[s.start : s.end] == s.text
                assert p.span.start <= s.start < s.end <= p.span.end
            count += 1
    assert count >= 15


def test_boilerplate_never_enters_a_passage() -> None:
    text = "Advertisement\nFirst real sentence here. Second one.\nAdvertisement\nThird sentence follows.\n"
    passages = split_document(doc(text))
    assert [p.text for p in passages] == ["First real sentence here. Second one.", "Third sentence follows."]
    assert all("Advertisement" not in p.text for p in passages)


def test_long_paragraphs_are_cut_at_sentence_boundaries(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(split, "MAX_SENTENCES", 2)
    text = "One is here. Two is here. Three is here. Four is here. Five is here."
    passages = split_document(doc(text))
    assert [len(p.sentences) for p in passages] == [2, 2, 1]
    assert "".join(text[p.span.start : p.span.end] + " " for p in passages).strip() == text


def test_size_cap_in_characters() -> None:
    sentence = "This sentence is about forty characters. "
    text = sentence * 40
    passages = split_document(doc(text))
    assert all(len(p.text) <= split.MAX_CHARS for p in passages)
    assert sum(len(p.sentences) for p in passages) == 40


def test_list_items_become_their_own_sentences_without_markers() -> None:
    text = "  • First point without a full stop\n  • Second point also without one\n"
    passages = split_document(doc(text))
    texts = [s.text for p in passages for s in p.sentences]
    assert texts == ["First point without a full stop", "Second point also without one"]


def test_line_numbers_and_crlf() -> None:
    text = "Title line of the page here\r\n\r\nA body sentence. Another body sentence.\r\n"
    passages = split_document(doc(text))
    assert passages[-1].span.line_start == 3 and passages[-1].span.line_end == 3
    # A short line standing alone above text is its heading, never a passage of its own.
    assert [p.heading for p in passages] == ["Title line of the page here"]


def test_identical_text_with_other_quotes_gets_the_same_id() -> None:
    a = split_document(doc("China\u2019s \u201cbig\u201d firms agree.", "a.txt"))
    b = split_document(doc('China\'s "big" firms agree.', "b.txt"))
    assert a[0].id == b[0].id and a[0].text != b[0].text
