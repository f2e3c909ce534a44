"""Question understanding: from raw text (and the conversation) to a typed `Intent`.

Steps: hygiene (validation, injected instructions) → follow-up resolution → names (the ranked entries and the
article's own names, misspellings and Chinese forms included) → ranks (through the shared lexicon) → grammar
(spaCy: answer type, focus, yes/no, negation, comparisons, superlatives, phrasal particles) → kind (a classifier
over the question embedding, corrected by the one override table of `app.understand.overrides`). Every reading of
the question's text happens here: the answer strategies read the `Intent`'s slots only.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz, process

from app.understand.hygiene import strip_injection
from app.understand.intent import AnswerType, Intent, IntentKind
from app.understand.overrides import OVERRIDES, OverrideTable
from app.understand.overrides import RANK_KINDS as LOOKUP_KINDS
from app.understand.parse import (
    Degree,
    Parsed,
    QuestionParser,
    comparison,
    degrees,
    doc_of,
    extreme,
    indirect_clause,
    particles,
)
from app.understand.polarity import question_polarity
from ingest.annotate import is_english_word
from ingest.core.lexicon import (
    ANALYTIC_DEGREES,
    BOTTOM_SUPERLATIVES,
    BOTTOM_WORDS,
    CHINESE_QUESTION_WORDS,
    FRACTION_WORDS,
    HIGHER_WORDS,
    LOWER_WORDS,
    MEASURE_AFTER,
    NUMBER_WORDS,
    RANK_NOUNS,
    RANK_PHRASES,
    RANK_VERBS,
    TOP_WORDS,
    chinese_rank_to_english,
    number_value,
    ordinal_value,
    rank_phrase_value,
)
from ingest.core.settings import Settings, default_of
from ingest.core.text import STOPWORDS, fold, number_values, stem, terms, words

logger = logging.getLogger(__name__)

_MODIFIERS = frozenset({"amod", "compound", "nmod"})  # dependencies of a word that modifies a noun
_FUNCTION_POS = frozenset({"AUX", "PART", "PRON", "DET", "ADP", "CCONJ", "SCONJ", "PUNCT", "SPACE", "SYM"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"#\d{1,3}\b|\bno\.\s*\d{1,3}\b|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER_PATTERN = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")(?:st|nd|rd|th)?"
_RANGE = re.compile(rf"\b(?:places?|ranks?|positions?|spots?|numbers?|from)\s+{_NUMBER_PATTERN}\s*(?:through|thru|to|"
                    rf"until|-|–)\s*{_NUMBER_PATTERN}\b")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_ANY_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")  # the years a question names, for periods and dates
_NEXT = re.compile(r"\b(the )?(next|following|subsequent) (one|ranked one|in line|on the list)\b|"
                   r"\bthe one (after|below)( it| that)?\b|\b(right )?(below|after) (it|that one)\b"
                   r"|\bwhat(?:'s| is| comes) next\b|^(and )?next\??$", re.I)
_PREVIOUS = re.compile(r"\b(the )?(previous|preceding) one\b|\bthe one (before|above)( it| that)?\b|"
                       r"\b(right )?(above|before) (it|that one)\b", re.I)
_PLURAL_PRONOUN = re.compile(r"\b(the two|both of them|both|the pair|they|them|their|these|those)\b", re.I)
_ELLIPSIS = re.compile(r"^(?:and|what about|how about|and what about|same for|now|ok|okay|then)\b", re.I)
_CN_PRONOUN = re.compile(r"(它的|它|那里|这里)")  # "this city" and the like are the profile's (`terms`)


@dataclass
class ArticleTerms:
    """The article's names, for recognising them in questions.

    Attributes:
        entries: the ranked entries' names, in rank order.
        noun: what the article ranks ("city"), so "that city" can be resolved.
        noun_plural: its plural ("cities").
        aliases: other forms of a name (any language), from the profile folder: canonical -> forms.
        names: the other names the article mentions (organisations, products, places), as written.
        synonyms: everyday words mapped to the article's words, from the profile folder.
        translations: words of other languages mapped to the article's words, from the profile folder.
        vocabulary: folded words and stems the article uses.
        owners: a name (as in `names`) -> the ranked entries whose sections or table rows mention it.
        dated: a year -> the ranked entries whose sections or table rows mention it.
        cells: another name a ranking table's row gives its entry (an alternative-name cell) -> that entry.
        criterion: the lines that say what the ranking orders by (its title, the lines that open it and lead into
            the list), read for their superlatives ("the 50 longest-serving mayors").
    """

    entries: Sequence[str]
    noun: str = "entry"
    noun_plural: str = ""
    aliases: dict[str, list[str]] = field(default_factory=dict)
    names: Sequence[str] = ()
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    translations: dict[str, str] = field(default_factory=dict)
    vocabulary: Iterable[str] = ()
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    criterion: Sequence[str] = ()
    ranks: Sequence[int] = ()  # the entries' ranks, in the order of `entries` (default: 1, 2, 3 …)


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
    """

    intent_min_confidence: float = default_of("intent_min_confidence")
    criterion_similarity: float = default_of("criterion_similarity")
    typo_question_word_score: float = default_of("typo_question_word_score")
    typo_article_word_score: float = default_of("typo_article_word_score")
    typo_entry_score: float = default_of("typo_entry_score")

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
    """Turns a cleaned question into an `Intent`.

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
    """

    def __init__(self, article: ArticleTerms, parser: QuestionParser, classifier: KindClassifier | None,
                 embed_query: Callable[[str], np.ndarray], *, limits: UnderstandingLimits | None = None,
                 lexicon: ArticleLexicon | None = None, overrides: OverrideTable = OVERRIDES,
                 frame_words: frozenset[str] = frozenset()) -> None:
        self._article = article
        self._parser = parser
        self._classifier = classifier
        self._embed = embed_query
        self._limits = limits or UnderstandingLimits()
        self._min_confidence = self._limits.intent_min_confidence
        self._criterion_similarity = self._limits.criterion_similarity
        self._lexicon: ArticleLexicon = lexicon or _NoLexicon()
        self._overrides = overrides
        self._frame_words = frame_words
        self._criteria: list[tuple[Degree, np.ndarray]] | None = None
        self._last = len(article.entries)
        ranks = list(article.ranks) or list(range(1, self._last + 1))
        self._holders = dict(zip(ranks, article.entries, strict=False))
        plural = article.noun_plural or article.noun + "s"
        self._entry_stems = {stem(fold(article.noun)), stem(fold(plural)), stem("entry")}
        self._entry_forms = _forms({e: article.aliases.get(e, []) + _leading_spans(e, article.entries)
                                    for e in article.entries})
        self._entry_words = [fold(e) for e in article.entries]
        name_table = {n: article.aliases.get(n, []) for n in article.names if n not in article.entries}
        name_table |= {k: v for k, v in article.aliases.items() if k not in article.entries}
        self._name_forms = _forms(name_table)
        self._cell_forms = sorted(((fold(part), entry) for part, entry in article.cells.items()),
                                  key=lambda f: -len(f[0]))
        self._known_folded = {f for f, _ in self._entry_forms + self._name_forms}
        self._vocabulary = sorted({w for w in article.vocabulary if len(w) >= 6 and w.isalpha()})
        self._vocab_set = set(article.vocabulary)
        self._stopwords = sorted(w for w in STOPWORDS if len(w) >= 4 and w.isalpha())
        noun = re.escape(article.noun.lower())
        self._pronoun = re.compile(rf"\b(?:(?:this|that|the same|the) (?:one|entry|{noun})|it|its|it's|itself|there|"
                                   r"this place|that place)\b", re.I)
        self._known_words = set(STOPWORDS) | {fold(k) for k in article.synonyms} | set(RANK_PHRASES) | \
            TOP_WORDS | BOTTOM_WORDS | HIGHER_WORDS | LOWER_WORDS | RANK_NOUNS

    def warm_up(self) -> None:
        """Load the parser's language model now rather than on the first question."""
        self._parser.parse("Which one is ranked first?")

    # -- rewriting ------------------------------------------------------------------------------------
    def translate(self, text: str) -> str:
        """Map Chinese names, ordinals and question words to English so the rest of the pipeline applies."""
        if not _CJK.search(text):
            return text
        out = text
        for form, name in self._entry_forms + self._name_forms:
            if _CJK.search(form) and form in out:
                out = out.replace(form, f" {name} ")
        out = chinese_rank_to_english(out)
        for zh, en in sorted({**CHINESE_QUESTION_WORDS, **self._article.translations}.items(),
                             key=lambda kv: -len(kv[0])):
            out = out.replace(zh, f" {en} ")
        out = _CN_PRONOUN.sub(" it ", out)
        out = re.sub(r"[，、；：？！。]", lambda m: {"？": "?", "！": "!", "。": "."}.get(m.group(), ","), out)
        return " ".join(out.split())

    def correct(self, text: str) -> str:
        """Fix likely typos of question words ("whcih") and of the article's own words ("subsidys")."""
        def fix(match: re.Match[str]) -> str:
            word = match.group()
            low = word.lower()
            if len(low) < 5 or low in self._known_words or low in self._vocab_set or word[:1].isupper() or \
                    is_english_word(low):
                return word
            hit = process.extractOne(low, self._stopwords, scorer=fuzz.ratio,
                                     score_cutoff=self._limits.typo_question_word_score)
            if hit is None and len(low) >= 6:
                hit = process.extractOne(low, self._vocabulary, scorer=fuzz.ratio,
                                         score_cutoff=self._limits.typo_article_word_score)
            return hit[0] if hit else word

        return re.sub(r"[A-Za-z]+", fix, text)

    # -- names ----------------------------------------------------------------------------------------
    def find_entries(self, text: str) -> list[str]:
        """Ranked entries mentioned, in order of mention; misspellings of long names allowed."""
        folded = fold(text)
        found = _find(folded, self._entry_forms)
        named = {n for _, n in found}
        for match in re.finditer(r"[a-z]{5,}", folded):
            word = match.group()
            if word in self._vocab_set or word in STOPWORDS:
                continue
            best = process.extractOne(word, self._entry_words, scorer=fuzz.ratio,
                                     score_cutoff=self._limits.typo_entry_score)
            if best is not None:
                name = self._article.entries[best[2]]
                if name not in named:
                    found.append((match.start(), name))
                    named.add(name)
        return [n for _, n in sorted(found)]

    def find_names(self, text: str) -> list[str]:
        """The article's other names (organisations, products, places) mentioned in the text."""
        return [n for _, n in sorted(_find(fold(text), self._name_forms))]

    def entries_of(self, text: str, names: Sequence[str], *, quiet: bool = True) -> tuple[list[str], list[str]]:
        """The ranked entries a question's names stand for, and the names left over.

        A name belongs to an entry when only that entry's section (or table row) mentions it ("the Veldmark
        flood" -> the row whose alternative-name cell says "Veldmark Flood"). A name several entries
        mention is narrowed by the years the question gives, when they date exactly one of them ("the 2011
        Norland one"); a name that shares an entry already found is taken as naming it too ("Ostvik ... in
        Norland"). With no names, a year that only one entry mentions names that entry (`quiet`: nothing else
        in the question is unknown to the article).
        """
        years = _YEAR.findall(text)
        dated = {e for y in years for e in self._article.dated.get(y, ())}
        found: list[tuple[int, str]] = []
        left: list[str] = []
        folded = fold(text)
        for name in names:
            owners = self._article.owners.get(name, ())
            if len(owners) > 1:
                owners = tuple(e for e in owners if e in dated) or owners
            if len(owners) == 1:
                found.append((folded.find(fold(name)), owners[0]))
            else:
                left.append(name)
        found += _find(folded, self._cell_forms)
        entries = [e for _, e in sorted(found)]
        held = [form for form, entry in self._cell_forms if entry in entries and form in folded]
        leftover = [n for n in left if not set(self._article.owners.get(n, ())) & set(entries) and
                    not any(fold(n) in form for form in held)]
        if not names and quiet:
            for year in years:
                owners = self._article.dated.get(year, ())
                if len(owners) == 1:
                    entries.append(owners[0])
        return list(dict.fromkeys(entries)), leftover if entries else list(names)

    def _position(self, text: str, entry: str) -> int:
        """Where the text first names an entry, by its name, another form of it or a name its row gives it."""
        folded = fold(text)
        forms = [f for f, n in self._entry_forms + self._cell_forms if n == entry]
        forms += [fold(n) for n, owners in self._article.owners.items() if owners == (entry,)]
        hits = [i for i in (folded.find(f) for f in forms) if i >= 0]
        return min(hits, default=len(folded))

    # -- ranks ----------------------------------------------------------------------------------------
    def read_ranks(self, text: str) -> tuple[list[int], int | None, int | None, str | None]:
        """Ranks, top-N, bottom-N and the rank direction ("up"/"down"/"between") a question refers to."""
        folded = fold(text)
        ranks, top_n, bottom_n, direction = _read_tokens(_TOKEN.findall(folded))
        for match in _RANGE.finditer(folded):
            low, high = number_value(match.group(1)), number_value(match.group(2))
            if low and high and low < high <= max(self._last, high) and high - low < 50:
                ranks.extend(r for r in range(low, high + 1) if r not in ranks)
        ranks += [r for r in self._phrase_ranks(folded, top_n, bottom_n) if r not in ranks]
        return list(dict.fromkeys(ranks)), top_n, bottom_n, direction

    def _phrase_ranks(self, folded: str, top_n: int | None, bottom_n: int | None) -> list[int]:
        """The ranks the lexicon's rank phrases name ("runner-up", "last", "number one")."""
        out: list[int] = []
        for phrase in RANK_PHRASES:
            match = re.search(rf"(?<![a-z0-9-]){re.escape(phrase)}(?![a-z0-9-])", folded)
            if match is None:
                continue
            tail = folded[match.end():match.end() + 12]
            if phrase == "last" and re.match(r"\s+(year|month|week|decade|time|one|\d)", tail):
                continue
            value = rank_phrase_value(phrase, self._last)
            if (bottom_n and value == self._last) or (top_n and value == 1):
                continue  # "the three lowest ranked" is a bottom-3, not the last rank
            if value is not None and value not in out:
                out.append(value)
        return out

    def read_offset(self, text: str) -> int | None:
        """How many places a relation spans: "two spots below X" -> 2, "one place higher than X" -> 1."""
        tokens = _TOKEN.findall(fold(text))
        for i, token in enumerate(tokens[:-2]):
            value = number_value(token)
            if value and tokens[i + 1].rstrip("s") in RANK_NOUNS and \
                    tokens[i + 2] in HIGHER_WORDS | LOWER_WORDS | {"up", "down", "before"}:
                return value
        return None

    # -- follow-ups -----------------------------------------------------------------------------------
    def resolve(self, question: str, history: Sequence[tuple[str, str]], rank_of: dict[str, int],
                entry_at: dict[int, str]) -> str:
        """Rewrite a follow-up into a standalone question using the conversation so far.

        Pronouns ("it", "there") become the entry under discussion, "the two" / "they" the entries of the last
        turn, "the next one" / "the previous one" move along the ranking, and "What about X?" repeats the last
        question with X. The history is replayed turn by turn, so "it" in the third turn still means the entry
        of the first.
        """
        focus: list[str] = []
        previous: str | None = None
        for asked, answered in history:
            standalone = self._resolve_turn(asked, focus, previous, rank_of, entry_at)
            entries = self.find_entries(self.translate(standalone))
            # what the turn was about: its entries, the entry its answer leads with, else a name it asked about
            focus = entries or self._leading_entries(answered) or self.find_names(standalone)[:1] or focus
            previous = standalone
        return self._resolve_turn(question, focus, previous, rank_of, entry_at)

    def _leading_entries(self, answer: str) -> list[str]:
        """The entry an answer is about, when it names one up front ("Fedora is ranked 5th …")."""
        return self.find_entries(answer[:60])[:1]

    def _resolve_turn(self, question: str, focus: list[str], last_question: str | None,
                      rank_of: dict[str, int], entry_at: dict[int, str]) -> str:
        translated = self.translate(question)
        entries = self.find_entries(translated)
        if entries:
            if _ELLIPSIS.search(translated) and len(words(translated)) <= 6 and last_question:
                before = self.find_entries(self.translate(last_question))
                if before:
                    return _substitute(self.translate(last_question), before, entries)
            return question
        if not focus:
            return question
        if len(focus) >= 2 and _PLURAL_PRONOUN.search(translated):
            joined = " and ".join(focus[:3])
            return _PLURAL_PRONOUN.sub(joined, translated, count=1)
        step = 1 if _NEXT.search(translated) else -1 if _PREVIOUS.search(translated) else 0
        if step:
            if focus[0] not in rank_of:
                return translated  # "the next one" after a name the article doesn't rank: nothing to move along
            target = entry_at.get(rank_of.get(focus[0], 0) + step)
            if target is None:
                return translated
            rest = (_NEXT if step > 0 else _PREVIOUS).sub(target, translated)
            remaining = [t for t in terms(rest) if stem(fold(target)) != t and t not in {"and", "what", "about"}]
            return rest if remaining else f"Tell me about {target}"
        if self._pronoun.search(translated) or _PLURAL_PRONOUN.search(translated):
            pattern = self._pronoun if self._pronoun.search(translated) else _PLURAL_PRONOUN
            return pattern.sub(lambda m: f"{focus[0]}'s" if m.group().lower() in {"its", "their", "it's"}
                               else focus[0], translated, count=2)
        if _ELLIPSIS.search(translated) and len(words(translated)) <= 4:
            return f"Tell me about {focus[0]}"
        return question

    # -- the ranking's criterion ----------------------------------------------------------------------
    def criterion_end(self, degree: Degree) -> int | None:
        """The end of the ranking a superlative or comparative points to when it grades by the ranking's own
        criterion (1, or the last rank for the opposite degree: "least visited" of a "most visited" list); None
        when it grades something else ("the most AI startups" of a ranking of the top AI cities).

        Words that grade the ranking itself ("best", "worst", "highest") said of the ranked things need no
        criterion; any other degree must be close in meaning to a superlative of the article's criterion lines.
        """
        if not self._last:
            return None
        if degree.of_entry and degree.word in TOP_WORDS | BOTTOM_WORDS:
            return self._last if degree.word in BOTTOM_WORDS else 1
        criteria = self._criterion_degrees()
        if not criteria:
            return None
        vectors = [_unit(self._embed(form)) for form in _graded_forms(degree.quality, degree.word)]
        score, best = max(((float(u @ v), d) for d, v in criteria for u in vectors), key=lambda x: x[0])
        logger.debug("degree %r vs criterion %r: %.2f", degree.quality, best.graded, score)
        if score < self._criterion_similarity:
            return None
        opposite = (degree.word in BOTTOM_SUPERLATIVES) != (best.word in BOTTOM_SUPERLATIVES)
        return self._last if opposite else 1

    def _criterion_degrees(self) -> list[tuple[Degree, np.ndarray]]:
        if self._criteria is None:
            nouns = frozenset({self._article.noun.lower(), self._noun_plural()})
            found = [d for line in self._article.criterion for d in degrees(line, nouns)]
            unique = list({d.graded.lower(): d for d in found}.values())
            self._criteria = [(d, _unit(self._embed(form))) for d in unique for form in _graded_forms(d.graded, d.word)]
        return self._criteria

    def _noun_plural(self) -> str:
        noun = self._article.noun.lower()
        return self._article.noun_plural.lower() if self._article.noun_plural else noun + "s"

    # -- the intent -----------------------------------------------------------------------------------
    def analyze(self, question: str) -> Intent:
        """Understand one (cleaned, standalone) question.

        The slots are read first; the classifier predicts the kind; the override table corrects kind and answer
        type from the slots. Whether the article's names stand for the entries they belong to depends on whether
        the question is about ranks, which the corrected intent says: the names are resolved on it, and the table
        is applied once more over the resolved slots.
        """
        translated = self.translate(question)
        text, injection = strip_injection(translated)
        text = self.correct(text)
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
        claimed = self.find_entries(translated)
        ranks = self.read_ranks(translated)[0]
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
        folded = fold(text)
        names = self.find_names(text)
        # a name inside an entry's own name ("Upper Veldmark" of "Off the North Shore of Upper Veldmark") is
        # that entry, not a name to blank out of it
        names = [n for n in names if not any(fold(n) in form and form != fold(n) and form in folded
                                             for form, _ in self._entry_forms)]
        entries = self.find_entries(_blank_names(text, names, self._name_forms))
        names = [n for n in names if not any(fold(n) in fold(e) for e in entries)]  # "Phantom" of "The Phantom …"
        ranks, top_n, bottom_n, direction = self.read_ranks(text)
        parsed = self._parse(text)
        reading = _Reading(text, names, entries, ranks, top_n, bottom_n, direction, parsed)
        self._drop_other_ordinals(reading)
        if parsed.event_order:  # "did X open before Y did?" orders two events in time, not two ranks
            reading.direction = {"up": "before", "down": "after"}.get(direction or "", direction)
        if reading.top_n and reading.top_n >= self._last and reading.ranks:
            reading.top_n = None  # "the number one waterway in the Top 5": the list's name, not a top-N request
        reading.known = {fold(x) for x in reading.entries + reading.names} | self._known_folded
        self._read_criterion(reading)
        self._read_unknowns(reading)
        return reading

    def _parse(self, text: str) -> Parsed:
        # the English parser reads what is left in Chinese as noise: it reads the English words only
        parsed = self._parser.parse(" ".join(_CJK.sub(" ", text).split()) if _CJK.search(text) else text)
        if parsed.focus is not None and _CJK.search(parsed.focus.phrase):
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
            end = self.criterion_end(degree)
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
        reading.names = [n for n in reading.names if not _within(n, degree.quality)]

    def _read_unknowns(self, reading: _Reading) -> None:
        """Names the parser finds that the article never uses: places and other names; and years it never gives."""
        parsed, known = reading.parsed, reading.known
        for name, label in parsed.names:
            if parsed.degree is not None and _within(name, parsed.degree.quality):
                continue
            key = fold(re.sub(r"['’]s$", "", name))
            if key in known or any(key in k or k in key for k in known if len(k) >= 4) or \
                    any(w in self._vocab_set for w in words(key)):
                continue  # a name sharing words with the article ("Norlandic AI") may be what it calls otherwise
            (reading.places if label in {"GPE", "LOC"} else reading.unknown_names).append(name)
        reading.unknown_names += [y for y in _YEAR.findall(reading.text) if y not in self._vocab_set]

    def _resolve_names(self, reading: _Reading, kind: IntentKind, answer_type: AnswerType) -> None:
        """The article's names that stand for the entries they belong to, in a question about ranks ("where does
        the Ostvik flood rank?"), or that mark the question as about something the article doesn't rank."""
        text, entries = reading.text, reading.entries
        focus_head = reading.parsed.focus.head if reading.parsed.focus is not None else ""
        rank_words = bool(set(words(text)) & RANK_VERBS)
        if len(entries) == 1 and reading.direction in {"up", "down"}:
            # "is the Ostvik flood ranked above the Lake Arra one?": the other side of the comparison
            owned, rest = self.entries_of(text, reading.names, quiet=False)
            if [e for e in owned if e not in entries]:
                reading.names = rest
                reading.entries = sorted(dict.fromkeys(entries + owned), key=lambda e: self._position(text, e))
            return
        if entries or not (kind in _RANK_KINDS or reading.direction or reading.ranks or answer_type is AnswerType.RANK
                           or rank_words):
            return
        asks_rank = kind in LOOKUP_KINDS or answer_type is AnswerType.RANK or focus_head in RANK_NOUNS or rank_words
        # a year beside the ranking's own criterion ("the longest river in 2019") dates the ranking, not an entry
        quiet = not (reading.unknown_names or reading.places or reading.criterion)
        owned, reading.names = self.entries_of(text, reading.names, quiet=quiet)
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
            unranked_places=tuple(dict.fromkeys(reading.places)), unranked_names=tuple(reading.unranked),
            ranks=tuple(reading.ranks), top_n=reading.top_n, bottom_n=reading.bottom_n, relation=reading.direction,
            offset=self.read_offset(text) or 1, answer_type=parsed.answer_type, wh=parsed.wh, focus=focus,
            polar=parsed.polar, negated=parsed.negated, criterion=reading.criterion, terms=question_terms,
            years=tuple(dict.fromkeys(_ANY_YEAR.findall(text))), numbers=frozenset(number_values(text)),
            fractions=frozenset(v for word, v in FRACTION_WORDS.items() if re.search(rf"\b{word}\b", fold(text))),
            comparison=comparison(text), extreme=extreme(text), particles=particles(text),
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


def _within(name: str, phrase: str) -> bool:
    """Every word of `name` is a word of `phrase` ("Longest" of "longest river")."""
    return set(re.findall(r"[a-z0-9]+", fold(name))) <= set(re.findall(r"[a-z0-9]+", fold(phrase)))


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


def _read_tokens(tokens: list[str]) -> tuple[list[int], int | None, int | None, str | None]:
    """Ranks, top-N, bottom-N and direction read token by token ("top 5", "5 best", "3rd", "rank 4", "above")."""
    ranks: list[int] = []
    counts: dict[str, int] = {}
    direction = None
    for i, token in enumerate(tokens):
        counted = _count_at(tokens, i)
        if counted is not None:
            counts[counted[0]] = counted[1]
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        after_value = number_value(after) if after else None
        following = tokens[i + 2] if i + 2 < len(tokens) else ""
        rank = ordinal_value(token)
        if rank is not None and not (after_value and token in TOP_WORDS | BOTTOM_WORDS):
            if not (after_value and after not in MEASURE_AFTER and rank and token.isalpha() and after.isalpha()):
                ranks.append(rank)
            continue
        if token in RANK_NOUNS and after_value and following not in MEASURE_AFTER and \
                following.rstrip("s") not in RANK_NOUNS:  # "ranked one place higher" is an offset, no rank
            ranks.append(after_value)
        direction = _direction(token, direction)
    return ranks, counts.get("top"), counts.get("bottom"), direction


def _count_at(tokens: list[str], i: int) -> tuple[str, int] | None:
    """("top", N) or ("bottom", N) when the token at `i` opens a top-N or bottom-N ("top 5", "5 best")."""
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    after_value = number_value(after) if after else None
    measured = (tokens[i + 2] if i + 2 < len(tokens) else "") in MEASURE_AFTER
    if after_value and not measured and token in TOP_WORDS | BOTTOM_WORDS:
        return ("top" if token in TOP_WORDS else "bottom"), after_value
    value = number_value(token)
    rank_noun_before = i > 0 and tokens[i - 1] in RANK_NOUNS
    if value and after in TOP_WORDS and not measured and not rank_noun_before:
        return "top", value
    if value and after in BOTTOM_WORDS and not rank_noun_before:
        return "bottom", value
    return None


def _direction(token: str, direction: str | None) -> str | None:
    """The direction a token gives a relation: "up" (higher), "down" (lower) or "between"; the first one stays."""
    if token in HIGHER_WORDS:
        return direction or "up"
    if token in LOWER_WORDS:
        return direction or "down"
    return "between" if token == "between" else direction


def _graded_forms(quality: str, word: str) -> list[str]:
    """A graded phrase, and without its degree adverb when the degree is analytic ("least visited" ->
    "visited"): the adjective alone carries the quality, whichever end of it is asked for."""
    rest = quality.split(" ", 1)[1] if word in ANALYTIC_DEGREES and " " in quality else ""
    return [quality, rest] if rest else [quality]


def _unit(vector: Iterable[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


def _forms(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    forms = [(fold(name), name) for name in table]
    forms += [(fold(alias), name) for name, aliases in table.items() for alias in aliases]
    return sorted({f for f in forms if f[0]}, key=lambda f: (-len(f[0]), f))


def _leading_spans(name: str, entries: Sequence[str]) -> list[str]:
    """The leading word spans of a multi-word entry name that identify it: two words or more, ending on a
    content word, a prefix of no other entry, and holding a word no other entry's name has ("Green
    Futures" of "Green Futures and the Procurement Network")."""
    tokens = name.split()
    others = [fold(e) for e in entries if e != name]
    other_words = {w for e in others for w in words(e)}
    spans = []
    for size in range(2, len(tokens)):
        span = " ".join(tokens[:size]).rstrip(",:;.")
        span_words = words(span)
        if not span_words or span_words[-1] in STOPWORDS or any(o.startswith(fold(span)) for o in others):
            continue
        if any(w not in STOPWORDS and w not in other_words for w in span_words):
            spans.append(span)
    return spans


def _find(folded: str, forms: list[tuple[str, str]]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for form, name in forms:
        pattern = re.escape(form) if _CJK.search(form) else rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])"
        match = re.search(pattern, folded)
        if match is None or any(name == n for _, n in found):
            continue
        if any(a <= match.start() < b for a, b in taken):
            continue  # a shorter form inside a longer name already found ("Springfield" in "Springfield University")
        found.append((match.start(), name))
        taken.append((match.start(), match.end()))
    return found


def _blank_names(text: str, names: list[str], forms: list[tuple[str, str]]) -> str:
    """The text with the article's multi-word names blanked ("Springfield University" is not Springfield)."""
    folded = fold(text)
    for form, name in forms:
        if name in names and " " in form:
            folded = folded.replace(form, " " * len(form))
    return folded


def _substitute(question: str, old: list[str], new: list[str]) -> str:
    out = question
    for i, name in enumerate(old):
        out = re.sub(re.escape(name), new[min(i, len(new) - 1)], out, flags=re.I)
    return out
