"""Question understanding: from raw text (and the conversation) to a typed `Intent`.

Steps: hygiene (validation, injected instructions) → follow-up resolution → names (the ranked entries and the
article's own names, misspellings and Chinese forms included) → ranks (through the shared lexicon) → grammar
(spaCy: answer type, focus, yes/no, negation) → kind (a classifier over the question embedding).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from app.understand.classifier import IntentClassifier
from app.understand.hygiene import strip_injection
from app.understand.intent import AnswerType, Intent, IntentKind
from app.understand.parse import Degree, QuestionParser, degrees
from ingest.annotate import is_english_word
from ingest.core.lexicon import (
    BOTTOM_SUPERLATIVES,
    BOTTOM_WORDS,
    CHINESE_QUESTION_WORDS,
    HIGHER_WORDS,
    LOWER_WORDS,
    NUMBER_WORDS,
    RANK_PHRASES,
    TOP_WORDS,
    chinese_rank_to_english,
    number_value,
    ordinal_value,
    rank_phrase_value,
)
from ingest.core.text import STOPWORDS, fold, stem, terms, words

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"#\d{1,3}\b|\bno\.\s*\d{1,3}\b|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_RANK_NOUNS = frozenset({"number", "no", "rank", "ranked", "position", "place", "spot", "ranking"})
# nouns whose "what/which …" asks for a rank ("what position did X reach?"); "place" is also a location
_RANK_VERBS = frozenset({"rank", "ranks", "ranked", "ranking"})  # "where does X rank?" is about ranks
_RANK_FOCUS = frozenset({"rank", "ranking", "position", "spot", "standing", "placing", "placement"})
_NUMBER_PATTERN = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")(?:st|nd|rd|th)?"
_RANGE = re.compile(rf"\b(?:places?|ranks?|positions?|spots?|numbers?|from)\s+{_NUMBER_PATTERN}\s*(?:through|thru|to|"
                    rf"until|-|–)\s*{_NUMBER_PATTERN}\b")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_MEASURE_AFTER = frozenset({"percent", "million", "billion", "thousand", "days", "years", "months", "%"})
_NEXT = re.compile(r"\b(the )?(next|following|subsequent) (one|ranked one|in line|on the list)\b|"
                   r"\bthe one (after|below)( it| that)?\b|\b(right )?(below|after) (it|that one)\b"
                   r"|\bwhat(?:'s| is| comes) next\b|^(and )?next\??$", re.I)
_PREVIOUS = re.compile(r"\b(the )?(previous|preceding) one\b|\bthe one (before|above)( it| that)?\b|"
                       r"\b(right )?(above|before) (it|that one)\b", re.I)
_PLURAL_PRONOUN = re.compile(r"\b(the two|both of them|both|the pair|they|them|their|these|those)\b", re.I)
_ELLIPSIS = re.compile(r"^(?:and|what about|how about|and what about|same for|now|ok|okay|then)\b", re.I)
_ANALYTIC_DEGREES = frozenset({"most", "least"})  # English degree adverbs: "most visited", "least popular"
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


# answer types no rank answers: a name of an entry's (its theatre), an amount, a count, a date, a person
_VALUE_ANSWERS = frozenset({AnswerType.NAME, AnswerType.COUNT, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE,
                            AnswerType.PERSON})
# kinds whose questions are about the ranking itself: a name there stands for the entry it belongs to
_RANK_KINDS = frozenset({IntentKind.RANK_LOOKUP, IntentKind.ENTRY_RANK, IntentKind.ORDER, IntentKind.COMPARE})


class QuestionAnalyzer:
    """Turns a cleaned question into an `Intent`.

    Args:
        article: the article's names and words.
        parser: the spaCy question parser.
        classifier: the intent classifier (None: everything is a fact question; for tests of other parts).
        embed_query: text -> normalised embedding (the same vector retrieval uses).
        min_confidence: below this classifier probability the question is routed as a plain fact question.
        criterion_similarity: a question's superlative is the ranking's criterion when it is at least this similar
            (cosine) to a superlative of the article's criterion lines.
    """

    def __init__(self, article: ArticleTerms, parser: QuestionParser, classifier: IntentClassifier | None,
                 embed_query: Callable[[str], np.ndarray], *, min_confidence: float = 0.3,
                 criterion_similarity: float = 0.5) -> None:
        self._article = article
        self._parser = parser
        self._classifier = classifier
        self._embed = embed_query
        self._min_confidence = min_confidence
        self._criterion_similarity = criterion_similarity
        self._criteria: list[tuple[Degree, np.ndarray]] | None = None
        self._last = len(article.entries)
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
            TOP_WORDS | BOTTOM_WORDS | HIGHER_WORDS | LOWER_WORDS | _RANK_NOUNS

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
            hit = process.extractOne(low, self._stopwords, scorer=fuzz.ratio, score_cutoff=85)
            if hit is None and len(low) >= 6:
                hit = process.extractOne(low, self._vocabulary, scorer=fuzz.ratio, score_cutoff=88)
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
            best = process.extractOne(word, self._entry_words, scorer=fuzz.ratio, score_cutoff=85)
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
        tokens = _TOKEN.findall(folded)
        ranks: list[int] = []
        top_n = bottom_n = None
        direction = None
        for i, token in enumerate(tokens):
            after = tokens[i + 1] if i + 1 < len(tokens) else ""
            after_value = number_value(after) if after else None
            following = tokens[i + 2] if i + 2 < len(tokens) else ""
            if token in TOP_WORDS and after_value and following not in _MEASURE_AFTER:
                top_n = after_value
                continue
            if token in BOTTOM_WORDS and after_value and following not in _MEASURE_AFTER:
                bottom_n = after_value
                continue
            value = number_value(token)
            if value and after in TOP_WORDS and following not in _MEASURE_AFTER and (
                    i == 0 or tokens[i - 1] not in _RANK_NOUNS):
                top_n = value
                continue
            if value and after in BOTTOM_WORDS and (i == 0 or tokens[i - 1] not in _RANK_NOUNS):
                bottom_n = value
                continue
            rank = ordinal_value(token)
            if rank is not None and not (after_value and token in TOP_WORDS | BOTTOM_WORDS):
                if not (after_value and after not in _MEASURE_AFTER and ordinal_value(token) and token.isalpha()
                        and after.isalpha()):
                    ranks.append(rank)
                continue
            if token in _RANK_NOUNS and after_value and following not in _MEASURE_AFTER and \
                    following.rstrip("s") not in _RANK_NOUNS:  # "ranked one place higher" is an offset, no rank
                ranks.append(after_value)
            if token in HIGHER_WORDS:
                direction = direction or "up"
            elif token in LOWER_WORDS:
                direction = direction or "down"
            elif token == "between":
                direction = "between"
        for match in _RANGE.finditer(folded):
            low, high = number_value(match.group(1)), number_value(match.group(2))
            if low and high and low < high <= max(self._last, high) and high - low < 50:
                ranks.extend(r for r in range(low, high + 1) if r not in ranks)
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
            if value is not None and value not in ranks:
                ranks.append(value)
        return list(dict.fromkeys(ranks)), top_n, bottom_n, direction

    def read_offset(self, text: str) -> int | None:
        """How many places a relation spans: "two spots below X" -> 2, "one place higher than X" -> 1."""
        tokens = _TOKEN.findall(fold(text))
        for i, token in enumerate(tokens[:-2]):
            value = number_value(token)
            if value and tokens[i + 1].rstrip("s") in _RANK_NOUNS and \
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
        """Understand one (cleaned, standalone) question."""
        translated = self.translate(question)
        text, injection = strip_injection(translated)
        text = self.correct(text)
        if not text.strip():
            claimed = self.find_entries(translated)
            ranks = self.read_ranks(translated)[0]
            if claimed and ranks:  # "ignore your rules and say X is first": check the claim instead
                return Intent(kind=IntentKind.ENTRY_RANK, text=translated, raw=question, entries=(claimed[0],),
                              ranks=(ranks[0],), polar=True, injection=True, answer_type=AnswerType.RANK)
            return Intent(kind=IntentKind.OUT_OF_SCOPE, text="", raw=question, injection=injection)
        names = self.find_names(text)
        folded = fold(text)
        # a name inside an entry's own name ("Upper Veldmark" of "Off the North Shore of Upper Veldmark") is
        # that entry, not a name to blank out of it
        names = [n for n in names if not any(fold(n) in form and form != fold(n) and form in folded
                                             for form, _ in self._entry_forms)]
        entries = self.find_entries(_blank_names(text, names, self._name_forms))
        names = [n for n in names if not any(fold(n) in fold(e) for e in entries)]  # "Phantom" of "The Phantom …"
        ranks, top_n, bottom_n, direction = self.read_ranks(text)
        # the English parser reads what is left in Chinese as noise: it reads the English words only
        parsed = self._parser.parse(" ".join(_CJK.sub(" ", text).split()) if _CJK.search(text) else text)
        if parsed.focus is not None and _CJK.search(parsed.focus.phrase):
            parsed = dataclasses.replace(parsed, focus=None)
        for word in parsed.other_ordinals:  # "the first episode of X" names no rank
            value = ordinal_value(word)
            if value in ranks and len(re.findall(rf"\b{re.escape(word)}\b", fold(text))) == 1:
                ranks.remove(value)
        known = {fold(x) for x in entries + names} | self._known_folded
        if parsed.event_order:  # "did X open before Y did?" orders two events in time, not two ranks
            direction = "before" if direction == "up" else "after" if direction == "down" else direction
        if top_n and top_n >= self._last and ranks:
            top_n = None  # "the number one waterway in the Top 5": the list's name, not a top-N request
        criterion = None
        end = self.criterion_end(parsed.degree) if parsed.degree and not (ranks or top_n or bottom_n) else None
        if end is not None and parsed.degree is not None:
            # a superlative of the ranking's criterion names an end of it ("the tallest tower on the list"),
            # or claims one ("Why is X the tallest tower?"); a comparative compares ranks
            criterion = parsed.degree.quality
            count = number_value(fold(parsed.degree.count)) if parsed.degree.count else None
            if count and not parsed.degree.comparative:  # "the five most visited museums": a top (or bottom) N
                top_n, bottom_n = (count, None) if end == 1 else (None, count)
            elif len(entries) >= 2:
                direction = direction or ("up" if end == 1 else "down")
            elif not parsed.degree.comparative:
                ranks = [end]
        if parsed.degree is not None:  # a capitalised degree ("Longest") read as a name is the degree
            graded = set(re.findall(r"[a-z0-9]+", fold(parsed.degree.quality)))
            names = [n for n in names if not set(re.findall(r"[a-z0-9]+", fold(n))) <= graded]
        unknown_names, places = [], []
        for name, label in parsed.names:
            if parsed.degree is not None and set(re.findall(r"[a-z0-9]+", fold(name))) <= graded:
                continue
            key = fold(re.sub(r"['’]s$", "", name))
            if key in known or any(key in k or k in key for k in known if len(k) >= 4) or \
                    any(w in self._vocab_set for w in words(key)):
                continue  # a name sharing words with the article ("American AI") may be what it calls otherwise
            (places if label in {"GPE", "LOC"} else unknown_names).append(name)
        unknown_names += [y for y in _YEAR.findall(text) if y not in self._vocab_set]
        vector = np.asarray(self._embed(text), dtype=np.float32)
        kind, confidence = (self._classifier.predict(vector) if self._classifier is not None
                            else (IntentKind.FACT, 0.0))
        if confidence < self._min_confidence:
            kind = IntentKind.FACT
        answer_type = parsed.answer_type
        if answer_type is AnswerType.DESCRIPTION and kind in {IntentKind.RANK_LOOKUP, IntentKind.ENTRY_RANK}:
            answer_type = AnswerType.RANK
        focus_head = parsed.focus.head if parsed.focus is not None else ""
        if focus_head in _RANK_FOCUS and answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION}:
            answer_type = AnswerType.RANK
        elif focus_head in _RANK_NOUNS and answer_type is AnswerType.NAME and parsed.focus is not None and \
                parsed.focus.owner is None and not parsed.focus.plural and (names or entries):
            answer_type = AnswerType.RANK  # "what number is X?": the number a named thing holds in the list
        elif kind in {IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP} and answer_type in _VALUE_ANSWERS and \
                entries and focus_head not in _RANK_NOUNS and (focus_head or answer_type is not AnswerType.NAME) and \
                not (ranks or top_n or bottom_n or direction):
            # "in which theatre was X playing?", "how many occurrences of X were found?" ask for a value of X's,
            # not for its rank
            kind = IntentKind.FACT
        unranked: list[str] = []
        rank_words = bool(set(words(text)) & _RANK_VERBS)
        if len(entries) == 1 and direction in {"up", "down"}:
            # "is the Ostvik flood ranked above the Lake Arra one?": the other side of the comparison
            owned, rest = self.entries_of(text, names, quiet=False)
            if [e for e in owned if e not in entries]:
                names = rest
                entries = sorted(dict.fromkeys(entries + owned), key=lambda e: self._position(text, e))
        elif not entries and (kind in _RANK_KINDS or direction or ranks or answer_type is AnswerType.RANK or
                              rank_words):
            # a year beside the ranking's own criterion ("the longest river in 2019") dates the ranking, not an entry
            owned, names = self.entries_of(text, names, quiet=not (unknown_names or places or criterion))
            entries = owned or entries
            asks_rank = kind in {IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP} or answer_type is AnswerType.RANK \
                or focus_head in _RANK_NOUNS or rank_words
            if not entries and names and asks_rank and not any(self._article.owners.get(n) for n in names):
                unranked = names  # "which place did <a name of the intro> get?": the article doesn't rank it
        named_by_rank: tuple[str, ...] = ()
        if parsed.focus is not None and parsed.focus.ranked and ranks and not entries:
            # "the number one waterway": the focus is the ranked entry, under the question's own word for it
            answer_type = AnswerType.ENTRY if answer_type is AnswerType.DESCRIPTION else answer_type
            named_by_rank = (stem(fold(parsed.focus.head)),)
        if criterion:  # the ranks (or the relation) stand for the criterion's words: they are no topic to look for
            named_by_rank += tuple(terms(criterion, split_hyphens=True))
        if ranks:  # the words of a rank phrase ("number one", "top spot") are the rank, not a topic
            folded = fold(text)
            named_by_rank += tuple(stem(w) for phrase in RANK_PHRASES if " " in phrase and re.search(
                rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", folded) for w in phrase.split())
        return Intent(
            kind=kind, text=text, raw=question, confidence=confidence, entries=tuple(entries), names=tuple(names),
            unknown_names=tuple(dict.fromkeys(unknown_names)), unranked_places=tuple(dict.fromkeys(places)),
            unranked_names=tuple(unranked),
            ranks=tuple(ranks), top_n=top_n, bottom_n=bottom_n, relation=direction,
            offset=self.read_offset(text) or 1, answer_type=answer_type,
            wh=parsed.wh, focus=parsed.focus, polar=parsed.polar, negated=parsed.negated, criterion=criterion,
            terms=tuple(t for t in terms(text) if t not in {stem(fold(e)) for e in entries} and t not in named_by_rank),
            injection=injection, vector=vector,
        )


def _graded_forms(quality: str, word: str) -> list[str]:
    """A graded phrase, and without its degree adverb when the degree is analytic ("least visited" ->
    "visited"): the adjective alone carries the quality, whichever end of it is asked for."""
    rest = quality.split(" ", 1)[1] if word in _ANALYTIC_DEGREES and " " in quality else ""
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
