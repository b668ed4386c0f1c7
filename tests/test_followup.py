"""Follow-up rewriting without an LLM: the elided part is substituted, never appended or nested."""

import pytest

from qa.followup import condense_by_rule, looks_like_follow_up


@pytest.mark.parametrize(
    ("history", "follow_up", "standalone"),
    [
        # a name by a name, a phrase by the phrase with the same preposition
        ("Can Visa cards be used at the Lisbon office?", "And Mastercard in the Porto office?",
         "Can Mastercard cards be used in the Porto office?"),
        ("Can Visa cards be used at the Lisbon office?", "And at the Porto office?",
         "Can Visa cards be used at the Porto office?"),
        ("Who maintains the Zorblat library?", "And Quuxly?", "Who maintains the Quuxly library?"),
        # numbers and versions, command-line options
        ("When was release 4.2 published?", "What about 4.3?", "When was release 4.3 published?"),
        ("What does the --dry-run flag do?", "And --force?", "What does the --force flag do?"),
        # a common noun phrase: the thing asked about, not the one in a prepositional phrase
        ("What is the maximum size of an upload?", "And the minimum size?", "What is the minimum size of an upload?"),
        ("When is the library closed?", "And what about the pool?", "When is the pool closed?"),
        # a phrase the earlier question did not have is added to it
        ("What is the default cache size?", "And for the test runner?", "What is the default cache size for the test runner?"),
        # pronouns: the thing a "which X" question asked for, or the subject of a definition
        ("Which river flows through the old town?", "How long is it?",
         "How long is the river that flows through the old town?"),
        ("What is Frobnitz?", "Is it free software?", "Is Frobnitz free software?"),
        ("Which committee approved the budget?", "Who chairs it?", "Who chairs the committee that approved the budget?"),
        ("Which bridge collapsed in the storm?", "When were its repairs finished?",
         "When were the repairs of the bridge that collapsed in the storm finished?"),
        # the thing a "what should I ..." question asks for is its object, with the subject kept
        ("What should I run instead of make when the tree has no Makefile?", "And what does it print on success?",
         "What does the one I should run instead of make when the tree has no Makefile print on success?"),
        ("What do I need to install for the GPU build?", "Is it free?", "Is the one I need to install for the GPU build free?"),
        # "which one(s)" is the kind of thing the previous which-question asked for, adverbs left out
        ("Which tar flag only lists the archive?", "And which one extracts it?", "Which tar flag extracts it?"),
        ("Which new plugins did release 3.1 ship with?", "And which ones were dropped in 3.2?",
         "Which new plugins were dropped in 3.2?"),
        ("Which ferry leaves the harbour at dawn?", "Which one returns at dusk?", "Which ferry returns at dusk?"),
        # "is there a X that ...?" asks about the X
        ("Is there a setting that stops the daemon from forking?", "Since when has it existed?",
         "Since when has the setting that stops the daemon from forking existed?"),
        # a particle after a demonstrative stays where it was
        ("Which compiler flag enables the sanitizers?", "How do I turn that off?",
         "How do I turn the compiler flag that enables the sanitizers off?"),
        # a turn that asks in two sentences: the pronoun points at the one with the content
        ("My backup job hangs when the network share is offline. Why?", "How do I avoid it?",
         "How do I avoid network share offline?"),
        # a complete question after a connective keeps its own words
        ("How many seats does the hall have?", "And what does a ticket cost?", "What does a ticket cost?"),
    ],
)  # fmt: skip
def test_follow_ups_become_standalone_questions(history: str, follow_up: str, standalone: str) -> None:
    assert condense_by_rule(follow_up, [history]) == standalone


def test_rewrites_never_nest_over_several_turns() -> None:
    turns = ["Can Visa cards be used at the Lisbon office?"]
    for follow_up in ["And Mastercard?", "And Amex?", "And at the Porto office?"]:
        turns.append(condense_by_rule(follow_up, turns))
    assert turns[1:] == [
        "Can Mastercard cards be used at the Lisbon office?",
        "Can Amex cards be used at the Lisbon office?",
        "Can Amex cards be used at the Porto office?",
    ]
    assert all("(" not in t and t.count("?") == 1 for t in turns)


def test_standalone_questions_are_left_alone() -> None:
    history = ["Who maintains the Zorblat library?"]
    question = "Which licence covers the documentation of the Quuxly project?"
    assert not looks_like_follow_up(question)
    assert condense_by_rule(question, history) == question
    assert condense_by_rule("And Quuxly?", []) == "And Quuxly?"  # nothing to follow
    assert not looks_like_follow_up("Which one of the three Quuxly bridges is the oldest and longest?")


@pytest.mark.parametrize(
    "question", ["And Quuxly?", "What about it?", "Is it free?", "Who chairs it now?", "Which one sails on Sundays?"]
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert looks_like_follow_up(question)
