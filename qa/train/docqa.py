"""Training questions for the reader from documentation installed from Debian's ``-doc`` packages.

    python -m qa.train.docqa --work DIR [--examples N]

The documents are real manuals: the Python 3.11 FAQs, HOWTOs and a fixed subset of the library
reference (``python3.11-doc``), and the GNU Bash, m4, Autoconf and gettext manuals (``bash-doc``,
``m4-doc``, ``autoconf-doc``, ``gettext-doc``). They are copied into ``DIR/corpus`` and read with
the product's own loader (``qa.ingest.load.open_document`` and ``qa.ingest.formats.sections_of``),
so every gold span indexes ``Document.text`` exactly as the product does.

Questions come from the documents' own structure, never from a model:

- ``faq``: a section whose heading is a question; the gold answer is its first paragraph.
- ``heading``: a section heading turned into a plain question ("Creating Internationalized
  Scripts" -> "How do I create internationalized scripts?", "Pipelines" over "A pipeline is
  ..." -> "What is a pipeline?"); the gold answer is the section's first prose paragraph.
- ``option``: an entry of a definition list (a command-line option, a Texinfo macro, variable
  or builtin, a documented Python function or class): "What does the --debug option of m4
  do?", "Which macro checks for getmntent in the standard C library?"; the gold answer is the
  entry's description.
- ``changed``: an answerable question with its most specific term (an option, identifier,
  module or proper name) replaced by a term taken from another installed document that is not
  in the corpus and occurs nowhere in it, so neither the question's document nor any other file
  can answer it.

Nothing is taken from the evaluation projects (:data:`EXCLUDED_PROJECTS`), from licence texts or
from index pages. Everything is deterministic: sorted files, a fixed seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from qa.ingest.formats import sections_of
from qa.ingest.load import open_document
from qa.ingest.split import SentenceSplitter, punkt_spans, sentences
from qa.types import Block, Document, Section

SEED = 20240917
CAP_PER_COLLECTION = 400  # answerable questions kept per collection, so no manual dominates
CHANGED_SHARE = 1 / 3  # changed (unanswerable) questions per answerable one
MAX_WORDS = 30
MAX_SPAN_CHARS = 600
MAX_SENTENCES = 2
LIBRARY_STRIDE = 6  # one Python library page in six, in sorted order

# Evaluation sets are built from these projects: nothing of theirs (any version) is used.
EXCLUDED_PROJECTS: tuple[str, ...] = (
    "gzip", "bm25s", "libffi", "libtasn1", "shared-mime-info", "python-policy", "base-passwd", "bc",
    "bzip2", "diffutils", "man-db", "setuptools", "zlib", "zstd", "nodejs", "orjson", "python-dotenv",
    "tqdm", "time", "ninja", "valgrind", "xz", "fontconfig", "nettle", "sed", "tar",
)  # fmt: skip
# Other names the same projects go by: Python's modules wrapping them, their commands.
# Paths are checked by substring, so "time" also keeps out datetime.html and timeit.html, "bc"
# abc.html: a few innocent pages lost, none of the excluded ones let in.
EXCLUDED_ALIASES: tuple[str, ...] = (
    "bz2", "lzma", "tarfile", "zipfile", "gunzip", "zcat", "dotenv", "node.js", "zstandard", "unxz", "gnu time",
)  # fmt: skip
EXCLUDED_NAMES: tuple[str, ...] = EXCLUDED_PROJECTS + EXCLUDED_ALIASES
# A question, gold text or replacement term naming one of them (as a word) is dropped. "time" is
# an ordinary word: only "GNU time" (an alias) names the project in running text.
_EXCLUDED_WORD = re.compile(
    r"(?<![\w.-])(" + "|".join(re.escape(n) for n in EXCLUDED_NAMES if n != "time") + r")(?![\w-])", re.I
)
# Licence texts and index pages are no documentation to ask about.
_LICENCE_FILE = re.compile(r"licen[cs]e|copyright|copying|gfdl|\bfdl|gpl|general-public|free-documentation", re.I)
_LICENCE_TEXT = re.compile(
    r"Free Documentation License|General Public License|Permission is granted to (copy|make)|"
    r"\bthis license\b|Invariant Sections",
    re.I,
)

PYTHON_HTML = Path("/usr/share/doc/python3.11/html")


@dataclass(frozen=True)
class Collection:
    """A set of installed files questions are made from, with the id prefix of its questions."""

    name: str  # id prefix ("pyfaq")
    package: str  # the Debian package holding the files
    root: Path  # installed folder the files are taken from
    patterns: tuple[str, ...]  # globs relative to root
    skip: tuple[str, ...] = ()  # file names left out: navigation, licences, indexes
    stride: int = 1  # keep every stride-th eligible file (sorted)
    subject: str = ""  # the program a manual's options belong to by default ("" when several)
    strip_appendices: bool = False  # single-page Texinfo manual: cut the licence and index appendices


COLLECTIONS: tuple[Collection, ...] = (
    Collection("pyfaq", "python3.11-doc", PYTHON_HTML, ("faq/*.html",), skip=("index.html",)),
    Collection("pyhowto", "python3.11-doc", PYTHON_HTML, ("howto/*.html",), skip=("index.html",)),
    Collection(
        "pylib", "python3.11-doc", PYTHON_HTML, ("library/*.html",), skip=("index.html",), stride=LIBRARY_STRIDE
    ),
    Collection(
        "bash", "bash-doc", Path("/usr/share/doc/bash"), ("bashref.html",), subject="Bash", strip_appendices=True
    ),
    Collection(
        "m4",
        "m4-doc",
        Path("/usr/share/doc/m4"),
        ("*.html",),
        skip=(
            "index.html",
            "Concept-index.html",
            "Macro-index.html",
            "Indices.html",
            "Copying-This-Manual.html",
            "Copying-This-Package.html",
            "GNU-Free-Documentation-License.html",
            "GNU-General-Public-License.html",
        ),
        subject="m4",
    ),  # fmt: skip
    Collection("autoconf", "autoconf-doc", Path("/usr/share/doc/autoconf"), ("autoconf.html",), strip_appendices=True),
    Collection(
        "gettext",
        "gettext-doc",
        Path("/usr/share/doc/gettext"),
        ("gettext_[0-9]*.html", "FAQ.html", "tutorial.html"),
        # 18, 19: the ISO 639 and 3166 code tables (lists, no prose); 20: "C. Licenses"; 21-30: the
        # program, option, variable, PO mode, macro and general indexes.
        skip=tuple(f"gettext_{n}.html" for n in range(18, 31)),
    ),
)
PACKAGES: tuple[str, ...] = tuple(dict.fromkeys(c.package for c in COLLECTIONS))
# Where an appendix to cut from a single-page Texinfo manual starts, and what may follow it.
_APPENDIX_START = '<div class="appendix" id="GNU-Free-Documentation-License">'
_APPENDIX_IDS = frozenset({"GNU-Free-Documentation-License", "Indexes", "Indices"})


class MissingPackages(RuntimeError):
    """Raised when documentation packages are not installed; the message names the apt-get command."""


@dataclass(frozen=True)
class DocQuestion:
    """A training question over one documentation file: where its answer is, or that there is none."""

    id: str  # stable: collection and number, "pyfaq-0001"; changed ones "pyfaq-x0001"
    source: str  # file path relative to the corpus folder (forward slashes)
    question: str
    answerable: bool
    spans: tuple[tuple[int, int], ...]  # gold ranges [start, end) in Document.text; () when unanswerable
    kind: str  # "faq" | "heading" | "option" | "changed"
    replaced: tuple[str, ...] = ()  # changed: (term taken out, term put in)
    of: str = ""  # changed: id of the answerable question it was made from

    # The shape qa.train.groups reads (GoldQuestion): a documentation file is a group.
    @property
    def origin(self) -> str:
        return "docs"

    @property
    def group(self) -> str:
        return self.source

    @property
    def near(self) -> tuple[tuple[int, int], ...]:
        return ()


@dataclass(frozen=True)
class _Candidate:
    collection: str
    source: str
    question: str
    spans: tuple[tuple[int, int], ...]
    kind: str
    focus: tuple[str, ...] = ()  # the terms a changed version may replace, most specific first


# --------------------------------------------------------------------------------------------
# Files


def excluded_name(path: str) -> str | None:
    """Return the excluded project (or alias) whose name ``path`` contains, if any (case-insensitive)."""
    low = path.lower()
    return next((n for n in EXCLUDED_NAMES if n in low), None)


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Return each package's installed version (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for pkg in packages:
        try:
            res = subprocess.run(
                ["dpkg-query", "-W", "-f=${Status}\t${Version}", pkg], capture_output=True, text=True, check=False
            )
        except OSError:
            out[pkg] = "unknown" if _files_present(pkg) else None
            continue
        status, _, version = res.stdout.partition("\t")
        out[pkg] = version if res.returncode == 0 and status.endswith(" installed") else None
    return out


def _files_present(package: str) -> bool:
    return all(_eligible(c) for c in COLLECTIONS if c.package == package)


def _eligible(coll: Collection) -> list[str]:
    """Return the files of a collection that may be used (relative to its root, sorted)."""
    found: set[str] = set()
    for pattern in coll.patterns:
        found.update(p.relative_to(coll.root).as_posix() for p in coll.root.glob(pattern) if p.is_file())
    return sorted(
        rel
        for rel in found
        if Path(rel).name not in coll.skip
        and excluded_name(f"{coll.package}/{rel}") is None
        and not _LICENCE_FILE.search(Path(rel).name)
    )


def chosen_files(coll: Collection) -> tuple[list[str], list[str]]:
    """Return (files in the corpus, eligible files left out) of a collection."""
    files = _eligible(coll)
    chosen = files[:: coll.stride]
    keep = set(chosen)
    return chosen, [f for f in files if f not in keep]


def require_packages() -> dict[str, str]:
    """Return the installed version of every source package, or raise MissingPackages naming the fix."""
    versions = package_versions()
    missing = [p for p, v in versions.items() if v is None or not _files_present(p)]
    if missing:
        raise MissingPackages(
            f"documentation package{'s' if len(missing) > 1 else ''} {', '.join(missing)} not installed:"
            f" run `apt-get install -y {' '.join(missing)}`"
        )
    return {p: v or "unknown" for p, v in versions.items()}


def strip_appendices(markup: str) -> str:
    """Return a single-page Texinfo manual without its trailing GFDL and index appendices."""
    at = markup.find(_APPENDIX_START)
    end = markup.rfind("</body>")
    if at < 0 or end < at:
        raise ValueError("no GNU Free Documentation License appendix where one was expected")
    tail = markup[at:end]
    found = set(re.findall(r'<div class="(?:appendix|chapter|unnumbered)" id="([^"]+)"', tail))
    if not found <= _APPENDIX_IDS:
        raise ValueError(f"unexpected parts after the licence appendix: {sorted(found - _APPENDIX_IDS)}")
    return markup[:at] + markup[end:]


def copy_corpus(corpus: Path) -> dict[str, list[str]]:
    """Copy every collection's chosen files into ``corpus``/<package>/...; return the sources by collection."""
    if corpus.exists():
        shutil.rmtree(corpus)
    out: dict[str, list[str]] = {}
    for coll in COLLECTIONS:
        chosen, _ = chosen_files(coll)
        out[coll.name] = []
        for rel in chosen:
            source = f"{coll.package}/{rel}"
            dest = corpus / source
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = coll.root / rel
            if coll.strip_appendices:
                dest.write_text(strip_appendices(src.read_text(encoding="utf-8")), encoding="utf-8")
            else:
                shutil.copyfile(src, dest)
            out[coll.name].append(source)
    return out


# --------------------------------------------------------------------------------------------
# Question templates (pure: testable without the packages)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBERING = re.compile(r"^(?:Appendix\s+[A-Z]\s+|(?:\d+|[A-Z])(?:\.\d+)+\.?\s+|\d+\.?\s+)")
_MANUAL_SUFFIX = re.compile(r"\s+\((?:GNU|Bash|Autoconf)\b[^()]*\)$")
_SKIP_HEADING = re.compile(
    r"^(table of contents|contents|index|indices|.*\bindex(es)?|footnotes?|see also|acknowledge?ments?|feedback|"
    r"preamble|copying.*|licen[cs]es?|.*\blicen[cs]e\b.*|terms and conditions.*|addendum.*|how to apply.*|"
    r"references|further reading|summary|overview|introduction|examples?|notes?|history|abstract:?|"
    r"bibliography|miscellaneous|general|other|questions|answers|solution|todo|glossary|credits|"
    r"concluding remarks|preface|foreword|reporting bugs|bugs|authors?)$",
    re.I,
)
# -ing words that open headings without being a verb to do ("Floating Point Arithmetic").
_ING_NOT_VERB = _words(
    "being string floating trailing existing surprising conflicting ascending descending concluding operating "
    "programming introducing imparting coding mailing missing speaking morning nothing something everything "
    "anything during padding spacing bring thing king ring spring warning warnings pending following "
    "underlying interesting remaining corresponding leading outstanding non-capturing non-blocking "
    "looping closing translating"
)
# -ing words that are nouns before a noun ("Logging Levels") and verbs before a preposition or
# determiner ("Logging to a file").
_ING_AMBIGUOUS = _words("logging matching programming warning")
_VERB_NEXT = _words("to from with in into on for the a an your all multiple each several")  # fmt: skip
_ING_BASE = {"using": "use", "controlling": "control", "coping": "cope", "handling": "handle", "logging": "log"}
# Verbs a heading may open with in the imperative ("Use String Methods").
_IMPERATIVE_HEADING = _words(
    "use update install create make write define add set get run build check convert configure specify "
    "change avoid prefer"
)
# Verbs a definition may open with in the imperative ("List the names ..."), made third person
# for a "Which option ...?" question ("Which option of bind lists the names ...?").
_IMPERATIVE = _words(
    "specify write set print display output assume check generate include define add make use enable expand "
    "determine sort emit read run remove list return report prepend perform keep initialize find append try "
    "test force execute suppress start select produce notify look increase ensure declare compute change "
    "cause save remember recognize delete compare apply turn transform tell store search retrieve place "
    "limit give exit discard disable copy arrange allow accept ignore treat mark show inhibit omit skip "
    "dump trace warn create load stop prevent override preserve replace unbind query send insert extract "
    "convert fail clear reset undefine save terminate wait quote translate merge"
)  # fmt: skip
_THIRD_PERSON = re.compile(
    r"^(expands|specifies|takes|causes|searches|emits|adds|defines|suppresses|returns|sets|prints|displays|"
    r"outputs|writes|checks|generates|includes|makes|uses|enables|reads|runs|removes|lists|reports|performs|"
    r"keeps|finds|appends|tries|tests|forces|executes|produces|ensures|declares|computes|changes|determines|"
    r"discards|disables|allows|accepts|ignores|treats|marks|shows|stores|creates|loads|stops|prevents|"
    r"replaces|inserts|extracts|converts|undefines|deletes|copies|selects)$"
)
_REFERS_AWAY = re.compile(
    r"\b(this|these|above|below|following|previous|same|it|its|them|they|former|latter|see|such)\b|[(\[:;\"“]"
)
_PROPER_ALWAYS = frozenset({"I", "Python", "Bash", "GNU", "Unix", "Windows", "Linux", "Readline", "Autoconf", "Posix"})


def clean_heading(text: str) -> str:
    """Return a heading without its pilcrow, section number or manual-name suffix."""
    text = re.sub(r"\s+", " ", text.replace("¶", "")).strip()
    text = _MANUAL_SUFFIX.sub("", text)
    return _NUMBERING.sub("", text).strip()


def third_person(verb: str) -> str:
    """Return the third person singular of a base-form verb ("list" -> "lists", "copy" -> "copies")."""
    if verb == "do":
        return "does"
    if re.search(r"(s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def base_form(verb: str) -> str:
    """Return the base form of a third-person verb ("copies" -> "copy", "works" -> "work")."""
    if verb in ("does", "has", "is"):
        return {"does": "do", "has": "have", "is": "be"}[verb]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(sses|shes|ches|xes|zes)$", verb):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


def ing_base(word: str, freq: Callable[[str], int]) -> str | None:
    """Return the base form of an -ing verb ("Creating" -> "create"), judged by word frequencies; None if unsure."""
    w = word.lower()
    if not w.endswith("ing") or len(w) < 6 or w in _ING_NOT_VERB or not w.isalpha():
        return None
    if w in _ING_BASE:
        return _ING_BASE[w]
    stem = w[:-3]
    forms = [stem, stem + "e"]
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] in "bdgmnprt":
        forms.append(stem[:-1])  # "logging" -> "log", but "adding" -> "add"
    scored = sorted(((freq(f), f) for f in forms), reverse=True)
    if scored[0][0] == 0 or scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def _case_words(words: Sequence[str], proper: Callable[[str], bool]) -> str:
    """Lower-case the title-cased words of a heading that are not names ("Internationalized Scripts")."""
    out = []
    for w in words:
        if w in _PROPER_ALWAYS or not re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Za-z][a-z]*)*", w) or proper(w):
            out.append(w)
        else:
            out.append(w.lower())
    text = " ".join(out)
    return re.sub(r"\byour\b", "my", re.sub(r"\byourself\b", "myself", text))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(sses|shes|ches|xes)$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def definitional(heading: str, lead: str, proper: Callable[[str], bool]) -> str | None:
    """Return "What is X?" when the section's first sentence defines its heading ("A pipeline is ...")."""
    h = heading.lower()
    if h.startswith("the "):
        h = h[4:]
    words = h.split()
    if not words or len(words) > 5:
        return None
    forms = {h, " ".join([*words[:-1], _singular(words[-1])])}
    # "A pipeline is ...", "Aliases allow a string to be substituted ...": the heading defined.
    m = re.match(r"(?:(A|An|The)\s+)?([\w][\w\- ]*?)\s+(is|are|allows?|lets?|provides?|refers?|means?)\b", lead)
    if not m or m.group(2).lower() not in forms:
        return None
    article = (m.group(1) or "").lower()
    first, *rest = m.group(2).split()
    first = first if first.isupper() or first in _PROPER_ALWAYS or proper(first) else first.lower()
    subject = " ".join([first, *rest])
    verb = m.group(3)
    if verb not in ("is", "are"):
        verb = "is" if verb.endswith("s") else "are"
    return f"What {verb} {article + ' ' if article else ''}{subject}?"


def _how_question(words: Sequence[str], freq: Callable[[str], int], proper: Callable[[str], bool]) -> str | None:
    """Return the "How do I ...?" a verb-led heading asks.

    "" for a "How ..." heading that asks nothing sensible; None when the heading is not verb-led.
    """
    base = ing_base(words[0], freq)
    if words[0].lower() in _ING_AMBIGUOUS and words[1].lower() not in _VERB_NEXT:
        base = None
    if base and words[1].lower() not in ("and", "or", "of", "is", "are", "as"):
        return f"How do I {base} {_case_words(words[1:], proper)}?"
    if words[0] == "How" and words[1] == "to" and len(words) >= 3:
        return f"How do I {_case_words(words[2:], proper)}?"
    if words[0] == "How":
        for j in (2, 3):
            if j < len(words) and re.fullmatch(r"[a-z]+[^s]s|[a-z]+ies", words[j]):
                subject = _case_words(words[1:j], proper)
                rest = _case_words(words[j + 1 :], proper)
                return f"How does {subject} {base_form(words[j])}{' ' + rest if rest else ''}?"
        return ""
    # "Use String Methods" could be a noun phrase ("Build Directories"): a determiner tells.
    if words[0].lower() in _IMPERATIVE_HEADING and words[1].lower() in ("the", "a", "an", "your", "my"):
        return f"How do I {words[0].lower()} {_case_words(words[1:], proper)}?"
    return None


def heading_question(
    heading: str,
    lead: str = "",
    freq: Callable[[str], int] = lambda w: 0,
    proper: Callable[[str], bool] = lambda w: False,
    name_like: Callable[[str], bool] | None = None,
) -> str | None:
    """Return a plain question asked by a section heading, or None when it makes no sensible one.

    ``lead`` is the first sentence of the section's first paragraph; ``freq`` counts a word's
    lower-case uses in the corpus (to find a verb's base form), ``proper`` tells a name inside a heading and
    ``name_like`` one opening a sentence (default: ``proper``).
    """
    h = clean_heading(heading)
    if not h or h.endswith(("?", ":")) or _SKIP_HEADING.match(h) or _EXCLUDED_WORD.search(h):
        return None
    module = re.fullmatch(r"([a-z_][\w.]*) — .+", h)
    if module:
        return f"What does the {module.group(1)} module do?"
    if re.search(r"\bvs\.?\b|\bversus\b|[/()\[\]&—]|,|\b(and|or) \w+ing\b", h):
        return None
    words = h.split()
    if len(words) >= 2:
        asked = _how_question(words, freq, proper)
        if asked is not None:
            return asked or None
    if re.match(r"(Why|When|What|Which|Where|Who|Can|Is|Are|Do|Does|Should)\b", h):
        return None
    intro = re.fullmatch(r"(?:An |A )?Introduction to (.+)", h, re.I)
    return definitional(intro.group(1) if intro else h, lead, name_like or proper)


def _strip_term(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("¶", "")).strip().strip("‘’'`\"“”").strip()


_OPTION = re.compile(r"--?[A-Za-z0-9?][\w-]*")
_TEXINFO_DEF = re.compile(
    r"^(Macro|Builtin|Composite|Optional builtin|Variable|Function|Command|User Option|Special Form)\s*:\s*"
    r"([A-Za-z_][\w.-]*)"
)
_PY_DEF = re.compile(
    r"^(?:(class|exception|abstractmethod|classmethod|staticmethod|coroutine|awaitable|async|method|"
    r"attribute|data|property|function)\s+)*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*(\()?"
)


def option_names(term: str) -> list[str]:
    """Return the option names a definition term lists ("-h, --help" -> ["-h", "--help"]); [] if none."""
    out = []
    for part in re.split(r",\s*|\s+or\s+", _strip_term(term)):
        part = part.strip("‘’'` ")
        m = _OPTION.match(part)
        if not m:
            return []
        out.append(m.group(0))
    return out


def display_option(names: Sequence[str]) -> str:
    """Return the name a question uses for an option: its long form when it has one."""
    long = [n for n in names if n.startswith("--")]
    return long[0] if long else names[0]


def which_predicate(description: str) -> str | None:
    """Return the predicate of a "Which option ...?" question from a description's first sentence.

    "List the names of all Readline functions." -> "lists the names of all Readline functions";
    None when the sentence does not open with a verb, points elsewhere, or is too long or short.
    """
    s = re.sub(r"\s+", " ", description).strip()
    s = re.split(r"(?<=[a-z0-9])\.(\s|$)", s, maxsplit=1)[0].rstrip(".")
    # Cut at a clause's end, never inside a list of adjectives ("a new, empty file").
    s = re.split(
        r";|:|\s\(|,\s(?=(?:and|or|but|then|unless|if|which|so|where|while|when|as|since|otherwise)\b)", s, maxsplit=1
    )[0]
    s = s.strip()
    words = s.split()
    if not 3 <= len(words) <= 14 or _REFERS_AWAY.search(s.lower()) or _EXCLUDED_WORD.search(s):
        return None
    first = words[0].lower()
    if first in ("do", "don’t", "don't") and (first != "do" or words[1] == "not"):
        rest = words[2:] if first == "do" else words[1:]
        return "does not " + " ".join(rest) if rest else None
    if words[0][0].isupper() and first in _IMPERATIVE:
        rest = list(words[1:])
        if len(rest) >= 2 and rest[0] in ("and", "or") and rest[1] in _IMPERATIVE:  # "Change and report ..."
            rest[1] = third_person(rest[1])
        return " ".join([third_person(first), *rest])
    if words[0][0].isupper() and _THIRD_PERSON.match(first):
        return " ".join([first, *words[1:]])
    return None


@dataclass(frozen=True)
class Entry:
    """What a definition list entry documents, as the question templates need it."""

    role: str  # option | macro | variable | function | class | exception | data | builtin | setting | readline
    name: str  # as the question names it ("--debug", "AC_PROG_CC", "json.load()")
    owner: str = ""  # program an option belongs to ("m4", "bind", "msgfmt")


def entry_question(entry: Entry, description: str, which: bool) -> str | None:
    """Return the question an entry asks ("What does the --debug option of m4 do?").

    With ``which``, the question names the description instead and asks for the entry
    ("Which option of bind lists the names of all Readline functions?") when the description
    opens with a verb; None when it does not.
    """
    of = f" of {entry.owner}" if entry.owner else ""
    if which:
        pred = which_predicate(description)
        if pred is None or entry.role not in ("option", "macro"):
            return None
        return f"Which {entry.role}{of} {pred}?"
    role, name = entry.role, entry.name
    if role == "option":
        return f"What does the {name} option{of} do?"
    if role == "setting":
        return f"What does the {name} option of {entry.owner} do?"
    if role in ("macro", "builtin"):
        return f"What does the {name} {role} do?"
    if role == "readline":
        return f"What does the Readline variable {name} control?"
    if role == "variable":
        return f"What is the {name} variable used for?"
    if role == "function":
        return f"What does {name} do?"
    if role == "exception":
        if re.match(r"(Exception )?[Rr]aised\b", description):
            return f"When is {name} raised?"
        return f"What is the {name} exception?"
    if role in ("class", "data"):
        return f"What is {name}?"
    return None


# --------------------------------------------------------------------------------------------
# Terms a changed question replaces

_TERM = re.compile(r"--?[A-Za-z][\w-]*|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?:\(\))?")
_QUESTION_WORDS = _words("What How Why When Which Where Who Is Are Can Do Does Should Will I")
# Names every document of a manual shares: never the specific term of a question.
_GENERIC_NAMES = _words("Python CPython Bash GNU Autoconf Unix Posix POSIX Gettext Readline")


def term_class(term: str) -> str | None:
    """Return the kind of a specific term, so a replacement is of the same kind; None for a plain word."""
    if re.fullmatch(r"--[A-Za-z][\w-]+", term):
        return "option"
    if re.fullmatch(r"-[A-Za-z]", term):
        return "short-option"
    if term.endswith("()"):
        return "call"
    if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", term):
        return None if re.match(r"www\.|.*\.(org|com|net)$", term) else "dotted"
    if re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", term):
        return "constant"
    if re.fullmatch(r"[A-Z]\w*(Error|Exception|Warning)", term):
        return "error"
    if re.fullmatch(r"[A-Z][a-z0-9]+[A-Z]\w*|[a-z]+[A-Z]\w*", term):
        return "camel"
    if re.fullmatch(r"_*[a-z][a-z0-9]*(_[a-z0-9]+)+_*|__\w+__", term):
        return "ident"
    if re.fullmatch(r"[A-Z]{2,}[0-9]*", term):
        return "acronym"
    if re.fullmatch(r"[A-Z][a-z]{2,}", term):
        return "name"
    return None


def specific_terms(question: str) -> list[str]:
    """Return the terms of a question a changed version may replace: identifiers, options, names."""
    out = []
    for i, m in enumerate(_TERM.finditer(question)):
        t = m.group(0)
        cls = term_class(t)
        if cls is None or (i == 0 and cls == "name") or t in _QUESTION_WORDS or t in _GENERIC_NAMES:
            continue
        out.append(t)
    return out


def change_term(question: str, term: str, replacement: str) -> str:
    """Return ``question`` with every whole ``term`` replaced, its article agreeing ("an UnboundLocalError")."""
    pattern = re.compile(r"(?<![\w.-])(?:(a|an|A|An) )?" + re.escape(term) + r"(?![\w-])")

    def sub(m: re.Match[str]) -> str:
        art = m.group(1)
        if not art:
            return replacement
        new = "an" if replacement[:1].lower() in "aeiou" else "a"
        return f"{new.capitalize() if art[0].isupper() else new} {replacement}"

    return pattern.sub(sub, question)


# --------------------------------------------------------------------------------------------
# Reading the documents


class _Reader:
    """One document's text, sections and word statistics, and the spans its questions use."""

    def __init__(
        self,
        doc: Document,
        splitter: SentenceSplitter,
        words: Counter[str] | None = None,
        df: Counter[str] | None = None,
    ) -> None:
        self.doc = doc
        self.text = doc.text
        self.sections = sections_of(doc)
        self.splitter = splitter
        self.counts = Counter(re.findall(r"[A-Za-z][a-z]+", self.text))
        # Capitalised inside a sentence (after a lower-case word): a name, not a sentence's first word.
        self.inner = Counter(re.findall(r"(?<=[a-z,] )[A-Z][a-z]+", self.text))
        self.words = words if words is not None else self.counts
        self.df = df if df is not None else Counter()  # in how many corpus files a lower-cased token occurs

    def ranked(self, terms: Iterable[str]) -> tuple[str, ...]:
        """Order a question's terms most specific first: the rarest across the corpus, then the longest."""
        return tuple(sorted(dict.fromkeys(terms), key=lambda t: (self.df.get(t.lower().rstrip("()"), 0), -len(t))))

    def freq(self, word: str) -> int:
        """How often the corpus uses a lower-case word (to tell a verb's base form)."""
        return self.words.get(word, 0)

    def proper(self, word: str) -> bool:
        """A capitalised word is a name when the document writes it capitalised mid-sentence more than lower-cased."""
        return self.inner.get(word, 0) > self.counts.get(word.lower(), 0)

    def name_like(self, word: str) -> bool:
        """Looser than :meth:`proper`, for a subject opening a sentence: "Ruby" (also "ruby" in file names)."""
        inner = self.inner.get(word, 0)
        return inner > 0 and 2 * inner >= self.counts.get(word.lower(), 0)

    def piece(self, block: Block) -> str:
        return self.text[block.start : block.end]

    def lead(self, block: Block) -> tuple[int, int] | None:
        """Return the first one or two sentences of a block (at most MAX_SPAN_CHARS), ending as a sentence does."""
        sents = sentences(self.text, block.start, block.end, self.splitter)
        if not sents:
            return None
        start, end = sents[0].start, sents[0].end
        if len(sents) > 1 and sents[1].end - start <= MAX_SPAN_CHARS and end - start < 200:
            end = sents[1].end
        while end > start and self.text[end - 1] in "¶ \t\n":
            end -= 1
        piece = self.text[start:end]
        if end - start > MAX_SPAN_CHARS or not re.search(r"[.!?)”\"]$", piece) or len(piece.split()) < 3:
            return None
        return start, end

    def first_sentence(self, block: Block) -> str:
        sents = sentences(self.text, block.start, block.end, self.splitter)
        return sents[0].text if sents else ""


_FURNITURE_BLOCK = re.compile(
    r"^(Source code:|New in version|Changed in version|Deprecated since|Availability:|Note$|See also|"
    r"Next:|Previous:|Up:|Contents|\[)"
)


def _prose(r: _Reader, block: Block) -> bool:
    piece = r.piece(block)
    return block.kind == "paragraph" and len(piece) >= 25 and not piece.rstrip().endswith(":")


def _first_content(r: _Reader, section: Section) -> list[Block]:
    """Return the section's blocks from the first that is not page furniture ("Source code: ...")."""
    blocks = list(section.blocks)
    while blocks and _FURNITURE_BLOCK.match(r.piece(blocks[0])):
        blocks.pop(0)
    return blocks


# A first sentence that points elsewhere answers nothing ("Be sure to read the previous section"),
# nor does one that only announces ("There are various techniques.").
_POINTS_AWAY = re.compile(
    r"^(Be sure to read|See |As (we|mentioned|described|noted)|This (chapter|section|node)|The following|The previous"
    r"|There are (various|several|many|a few|a number of|some|two|three) [\w ]{0,25}\.$)"
)
MIN_ANSWER_WORDS = 5  # a faq or heading answer shorter than this says too little ("Yes." gets its reason added)


def _ok_gold(text: str) -> bool:
    return (
        bool(text.strip())
        and not _LICENCE_TEXT.search(text)
        and not _EXCLUDED_WORD.search(text)
        and not _POINTS_AWAY.match(text)
    )


def _focus_terms(r: _Reader, question: str) -> list[str]:
    """Return the terms of a question a changed version may replace; a capitalised word only if a name."""
    return [t for t in specific_terms(question) if term_class(t) != "name" or r.proper(t)]


def faq_candidates(r: _Reader, coll: str, section: Section) -> list[_Candidate]:
    heading = clean_heading(section.path[-1]) if section.path else ""
    if not heading.endswith("?") or len(heading.split()) < 3:
        return []
    blocks = _first_content(r, section)
    if not blocks or blocks[0].kind != "paragraph":
        return []  # the answer is code, a table or a list alone
    first = blocks[0]
    spans: list[tuple[int, int]] = []
    if first.end - first.start < 25 and len(blocks) > 1 and _prose(r, blocks[1]):  # "Yes." then the reason
        lead = r.lead(blocks[1])
        if lead is None:
            return []
        spans = [(first.start, first.end), lead]
    elif r.piece(first).rstrip().endswith(":") and len(blocks) > 1 and blocks[1].kind == "item":
        spans = [(first.start, first.end)]  # "Three mailing lists are available:" and its items
        for b in blocks[1:]:
            if b.kind != "item" or b.end - spans[0][0] > MAX_SPAN_CHARS:
                break
            spans.append((b.start, b.end))
        if len(spans) == 1:
            return []
    elif _prose(r, first):
        lead = r.lead(first)
        if lead is None:
            return []
        spans = [lead]
    else:
        return []
    gold = " ".join(r.text[a:b] for a, b in spans)
    if not all(_ok_gold(r.text[a:b]) for a, b in spans) or len(gold.split()) < MIN_ANSWER_WORDS:
        return []
    return [_Candidate(coll, r.doc.source, heading, tuple(spans), "faq", r.ranked(_focus_terms(r, heading)))]


def heading_candidates(r: _Reader, coll: str, section: Section) -> list[_Candidate]:
    if not section.path or any(_SKIP_HEADING.match(clean_heading(p)) for p in section.path[-1:]):
        return []
    if any(_LICENCE_TEXT.search(p) for p in section.path):
        return []
    blocks = _first_content(r, section)
    if not blocks or not _prose(r, blocks[0]):
        return []
    lead = r.lead(blocks[0])
    if lead is None or not _ok_gold(r.text[lead[0] : lead[1]]):
        return []
    if len(r.text[lead[0] : lead[1]].split()) < MIN_ANSWER_WORDS:
        return []
    question = heading_question(section.path[-1], r.first_sentence(blocks[0]), r.freq, r.proper, r.name_like)
    if question is None:
        return []
    return [_Candidate(coll, r.doc.source, question, (lead,), "heading", r.ranked(_focus_terms(r, question)))]


_OWNER_HEADINGS = (
    re.compile(r"^Invoking (?:the )?([\w.+-]+)(?: [Pp]rogram| [Cc]ommand| [Ss]cript)?$"),
    re.compile(r"^([\w.+-]+) [Ii]nvocation$"),
    re.compile(r"^The ([A-Za-z]+) Builtin$"),
)


def _heading_owner(path: Sequence[str]) -> str:
    for p in reversed(path):
        h = clean_heading(p)
        for pattern in _OWNER_HEADINGS:
            m = pattern.match(h)
            if m:
                name = m.group(1)
                return name.lower() if pattern.pattern.startswith("^The") else name
    return ""


def _entries(r: _Reader, coll: Collection, section: Section) -> list[tuple[Entry, Block, Block]]:
    """Return the section's definition-list entries: (what it documents, its term, its description)."""
    blocks = section.blocks
    out: list[tuple[Entry, Block, Block]] = []
    synopsis_owner = ""  # the command whose synopsis (term, then code) came last: its options follow
    heading_owner = _heading_owner(section.path) or coll.subject
    if any(re.search(r"\bInstall(ing|ation)\b|Optional Features", p) for p in section.path):
        heading_owner = "configure"  # the options of an installation chapter are configure's
    builtin_section = _heading_owner(section.path[-1:]) if section.path else ""
    path_text = " ".join(section.path)
    i = 0
    while i < len(blocks):
        if blocks[i].kind != "term":
            i += 1
            continue
        j = i
        while j < len(blocks) and blocks[j].kind == "term":
            j += 1
        terms = blocks[i:j]
        after = blocks[j] if j < len(blocks) else None
        i = j
        texts = [_strip_term(r.piece(t)) for t in terms]
        names = [option_names(t) for t in texts]
        if after is not None and after.kind == "code" and not any(names):
            first = texts[0].split()[0] if texts[0].split() else ""
            if re.fullmatch(r"[a-z][\w.-]*", first):
                synopsis_owner = first
                desc = blocks[j + 1] if j + 1 < len(blocks) else None
                if coll.name == "bash" and "Builtin" in path_text and desc is not None and desc.kind == "definition":
                    out.append((Entry("builtin", first), terms[0], desc))
            continue
        if after is None or after.kind != "definition":
            continue
        entry = _entry(coll, texts, names, synopsis_owner or heading_owner, builtin_section, path_text)
        if entry is not None:
            out.append((entry, terms[-1] if entry.role == "option" else terms[0], after))
    return out


def _entry(
    coll: Collection, texts: list[str], names: list[list[str]], owner: str, builtin_section: str, path_text: str
) -> Entry | None:
    if all(names):
        flat = [n for group in names for n in group]
        return Entry("option", display_option(flat), owner)
    text = texts[0]
    m = _TEXINFO_DEF.match(text)
    if m:
        kind = m.group(1)
        role = {"Variable": "variable", "User Option": "variable", "Function": "function", "Command": "builtin"}.get(
            kind, "macro"
        )
        return Entry(role, m.group(2) + ("()" if role == "function" else ""))
    if coll.name.startswith("py"):
        p = _PY_DEF.match(text)
        if not p:
            return None
        prefix, name, call = p.group(1), p.group(2), p.group(3)
        if prefix == "class":
            return Entry("class", name)
        if prefix == "exception":
            return Entry("exception", name)
        return Entry("function", name + "()") if call else Entry("data", name)
    if coll.name == "bash":
        if re.fullmatch(r"[A-Z][A-Z0-9_]+", text) and "Variables" in path_text:
            return Entry("variable", text)
        if re.fullmatch(r"[a-z][a-z0-9_]+", text) and builtin_section in ("set", "shopt"):
            return Entry("setting", text, builtin_section)
        if re.fullmatch(r"[a-z]+(-[a-z]+)+", text) and "Readline Init File Syntax" in path_text:
            return Entry("readline", text)
    return None


def option_candidates(r: _Reader, coll: Collection, section: Section, rng: random.Random) -> list[_Candidate]:
    if any(_LICENCE_TEXT.search(p) for p in section.path):
        return []
    out = []
    for entry, term, desc in _entries(r, coll, section):
        lead = r.lead(desc)
        if lead is None or not _ok_gold(r.text[lead[0] : lead[1]]):
            continue
        description = r.text[lead[0] : lead[1]]
        which = rng.random() < 0.5 and entry_question(entry, description, which=True) is not None
        question = entry_question(entry, description, which)
        # m4's "Composite: example" documents how the manual documents macros: there is no such macro.
        if question is None or _EXCLUDED_WORD.search(entry.name) or entry.name == "example":
            continue
        if which:
            t_end = term.end - 1 if r.text[term.end - 1] == "¶" else term.end
            spans: tuple[tuple[int, int], ...] = ((term.start, t_end), lead)
            focus = (entry.owner,) if entry.owner and entry.owner != coll.subject else ()
        else:
            spans = (lead,)
            focus = (entry.name,)
        out.append(_Candidate(coll.name, r.doc.source, question, spans, "option", focus))
    return out


# --------------------------------------------------------------------------------------------
# Building


def _pool_terms(readers: Iterable[_Reader]) -> dict[str, list[str]]:
    """Return the specific terms of documents outside the corpus, by kind: where replacements come from."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in readers:
        for section in r.sections:
            for t in specific_terms(clean_heading(section.path[-1]) if section.path else ""):
                if term_class(t) not in ("name", "acronym") or r.proper(t) or t.isupper():
                    found[term_class(t) or ""].add(t)
            for b in section.blocks:
                if b.kind != "term":
                    continue
                text = _strip_term(r.piece(b))
                for n in option_names(text):
                    found[term_class(n) or ""].add(n)
                p = _PY_DEF.match(text)
                if p:
                    name = p.group(2) + ("()" if p.group(3) else "")
                    found[term_class(name) or ""].add(name)
                    last = p.group(2).rsplit(".", 1)[-1]
                    found[term_class(last) or ""].add(last)
    found.pop("", None)
    return {k: sorted(v) for k, v in found.items()}


def _cap(cands: list[_Candidate], cap: int, rng: random.Random) -> list[_Candidate]:
    """Keep at most ``cap`` candidates, taking kinds in turn so the rarer kinds are all kept."""
    if len(cands) <= cap:
        return cands
    by_kind: dict[str, list[_Candidate]] = defaultdict(list)
    for c in cands:
        by_kind[c.kind].append(c)
    queues = []
    for kind in sorted(by_kind):
        q = list(by_kind[kind])
        rng.shuffle(q)
        queues.append(q)
    kept: list[_Candidate] = []
    while len(kept) < cap:
        for q in queues:
            if q and len(kept) < cap:
                kept.append(q.pop())
    order = {id(c): n for n, c in enumerate(cands)}
    return sorted(kept, key=lambda c: order[id(c)])


def _norm(question: str) -> str:
    return re.sub(r"\s+", " ", question).strip().lower()


def _changed(
    answerable: list[DocQuestion],
    focus: dict[str, tuple[str, ...]],
    pools: dict[str, list[str]],
    corpus_text: str,
    rng: random.Random,
    taken: set[str],
) -> list[tuple[DocQuestion, str, str]]:
    """Return changed versions (question, term, replacement) of about CHANGED_SHARE of the questions."""
    want = round(len(answerable) * CHANGED_SHARE)
    order = list(answerable)
    rng.shuffle(order)
    absent: dict[str, bool] = {}
    out: list[tuple[DocQuestion, str, str]] = []
    for q in order:
        if len(out) >= want:
            break
        for term in focus.get(q.id, ()):
            cls = term_class(term)
            if cls == "short-option":
                cls = "option"
            pool = pools.get(cls or "", [])
            if not pool:
                continue
            picks = rng.sample(pool, min(12, len(pool)))
            made = None
            for new in picks:
                if new == term or _EXCLUDED_WORD.search(new):
                    continue
                key = new.lower().rstrip("()")
                if key not in absent:
                    absent[key] = key not in corpus_text
                if not absent[key]:
                    continue
                text = change_term(q.question, term, new)
                if text != q.question and _norm(text) not in taken and len(text.split()) <= MAX_WORDS:
                    made = (text, new)
                    break
            if made:
                taken.add(_norm(made[0]))
                out.append((replace(q, question=made[0]), term, made[1]))
                break
    return out


def _read(corpus: Path, sources: dict[str, list[str]], splitter: SentenceSplitter) -> dict[str, _Reader]:
    """Read every corpus file with the product's loader, sharing the corpus-wide word statistics."""
    readers: dict[str, _Reader] = {}
    words: Counter[str] = Counter()  # filled below, before any question is made
    df: Counter[str] = Counter()
    for coll in COLLECTIONS:
        for source in sources[coll.name]:
            doc = open_document(corpus / source, corpus)
            if isinstance(doc, str):
                raise RuntimeError(f"{source}: {doc}")
            readers[source] = _Reader(doc, splitter, words, df)
    for r in readers.values():
        words.update(r.counts)
        df.update(set(re.findall(r"[\w.-]+", r.text.lower())))
    return readers


def _candidates(readers: dict[str, _Reader], sources: dict[str, list[str]]) -> list[_Candidate]:
    """Return every collection's answerable questions, short and asked once each."""
    cands: list[_Candidate] = []
    for coll in COLLECTIONS:
        rng = random.Random(f"{SEED}-{coll.name}")  # one stream per collection: a change to one leaves the rest
        for source in sources[coll.name]:
            r = readers[source]
            for section in r.sections:
                cands += faq_candidates(r, coll.name, section)
                cands += heading_candidates(r, coll.name, section)
                cands += option_candidates(r, coll, section, rng)
    cands = [c for c in cands if len(c.question.split()) <= MAX_WORDS and not _EXCLUDED_WORD.search(c.question)]
    seen = Counter(_norm(c.question) for c in cands)
    return [c for c in cands if seen[_norm(c.question)] == 1]  # a question asked twice has no one answer


def _outside_corpus(splitter: SentenceSplitter) -> list[_Reader]:
    """Read the eligible installed files left out of the corpus (Python library pages): replacements' source."""
    out = []
    for coll in COLLECTIONS:
        for rel in chosen_files(coll)[1]:
            doc = open_document(coll.root / rel, coll.root)
            if not isinstance(doc, str):
                out.append(_Reader(doc, splitter))
    return out


def build(work: Path) -> tuple[Path, list[DocQuestion]]:
    """Copy the chosen installed documentation files into work/'corpus' (keeping a relative layout), and
    return (corpus dir, questions), deterministically (sorted files, fixed seed).

    Also writes ``work/manifest.json`` (packages, versions, files, counts) and ``work/questions.jsonl``.
    """
    versions = require_packages()
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    sources = copy_corpus(corpus)
    splitter = punkt_spans()
    readers = _read(corpus, sources, splitter)
    corpus_text = "\n".join(r.text for r in readers.values()).lower()
    cands = _candidates(readers, sources)
    pools = _pool_terms(_outside_corpus(splitter))
    taken = {_norm(c.question) for c in cands}
    questions: list[DocQuestion] = []
    for coll in COLLECTIONS:
        rng = random.Random(f"{SEED}-{coll.name}-keep")
        kept = _cap([c for c in cands if c.collection == coll.name], CAP_PER_COLLECTION, rng)
        answerable = [
            DocQuestion(f"{coll.name}-{n:04d}", c.source, c.question, True, c.spans, c.kind)
            for n, c in enumerate(kept, 1)
        ]
        focus = {q.id: c.focus for q, c in zip(answerable, kept, strict=True)}
        changed = sorted(_changed(answerable, focus, pools, corpus_text, rng, taken), key=lambda t: t[0].id)
        questions += answerable
        questions += [
            DocQuestion(f"{coll.name}-x{n:04d}", q.source, q.question, False, (), "changed", (term, new), q.id)
            for n, (q, term, new) in enumerate(changed, 1)
        ]
    _write(work, versions, sources, questions)
    return corpus, questions


def _write(work: Path, versions: dict[str, str], sources: dict[str, list[str]], qs: Sequence[DocQuestion]) -> None:
    corpus = work / "corpus"
    manifest = {
        "packages": versions,
        "collections": {
            c.name: {"package": c.package, "installed": str(c.root), "files": sources[c.name]} for c in COLLECTIONS
        },
        "sha256": {s: hashlib.sha256((corpus / s).read_bytes()).hexdigest() for f in sources.values() for s in f},
        "counts": counts(qs),
        "seed": SEED,
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    with (work / "questions.jsonl").open("w", encoding="utf-8") as f:
        for q in qs:
            f.write(json.dumps(asdict(q), ensure_ascii=False) + "\n")


def package_of(source: str) -> str:
    """Return the Debian package a corpus file came from (its first path component)."""
    return source.split("/", 1)[0]


def counts(questions: Sequence[DocQuestion]) -> dict[str, dict[str, int]]:
    """Return question counts by kind, by source package, and by collection and kind."""
    by_kind = Counter(q.kind for q in questions)
    by_package = Counter(package_of(q.source) for q in questions)
    by_coll = Counter(f"{q.id.split('-')[0]}/{q.kind}" for q in questions)
    return {
        "kind": dict(sorted(by_kind.items())),
        "package": dict(sorted(by_package.items())),
        "collection": dict(sorted(by_coll.items())),
    }


def examples(corpus: Path, questions: Sequence[DocQuestion], n: int, seed: int = SEED) -> str:
    """Return ``n`` seeded random questions of each kind with their gold text, for reading."""
    rng = random.Random(seed)
    texts: dict[str, str] = {}
    lines = []
    by_id = {q.id: q for q in questions}
    for kind in ("faq", "heading", "option", "changed"):
        pick = [q for q in questions if q.kind == kind]
        lines.append(f"== {kind} ({len(pick)})")
        for q in sorted(rng.sample(pick, min(n, len(pick))), key=lambda q: q.id):
            if q.source not in texts:
                doc = open_document(corpus / q.source, corpus)
                texts[q.source] = doc.text if isinstance(doc, Document) else ""
            lines.append(f"{q.id}  [{q.source}]  {q.question}")
            if q.answerable:
                lines += [f"    -> {' / '.join(texts[q.source][a:b] for a, b in q.spans)!r}"]
            else:
                lines += [f"    (from {q.of}: {by_id[q.of].question!r}; {q.replaced[0]!r} -> {q.replaced[1]!r})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build reader training questions from installed Debian documentation.")
    parser.add_argument("--work", type=Path, required=True, help="folder for corpus/, manifest.json, questions.jsonl")
    parser.add_argument("--examples", type=int, default=0, help="print N seeded random examples of each kind")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        corpus, questions = build(args.work)
    except MissingPackages as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = counts(questions)
    print(f"{len(questions)} questions over {corpus} in {time.perf_counter() - t0:.1f} s")
    for key in ("kind", "package", "collection"):
        print(f"by {key}: " + ", ".join(f"{k} {v}" for k, v in c[key].items()))
    if args.examples:
        print(examples(corpus, questions, args.examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
