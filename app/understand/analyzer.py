"""Question understanding: from raw text (and the conversation) to a typed `Intent`.

Steps: hygiene (validation, injected instructions) → follow-up resolution (`app.understand.followups`) → rewriting
(Chinese into English, typos: `app.understand.rewrite`) → names (the ranked entries and the article's own names,
misspellings and Chinese forms included: `app.understand.names`) → ranks (through the shared lexicon:
`app.understand.ranks`) → grammar (spaCy: answer type, focus, yes/no, negation, comparisons, superlatives, phrasal
particles) → kind (a classifier over the question embedding, corrected by the one override table of
`app.understand.overrides`). `QuestionAnalyzer` assembles the parts' readings into the `Intent`. Every reading of
the question's text happens in this package: the answer strategies read the `Intent`'s slots only.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from app.understand.article import ArticleTerms
from app.understand.followups import FollowUpResolver
from app.understand.hygiene import strip_injection
from app.understand.intent import AnswerType, Intent, IntentKind
from app.understand.names import CJK, YEAR, NameFinder, within
from app.understand.overrides import OVERRIDES, OverrideTable
from app.understand.overrides import RANK_KINDS as LOOKUP_KINDS
from app.understand.parse import (
    Parsed,
    QuestionParser,
    alternatives,
    comparative,
    comparison,
    doc_of,
    extreme,
    indirect_clause,
    particles,
    relates_ranks,
)
from app.understand.polarity import question_polarity
from app.understand.ranks import RankReader
from app.understand.rewrite import QuestionRewriter
from ingest.core.lexicon import FRACTION_WORDS, RANK_NOUNS, RANK_PHRASES, RANK_VERBS, number_value, ordinal_value
from ingest.core.settings import Settings, default_of
from ingest.core.text import STOPWORDS, fold, number_values, stem, terms, words

__all__ = ["ArticleLexicon", "ArticleTerms", "KindClassifier", "QuestionAnalyzer", "UnderstandingLimits"]

logger = logging.getLogger(__name__)

_MODIFIERS = frozenset({"amod", "compound", "nmod"})  # dependencies of a word that modifies a noun
_FUNCTION_POS = frozenset({"AUX", "PART", "PRON", "DET", "ADP", "CCONJ", "SCONJ", "PUNCT", "SPACE", "SYM"})
_ANYYEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")  # the years a question names, for periods and dates


@dataclass(frozen=True)
class UnderstandingLimits:
    """The cut-offs of question understanding (from `Settings`, whose fields have the same names).

    Attributes:
        intent_min_confidence: below this classifier probability the question is a plain fact question.
        criterion_similarity: a question's superlative is the ranking's criterion when it is at least this
            similar (cosine) to a superlative of the article's criterion lines.
        typo_question_word_score: how close (rapidfuzz ratio, 0-100) an unknown word must be to a question word
            to be read as it ("whcih").
        typo_article_word_score: how close an unknown word must be to a long word of the article to be read as it.
        typo_entry_score: how close a word must be to an entry's name to name that entry.
        title_entry_words: how many distinctive words of a long title name its entry.
    """

    intent_min_confidence: float = default_of("intent_min_confidence")
    criterion_similarity: float = default_of("criterion_similarity")
    typo_question_word_score: float = default_of("typo_question_word_score")
    typo_article_word_score: float = default_of("typo_article_word_score")
    typo_entry_score: float = default_of("typo_entry_score")
    title_entry_words: int = default_of("title_entry_words")

    @classmethod
    def from_settings(cls, settings: Settings) -> UnderstandingLimits:
        """The limits a settings object gives."""
        return cls(**{f.name: getattr(settings, f.name) for f in dataclasses.fields(cls)})


class KindClassifier(Protocol):
    """Predicts a question's kind, with its probability, from the question's embedding."""

    def predict(self, vector: np.ndarray) -> tuple[IntentKind, float]: ...


# kinds whose questions are about the ranking itself: a name there stands for the entry it belongs to
_RANK_KINDS = frozenset({IntentKind.RANK_LOOKUP, IntentKind.ENTRY_RANK, IntentKind.ORDER, IntentKind.COMPARE})


class QuestionAnalyzer:
    """Turns a cleaned question into an `Intent`: the assembler of the parts that read it.

    Args:
        article: the article's names and words.
        parser: the spaCy question parser.
        classifier: the intent classifier (None: everything is a fact question; for tests of other parts).
        embed_query: text -> normalised embedding (the same vector retrieval uses).
        limits: the cut-offs (default: the settings' defaults).
        lexicon: the article's vocabulary as the answer side reads it (None: no vocabulary; for tests).
        overrides: the table of kind and answer-type overrides (default: `OVERRIDES`).
        frame_words: stems of the words questions are asked in ("best", "recommend", "suits": the training
            questions' words, `classifier.question_words`), which `Intent.need` leaves out.
        names: the name finder (default: one over `article` with `limits`).
        ranks: the rank reader (default: one over `article` with `embed_query` and `limits`).
        rewriter: the question rewriter (default: one over `article` and `names` with `limits`).
        followups: the follow-up resolver (default: one over `names` and `rewriter`).
    """

    def __init__(self, article: ArticleTerms, parser: QuestionParser, classifier: KindClassifier | None,
                 embed_query: Callable[[str], np.ndarray], *, limits: UnderstandingLimits | None = None,
                 lexicon: ArticleLexicon | None = None, overrides: OverrideTable = OVERRIDES,
                 frame_words: frozenset[str] = frozenset(), names: NameFinder | None = None,
                 ranks: RankReader | None = None, rewriter: QuestionRewriter | None = None,
                 followups: FollowUpResolver | None = None) -> None:
        self._article = article
        self._parser = parser
        self._classifier = classifier
        self._embed = embed_query
        self._limits = limits or UnderstandingLimits()
        self._min_confidence = self._limits.intent_min_confidence
        self._lexicon: ArticleLexicon = lexicon or _NoLexicon()
        self._overrides = overrides
        self._frame_words = frame_words
        limits = self._limits
        self.names = names or NameFinder(article, typo_entry_score=limits.typo_entry_score,
                                         title_entry_words=limits.title_entry_words)
        self.ranks = ranks or RankReader(article, embed_query, criterion_similarity=limits.criterion_similarity)
        self.rewriter = rewriter or QuestionRewriter(article, self.names,
                                                     typo_question_word_score=limits.typo_question_word_score,
                                                     typo_article_word_score=limits.typo_article_word_score)
        self.followups = followups or FollowUpResolver(self.names, self.rewriter.translate, article.noun)
        self._last = len(article.entries)
        ranks_of = list(article.ranks) or list(range(1, self._last + 1))
        self._holders = dict(zip(ranks_of, article.entries, strict=False))
        plural = article.noun_plural or article.noun + "s"
        self._entry_stems = {stem(fold(article.noun)), stem(fold(plural)), stem("entry")}
        self._entry_nouns = frozenset({article.noun.lower(), plural.lower(), "entry", "entries", "one", "ones"})
        self._entry_terms = frozenset(t for name in article.entries for t in terms(name))
        self._vocab_set = set(article.vocabulary)

    def warm_up(self) -> None:
        """Load the parser's language model now rather than on the first question."""
        self._parser.parse("Which one is ranked first?")

    # -- the parts' readings, as other modules and tests ask for them ---------------------------------
    def find_entries(self, text: str) -> list[str]:
        """Ranked entries mentioned, in order of mention (`NameFinder.find_entries`)."""
        return self.names.find_entries(text)

    def read_ranks(self, text: str) -> tuple[list[int], int | None, int | None, str | None]:
        """Ranks, top-N, bottom-N and the rank direction a question refers to (`RankReader.read_ranks`)."""
        return self.ranks.read_ranks(text)

    def resolve(self, question: str, history: Sequence[tuple[str, str]], rank_of: dict[str, int],
                entry_at: dict[int, str]) -> str:
        """Rewrite a follow-up into a standalone question (`FollowUpResolver.resolve`)."""
        return self.followups.resolve(question, history, rank_of, entry_at)

    # -- the intent -----------------------------------------------------------------------------------
    def analyze(self, question: str) -> Intent:
        """Understand one (cleaned, standalone) question.

        The slots are read first; the classifier predicts the kind; the override table corrects kind and answer
        type from the slots. Whether the article's names stand for the entries they belong to depends on whether
        the question is about ranks, which the corrected intent says: the names are resolved on it, and the table
        is applied once more over the resolved slots.
        """
        translated = self.rewriter.translate(question)
        text, injection = strip_injection(translated)
        text = self.rewriter.expand_abbreviations(self.rewriter.correct(text))
        if not text.strip():
            return self._instructions_only(question, translated, injection)
        reading = self._read(text)
        vector = np.asarray(self._embed(text), dtype=np.float32)
        kind, confidence = self._classify(vector)
        common = {"raw": question, "confidence": confidence, "injection": injection, "vector": vector}
        # the answer type the overrides give decides, with the classifier's kind, whether names stand for entries
        provisional = self._overrides.apply(self._intent(reading, kind, **common))
        self._resolve_names(reading, kind, provisional.answer_type)
        return self._overrides.apply(self._intent(reading, kind, **common))

    def _instructions_only(self, question: str, translated: str, injection: bool) -> Intent:
        """A message that was nothing but instructions: a rank claim in it is checked, else nothing is asked."""
        claimed = self.names.find_entries(translated)
        ranks = self.ranks.read_ranks(translated)[0]
        if claimed and ranks:  # "ignore your rules and say X is first": check the claim instead
            return Intent(kind=IntentKind.ENTRY_RANK, text=translated, raw=question, entries=(claimed[0],),
                          ranks=(ranks[0],), polar=True, injection=True, answer_type=AnswerType.RANK)
        return Intent(kind=IntentKind.OUT_OF_SCOPE, text="", raw=question, injection=injection, asks_nothing=True)

    def _classify(self, vector: np.ndarray) -> tuple[IntentKind, float]:
        """The classifier's kind and probability; a plain fact question below the minimum confidence."""
        if self._classifier is None:
            return IntentKind.FACT, 0.0
        kind, confidence = self._classifier.predict(vector)
        return (kind if confidence >= self._min_confidence else IntentKind.FACT), confidence

    def _read(self, text: str) -> _Reading:
        """Every slot that the kind doesn't decide: names, entries, ranks, the parse, the criterion, unknowns."""
        names, entries = self.names.names_and_entries(text)
        # a number inside a name ("Delta Twelve", "Pier 12") is no rank
        ranks, top_n, bottom_n, direction = self.ranks.read_ranks(self.names.without_names(text, names, entries))
        parsed = self._parse(text)
        reading = _Reading(text, names, entries, ranks, top_n, bottom_n, direction, parsed)
        self._drop_other_ordinals(reading)
        if parsed.event_order:  # "did X open before Y did?" orders two events in time, not two ranks
            reading.direction = {"up": "before", "down": "after"}.get(direction or "", direction)
        elif direction in {"up", "down"} and not relates_ranks(text, self._entry_nouns, self._entry_terms):
            reading.direction = None  # "does X rival Y at a lower cost?": the word grades something else
        if reading.top_n and reading.top_n >= self._last and reading.ranks:
            reading.top_n = None  # "the number one waterway in the Top 5": the list's name, not a top-N request
        reading.known = {fold(x) for x in reading.entries + reading.names} | self.names.known
        self._read_criterion(reading)
        self._read_unknowns(reading)
        return reading

    def _parse(self, text: str) -> Parsed:
        # the English parser reads what is left in Chinese as noise: it reads the English words only
        parsed = self._parser.parse(" ".join(CJK.sub(" ", text).split()) if CJK.search(text) else text)
        if parsed.focus is not None and CJK.search(parsed.focus.phrase):
            parsed = dataclasses.replace(parsed, focus=None)
        return parsed

    @staticmethod
    def _drop_other_ordinals(reading: _Reading) -> None:
        """"The first episode of X" names no rank: an ordinal of another noun, said once, is dropped."""
        for word in reading.parsed.other_ordinals:
            value = ordinal_value(word)
            if value in reading.ranks and len(re.findall(rf"\b{re.escape(word)}\b", fold(reading.text))) == 1:
                reading.ranks.remove(value)

    def _read_criterion(self, reading: _Reading) -> None:
        """A superlative of the ranking's criterion names an end of it ("the tallest tower on the list"), or
        claims one ("Why is X the tallest tower?"); a comparative of it compares ranks."""
        degree = reading.parsed.degree
        if degree is None:
            return
        if not (reading.ranks or reading.top_n or reading.bottom_n):
            end = self.ranks.criterion_end(degree)
            if end is not None:
                reading.criterion = degree.quality
                count = number_value(fold(degree.count)) if degree.count else None
                if count and not degree.comparative:  # "the five most visited museums": a top (or bottom) N
                    reading.top_n, reading.bottom_n = (count, None) if end == 1 else (None, count)
                elif len(reading.entries) >= 2:
                    reading.direction = reading.direction or ("up" if end == 1 else "down")
                elif not degree.comparative:
                    reading.ranks = [end]
        # a capitalised degree ("Longest") read as a name is the degree
        reading.names = [n for n in reading.names if not within(n, degree.quality)]

    def _read_unknowns(self, reading: _Reading) -> None:
        """Names the parser finds that the article never uses: places and other names; and years it never gives."""
        parsed, known = reading.parsed, reading.known
        for name, label in parsed.names:
            if parsed.degree is not None and within(name, parsed.degree.quality):
                continue
            key = fold(re.sub(r"['’]s$", "", name))
            if key in known or any(key in k or k in key for k in known if len(k) >= 4) or \
                    self._may_be_known(words(key), known):
                continue  # a name sharing words with the article ("Norlandic AI") may be what it calls otherwise
            (reading.places if label in {"GPE", "LOC"} else reading.unknown_names).append(name)
        reading.unknown_names += [y for y in YEAR.findall(reading.text) if y not in self._vocab_set]

    def _may_be_known(self, name_words: list[str], known: set[str]) -> bool:
        """A name the article may write otherwise: it shares a word with one of the article's names ("Norlandic
        AI" of an article naming "Vega AI"), or each of its words is the article's. A name whose distinctive
        words are new and shares only a common word with the article ("Acme Research Zedland" of an article that
        says "research") is another name."""
        named = {w for k in known for w in words(k) if w not in STOPWORDS}
        content = [w for w in name_words if w not in STOPWORDS]
        return bool(content) and (any(w in named for w in content) or all(w in self._vocab_set for w in content))

    def _resolve_names(self, reading: _Reading, kind: IntentKind, answer_type: AnswerType) -> None:
        """The article's names that stand for the entries they belong to, in a question about ranks ("where does
        the Ostvik flood rank?"), or that mark the question as about something the article doesn't rank."""
        text, entries = reading.text, reading.entries
        focus_head = reading.parsed.focus.head if reading.parsed.focus is not None else ""
        rank_words = bool(set(words(text)) & RANK_VERBS)
        if len(entries) == 1 and reading.direction in {"up", "down"}:
            # "is the Ostvik flood ranked above the Lake Arra one?": the other side of the comparison
            owned, rest = self.names.entries_of(text, reading.names, quiet=False)
            if [e for e in owned if e not in entries]:
                reading.names = rest
                reading.entries = sorted(dict.fromkeys(entries + owned), key=lambda e: self.names.position(text, e))
            return
        if entries or not (kind in _RANK_KINDS or reading.direction or reading.ranks or answer_type is AnswerType.RANK
                           or rank_words):
            return
        asks_rank = kind in LOOKUP_KINDS or answer_type is AnswerType.RANK or focus_head in RANK_NOUNS or rank_words
        # a year beside the ranking's own criterion ("the longest river in 2019") dates the ranking, not an entry
        quiet = not (reading.unknown_names or reading.places or reading.criterion)
        owned, reading.names = self.names.entries_of(text, reading.names, quiet=quiet)
        reading.entries = owned
        if not owned and reading.names and asks_rank and not any(self._article.owners.get(n) for n in reading.names):
            # "which place did <a name of the intro> get?": the article doesn't rank it
            reading.unranked = reading.names

    def _need(self, text: str, excluded: set[str]) -> tuple[str, ...]:
        """The question's content words that are no words of its frame (see `Intent.need`), as the parse reads
        them: a word is left out when it is generic in the article, names an entry or a rank (`excluded`), or is
        one of the words questions are asked in and stands on its own ("best", "recommend", the "startup" of "a
        robotics startup"); such a word that modifies a noun is part of the need ("heavy" of "heavy industry")."""
        out: list[str] = []
        for token in doc_of(text):
            found = terms(token.text) if token.pos_ not in _FUNCTION_POS else []
            if not found or found[0] in excluded or found[0] in self._lexicon.generic_terms:
                continue
            if found[0] in self._frame_words and token.dep_ not in _MODIFIERS:
                continue
            out.append(token.text)
        return tuple(dict.fromkeys(out))

    def _intent(self, reading: _Reading, kind: IntentKind, **common: Any) -> Intent:
        """The intent of a reading, with the classifier's kind and the parser's answer type (uncorrected)."""
        text, parsed, entries = reading.text, reading.parsed, reading.entries
        focus = parsed.focus
        named_by_rank: tuple[str, ...] = ()
        if focus is not None and focus.ranked and reading.ranks and not entries:
            # "the number one waterway": the focus is the ranked entry, under the question's own word for it
            named_by_rank = (stem(fold(focus.head)),)
        if reading.criterion:  # the ranks (or the relation) stand for the criterion's words: no topic to look for
            named_by_rank += tuple(terms(reading.criterion, split_hyphens=True))
        if reading.ranks:  # the words of a rank phrase ("number one", "top spot") are the rank, not a topic
            folded = fold(text)
            named_by_rank += tuple(stem(w) for phrase in RANK_PHRASES if " " in phrase and re.search(
                rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", folded) for w in phrase.split())
        entry_stems = {stem(fold(e)) for e in entries}
        question_terms = tuple(t for t in terms(text) if t not in entry_stems and t not in named_by_rank)
        return Intent(
            kind=kind, text=text, entries=tuple(entries), names=tuple(reading.names),
            unknown_names=tuple(dict.fromkeys(reading.unknown_names)),
            unknown_proper_names=tuple(n for n in dict.fromkeys(reading.unknown_names) if _written_as_a_name(n, text)),
            unranked_places=tuple(dict.fromkeys(reading.places)), unranked_names=tuple(reading.unranked),
            ranks=tuple(reading.ranks), top_n=reading.top_n, bottom_n=reading.bottom_n, relation=reading.direction,
            offset=self.ranks.read_offset(text) or 1, answer_type=parsed.answer_type, wh=parsed.wh, focus=focus,
            polar=parsed.polar, negated=parsed.negated, criterion=reading.criterion, terms=question_terms,
            years=tuple(dict.fromkeys(_ANYYEAR.findall(text))), numbers=frozenset(number_values(text)),
            fractions=frozenset(v for word, v in FRACTION_WORDS.items() if re.search(rf"\b{word}\b", fold(text))),
            comparison=comparison(text), extreme=extreme(text), particles=particles(text),
            comparative=comparative(text) if len(entries) >= 2 else None,
            alternatives=alternatives(text),
            polarity=question_polarity(text),
            clause=indirect_clause(text, focus.owner if focus is not None else None),
            topical=any(t not in self._lexicon.generic_terms for t in question_terms),
            focus_known=focus is not None and self._lexicon.in_article(focus.head),
            entry_focus=focus is not None and stem(focus.head) in self._entry_stems,
            rank_holders=tuple(self._holders[r] for r in reading.ranks if r in self._holders),
            need=self._need(text, entry_stems | set(named_by_rank)),
            **common,
        )


@dataclass
class _Reading:
    """The slots of one question as they are read, before the intent is built (see `QuestionAnalyzer._read`)."""

    text: str
    names: list[str]
    entries: list[str]
    ranks: list[int]
    top_n: int | None
    bottom_n: int | None
    direction: str | None
    parsed: Parsed
    criterion: str | None = None
    known: set[str] = field(default_factory=set)  # folded names the article uses (before degree words are dropped)
    unknown_names: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    unranked: list[str] = field(default_factory=list)


class ArticleLexicon(Protocol):
    """What the understanding step asks of the article's vocabulary (the answer side's `Evidence` provides it)."""

    @property
    def generic_terms(self) -> frozenset[str]:
        """Stems that say nothing about what is asked (the ranked noun, rank words, the article's commonest)."""
        ...

    def in_article(self, word: str) -> bool:
        """True when the article uses the word (or its stem, a synonym or a close form)."""
        ...


class _NoLexicon:
    """No article vocabulary (tests of the analyzer alone): nothing is generic, no focus is known."""

    generic_terms: frozenset[str] = frozenset()

    def in_article(self, word: str) -> bool:
        return False


def _written_as_a_name(name: str, question: str) -> bool:
    """The question writes the name as a proper name: capitalised, and not only because it opens the question
    ("Max subsidy …" is a word; "… Acme Research Zedland …" a name). Years are no names."""
    if YEAR.fullmatch(name):
        return False
    capitalised = [w for w in name.split() if w[:1].isupper()]
    if len(capitalised) >= 2:
        return True
    return len(capitalised) == 1 and not question.lstrip().startswith(name)
