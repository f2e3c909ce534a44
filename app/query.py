"""Question understanding without an LLM: cleaning, Chinese and alias mapping, city detection (tolerant of
misspellings), rank references, injection stripping, and follow-up resolution from the chat history."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from rapidfuzz import fuzz, process

from ingest.core.errors import ConfigurationError, InvalidQuestionError
from ingest.core.text import GENERIC_TERMS, STOPWORDS, fold, ordinal, stem, terms, words

ALIASES_FILE = Path(__file__).with_name("aliases.yaml")

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
                  "fourteenth": 14, "fifteenth": 15, "twentieth": 20}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_RANK_WORDS = re.compile(
    r"\b(rank|ranks|ranked|ranking|position|positioned|place|placed|spot|standing|stands?|number|no\.|"
    r"comes? in|sits?|lands?|listed)\b", re.I)
_FIRST = re.compile(
    r"\b(top[- ]ranked|highest[- ]ranked|best[- ]ranked|number one|no\.? ?1\b|#1\b|first place|top spot|"
    r"top city|leading city|best city|(?:the |at the )top(?![- ]?(?:\d|ten|three|five|two|four))|"
    r"rank(?:ed|s)? (?:first|1st|top|highest)|(?:the )?(?:first|1st) city|(?:heads?|tops?|leads?) the "
    r"(?:ranking|list|table)|in first place)\b", re.I)
_SECOND = re.compile(r"\b(runner[- ]up|second place|silver)\b", re.I)
_LAST = re.compile(
    r"\b(last|bottom|lowest[- ]ranked|lowest|worst[- ]ranked|final (?:city|spot|place|position)|"
    r"least)\b", re.I)
_TOP_N = re.compile(r"\b(?:top|first|leading|best|highest[- ]ranked)\s+(\d{1,2}|two|three|four|five|six|seven|"
                    r"eight|nine|ten)\b(?!\s*(?:%|percent|million|billion))", re.I)
_ALL = re.compile(r"\b(all (?:the )?(?:ten |10 )?cities|full (?:ranking|list)|whole (?:ranking|list)|"
                  r"entire (?:ranking|list)|complete (?:ranking|list)|list (?:of )?(?:the |all )?(?:ranked )?"
                  r"cities|every city|each city|ranking in order|(?:list|name) the (?:ten|10) cities|"
                  r"which cities (?:are|made|make) (?:in |on )?(?:the )?(?:list|ranking|top (?:10|ten)))\b", re.I)
_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b|\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.I)
_RANK_NUMBER = re.compile(r"(?:\b(?:number|no\.?|rank(?:ed)?|position|place|spot)\s*|#)(\d{1,3}|one|two|three|"
                          r"four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.I)
_BOTTOM_N = re.compile(r"\b(?:bottom|last|lowest[- ]ranked|final)\s+(\d{1,2}|two|three|four|five)\b|"
                       r"\b(\d{1,2}|two|three|four|five)\s+(?:\w+\s+){0,4}?(?:lowest|bottom|last)\b", re.I)
_TOP_N_AFTER = re.compile(r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine)\s+(?:\w+\s+)?(?:highest|"
                          r"top|best|leading)(?:[- ]ranked)?\b", re.I)
_HOW_MANY_CITIES = re.compile(r"\bhow many (?:cities|places|hubs)\b.{0,40}\b(rank|list|cover|includ|feature|"
                              r"article|top)", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|compared|versus|vs\.?|differ|differs|difference|differences|"
                      r"contrast|similarities|similar|alike|both)\b", re.I)
_HIGHER = re.compile(r"\b(higher|lower|above|below|ahead|behind|better|worse|outrank|outranks|outranked|"
                     r"beats?|before|after)\b", re.I)
_WHICH_CITIES = re.compile(r"\b(which|what|name the|list the)\s+(?:other\s+)?(cities|city|places|hubs)\b|"
                           r"\bwhere\b", re.I)
_NEXT = re.compile(r"\b(the )?(next|following|subsequent) (one|city|ranked city|in line|on the list)\b|"
                   r"\bthe one (after|below)( it| that)?\b|\b(right )?(below|after) (it|that one|that city)\b"
                   r"|\bwhat(?:'s| is| comes) next\b|^(and )?next\??$", re.I)
_PREVIOUS = re.compile(r"\b(the )?(previous|preceding) (one|city)\b|\bthe one (before|above)( it| that)?\b|"
                       r"\b(right )?(above|before) (it|that one|that city)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|it's|itself|this city|that city|the city|same city|this one|that one|there|"
                      r"they|them|their|this place|that place)\b", re.I)
_CN_PRONOUN = re.compile(r"(它的|它|这个城市|那个城市|该市|该城市|那里|这里)")
_ELLIPSIS = re.compile(r"^(?:and|what about|how about|and what about|same for|now|ok|okay|then)\b", re.I)
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines|above|"
    r"previous|prior|context|article|source)\b|\b(system|hidden|developer|initial)\s+(prompt|message|"
    r"instructions?)\b|\byou are (?:now|dan|a|an)\b|\bpretend (?:to be|you)\b|\bact as (?:if\b|(?:a|an|my|the) "
    r"(?:ai|assistant|bot|chatbot|model|system|pirate|hacker|different|new|unrestricted)\b)|\bjailbreak\b|"
    r"\bdeveloper mode\b|\bnew (?:instructions?|source|"
    r"article|rules?|context)\b|\bfrom now on\b|(?:^|[.!?:]\s*|\band\s+|\bplease\s+|\bnow\s+|\bjust\s+)"
    r"(?:say|claim|state|respond|reply|tell (?:them|everyone|everybody|people|users|the user))\b"
    r"|\bprint (?:your|the)\b|\breveal (?:your|the)\b|\brepeat (?:your|the) (?:prompt|instructions)|"
    r"</?\s*(?:article|system|context|source|document|instructions?)\s*>|^\s*(?:system|assistant)\s*:|"
    r"忽略.{0,10}(指令|说明|提示)|系统提示", re.I)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_QUESTION_VOCABULARY = """rank ranks ranked ranking rankings position place placed spot standing stand
    number list listed order compare comparison versus differ difference contrast similar higher lower above
    below ahead behind better worse outrank next previous last bottom lowest highest first three there
    where were these those then than their they them what which when while whose""".split()
_DETERMINERS = frozenset("the a an its their his her any some what which whose of about many much".split())
RANK_QUESTION_WORDS = frozenset(stem(w) for w in """
    rank ranked ranking position place placed spot standing stand number sit land come list listed order""".split())
_RANKISH = re.compile(r"^(runner|top|highest|lowest|best|worst|last|low|high|\d{1,2}(st|nd|rd|th)|first|second|third|"
                      r"fourth|fifth|sixth|seventh|eighth|ninth|tenth)-")
_ORDINAL_TOKEN = re.compile(r"^(\d{1,3}(st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS) + ")$")
FILLER_WORDS = frozenset(stem(w) for w in """one two three four five six seven eight nine ten
    next previous last bottom lowest top highest compare comparison compared versus vs differ difference
    differences contrast similarities similar alike both between order spot which who""".split())
OVERVIEW_WORDS = frozenset(stem(w) for w in """
    about overview summary summarize summarise profile describe known famous notable special stand out
    highlights strengths strength strong good great why important notable included include inclusion
    feature featured offer offers doing info information details""".split())


class AliasTable(BaseModel):
    """The alias file's shape; unknown keys are an error so typos don't silently do nothing."""

    model_config = ConfigDict(extra="forbid")

    cities: dict[str, list[str]]
    other_cities: dict[str, list[str]]
    names: dict[str, list[str]]
    chinese_terms: dict[str, str]
    synonyms: dict[str, list[str]]


def load_aliases(path: Path = ALIASES_FILE) -> AliasTable:
    """Load and validate the alias table.

    Raises:
        ConfigurationError: the file is missing or malformed.
    """
    try:
        return AliasTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"Invalid alias table {path}: {exc}") from exc


def clean_question(text: object, max_chars: int) -> tuple[str, str | None]:
    """Validate and normalise a question.

    Returns:
        (clean text, notice) — the notice is set when something was removed.

    Raises:
        InvalidQuestionError: not a string, empty, or longer than `max_chars`.
    """
    if not isinstance(text, str):
        raise InvalidQuestionError(f"The question must be text, not {type(text).__name__}.")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"The question is too long ({len(text):,} characters; the limit is {max_chars:,}). "
            "Ask a shorter question."
        )
    text = unicodedata.normalize("NFKC", text)
    cleaned = _CONTROL.sub(" ", text)
    cleaned = " ".join(cleaned.split())
    if not cleaned or not re.search(r"\w", cleaned):
        raise InvalidQuestionError("The question is empty. Ask something about the article, e.g. "
                                   "\"Which city is ranked 8th?\"")
    notice = "Control characters were removed from the question." if cleaned != " ".join(text.split()) else None
    return cleaned, notice


@dataclass
class Query:
    """One analysed question."""

    raw: str
    text: str
    cities: list[str] = field(default_factory=list)
    other_cities: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ranks: list[int] = field(default_factory=list)
    top_n: int | None = None
    bottom_n: int | None = None
    counts_cities: bool = False
    wants_all: bool = False
    injection: bool = False

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def content_terms(self) -> list[str]:
        """Stemmed terms that are not stopwords, generic words, or city names."""
        cities = [fold(c) for c in self.cities + self.other_cities]
        city_stems = {stem(w) for c in cities for w in c.split()}
        return [t for t in terms(self.text) if t not in GENERIC_TERMS and t not in city_stems
                and not t.isdigit() and not any(fuzz.ratio(t, c) >= 85 for c in cities)]

    @cached_property
    def residual_terms(self) -> list[str]:
        """Content terms that ask for something beyond a rank or an overview."""
        return [t for t in self.content_terms if t not in RANK_QUESTION_WORDS and t not in OVERVIEW_WORDS
                and t not in FILLER_WORDS and not _ORDINAL_TOKEN.match(t) and not _RANKISH.match(t)]

    def focal(self, stems: list[str]) -> list[str]:
        """Those of `stems` the question asks about as a thing ("the population", "Hangzhou's CEO",
        "population of"), as opposed to verbs it merely uses ("does it connect", "can they earn")."""
        tokens = words(self.text)
        out: list[str] = []
        for i, word in enumerate(tokens):
            if stem(word) not in stems or stem(word) in out:
                continue
            before = tokens[i - 1] if i else ""
            after = tokens[i + 1] if i + 1 < len(tokens) else ""
            if before in _DETERMINERS or before.endswith("'s") or after == "of" or i == 0:
                out.append(stem(word))
        return out

    @property
    def mentions_rank(self) -> bool:
        return bool(_RANK_WORDS.search(self.text)) or bool(self.ranks)

    @property
    def compares(self) -> bool:
        return bool(_COMPARE.search(self.text))

    @property
    def compares_rank(self) -> bool:
        return bool(_HIGHER.search(self.text))

    @property
    def asks_which_cities(self) -> bool:
        return bool(_WHICH_CITIES.search(self.text))


class QueryAnalyzer:
    """Turns raw questions into `Query` objects, using the alias table and the ranked cities of the index."""

    def __init__(self, aliases: AliasTable, ranked_cities: Sequence[str], last_rank: int,
                 vocabulary: Iterable[str] = ()) -> None:
        self._aliases = aliases
        self._vocabulary = sorted({w for w in vocabulary if len(w) >= 6 and w.isalpha()})
        self._stopwords = sorted(w for w in STOPWORDS if len(w) >= 4 and w.isalpha())
        self._known = set(_NUMBER_WORDS) | set(_ORDINAL_WORDS) | {fold(k) for k in aliases.synonyms} | {
            fold(w) for en in aliases.chinese_terms.values() for w in en.split()} | set(_QUESTION_VOCABULARY)
        self._cities = list(ranked_cities)
        self._last_rank = last_rank
        self._city_forms = self._forms({c: aliases.cities.get(c, []) for c in self._cities})
        self._other_forms = self._forms({c: v for c, v in aliases.other_cities.items() if c not in self._cities})
        self._name_forms = self._forms(aliases.names)
        self._chinese = sorted(aliases.chinese_terms.items(), key=lambda kv: -len(kv[0]))

    @staticmethod
    def _forms(table: dict[str, list[str]]) -> list[tuple[str, str]]:
        forms = [(fold(name), name) for name in table]
        forms += [(fold(alias), name) for name, aliases in table.items() for alias in aliases]
        return sorted(forms, key=lambda f: -len(f[0]))

    # -- rewriting ------------------------------------------------------------------------------------
    def translate(self, text: str) -> str:
        """Map Chinese names, ordinals and common terms to English so the rest of the pipeline applies."""
        if not _CJK.search(text):
            return text
        out = text
        for table in (self._city_forms, self._other_forms, self._name_forms):
            for form, name in table:
                if _CJK.search(form) and form in out:
                    out = out.replace(form, f" {name} ")
        out = re.sub(r"第\s*([一二两三四五六七八九十]{1,3}|\d{1,3})\s*(?:名|位)?",
                     lambda m: f" {ordinal(_cn_number(m.group(1)))} ", out)
        out = re.sub(r"前\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:名|个|位)?",
                     lambda m: f" top {_cn_number(m.group(1))} ", out)
        for zh, en in self._chinese:
            out = out.replace(zh, f" {en} ")
        out = _CN_PRONOUN.sub(" it ", out)
        out = re.sub(r"[，、；：？！。]", lambda m: {"？": "?", "！": "!", "。": "."}.get(m.group(), ","), out)
        return " ".join(out.split())

    def strip_injection(self, text: str) -> tuple[str, bool]:
        """Drop the sentences of a question that try to give the bot instructions."""
        if not _INJECTION.search(text):
            return text, False
        kept = [s.strip() for s in _SENTENCE.findall(text) if s.strip() and not _INJECTION.search(s)]
        if not kept:
            # One sentence with an instruction inside: keep any question that follows a comma or "and".
            parts = re.split(r",|\band\b|\bthen\b|;", text)
            kept = [p.strip() for p in parts if p.strip() and not _INJECTION.search(p) and
                    re.search(r"\b(which|what|who|where|when|how|is|are|does|do|rank)\b", p, re.I)]
        return " ".join(kept), True

    def correct(self, text: str) -> str:
        """Fix likely typos of question words ("whcih") and of the article's own words ("subsidys")."""
        def fix(match: re.Match[str]) -> str:
            word = match.group()
            low = word.lower()
            if len(low) < 4 or low in STOPWORDS or low in self._known or low in self._vocabulary:
                return word
            hit = process.extractOne(low, self._stopwords, scorer=fuzz.ratio, score_cutoff=80)
            if hit is None and len(low) >= 6:
                hit = process.extractOne(low, self._vocabulary, scorer=fuzz.ratio, score_cutoff=88)
            return hit[0] if hit else word

        return re.sub(r"[A-Za-z]+", fix, text)

    # -- detection ------------------------------------------------------------------------------------
    def _find(self, folded: str, forms: list[tuple[str, str]]) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for form, name in forms:
            pattern = re.escape(form) if _CJK.search(form) else rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])"
            match = re.search(pattern, folded)
            if match and all(name != n for _, n in found):
                found.append((match.start(), name))
        return found

    def find_cities(self, text: str) -> tuple[list[str], list[str]]:
        """Ranked cities and other (not ranked) cities mentioned, in order of mention; misspellings allowed."""
        folded = fold(text)
        ranked = self._find(folded, self._city_forms)
        others = self._find(folded, self._other_forms)
        known = {fold(w) for _, n in ranked + others for w in n.split()}
        for match in re.finditer(r"[a-z]{5,}", folded):
            word = match.group()
            if word in known or word in GENERIC_TERMS:
                continue
            best = max(self._cities, key=lambda c: fuzz.ratio(word, fold(c)), default=None)
            if best and fuzz.ratio(word, fold(best)) >= 85 and all(best != n for _, n in ranked):
                ranked.append((match.start(), best))
        return [n for _, n in sorted(ranked)], [n for _, n in sorted(others)]

    def find_names(self, text: str) -> list[str]:
        """Known organisations and places (from the alias table) mentioned in the text."""
        return [n for _, n in sorted(self._find(fold(text), self._name_forms))]

    def find_ranks(self, text: str) -> list[int]:
        """Rank numbers the question refers to (ordinals, "number 3", "top-ranked", "last")."""
        ranks: list[int] = []
        for match in _ORDINAL.finditer(text):
            value = int(match.group(1)) if match.group(1) else _ORDINAL_WORDS[match.group(2).lower()]
            # "first three" / "first 3" is a top-n, not rank 1
            if re.match(r"\s+(\d|two|three|four|five|six|seven|eight|nine|ten)\b", text[match.end():], re.I):
                continue
            ranks.append(value)
        ranks += [_number(m.group(1)) for m in _RANK_NUMBER.finditer(text)]
        if _FIRST.search(text):
            ranks.append(1)
        if _SECOND.search(text):
            ranks.append(2)
        if _LAST.search(text) and not re.search(r"\b(at least|last year|last month)\b", text, re.I):
            ranks.append(self._last_rank)
        return list(dict.fromkeys(ranks))

    def analyze(self, raw: str) -> Query:
        """Analyse one (already cleaned) question."""
        text, injection = self.strip_injection(self.translate(raw))
        text = self.correct(text)
        cities, others = self.find_cities(text)
        top = _TOP_N.search(text)
        top_n = None
        if top:
            value = top.group(1).lower()
            top_n = int(value) if value.isdigit() else _NUMBER_WORDS.get(value)
        wants_all = bool(_ALL.search(text))
        after = _TOP_N_AFTER.search(text)
        if after and not top_n:
            top_n = _number(after.group(1))
        bottom = _BOTTOM_N.search(text)
        bottom_n = _number(bottom.group(1) or bottom.group(2)) if bottom else None
        if top_n and top_n >= self._last_rank and not re.search(r"\b(list|name|all|order|every|full)\b", text,
                                                                re.I):
            top_n = None  # "the top 10 AI cities" is the article's title, not a request for a list
        ranks = [] if (top_n or bottom_n) and not re.search(r"\b\d{1,2}(?:st|nd|rd|th)\b", text) \
            else self.find_ranks(text)
        return Query(raw=raw, text=text, cities=cities, other_cities=others, names=self.find_names(text),
                     ranks=ranks, top_n=top_n, bottom_n=bottom_n, wants_all=wants_all, injection=injection,
                     counts_cities=bool(_HOW_MANY_CITIES.search(text)))

    # -- follow-ups -----------------------------------------------------------------------------------
    def resolve(self, question: str, history: Sequence[tuple[str, str]], rank_of: dict[str, int],
                city_at: dict[int, str]) -> str:
        """Rewrite a follow-up into a standalone question using the conversation so far.

        Pronouns ("it", "there", "this city") become the city under discussion; "the next one" / "the
        previous one" move along the ranking; "What about X?" repeats the last question with city X. The
        history is replayed turn by turn, so "it" in the third turn still means the city of the first.
        """
        focus: str | None = None
        previous: str | None = None
        for asked, answered in history:
            standalone = self._resolve_turn(asked, focus, previous, rank_of, city_at)
            cities, _ = self.find_cities(self.translate(standalone))
            focus = cities[0] if cities else self._leading_city(answered) or focus
            previous = standalone
        return self._resolve_turn(question, focus, previous, rank_of, city_at)

    def _leading_city(self, answer: str) -> str | None:
        """The city an answer is about, when it names one up front ("Guangzhou is ranked 5th …")."""
        cities, _ = self.find_cities(answer[:60])
        return cities[0] if cities else None

    def _resolve_turn(self, question: str, focus: str | None, last_question: str | None,
                      rank_of: dict[str, int], city_at: dict[int, str]) -> str:
        translated = self.translate(question)
        cities, _ = self.find_cities(translated)
        if cities:
            if _ELLIPSIS.search(translated) and len(words(translated)) <= 6 and last_question:
                prev_cities, _ = self.find_cities(self.translate(last_question))
                if prev_cities:
                    return self._substitute(self.translate(last_question), prev_cities, cities)
            return question
        if focus is None:
            return question
        step = 1 if _NEXT.search(translated) else -1 if _PREVIOUS.search(translated) else 0
        if step:
            target = city_at.get(rank_of.get(focus, 0) + step)
            if target is None:
                return translated
            rest = _NEXT.sub(target, translated) if step > 0 else _PREVIOUS.sub(target, translated)
            remaining = [t for t in terms(rest) if stem(fold(target)) != t and t not in {"and", "what", "about"}]
            return rest if remaining else f"Tell me about {target}"
        if _PRONOUN.search(translated):
            return _PRONOUN.sub(lambda m: f"{focus}'s" if m.group().lower() in {"its", "their", "it's"}
                                else focus, translated, count=2)
        if _ELLIPSIS.search(translated) and len(words(translated)) <= 4:
            return f"Tell me about {focus}"
        return question

    @staticmethod
    def _substitute(question: str, old: list[str], new: list[str]) -> str:
        out = question
        for i, city in enumerate(old):
            out = re.sub(re.escape(city), new[min(i, len(new) - 1)], out, flags=re.I)
        return out


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(text, 0)



def _number(text: str) -> int:
    """A small number written as digits or as an English word."""
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text.lower(), 0)
