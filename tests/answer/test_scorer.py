"""The answer scorer: features on hand-made text, the model file, thresholds and tolerant rules."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.answer.corpus import CorpusStats
from qa.answer.evidence import holds_count, refusal, unknown_names
from qa.answer.extractive import ExtractiveAnswerer, question_parts
from qa.answer.features import FEATURES, Question, candidates, featurise, names, qtype, type_match, within_one_edit
from qa.answer.scorer import DEFAULT_SCORER, Scored, load_scorer, model_from_dict
from qa.config import Settings
from qa.errors import ConfigError
from qa.ingest.split import split_document
from qa.text import stem
from qa.types import Document, Hit
from tests.fakes.embedder import HashingEmbedder

TEXT = (
    "The lighthouse keeper kept a logbook of passing ships. The logbook listed every vessel by name.\n\n"
    "The lighthouse was built in 1874 by the engineer Maren Solberg. It stands 38 metres tall.\n\n"
    "Visitors may climb the tower in summer. The tower closes at dusk.\n"
)


def passages(text: str = TEXT, source: str = "light.txt"):  # type: ignore[no-untyped-def]
    return split_document(Document(source, text, "x"))


def hits(text: str = TEXT, source: str = "light.txt") -> list[Hit]:
    return [Hit(p, 1.0 / (i + 1), 0.5, 2.0, rank=i + 1) for i, p in enumerate(passages(text, source))]


def rows_for(question: str, text: str = TEXT) -> tuple[list, np.ndarray]:  # type: ignore[type-arg]
    hs = hits(text)
    stats = CorpusStats.build([h.passage for h in hs])
    cands = candidates(hs, stats, lambda _: True)
    emb = HashingEmbedder()
    qv = emb.embed([question])[0]
    sims = {(c.passage.span.source, c.sentence.start): float(emb.embed([c.sentence.text])[0] @ qv) for c in cands}
    return cands, featurise(Question.parse(question, stats), cands, sims, stats)


def col(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, FEATURES.index(name)]


def test_question_types_from_the_question_word() -> None:
    assert qtype("In what year was the tower built?") == "year"
    assert qtype("How many ships passed?") == "count"
    assert qtype("How tall is the tower?") == "amount"
    assert qtype("By what means did ships signal?") != "amount"
    assert qtype("Who built it?") == "who"
    assert qtype("When does it close?") == "when"
    assert qtype("Where is the logbook?") == "where"


def test_type_match_sees_what_a_sentence_holds() -> None:
    assert type_match("year", "It was built in 1874.", set()) == 1.0
    assert type_match("year", "It was built long ago.", set()) == 0.0
    assert type_match("who", "It was built by Maren Solberg.", {stem("built")}) == 1.0
    assert type_match("who", "The Solberg tower.", {stem("solberg")}) == 0.0  # the question's own name is no answer
    assert type_match("count", "Three keepers lived there.", set()) == 1.0


def test_names_skip_sentence_initial_capitals() -> None:
    assert names("When did Maren Solberg build it in 1874?") == ["maren", "solberg", "1874"]


def test_one_edit_tolerance() -> None:
    assert within_one_edit("solberg", "solbergs") and within_one_edit("solberg", "sollberg")
    assert within_one_edit("solberg", "solbarg") and not within_one_edit("solberg", "salbarg")


def test_features_prefer_the_answering_sentence_over_the_restating_one() -> None:
    cands, rows = rows_for("In what year was the lighthouse built?")
    texts = [c.sentence.text for c in cands]
    built = texts.index("The lighthouse was built in 1874 by the engineer Maren Solberg.")
    keeper = texts.index("The lighthouse keeper kept a logbook of passing ships.")
    assert col(rows, "type_match")[built] == 1.0 and col(rows, "type_match")[keeper] == 0.0
    assert col(rows, "overlap_idf")[built] > col(rows, "overlap_idf")[keeper]
    assert col(rows, "q_year")[built] == 1.0 and rows.shape == (len(cands), len(FEATURES))


def test_neighbours_cross_passage_boundaries_and_anaphora_is_seen() -> None:
    cands, rows = rows_for("How tall is the lighthouse?")
    texts = [c.sentence.text for c in cands]
    tall = texts.index("It stands 38 metres tall.")
    assert cands[tall].prev is not None and cands[tall].prev.text.startswith("The lighthouse was built")
    assert col(rows, "anaphor")[tall] == 1.0
    assert col(rows, "overlap_prev")[tall] > 0  # "lighthouse" is in the sentence before


def test_missing_question_words_are_weighted_by_idf() -> None:
    _, rows = rows_for("Who painted the lighthouse red?")
    assert (col(rows, "miss_max_doc") > 0).all()  # "painted" and "red" are nowhere
    assert (col(rows, "miss_max_corpus") == 1.0).all()  # ... not in the corpus at all: maximal IDF
    _, rows = rows_for("Who built the lighthouse?")
    assert col(rows, "miss_max_corpus").max() == 0.0


def test_shipped_model_loads_with_its_version_and_features() -> None:
    model = load_scorer()
    assert model.version == DEFAULT_SCORER == Settings().scorer
    assert model.features == FEATURES
    assert 0 < model.threshold < 1
    meta = model.metadata
    assert meta["held_out_articles"] and not set(meta["held_out_articles"]) & set(meta["fit_articles"])
    curve = meta["calibration_curve"]
    assert [p["threshold"] for p in curve] == sorted(p["threshold"] for p in curve)
    assert all(0 <= p["false_refusal"] <= 1 for p in curve)
    path = Path(__file__).resolve().parents[2] / "qa" / "answer" / "models" / f"{DEFAULT_SCORER}.json"
    assert path.stat().st_size < 5_000_000
    p = model.predict(np.zeros((3, len(FEATURES))))
    assert p.shape == (3,) and ((p > 0) & (p < 1)).all()


def test_a_model_on_other_features_or_an_unknown_version_is_refused() -> None:
    data = json.loads((Path(__file__).resolve().parents[2] / "qa/answer/models/answer-scorer-v3.json").read_text())
    with pytest.raises(ConfigError, match="other features"):
        model_from_dict({**data, "features": data["features"][:-1]})
    with pytest.raises(ConfigError, match="no scorer model"):
        load_scorer("answer-scorer-v0")


def test_threshold_decides_refusal() -> None:
    hs = hits()
    stats = CorpusStats.build([h.passage for h in hs])
    emb = HashingEmbedder()
    q = "In what year was the lighthouse built?"
    qv = emb.embed([q])[0]
    never = ExtractiveAnswerer(emb, threshold=1.01, rules=()).answer(q, qv, hs, stats)
    assert never.abstained and never.refused_by == "scorer" and never.confidence is not None
    always = ExtractiveAnswerer(emb, threshold=0.0, rules=()).answer(q, qv, hs, stats)
    assert not always.abstained and always.refused_by == "" and always.confidence == never.confidence


def selecting(text: str, q: str, source: str = "light.txt") -> tuple[ExtractiveAnswerer, list[Scored], CorpusStats]:
    """Return an answerer that answers everything, the candidates of ``text`` scored for ``q``, the stats.

    The tests of ``select`` then set the probabilities they need with ``replace``.
    """
    hs = hits(text, source)
    stats = CorpusStats.build([h.passage for h in hs])
    emb = HashingEmbedder()
    answerer = ExtractiveAnswerer(emb, threshold=0.0, rules=())
    return answerer, answerer.score(q, emb.embed([q])[0], hs, stats), stats


def test_a_lead_in_ending_in_a_colon_is_never_quoted_alone() -> None:
    text = "The keeper had two duties:\n\nhe lit the lamp at dusk and he wound the clock at dawn.\n"
    q = "What were the keeper's two duties?"
    answerer, scored, stats = selecting(text, q)
    lead = next(s for s in scored if s.sentence.text.endswith(":"))
    rest = [replace(s, probability=0.01) for s in scored if s is not lead]
    chosen = answerer.select([replace(lead, probability=0.9), *rest], q, stats)
    assert [s.text for _, s in chosen] == [
        "The keeper had two duties:",
        "he lit the lamp at dusk and he wound the clock at dawn.",
    ]


def test_a_sentence_announcing_what_follows_is_quoted_with_it() -> None:
    text = (
        "After the survey, the following command prints the keeper's log.\n\n"
        "Run keeper-log --since 1874 tower.db in the tower.\n\n"
        "The lamp was lit at dusk.\n"
    )
    q = "Which command prints the keeper's log after the survey?"
    answerer, scored, stats = selecting(text, q)
    lead = next(s for s in scored if "the following" in s.sentence.text)
    rest = [replace(s, probability=0.01) for s in scored if s is not lead]
    chosen = answerer.select([replace(lead, probability=0.9), *rest], q, stats)
    # It ends in "." but says that what answers comes next: the command is quoted with it.
    assert [s.text for _, s in chosen][:2] == [lead.sentence.text, "Run keeper-log --since 1874 tower.db in the tower."]


def test_a_lead_in_yields_to_a_sentence_scoring_as_a_partner_would() -> None:
    text = (
        "The parser knows these variants:\n\n"
        "Robertson, the original one.\n\n"
        "By default the parser uses the Lucene variant.\n"
    )
    q = "Which variant does the parser use by default?"
    answerer, scored, stats = selecting(text, q)
    lead = next(s for s in scored if s.sentence.lead_in)
    default = next(s for s in scored if s.sentence.text.startswith("By default"))
    rest = [replace(s, probability=0.01) for s in scored if s is not lead and s is not default]
    pair = answerer.scorer.pair_threshold
    # The direct statement scores at least the pair threshold of the lead-in: it is the answer,
    # and the lead-in is not quoted (it never stands alone).
    chosen = answerer.select([replace(lead, probability=0.8), replace(default, probability=0.8 * pair * 1.1), *rest],
                             q, stats)  # fmt: skip
    assert [s.text for _, s in chosen] == [default.sentence.text]
    # Under it, the lead-in is the answer, with the list that follows it.
    chosen = answerer.select([replace(lead, probability=0.8), replace(default, probability=0.8 * pair * 0.5), *rest],
                             q, stats)  # fmt: skip
    assert [s.text for _, s in chosen][:2] == [lead.sentence.text, "Robertson, the original one."]


LAMP_PARTS = (
    "## Lamp parts\n\nEach lamp has these parts:\n\n"
    "| Part | Required | Purpose |\n|---|---|---|\n"
    "| wick | yes | holds the flame |\n| shade | no | softens the light |\n| chimney | yes | draws the air |\n"
)


def with_probabilities(scored: list[Scored], **by_start: float) -> list[Scored]:
    """Return ``scored`` with the probabilities given by each sentence's first word (others 0.01), best first."""
    out = [
        replace(s, probability=by_start.get(s.sentence.readable.split()[0].strip("|:").lower(), 0.01)) for s in scored
    ]
    return sorted(out, key=lambda s: -s.probability)


def test_a_question_naming_an_item_of_a_lead_ins_list_is_answered_by_that_item() -> None:
    q = "Is the shade of a lamp required?"
    answerer, scored, stats = selecting(LAMP_PARTS, q, "lamp.md")
    # The lead-in matches the question best, the wick row next; the question names the shade.
    ranked = with_probabilities(scored, each=0.9, wick=0.05, shade=0.02)
    assert ranked[0].sentence.lead_in
    chosen = answerer.select(ranked, q, stats)
    assert len(chosen) == 1 and "shade" in chosen[0][1].readable and "no" in chosen[0][1].readable
    # A question naming no item is answered by the lead-in and its list, as before.
    q = "What parts does each lamp have?"
    answerer, scored, stats = selecting(LAMP_PARTS, q, "lamp.md")
    chosen = answerer.select(with_probabilities(scored, each=0.9, wick=0.05, shade=0.02), q, stats)
    assert chosen[0][1].lead_in and any("chimney" in s.readable for _, s in chosen)


def test_a_question_in_the_documents_is_never_quoted_without_its_answer() -> None:
    text = "Can the lamp run on gas? It burns paraffin only. The tower closes at dusk.\n"
    q = "Can the lamp run on gas?"
    answerer, scored, stats = selecting(text, q)
    chosen = answerer.select(with_probabilities(scored, can=0.9, it=0.1, the=0.05), q, stats)
    assert [s.text for _, s in chosen] == ["Can the lamp run on gas?", "It burns paraffin only."]
    # Nor is it ever a runner-up on its own, though it holds a question word the best sentence lacks.
    chosen = answerer.select(with_probabilities(scored, the=0.9, can=0.8), "Does the lamp burn at dusk?", stats)
    assert [s.text for _, s in chosen] == ["The tower closes at dusk."]


def test_a_continuation_naming_what_was_asked_joins_a_best_sentence_that_names_nothing() -> None:
    text = "The lamp returns a status code of one kind. This is either Lit or Dark from the Bergen dial.\n"
    q = "What status codes can the lamp return?"
    answerer, scored, stats = selecting(text, q)
    # The continuation scores far under the pair threshold, but the best only restates the question.
    chosen = answerer.select(with_probabilities(scored, the=0.9, this=0.01), q, stats)
    assert [s.text for _, s in chosen] == [
        "The lamp returns a status code of one kind.",
        "This is either Lit or Dark from the Bergen dial.",
    ]
    # A best sentence naming something of its own stands alone.
    text = "The lamp returns the Lit code at dusk. This is either Lit or Dark from the Bergen dial.\n"
    answerer, scored, stats = selecting(text, q)
    chosen = answerer.select(with_probabilities(scored, the=0.9, this=0.01), q, stats)
    assert [s.text for _, s in chosen] == ["The lamp returns the Lit code at dusk."]


def test_a_one_word_reply_before_the_best_sentence_is_quoted_with_it() -> None:
    text = "Can the lamp burn petrol? No. It burns paraffin only. The tower closes at dusk.\n"
    q = "Will the lamp take petrol?"
    answerer, scored, stats = selecting(text, q)
    chosen = answerer.select(with_probabilities(scored, it=0.9, no=0.01, the=0.02), q, stats)
    assert sorted(s.text for _, s in chosen) == ["It burns paraffin only.", "No."]
    # A short sentence that is no reply stays out.
    text = "Can the lamp burn petrol? Rarely. It burns paraffin only.\n"
    answerer, scored, stats = selecting(text, q)
    chosen = answerer.select(with_probabilities(scored, it=0.9, rarely=0.01), q, stats)
    assert [s.text for _, s in chosen] == ["It burns paraffin only."]


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Who built the lighthouse, and when does the tower close?", ["Who built the lighthouse", "when does the tower close"]),
        ("Is the tower open in winter? If not, when can I climb it?", ["Is the tower open in winter", "If not, when can I climb it"]),
        ("Is the keeper's logbook kept, and if not where did it go?", ["Is the keeper's logbook kept", "if not where did it go"]),
        # one question: "and" between nouns, or a second part with nothing to look for
        ("Who built the lighthouse and the tower?", []),
        ("Is the tower open, and why?", []),
    ],
)  # fmt: skip
def test_question_parts(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


def test_each_part_of_a_two_part_question_adds_its_best_sentence() -> None:
    hs = hits()
    stats = CorpusStats.build([h.passage for h in hs])
    emb = HashingEmbedder()
    q = "Who built the lighthouse, and when does the tower close?"
    built = next((h.passage, s) for h in hs for s in h.passage.sentences if "1874" in s.text)
    added = ExtractiveAnswerer(emb, threshold=0.0, rules=())._part_answers(q, hs, stats, [built])
    # the part already answered adds nothing; the other part brings the sentence that answers it
    assert [s.text for _, s in added] == ["The tower closes at dusk."]
    # a part is added only when its sentence reaches the answering threshold
    assert ExtractiveAnswerer(emb, threshold=1.01, rules=())._part_answers(q, hs, stats, [built]) == []


def test_rules_match_names_and_numbers_tolerantly() -> None:
    stats = CorpusStats.build(passages())
    assert unknown_names("Did Maren Solberg's crew build it?", stats) == []  # possessive
    assert unknown_names("Did Maren Sollberg build it?", stats) == []  # one letter off
    assert unknown_names("Did Erik Lund build it?", stats) == ["Erik", "Lund"]
    assert unknown_names("Was it finished in the 1870s?", CorpusStats.build(passages("Built in 1870.\n"))) == []
    assert unknown_names("Is rule 7 listed?", CorpusStats.build(passages("See rule 7n2.\n"))) == ["7"]
    # a lowercase identifier holding a digit is a name too ("robust04", "bzip2"); plain words are not
    bench = CorpusStats.build(passages("The bench reports scores on nfcorpus and scifact with bzip2 archives.\n"))
    assert unknown_names("What does the bench report on robust04?", bench) == ["robust04"]
    assert unknown_names("Does the bench use bzip2 archives on nfcorpus?", bench) == []
    assert unknown_names("Does the bench report latency?", bench) == []
    tenth = CorpusStats.build(passages("It was rebuilt in the 10th century.\n"))
    assert unknown_names("What was rebuilt in the 10th Century?", tenth) == []  # the whole token, not "10"
    assert unknown_names("What was rebuilt in the 12th Century?", tenth) == ["12th"]


def test_count_rule_is_not_satisfied_by_a_label() -> None:
    assert not holds_count("The keeper is on tier 2 of the pay scale.")
    assert holds_count("Two keepers shared the tower.") and holds_count("It had 12 windows.")
    # a year dates something and counts nothing
    assert not holds_count("The tower was finished in 1874.") and not holds_count("It grew in the 1960s.")
    assert holds_count("In 1874 it had 12 windows.") and holds_count("About 1,500 ships passed.")
    stats = CorpusStats.build(passages())
    s = passages()[0].sentences[0]
    by_what = refusal("By what name was each vessel listed?", [(s, 0.9)], stats)
    assert by_what is None  # "by what" asks for no amount
    count = refusal("How many ships passed?", [(s, 0.9)], stats, rules=("count",))
    assert count is not None and count.rule == "count"


def refused_by(rule: str, question: str, text: str, heading: str = "") -> bool:
    """Return True when ``rule`` alone refuses ``text`` (under ``heading``) as the answer to ``question``."""
    from qa.types import Sentence

    quoted = [(Sentence(text, 0, len(text)), 0.9)]
    return refusal(question, quoted, CorpusStats.build(passages()), rules=(rule,), headings=[heading]) is not None


def test_version_rule_wants_a_version_in_the_sentences_or_their_headings() -> None:
    def refused(question: str, text: str, heading: str = "") -> bool:
        return refused_by("version", question, text, heading)

    q = "Which lamp release added the dimmer?"
    assert refused(q, "Newer lamps have a dimmer.")
    assert not refused(q, "The dimmer came in 2.4.1.")
    assert not refused(q, "A dimmer was added.", heading="Release 3 › New features")  # its heading dates it
    assert not refused("What version of the lamp do I need?", "Lamps from v2 on take the dimmer.")
    assert not refused("Which lamp adds a dimmer?", "Newer lamps have a dimmer.")  # no version asked


def test_option_rule_wants_an_option_in_the_sentences_or_their_headings() -> None:
    def refused(question: str, text: str, heading: str = "") -> bool:
        return refused_by("option", question, text, heading)

    q = "Which lamp option dims the beam at night?"
    assert refused(q, "The beam can be dimmed at night by the keeper.")
    assert not refused(q, "Run lamp --dim to dim the beam.")
    assert not refused(q, "Dims the beam.", heading="Options \u203a -d, --dim")  # an option list's entry
    assert not refused("What flag keeps the beam on?", "Set KEEP_BEAM_ON in the config.")  # an API's flag
    assert not refused("Which configure switch enables it?", "Pass with_dimmer=yes to configure.")
    assert not refused("What does the dim option do?", "It dims the beam.")  # asks about a named option
    assert not refused("Which lamp dims the beam?", "The old lamp dims the beam.")  # no option asked


def test_value_rule_wants_a_value_for_a_default_or_a_limit() -> None:
    def refused(question: str, text: str) -> bool:
        return refused_by("value", question, text, heading="Defaults 4.2")  # a heading's number is no value

    q = "What is the default interval between lamp checks?"
    assert refused(q, "The keeper sets the default interval between lamp checks.")  # says there is one
    assert not refused(q, "Lamps are checked every 30 minutes by default.")
    assert not refused("What's the lamp's default mode string?", 'The default is "steady".')
    assert not refused("What is the default log format?", "It prints %t and %m on each line.")
    assert not refused("What is the maximum beam count?", "The maximum is unlimited.")
    assert not refused("How is the default interval chosen?", "The keeper chooses it.")  # no value asked


def test_amount_rule_takes_fractions_and_a_share_in_words() -> None:
    from qa.types import Sentence

    stats = CorpusStats.build(passages())

    def refused(question: str, text: str) -> bool:
        return refusal(question, [(Sentence(text, 0, len(text)), 0.9)], stats, rules=("amount",)) is not None

    assert not refused("How much of the flow does the canal carry?", "The canal carries one ninth of the flow.")
    assert not refused("How much of the water goes north?", "Two thirds of the water goes north.")
    assert not refused("How much of the coast can you see?", "From the tower you can see the entire coast.")
    # "entire" is a share, not an amount: "how much does it cost" still wants one
    assert refused("How much does the entry cost?", "The entire tower is open to visitors.")
    assert refused("How much of the coast can you see?", "The keeper watched the coast.")


def test_year_rule_wants_a_year_a_century_or_a_heading_that_dates_the_sentence() -> None:
    from qa.types import Sentence

    stats = CorpusStats.build(passages())

    def said(text: str) -> list[tuple[Sentence, float]]:
        return [(Sentence(text, 0, len(text)), 0.9)]

    def refused(question: str, text: str, headings: tuple[str, ...] = ()) -> str | None:
        got = refusal(question, said(text), stats, rules=("year",), headings=headings)
        return got.rule if got else None

    assert refused("In what year was the logbook started?", "The keeper kept a logbook of ships.") == "year"
    assert refused("In what year was the lighthouse built?", "The lighthouse was built in 1874.") is None
    assert refused("In what year did Rollo settle there?", "Rollo settled there in 911.") is None
    assert refused("Which century was it rebuilt in?", "It was rebuilt in the nineteenth century.") is None
    assert refused("What year was it rebuilt?", "It was rebuilt in the 12th century.") is None
    # the date is in the section the sentence is quoted under
    assert refused("In what year was VMS support removed?", "Support for VMS has been removed.",
                   ("Noteworthy changes in release 1.9 (2018-01-07)",)) is None  # fmt: skip
    # a question asking for no year is not this rule's business
    assert refused("What did the keeper keep?", "The keeper kept a logbook of ships.") is None


def test_a_following_sentence_that_refers_back_is_quoted_with_the_best() -> None:
    text = "The prepare call returns a status code. This will be either OK or BAD_ABI.\n\nThe lamp was lit at dusk.\n"
    q = "What status codes can the prepare call return?"
    answerer, scored, stats = selecting(text, q)
    first = next(s for s in scored if s.sentence.text.startswith("The prepare"))
    follow = next(s for s in scored if s.sentence.text.startswith("This will"))
    other = next(s for s in scored if s.sentence.text.startswith("The lamp"))
    pair = answerer.scorer.pair_threshold
    # Scoring under the pair threshold, but above half of it: the reference carries it in.
    chosen = answerer.select([replace(first, probability=0.8), replace(follow, probability=0.8 * pair * 0.6),
                              replace(other, probability=0.01)], q, stats)  # fmt: skip
    assert [s.text for _, s in chosen] == [first.sentence.text, follow.sentence.text]
    # Too weak to be read with it: quoted alone, when the best names something of its own (a best
    # that only restates the question takes a continuation naming more: test_a_continuation_naming_...).
    text = text.replace("a status code.", "a status code from the Kernel table.")
    answerer, scored, stats = selecting(text, q)
    first = next(s for s in scored if s.sentence.text.startswith("The prepare"))
    follow = next(s for s in scored if s.sentence.text.startswith("This will"))
    other = next(s for s in scored if s.sentence.text.startswith("The lamp"))
    chosen = answerer.select([replace(first, probability=0.8), replace(follow, probability=0.8 * pair * 0.3),
                              replace(other, probability=0.01)], q, stats)  # fmt: skip
    assert [s.text for _, s in chosen] == [first.sentence.text]


def test_a_lead_in_is_never_a_runner_up_on_its_own() -> None:
    text = (
        "The keeper lit the lamp at dusk every day.\n\n"
        "Ships passed the rock all year round.\n\n"
        "At dawn the keeper had other duties:\n\n"
        "Painting the railings took a week.\n"
    )
    q = "What did the keeper do at dusk and at dawn?"
    answerer, scored, stats = selecting(text, q)
    lamp = next(s for s in scored if s.sentence.text.startswith("The keeper lit"))
    lead = next(s for s in scored if s.sentence.text.endswith(":"))
    rest = [replace(s, probability=0.01) for s in scored if s is not lamp and s is not lead]
    chosen = answerer.select([replace(lamp, probability=0.9), replace(lead, probability=0.8), *rest], q, stats)
    # It covers a question word the best does not ("dawn"), but alone it says nothing.
    assert [s.text for _, s in chosen] == [lamp.sentence.text]
