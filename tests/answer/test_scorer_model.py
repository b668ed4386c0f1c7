"""The shipped answer scorer with the real embedding model, on text written for this test."""

import pytest

from qa.answer.corpus import CorpusStats
from qa.answer.extractive import ExtractiveAnswerer
from qa.index.bm25 import BM25Index
from qa.ingest.split import split_document
from qa.types import Document, Hit

TEXT = (
    "The Vellmar glacier has been monitored by the alpine survey for decades. "
    "Its rate of retreat worried the survey's scientists.\n\n"
    "The glacier retreated by 42 metres in 2019, the largest loss on record. "
    "Meltwater from it feeds the Orla river.\n"
)


def test_the_answering_sentence_outscores_the_one_restating_the_question(real_embedder) -> None:  # type: ignore[no-untyped-def]
    passages = split_document(Document("glacier.txt", TEXT, "x"))
    stats = CorpusStats.build(passages)
    question = "By how many metres did the Vellmar glacier retreat in 2019?"
    # Hits as hybrid retrieval makes them, with their dense cosine and BM25 score: the model
    # never saw a hit with neither (retrieval cannot return one), so that is no test of it.
    qvec = real_embedder.embed([question])[0]
    cosines = real_embedder.embed([p.indexed_text for p in passages]) @ qvec
    bm25 = dict(BM25Index.build(passages).search(question, len(passages)))
    hits = [Hit(p, 1.0 / (i + 1), float(cosines[i]), bm25.get(p.id), rank=i + 1) for i, p in enumerate(passages)]
    answerer = ExtractiveAnswerer(real_embedder)
    scored = answerer.score(question, real_embedder.embed([question])[0], hits, stats)
    p = {s.sentence.text: s.probability for s in scored}
    right = "The glacier retreated by 42 metres in 2019, the largest loss on record."
    restating = "Its rate of retreat worried the survey's scientists."
    assert p[right] > p[restating]
    assert scored[0].sentence.text == right
    draft = answerer.answer(question, real_embedder.embed([question])[0], hits, stats)
    assert not draft.abstained and "42 metres" in draft.text and draft.confidence == pytest.approx(p[right])
