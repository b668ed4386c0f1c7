"""Training questions from Debian's documentation packages (qa.train.docqa).

The unit tests check the question templates on hand-written headings and entries; the
integration tests build the real set from the installed packages (skipped when they are absent).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from qa.ingest.formats import sections_of
from qa.ingest.load import open_document
from qa.train import docqa
from qa.train.docqa import Entry

# ---------------------------------------------------------------------------- unit


@pytest.mark.parametrize(
    ("heading", "lead", "expected"),
    [
        ("3.2.3 Pipelines", "A pipeline is a sequence of one or more commands.", "What is a pipeline?"),
        (
            "Brace Expansion",
            "Brace expansion is a mechanism by which strings may be generated.",
            "What is brace expansion?",
        ),
        ("Aliases", "Aliases allow a string to be substituted for a word.", "What are aliases?"),
        ("Introduction to m4", "m4 is a macro processor.", "What is m4?"),
        ("Creating Internationalized Scripts", "", "How do I create internationalized scripts?"),
        ("Logging to a file¶", "", "How do I log to a file?"),
        ("Adding handlers", "", "How do I add handlers?"),
        ("Running the Compiler", "", "How do I run the compiler?"),
        ("Invoking the msgmerge Program", "", "How do I invoke the msgmerge program?"),
        ("Update your code", "", "How do I update my code?"),
        ("How to use the module", "", "How do I use the module?"),
        ("How m4 copies input to output", "", "How does m4 copy input to output?"),
        ("json — JSON encoder and decoder¶", "", "What does the json module do?"),
    ],
)
def test_a_heading_becomes_a_plain_question(heading: str, lead: str, expected: str) -> None:
    freq = {"create": 9, "log": 9, "add": 9, "ad": 1, "run": 9, "invoke": 9}.get
    assert docqa.heading_question(heading, lead, lambda w: freq(w) or 0) == expected


@pytest.mark.parametrize(
    "heading",
    [
        "Table of Contents",
        "Concept Index",
        "GNU Free Documentation License",
        "Appendix C GNU Free Documentation License",
        "Floating Point Arithmetic",  # -ing, but no verb
        "Build Directories",  # a verb's form, but a noun phrase
        "Pipelines",  # no defining first sentence
        "Examples",
        "Matching vs Searching",
        "Why is Python slow?",  # a question: the faq kind's
        "Using tar",  # an excluded project
    ],
)
def test_a_heading_that_makes_no_sensible_question_is_skipped(heading: str) -> None:
    assert docqa.heading_question(heading, "Pipelines connect commands.", lambda w: 9) is None


def test_headings_are_cleaned_of_numbers_pilcrows_and_manual_names() -> None:
    assert docqa.clean_heading("3.2.3 Pipelines¶") == "Pipelines"
    assert docqa.clean_heading("B.9 Concept Index") == "Concept Index"
    assert docqa.clean_heading("Changequote (GNU M4 1.4.19 macro processor)") == "Changequote"
    assert docqa.clean_heading("Appendix C GNU Free Documentation License") == "GNU Free Documentation License"


def test_entries_become_questions() -> None:
    assert (
        docqa.entry_question(Entry("option", "--debug", "m4"), "Set the debug level.", False)
        == "What does the --debug option of m4 do?"
    )
    assert (
        docqa.entry_question(Entry("option", "-l", "bind"), "List the names of all Readline functions.", True)
        == "Which option of bind lists the names of all Readline functions?"
    )
    assert (
        docqa.entry_question(Entry("macro", "AC_PROG_CC"), "Determine a C compiler to use.", True)
        == "Which macro determines a C compiler to use?"
    )
    assert docqa.entry_question(Entry("macro", "AC_PROG_CC"), "...", False) == "What does the AC_PROG_CC macro do?"
    assert (
        docqa.entry_question(Entry("function", "json.load()"), "Deserialize fp.", False) == "What does json.load() do?"
    )
    assert (
        docqa.entry_question(Entry("exception", "json.JSONDecodeError"), "Raised when decoding fails.", False)
        == "When is json.JSONDecodeError raised?"
    )
    assert docqa.entry_question(Entry("variable", "BASH_ENV"), "", False) == "What is the BASH_ENV variable used for?"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("List the names of all Readline functions.", "lists the names of all Readline functions"),
        (
            "Do not print messages saying which checks are being made.",
            "does not print messages saying which checks are being made",
        ),
        ("Don’t remove the temporary files.", "does not remove the temporary files"),
        ("Expands to the quoted definition of each name.", "expands to the quoted definition of each name"),
        ("Change and report the soft limit.", "changes and reports the soft limit"),
        ("Copy the file, then exit.", "copies the file"),
        ("Expands to the quoted name of a new, empty file.", "expands to the quoted name of a new, empty file"),
        ("This option is obsolete.", None),  # points away
        ("Same as --foo.", None),
        ("If set, do it.", None),  # no verb first
        ("Print.", None),  # too short
    ],
)
def test_a_description_gives_the_predicate_of_a_which_question(description: str, expected: str | None) -> None:
    assert docqa.which_predicate(description) == expected


def test_option_terms() -> None:
    assert docqa.option_names("‘-k[keywordspec]’") == ["-k"]
    assert docqa.option_names("-h, --help¶") == ["-h", "--help"]
    assert docqa.option_names("Macro: AC_INIT") == []
    assert docqa.display_option(["-d", "--debug"]) == "--debug"


def test_the_term_a_changed_question_replaces() -> None:
    terms = docqa.specific_terms("How do I use os.path.join() with Python on Windows and --keep?")
    assert "os.path.join()" in terms and "Windows" in terms and "--keep" in terms and "Python" not in terms
    assert docqa.term_class("AC_PROG_CC") == "constant"
    assert docqa.term_class("UnboundLocalError") == "error"
    assert docqa.term_class("www.python.org") is None
    assert (
        docqa.change_term("Why am I getting an UnboundLocalError here?", "UnboundLocalError", "KeyError")
        == "Why am I getting a KeyError here?"
    )
    assert docqa.change_term("What does the -l option do?", "-l", "--all") == "What does the --all option do?"
    assert docqa.change_term("What does the -list option do?", "-l", "--all") == "What does the -list option do?"


def test_verb_forms() -> None:
    assert [docqa.third_person(v) for v in ("list", "copy", "search", "do", "fix")] == [
        "lists", "copies", "searches", "does", "fixes",
    ]  # fmt: skip
    assert [docqa.base_form(v) for v in ("copies", "works", "searches", "does")] == ["copy", "work", "search", "do"]


def test_excluded_projects_and_licences_are_never_chosen(tmp_path: Path) -> None:
    names = ["json.html", "gzip.html", "tarfile.html", "zlib.html", "bz2.html", "lzma.html", "zipfile.html"]
    names += ["license.html", "copyright.html", "GNU-Free-Documentation-License.html", "index.html", "re.html"]
    for name in names:
        (tmp_path / name).write_text("<p>x</p>")
    coll = docqa.Collection("t", "python3.11-doc", tmp_path, ("*.html",), skip=("index.html",))
    assert docqa.chosen_files(coll) == (["json.html", "re.html"], [])
    assert docqa.excluded_name("sed-doc/sed.html") == "sed"
    assert docqa.excluded_name("python3.11-doc/library/json.html") is None
    assert set(docqa.EXCLUDED_PROJECTS) >= {"gzip", "bm25s", "sed", "tar", "xz", "zlib", "valgrind", "python-policy"}


def test_every_installed_source_is_checked_against_the_exclusion_list() -> None:
    for coll in docqa.COLLECTIONS:
        assert docqa.excluded_name(f"{coll.package}/{coll.root}") is None, coll


def test_the_licence_appendix_of_a_single_page_manual_is_cut() -> None:
    page = (
        '<html><body><div class="chapter" id="Intro"><h2>Intro</h2><p>Text.</p></div>'
        '<div class="appendix" id="GNU-Free-Documentation-License"><h2>GFDL</h2><p>Licence.</p></div>'
        '<div class="appendix" id="Indexes"><h2>Index</h2></div></body></html>'
    )
    cut = docqa.strip_appendices(page)
    assert "Licence" not in cut and "Index" not in cut and "Text." in cut and cut.endswith("</body></html>")
    with pytest.raises(ValueError):
        docqa.strip_appendices(page.replace('id="Indexes"', 'id="Installing"'))


def test_a_missing_package_names_the_apt_get_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        docqa, "package_versions", lambda: {p: (None if p == "m4-doc" else "1") for p in docqa.PACKAGES}
    )
    monkeypatch.setattr(docqa, "_files_present", lambda p: True)
    with pytest.raises(docqa.MissingPackages, match=r"apt-get install -y m4-doc`$"):
        docqa.require_packages()


# ---------------------------------------------------------------------------- integration

FAQ_DIR = Path("/usr/share/doc/python3.11/html/faq")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[docqa.DocQuestion]]:
    if not FAQ_DIR.is_dir():
        pytest.skip(f"{FAQ_DIR} is absent: apt-get install -y {' '.join(docqa.PACKAGES)}")
    try:
        return docqa.build(tmp_path_factory.mktemp("docqa"))
    except docqa.MissingPackages as exc:
        pytest.skip(str(exc))


@pytest.mark.integration
def test_no_corpus_file_comes_from_an_excluded_project(built: tuple[Path, list[docqa.DocQuestion]]) -> None:
    corpus, questions = built
    files = [p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()]
    assert len(files) > 100
    for f in files:
        assert all(name not in f.lower() for name in docqa.EXCLUDED_NAMES), f
        assert not any(word in f.lower() for word in ("license", "copyright", "copying", "gfdl", "index.html")), f
    for q in questions:
        assert docqa.excluded_name(q.source) is None
        assert not docqa._EXCLUDED_WORD.search(q.question), q


@pytest.mark.integration
def test_every_answerable_span_is_text_inside_one_section(built: tuple[Path, list[docqa.DocQuestion]]) -> None:
    corpus, questions = built
    docs = {}
    for q in questions:
        if q.source not in docs:
            doc = open_document(corpus / q.source, corpus)
            assert not isinstance(doc, str)
            ranges = [(s.blocks[0].start, s.blocks[-1].end) for s in sections_of(doc) if s.blocks]
            docs[q.source] = (doc.text, ranges)
        text, ranges = docs[q.source]
        if not q.answerable:
            assert q.spans == () and q.kind == "changed"
            continue
        assert q.kind in ("faq", "heading", "option") and q.spans
        for a, b in q.spans:
            assert text[a:b].strip() and len(text[a:b]) <= docqa.MAX_SPAN_CHARS, q
        assert any(all(lo <= a and b <= hi for a, b in q.spans) for lo, hi in ranges), q
        assert "Free Documentation License" not in " ".join(text[a:b] for a, b in q.spans)


@pytest.mark.integration
def test_changed_questions_name_a_term_their_document_never_does(built: tuple[Path, list[docqa.DocQuestion]]) -> None:
    corpus, questions = built
    by_id = {q.id: q for q in questions}
    changed = [q for q in questions if q.kind == "changed"]
    answerable = [q for q in questions if q.answerable]
    assert 0.2 * len(answerable) <= len(changed) <= 0.4 * len(answerable)
    texts: dict[str, str] = {}
    for q in changed:
        term, new = q.replaced
        original = by_id[q.of]
        assert original.answerable and original.source == q.source
        assert term in original.question and new in q.question and term != new
        if q.source not in texts:
            doc = open_document(corpus / q.source, corpus)
            assert not isinstance(doc, str)
            texts[q.source] = doc.text.lower()
        assert new.lower().rstrip("()") not in texts[q.source], q


@pytest.mark.integration
def test_the_set_is_balanced_unique_and_short(built: tuple[Path, list[docqa.DocQuestion]]) -> None:
    _, questions = built
    answerable = [q for q in questions if q.answerable]
    assert 1500 <= len(answerable) <= 3000
    assert {q.kind for q in questions} == {"faq", "heading", "option", "changed"}
    texts = [q.question.lower() for q in questions]
    assert len(set(texts)) == len(texts)
    assert len({q.id for q in questions}) == len(questions)
    assert all(len(q.question.split()) <= docqa.MAX_WORDS for q in questions)
    for coll in docqa.COLLECTIONS:
        assert sum(q.id.startswith(coll.name + "-") and q.answerable for q in questions) <= docqa.CAP_PER_COLLECTION


@pytest.mark.integration
def test_two_builds_give_the_same_questions(built: tuple[Path, list[docqa.DocQuestion]], tmp_path: Path) -> None:
    _, first = built
    _, second = docqa.build(tmp_path / "again")
    assert [asdict(q) for q in first] == [asdict(q) for q in second]
