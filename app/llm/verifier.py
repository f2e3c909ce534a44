"""The claims of a model's answer and their verification against the evidence passages it was shown.

`split_claims` cuts the model's output into sentences with the `[n]` markers that cite passages. The
`Verifier` keeps a sentence only when its markers name passages that exist and the passages they name hold
what it states: its numbers ("$2.8M" = "2.8 million", percents apart), its names (capitalised words), its
rank claims ("ranked 12th", "the top city", "runner-up") and most of its content words. Number words,
ordinals and rank phrases are read through the shared lexicon (`ingest.core.lexicon`); the words that hold
for every passage (the title's, the article's most common ones, what it ranks) come from the article itself.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from app.knowledge import ChunkRecord, KnowledgeBase, RankEntry, Sentence
from ingest.core.lexicon import (
    FILLER_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    RANK_CLAIM_WORDS,
    RANK_PHRASES,
    SENTENCE_STARTERS,
    TOP_PLACE_NOUNS,
    UNIT_WORDS,
    number_value,
    ordinal,
    ordinal_value,
    rank_phrase_value,
)
from ingest.core.text import ABBREVIATIONS, SCALE, STOPWORDS, fold, stem, terms, words

MAX_UNSUPPORTED_SHARE = 0.25
"""Largest share of a sentence's content words (rounded down: none of 1-3, one of 4-7, ...) that may be
missing from the passages it cites, a word of another evidence passage counting twice; names and numbers
may never be missing."""


def _alternation(phrases: Sequence[str]) -> str:
    """A regex alternation of phrases, longest first, a space matching any run of spaces."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


# -- text patterns ----------------------------------------------------------------------------------------
MARKER = re.compile(r"\[\s*(?:(?:passage|source|evidence|ref)\s*)?"
                    r"(\d{1,3}(?:\s*(?:,|;|-|–)\s*\d{1,3})*)\s*\]", re.I)
"""A citation marker the model wrote: "[2]", "[1, 3]", "[2-4]", "[passage 5]"."""
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[^\]\n]{1,30}\])+)")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“'(]?[A-Z0-9$])|(?<=\])\s+(?=[\"“'(]?[A-Z])")
_BULLET = re.compile(r"^\s*(?:[-*•·]+|\d{1,2}[.)](?=\s))\s*")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*(?:(?:passage|source|evidence|ref)\s*)?"
                              r"\d{1,3}(?:\s*(?:,|;|-|–)\s*\d{1,3})*\s*\])+\s*", re.I)
_ECHO = re.compile(r"^(?:question|evidence(?: passages?)?|passages?|context|sources?)\s*:", re.I)
LEAD_IN = re.compile(r"^\s*(?:answer|response|final answer|standalone question)\s*:\s*", re.I)
"""An "Answer:" style label a model may put before its text."""
MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*")
"""Markdown emphasis and heading marks."""
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?"
                     r"(%|percent\b|per cent\b|k\b|mn\b|m\b|bn\b|b\b|t\b|thousand\b|million\b|billion\b|"
                     r"trillion\b)?(?!\w)")
_NUMBER_WORD_ALT = _alternation(list(NUMBER_WORDS))
_NUMBER_WORD = re.compile(rf"\b({_NUMBER_WORD_ALT})(?=\s+(?:thousand|million|billion|trillion|percent|per cent|"
                          r"days?|weeks?|months?|years?)\b)", re.I)
_NOT_TIME = r"(?!\s+(?:years?|months?|weeks?|decades?|days?|quarters?|night|time)\b)"  # "last year"
_RANK_CONTEXT = re.compile(rf"\b(?:rank\w*|placed?|position\w*|spot|standing|runners?[- ]up|no\.\s?\d|"
                           rf"number\s+(?:\d|(?:{_NUMBER_WORD_ALT})\b))|(?<!\w)#\d|\blast\b{_NOT_TIME}", re.I)
_PREDICATE_ORDINAL = re.compile(
    rf"\b(?:is|was|are|were|ranks|comes|came|sits|sat|finishes|finished)\s+(?:the\s+)?"
    rf"(?:{_alternation(list(ORDINAL_WORDS))}|\d{{1,3}}(?:st|nd|rd|th))"
    r"(?=\s*(?:[.,;:!?)\]]|$)|\s+(?:in|on|among|overall|place)\b)", re.I)
"""An ordinal said of something ("Fedora is first.", "comes 3rd overall"): a rank claim without "rank"."""
_RANK_VALUE = re.compile(rf"\b\d{{1,3}}(?:st|nd|rd|th)\b|\b(?:{_alternation(list(ORDINAL_WORDS))})\b|"
                         rf"(?:\bno\.\s?|\bnumber\s+|#)(?:\d{{1,3}}|{_NUMBER_WORD_ALT})\b", re.I)
_RANK_PHRASE = re.compile(rf"(?<![\w-])(?:{_alternation(list(RANK_PHRASES))})(?![\w-]){_NOT_TIME}", re.I)
_TOP_NOUN = re.compile(r"\b(?:top|first)\s+([\w-]+)(?:\s+([\w-]+))?", re.I)
_LEADS = re.compile(r"\bleads?\s+the\s+(?:ranking|list)\b", re.I)
REFUSAL = re.compile(
    r"\b(?:i (?:can ?not|can't|cannot|am unable|'m unable|am not able|do not|don't) (?:answer|find|"
    r"determine|say|know|provide|help)|(?:does|do|did) not (?:say|mention|provide|contain|specify|state|"
    r"answer|include)|"
    r"doesn't (?:say|mention|provide|contain|specify|state|answer|include)|no (?:information|mention|details|"
    r"data)\b|not (?:enough|sufficient) (?:information|evidence|context)|cannot be (?:answered|determined)|"
    r"(?:is|are) not (?:mentioned|provided|stated|specified))", re.I)
"""A model saying it cannot answer from the evidence."""
_FILLER = frozenset(stem(w) for w in FILLER_WORDS)
_UNIT_WORDS = frozenset(stem(w) for w in UNIT_WORDS)
_COUNTING_WORDS = frozenset(stem(w) for w in (*NUMBER_WORDS, *ORDINAL_WORDS))


def generic_terms(kb: KnowledgeBase) -> frozenset[str]:
    """Stems that hold for every passage, so a sentence need not find them in the passages it cites: the
    words of the title (the model is shown it with every question), words in more than half of the
    article's sentences, what the article ranks (`kb.noun`, `kb.nouns`) and the words of ranking."""
    generic = set(terms(kb.title, split_hyphens=True)) | set(terms(f"{kb.noun} {kb.nouns}"))
    generic |= {stem(w) for w in RANK_CLAIM_WORDS} | _frequent_terms(kb)
    return frozenset(t for t in generic if not t.isdigit())


def _frequent_terms(kb: KnowledgeBase) -> set[str]:
    """Stems in more than half of the article's sentences ("ai" in an article about AI)."""
    counts = Counter(t for sentence_terms in kb.sentence_terms for t in sentence_terms)
    return {t for t, n in counts.items() if n > len(kb.sentence_terms) / 2}


# -- evidence ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Passage:
    """One numbered evidence passage: a stored chunk, shown with its section title and topic."""

    number: int
    chunk: ChunkRecord
    sentences: tuple[Sentence, ...]
    entry: RankEntry | None

    @property
    def heading(self) -> str:
        """Section title (and rank) and topic, e.g. "4. Fedora (ranked 4th) › Community"."""
        head = self.chunk.section
        if self.entry is not None:
            head += f" (ranked {ordinal(self.entry.rank)})"
        return f"{head} › {self.chunk.topic}" if self.chunk.topic else head

    def render(self) -> str:
        """The passage as the model sees it."""
        text = " ".join(self.chunk.text.split())
        return f"[{self.number}] {self.heading}\n{text}"


@dataclass
class Claim:
    """One sentence of the model's output, with the passages it cites and the output line it is on."""

    line: int
    text: str
    markers: list[int] = field(default_factory=list)


@dataclass
class Check:
    """The verdict on one sentence: kept or why not, and the evidence that carries it."""

    text: str
    kept: bool
    reason: str = ""
    refusal: bool = False
    empty: bool = False
    sources: list[Sentence | RankEntry | ChunkRecord] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    line: int = 0


@dataclass(frozen=True)
class _Facts:
    """What a text states, normalised for matching."""

    numbers: frozenset[tuple[str, float]]
    words: frozenset[str]
    stems: frozenset[str]

    def has_word(self, word: str, generic: frozenset[str] = frozenset()) -> bool:
        """The word is stated (or, hyphenated or dotted, each of its parts is stated or generic)."""
        key = word.removesuffix("'s")
        if key in self.words or stem(key) in self.stems:
            return True
        parts = [p for p in re.split(r"[-/.&]", key) if p]
        return len(parts) > 1 and all(p in self.words or stem(p) in self.stems or stem(p) in generic
                                      for p in parts)


def number_facts(text: str) -> frozenset[tuple[str, float]]:
    """Numbers a text states, as (kind, value): "$2.8M" and "2.8 million" are ("n", 2.8e6); "24%" and
    "24 percent" are ("%", 24.0). Ordinals ("8th"), names ("X-4" counts 4, "R1" and "6G" don't) aside."""
    folded = _NUMBER_WORD.sub(lambda m: str(number_value(m.group(1))), fold(MARKER.sub(" ", text)))
    out: set[tuple[str, float]] = set()
    for match in _NUMBER.finditer(folded):
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        unit = (match.group(3) or "").strip()
        if unit in ("%", "percent", "per cent"):
            out.add(("%", value))
        else:
            out.add(("n", float(f"{value * SCALE.get(unit, 1.0):.6g}")))
    return frozenset(out)


def _facts(text: str) -> _Facts:
    tokens = set(words(text))
    expanded = set(tokens)
    for token in tokens:
        expanded.update(p for p in re.split(r"[-/]", token) if p)
        expanded.add(token.replace("-", ""))
    expanded = {w.removesuffix("'s") for w in expanded}
    return _Facts(number_facts(text), frozenset(expanded), frozenset(stem(w) for w in expanded))


# -- output parsing ---------------------------------------------------------------------------------------
def _marker_numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip().isdigit()]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 10:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def tidy(text: str) -> str:
    """Collapse spaces, drop spaces before punctuation and doubled punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"([.,;:])\1+", r"\1", text).strip(" ,;")


def split_claims(output: str) -> list[Claim]:
    """Split the model's output into sentences with their [n] markers.

    Markers-only fragments join the sentence before them. Markers that open a line ("[2] Acme's ...")
    or an echoed passage heading ("[2] 2. Debian (ranked 2nd) › Support", in the layout of the
    evidence) cite the sentences below them that have no markers of their own, up to the next heading or
    blank line; echoed headings and "Question: ..." lines are not sentences. Bullets, markdown emphasis
    and "Answer:" lead-ins are removed.
    """
    claims: list[Claim] = []
    block: list[int] = []
    for number, raw_line in enumerate(output.splitlines()):
        line = LEAD_IN.sub("", _BULLET.sub("", MARKDOWN.sub("", raw_line)))
        line = _MARKERS_AFTER_STOP.sub(r"\2\1", line.strip())
        if not line:
            block = []
            continue
        lead = _LEADING_MARKERS.match(line)
        if lead:
            markers = [n for m in MARKER.finditer(lead.group()) for n in _marker_numbers(m.group(1))]
            line = _BULLET.sub("", line[lead.end():]).strip()
            if not line:  # a line of markers only: they belong to the sentence above
                if claims:
                    claims[-1].markers.extend(markers)
                continue
            block = markers
        if "›" in line or _ECHO.match(line):
            if not lead:
                block = []
            continue
        pieces: list[str] = []
        for piece in _BOUNDARY.split(line):
            if pieces and pieces[-1].lower().endswith(ABBREVIATIONS):
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            markers = [n for m in MARKER.finditer(piece) for n in _marker_numbers(m.group(1))]
            body = tidy(MARKER.sub(" ", piece))
            if not re.search(r"[A-Za-z0-9]", body):
                if claims:
                    claims[-1].markers.extend(markers)
                continue
            claims.append(Claim(number, body, markers or list(block)))
    return claims


def _rank_value(token: str) -> int | None:
    """The rank a token of `_RANK_VALUE` names: "12th", "twelfth", "#3", "No. 3", "number three"."""
    value = ordinal_value(token)
    if value is None:
        marked = re.match(r"(?:no\.?\s*|number\s+|#)(\w+)$", token.strip(), re.I)
        value = number_value(marked.group(1)) if marked else None
    return value


# -- verification -----------------------------------------------------------------------------------------
class Verifier:
    """Checks each sentence of a model's answer against the passages it cites (see the module docstring).

    Args:
        kb: the knowledge base the passages come from.
        synonyms: everyday word -> article words; a synonym in the passages supports the word.
    """

    def __init__(self, kb: KnowledgeBase, synonyms: dict[str, list[str]] | None = None) -> None:
        self._kb = kb
        self._synonyms: dict[str, set[str]] = {}
        if synonyms is not None:
            for key, values in synonyms.items():
                for k in {stem(w) for w in words(key)}:
                    self._synonyms.setdefault(k, set()).update(stem(w) for v in values for w in words(v))
        self._chunk_facts: dict[str, _Facts] = {}
        self._sentence_facts: dict[int, _Facts] = {}
        self._ranked = {fold(e.city): e for e in kb.ranking}
        self._title_numbers = number_facts(kb.title)
        self.generic = generic_terms(kb)
        """Stems that hold for every passage (see `generic_terms`)."""
        # title words that may name one ranked entry ("town" for "... Best Towns ..."): neither rank words
        # nor words of most sentences ("AI")
        self._title_nouns = frozenset(t for t in terms(kb.title) if not t.isdigit()) - \
            {stem(w) for w in RANK_CLAIM_WORDS} - _frequent_terms(kb)
        self._lock = threading.Lock()

    @cached_property
    def _lowercase_words(self) -> frozenset[str]:
        """Stems of words the article writes in lower case (so a capitalised one is just a sentence start)."""
        found = re.findall(r"(?<![\w'’])[a-z][a-z'’-]*", self._kb.source_text)
        return frozenset(stem(fold(w).removesuffix("'s")) for w in found)

    def passage_facts(self, passage: Passage) -> _Facts:
        """Facts of a passage: numbers from its text; words from its text and heading."""
        chunk = passage.chunk
        with self._lock:
            cached = self._chunk_facts.get(chunk.id)
            if cached is None:
                text_facts = _facts(chunk.text)
                head = self._heading_facts(passage)
                cached = _Facts(text_facts.numbers, text_facts.words | head.words,
                                text_facts.stems | head.stems)
                self._chunk_facts[chunk.id] = cached
        return cached

    @staticmethod
    def _heading_facts(passage: Passage) -> _Facts:
        chunk = passage.chunk
        return _facts(f"{chunk.section} {chunk.topic or ''} {chunk.city or ''}")

    def sentence_facts(self, sentence: Sentence) -> _Facts:
        """Facts of one article sentence."""
        with self._lock:
            cached = self._sentence_facts.get(sentence.index)
            if cached is None:
                cached = self._sentence_facts[sentence.index] = _facts(sentence.text)
        return cached

    # -- pieces of a sentence --
    def _names(self, text: str) -> list[str]:
        """The names among the capitalised words of a sentence. A capitalised word at the start of the
        sentence (or after a colon) is an ordinary word when the article writes it in lower case or it is a
        common opener ("However"); otherwise it is a name and must be in the evidence."""
        strict: list[str] = []
        for match in re.finditer(r"(?<![\w'’])[A-Z][\w'’&.-]*", text):
            token = fold(match.group()).rstrip(".-'").removesuffix("'s")
            if not token or token in STOPWORDS or stem(token) in self.generic:
                continue
            before = text[: match.start()].rstrip(" \"'“‘(*")
            opening = not before or before.endswith((":", ";", "—", "."))
            if not (opening and (token in SENTENCE_STARTERS or stem(token) in self._lowercase_words or
                                 (token.endswith("ly") and len(token) > 4))):
                strict.append(token)
        return strict

    def _names_one_entry(self, word: str) -> bool:
        """A noun that, after "top" or "first", means the first place: a place in a ranking ("spot"), what
        the article ranks ("city"), or a title word in the singular ("town" for "... Best Towns ...")."""
        word = fold(word)
        if word in TOP_PLACE_NOUNS or word == fold(self._kb.noun):
            return True
        return not word.endswith("s") and stem(word) in self._title_nouns

    def _claims_first_place(self, text: str) -> bool:
        """"the top city", "the first AI hub", "leads the ranking"."""
        if _LEADS.search(text):
            return True
        for match in _TOP_NOUN.finditer(text):
            head, after = match.group(1), match.group(2)
            if self._names_one_entry(head):
                return True
            if after and stem(fold(head)) in self.generic and self._names_one_entry(after):
                return True
        return False

    def rank_claims(self, text: str) -> list[int]:
        """The ranks a sentence claims: ordinals and "No. n" in a sentence about ranks ("ranked 12th"),
        rank phrases of the lexicon ("runner-up", "last place"), and first-place phrases ("the top city")."""
        return self._rank_reading(text)[0]

    def _rank_reading(self, text: str) -> tuple[list[int], set[str]]:
        """The ranks a sentence claims, and the stems of the rank phrases that claim them (checked as ranks,
        not as words)."""
        ranks: list[int] = []
        stating: set[str] = set()
        last = self._kb.ranking[-1].rank if self._kb.ranking else 0
        context = bool(_RANK_CONTEXT.search(text) or _PREDICATE_ORDINAL.search(text))
        if self._claims_first_place(text):
            ranks.append(1)
        for match in _RANK_PHRASE.finditer(text):
            phrase = re.sub(r"\s+", " ", match.group().lower())
            if not (context or _RANK_CONTEXT.search(phrase)):
                continue  # "a champion of open source" claims no rank; "the champion of the ranking" does
            value = rank_phrase_value(phrase, last)
            if value:
                ranks.append(value)
                stating.update(terms(phrase))
        if context:
            for match in _RANK_VALUE.finditer(text):
                value = _rank_value(match.group())
                if value:
                    ranks.append(value)
        return list(dict.fromkeys(ranks)), stating

    def _covered(self, term: str, facts: _Facts) -> bool:
        """The term, a synonym, or a word of the same family ("leaders"/"lead", "innovative"/"innovation")."""
        if term in facts.stems or self._synonyms.get(term, set()) & facts.stems:
            return True
        for s in facts.stems:
            if len(s) >= 4 and len(term) >= 4 and (term.startswith(s) or s.startswith(term)):
                return True
            if len(term) >= 6 and len(s) >= 6 and s[:6] == term[:6]:
                return True
        return False

    # -- the check --
    def check(self, claim: Claim, passages: Sequence[Passage]) -> Check:
        """Verify one sentence against the passages its markers name."""
        text = claim.text
        verdict = Check(text=text, kept=False, line=claim.line)
        if REFUSAL.search(text):
            verdict.refusal, verdict.reason = True, "refusal"
            return verdict
        stated = _facts(text)
        strict = self._names(text)
        ranks, rank_stems = self._rank_reading(text)
        name_stems = {stem(n) for n in strict} | {stem(w) for n in strict for w in re.split(r"[-/.&]", n)}
        content = [t for t in dict.fromkeys(terms(text)) if t not in self.generic and t not in _FILLER
                   and t not in rank_stems and t not in name_stems and t not in _UNIT_WORDS
                   and t not in _COUNTING_WORDS
                   and not t.isdigit() and not re.fullmatch(r"\d+(st|nd|rd|th)", t)]
        if not (stated.numbers or strict or ranks or content):
            verdict.empty, verdict.reason = True, "states nothing checkable"
            return verdict
        by_number = {p.number: p for p in passages}
        if not claim.markers:
            verdict.reason = "no citation"
            return verdict
        unknown = [n for n in claim.markers if n not in by_number]
        if unknown:
            verdict.reason = f"cites passage [{unknown[0]}], which does not exist"
            return verdict
        cited = [by_number[n] for n in dict.fromkeys(claim.markers)]
        verdict.cited = [p.number for p in cited]
        support = [self.passage_facts(p) for p in cited]
        pooled = _Facts(frozenset().union(*(f.numbers for f in support)),
                        frozenset().union(*(f.words for f in support)),
                        frozenset().union(*(f.stems for f in support)))
        missing_numbers = [n for n in stated.numbers if n not in pooled.numbers
                           and not (n[0] == "n" and n in self._title_numbers)]
        if missing_numbers:
            kind, value = missing_numbers[0]
            verdict.reason = f"number {value:g}{'%' if kind == '%' else ''} is not in the cited passages"
            return verdict
        missing_names = [n for n in strict if not pooled.has_word(n, self.generic)]
        if missing_names:
            verdict.reason = f"name {missing_names[0]!r} is not in the cited passages"
            return verdict
        folded = fold(text)
        mentioned = [e for key, e in self._ranked.items()
                     if re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded)]
        rank_sources: list[RankEntry] = []
        for rank in ranks:
            holder = next((p for p in cited if p.entry is not None and p.entry.rank == rank and
                           (not mentioned or p.entry in mentioned)), None)
            if holder is None:
                verdict.reason = f"rank {ordinal(rank)} is not what the cited passages say"
                return verdict
            assert holder.entry is not None
            rank_sources.append(holder.entry)
        covered = [t for t in content if self._covered(t, pooled)]
        absent = [t for t in content if t not in covered]
        # a word of another evidence passage weighs double: that's how facts of different passages get
        # mixed up ("the $138B fund prioritizes 6G over general-purpose AI")
        others = [self.passage_facts(p) for p in passages if p not in cited]
        weight = sum(2 if any(self._covered(t, f) for f in others) else 1 for t in absent)
        if weight > int(len(content) * MAX_UNSUPPORTED_SHARE):
            verdict.reason = f"words not in the cited passages: {', '.join(absent[:4])}"
            return verdict
        if not (stated.numbers or strict or covered or rank_sources):
            verdict.reason = "nothing it states is in the cited passages"
            return verdict
        verdict.kept = True
        verdict.sources = self._sources(stated, strict, covered, cited, rank_sources)
        return verdict

    def _sources(self, stated: _Facts, names: list[str], covered: list[str], cited: list[Passage],
                 ranks: list[RankEntry]) -> list[Sentence | RankEntry | ChunkRecord]:
        """The article sentences (of the cited passages) that carry the sentence's facts, greedily."""
        wanted: set[tuple[str, Any]] = {("n", n) for n in stated.numbers}
        wanted |= {("w", stem(n)) for n in names} | {("w", t) for t in covered}
        for passage in cited:  # words of the headings (the city, the topic) hold for every sentence
            wanted -= {("w", s) for s in self._heading_facts(passage).stems}
        candidates = [(s, self._items(self.sentence_facts(s))) for p in cited for s in p.sentences]
        chosen: list[Sentence | RankEntry | ChunkRecord] = list(dict.fromkeys(ranks))
        left = set(wanted)
        while left and len(chosen) < 4:
            best = max(candidates, key=lambda c: len(c[1] & left), default=None)
            if best is None or not best[1] & left:
                break
            chosen.append(best[0])
            left -= best[1]
        if not any(isinstance(c, Sentence) for c in chosen) and not ranks:
            first = cited[0]
            chosen.append(first.sentences[0] if first.sentences else first.chunk)
        return chosen

    @staticmethod
    def _items(facts: _Facts) -> set[tuple[str, Any]]:
        return {("n", n) for n in facts.numbers} | {("w", s) for s in facts.stems}
