"""Nothing about one article belongs in code: app/ and ingest/ (code, comments, docstrings and the data files they
ship, such as app/intents.yaml) must not hold words of any article under data/ (the shipped one and every
data/fixtures/ article): their entry names, the organisations, places, people and nationalities spaCy finds in
them (en_core_web_sm over the parsed article: GPE, NORP, ORG, PERSON, LOC, and PRODUCT and FAC), the names their
profile folder knows, and their CJK strings (and the shipped article's bullet lead words, as written). Nor may
another article's profile folder hold them. Article knowledge lives in the article's own profile folder
(data/<article>.profile/) and in what ingest derives.

Names are compared case-insensitively ("hangzhou" in a lexicon is the article's "Hangzhou"), except a name made
only of ordinary English words ("Rent", "Broken Access Control"), which is compared as written: in lower case it
is the common word. A reference to an article's file (its path in the settings) is not a word of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pytest
import yaml

from ingest.annotate import annotate_texts, english_pipeline, is_english_word
from ingest.core.settings import DEFAULT_SOURCE, PROJECT_ROOT, resolve_profile_dir
from ingest.core.text import blank_markup
from ingest.loader import SUPPORTED_SUFFIXES, load_source
from ingest.parser import parse_article

DATA_DIR = PROJECT_ROOT / "data"
CODE_DIRS = ("app", "ingest")
NOT_ARTICLES = {"chroma", "cache"}  # folders of data/ that hold an index or caches, not articles
LABELS = {"GPE", "NORP", "ORG", "PERSON", "LOC", "PRODUCT", "FAC"}
# Names that code uses for another reason, each with it.
ALLOWED = {
    "OpenAI": "the OpenAI-compatible protocol the LLM backend and the HTTP API speak",
    "AI": "the product's own name, ai-cities-chat",
    "Python": "the language the project is written in (\"Python API\", \"Python-Markdown\")",
    "UTC": "the time standard timestamps are written in",
    "Google": "the maker of the multilingual embedder the project ships (Google's USE-multilingual-v3)",
    "Apache": "a licence the project's dependencies and fixtures carry (Apache-2.0)",
    "Rust": "the language the `tokenizers` library is written in",
    "American": "the spelling variant (American English) the text folding maps British spellings to",
    "API": "the product's Python and HTTP APIs",
    "Dir": "an HTML list element (<dir>) and a placeholder in command usage (--path DIR)",
    "JSON": "the formats the CLI, the HTTP API and the eval write",
    "Prometheus": "the metrics format of the server's /metrics endpoint",
    "Reddit": "a site whose share buttons are page chrome the parser drops",
    "Node": "PyYAML's node type, which the lexicon loader reads",
    "HTML": "a source format the loader reads and the UI renders",
    "CSS": "the UI's and the server page's style sheets",
    "css": "the UI's and the server page's style sheets",
    "Engine": "the answer engine's class, `app.engine.Engine`",
    "meta": "the chunk metadata (`meta`) the knowledge base reads from the index",
    "Meta": "the chunk metadata (`meta`) the knowledge base reads from the index",
    "Introduction": "the name the parser gives the text before the first entry (a ranking read wrongly, with its "
                    "section names as entries, brings it in as an entry name)",
    "Topics": "the UI's column header of an entry's topics (as above, a section name read as an entry)",
    "xml": "the lxml and XML names of the fetcher's content types (as above, a table cell read as an entry)",
    "XML": "the lxml and XML names of the fetcher's content types (as above, a table cell read as an entry)",
    "Other": "the profile's catch-all topic (as above, a table cell read as an entry)",
    "Everything": "a plain word of code and docstrings ('everything it needs'); an answer option of a survey chart "
                  "read as an entry",
    "json": "the formats the CLI, the HTTP API and the eval write",
    "Json": "the formats the CLI, the HTTP API and the eval write",
    "CPU": "the machines the product runs on (CPU-only torch, the portable llama.cpp build)",
    "CLI": "the product's command line (`ai-cities`)",
    "auth": "the UI's and the server's login settings (`ui_auth`, `server_auth`); a framework named Auth in an "
            "entry's name",
    "Auth": "the UI's and the server's login settings (`ui_auth`, `server_auth`); a framework named Auth in an "
            "entry's name",
    "tbd": "a placeholder value the profile loader ignores ('TBD'); an entry of a leaderboard with no name yet",
    "TBD": "a placeholder value the profile loader ignores ('TBD'); an entry of a leaderboard with no name yet",
    "Phone": "a word of code and docs (a phone-sized screen in the UI); a part of a product name in an entry",
    "English": "the language the product answers in, and the English spaCy pipeline and embedder it ships",
    "Chinese": "the other language the product answers questions in (the multilingual embedder, Chinese questions)",
    "Japanese": "a script of the CJK family (Chinese, Japanese, Korean) the multilingual index and the prose reader "
                "handle; a nationality in an article",
    "French": "a made-up out-of-scope training question (a translation request) in app/intents.yaml",
    "LLM": "the optional LLM backends (`app/llm`), named throughout code and settings",
    "Ollama": "one of the optional LLM backends (`AICITIES_LLM=ollama`)",
    "ollama": "one of the optional LLM backends (`AICITIES_LLM=ollama`)",
    "Bitcoin": "a made-up out-of-scope training question (the price of a coin) in app/intents.yaml",
    "Facebook": "a site whose share buttons are page chrome the parser drops",
    "WhatsApp": "a site whose share buttons are page chrome the parser drops",
    "Whatsapp": "a site whose share buttons are page chrome the parser drops",
    "bitcoin": "a made-up out-of-scope training question (the price of a coin) in app/intents.yaml",
    "facebook": "a site whose share buttons are page chrome the parser drops",
    "whatsapp": "a site whose share buttons are page chrome the parser drops",
    "什么": "a Chinese question word ('what') of the lexicon, which reads questions asked in Chinese",
    "为": "part of the Chinese question words ('为什么', why) of the lexicon, which reads questions asked in Chinese",
    "Community": "the made-up topic of docstring examples ('4. Fedora › Community'); an answer option of a survey "
                 "chart read as an entry",
    "everything": "a plain word of code and docstrings ('everything it needs'); an answer option of a survey chart "
                  "read as an entry",
}
# Single common words the recogniser types as names in these articles, each with where it does.
NOT_NAMES = {
    "Whom": "a book-list article: a word of a title ('For Whom the ...'), typed PERSON alone; a question word in code",
    "Path": "OWASP: the last word of a weakness title ('External Control of File Name or Path'), typed PERSON",
    "Theatre": "Broadway: the head noun of venue names ('the Majestic Theatre'), typed alone as PERSON",
    "Date": "Crystal: a type name in a code sample ('Date'), typed ORG",
}
# Offenders in files that are being rewritten outside this test's change, each with the article word; an entry
# that no longer occurs fails the test, so that it is removed.
PENDING: dict[tuple[str, str], str] = {}
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_POSSESSIVE = re.compile(r"['’]s?$")
_LEADING_THE = re.compile(r"^(?:the|a|an)\s+", re.I)


@dataclass(frozen=True)
class Word:
    """A word of an article, and why it counts."""

    text: str
    why: str

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        if _CJK_RUN.fullmatch(self.text):
            return re.compile(re.escape(self.text))
        body = rf"(?<!\w){re.escape(self.text)}(?!\w)"
        ordinary = all(is_english_word(w) for w in re.findall(r"[^\W\d_]+", self.text))
        return re.compile(body) if ordinary else re.compile(body, re.I)


def articles() -> list[Path]:
    """Every article under data/: the shipped one and the fixture articles."""
    found = [p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
             and not NOT_ARTICLES & set(p.relative_to(DATA_DIR).parts)
             and not any(part.endswith(".profile") for part in p.relative_to(DATA_DIR).parts)]
    return sorted(found)


def _name(text: str) -> str:
    return _LEADING_THE.sub("", _POSSESSIVE.sub("", " ".join(text.split())).strip(" .,:;-–—()\"'“”‘’"))


@cache
def article_words(path: Path) -> tuple[Word, ...]:
    """The words of one article that code must not hold."""
    text = load_source(path).text
    article = parse_article(text)
    found: dict[str, Word] = {}
    prose = re.sub(r"\S*(?:://|www\.|\.html?\b)\S*", " ", text)  # not the words of its links
    lower_words = set(re.findall(r"\b[a-z]+\b", prose))

    def add(name: str, why: str, entity: bool = False) -> None:
        name = _name(name)
        if _CJK_RUN.fullmatch(name):
            found.setdefault(name, Word(name, why))
            return
        letters = re.findall(r"[^\W\d_]+", name)
        if len("".join(letters)) < 3 or not re.search(r"[A-Z]", name):
            return  # initials, numbers, and the recogniser's lower-case slips ("max")
        if entity and len(letters) == 1 and (letters[0].lower() in lower_words or name in NOT_NAMES):
            return  # a common word the recogniser took for a name ("Longest" of "longest-running")
        found.setdefault(name.casefold(), Word(name, why))

    for section in article.ranked:
        if section.name:
            add(section.name, "entry name")
    spans = [s for s in (article.title, article.intro, article.methodology) if s is not None]
    spans += [s.title for s in article.sections] + [b.body for s in article.sections for b in s.bullets]
    for doc in english_pipeline().pipe(blank_markup(s.text) for s in spans):
        for ent in doc.ents:
            if ent.label_ in LABELS:
                add(ent.text, f"spaCy {ent.label_}", entity=True)
    # and as ingest annotates it (names widened over their proper nouns: "Acme Theatre")
    for annotated in annotate_texts([(span.text, span.start) for span in spans]):
        for sentence in annotated:
            for start, end, label in sentence["entities"]:
                if label in LABELS:
                    add(text[start:end], f"spaCy {label}", entity=True)
    profile = resolve_profile_dir(path, None)
    if profile is not None:
        data = yaml.safe_load((profile / "profile.yaml").read_text(encoding="utf-8")) or {}
        for name in data.get("aliases") or {}:
            add(str(name), "a name of its profile folder")
        text += "\n" + (profile / "profile.yaml").read_text(encoding="utf-8")
    for run in _CJK_RUN.findall(text):
        add(run, "CJK string")
    return tuple(w for key, w in sorted(found.items()) if w.text not in ALLOWED)


def places(article: Path) -> list[Path]:
    """The files that must not hold the article's words: every file under app/ and ingest/, and every other
    article's profile folder."""
    own = resolve_profile_dir(article, None)
    files = [p for folder in CODE_DIRS for p in (PROJECT_ROOT / folder).rglob("*")]
    files += [p for folder in DATA_DIR.rglob("*.profile") if folder != own for p in folder.rglob("*")]
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts)


@cache
def _profile_article(path: Path) -> str | None:
    """The text of the article whose profile folder holds `path`, or None when `path` is in no profile folder."""
    folder = next((p for p in path.parents if p.suffix == ".profile"), None)
    if folder is None:
        return None
    source = next((a for a in articles() if resolve_profile_dir(a, None) == folder), None)
    return load_source(source).text if source is not None else None


def _readable(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


@cache
def _scanned_text(path: Path) -> str | None:
    """The text of a code or profile file as the scan reads it (None: not text): references to an article's file
    blanked (they are not words of it), and markdown emphasis dropped ("Acme **Action** News" names "Acme Action
    News")."""
    content = _readable(path)
    if content is None:
        return None
    for stem in (p.stem for p in articles()):
        content = content.replace(stem, " ")
    return re.sub(r"[*`]", "", content)


def test_every_article_is_scanned() -> None:
    names = {p.relative_to(DATA_DIR).as_posix() for p in articles()}
    assert DEFAULT_SOURCE.relative_to(DATA_DIR).as_posix() in names
    assert sum(n.startswith("fixtures/") for n in names) >= 5


def test_the_scan_finds_the_shipped_article_s_words() -> None:
    words = {w.text: w.why for w in article_words(DEFAULT_SOURCE)}
    assert words.get("Jinan") == "entry name"
    assert {"Inspur Group", "Tencent", "深圳"} <= set(words)
    assert Word("Jinan", "").pattern.search("jinan") and not Word("Rent", "").pattern.search("rent")


@pytest.mark.parametrize("article", articles(), ids=lambda p: p.relative_to(DATA_DIR).as_posix())
def test_code_holds_no_words_of_the_article(article: Path) -> None:
    words = article_words(article)
    offenders: list[str] = []
    pending: set[tuple[str, str]] = set()
    for path in places(article):
        content = _scanned_text(path)
        if content is None:
            continue
        profile_article = _profile_article(path)
        for word in words:
            if profile_article is not None and word.pattern.search(profile_article):
                continue  # another article's profile folder may name what its own article names too
            for match in word.pattern.finditer(content):
                where = path.relative_to(PROJECT_ROOT).as_posix()
                if (where, word.text) in PENDING:
                    pending.add((where, word.text))
                    continue
                line = content.count("\n", 0, match.start()) + 1
                offenders.append(f"{where}:{line}: {match.group()!r} ({word.why})")
    assert not offenders, f"words of {article.relative_to(PROJECT_ROOT)} in code:\n" + "\n".join(offenders)
    stale = {key for key in PENDING if key[1] in {w.text for w in words}} - pending
    assert not stale, f"no longer in code, remove from PENDING: {sorted(stale)}"


def test_code_holds_no_lead_words_of_the_shipped_article() -> None:
    """The words the shipped article's bullets open with ("Anchored", ...), as written: in lower case most are
    common words, so they are compared as written, and only for the shipped article."""
    text = load_source(DEFAULT_SOURCE).text
    leads = {m.group() for s in parse_article(text).sections for b in s.bullets
             if (m := re.match(r"[A-Z][a-z]+", b.body.text)) and len(m.group()) > 3}
    assert "Anchored" in leads
    offenders = [f"{path.relative_to(PROJECT_ROOT)}: {word}" for path in places(DEFAULT_SOURCE)
                 if (content := _readable(path)) is not None
                 for word in sorted(leads) if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", content)]
    assert not offenders, "\n".join(offenders)
