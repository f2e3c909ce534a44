"""Parse a question with spaCy's English pipeline: its wh-word, the thing it asks for (the focus), the
expected answer type, whether it is a yes/no question or negated, and the names it mentions."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.understand.intent import AnswerType, Comparison, Extreme, Focus
from ingest.core.lexicon import (
    BOTTOM_SUPERLATIVES,
    COMPARATIVE_ANTONYMS,
    COMPARING_PREPOSITIONS,
    DOWNWARD_COMPARATIVES,
    EARLY_COMPARATIVES,
    EARLY_SUPERLATIVES,
    HIGHER_WORDS,
    LIGHT_VERBS,
    LOWER_WORDS,
    MONEY_VERBS,
    NAMING_NOUNS,
    OTHER_RANK_HEADS,
    PLACE_NOUNS,
    RANK_NOUNS,
    RANK_PHRASES,
    TIME_COMPARISONS,
    TYPE_NOUNS,
    WH_TYPES,
    ordinal_value,
)
from ingest.core.text import fold, stem
from ingest.nlp import english_pipeline

_TITLE_WORD = re.compile(r"\b[A-Z][a-z’']+\b")  # "Tallest" but not "AI"
_END_WORDS = frozenset({"top", "bottom"})
_NAME_LABELS = frozenset({"ORG", "PERSON", "PRODUCT", "GPE", "LOC", "FAC", "EVENT", "WORK_OF_ART"})
# nouns an ordinal names a rank with ("the first place", "the third spot", "the number one pick")
_RANK_HEADS = frozenset(PLACE_NOUNS) | OTHER_RANK_HEADS


@lru_cache(maxsize=4096)
def doc_of(text: str) -> Any:
    """The spaCy parse of a text, made once: a question is read by several readers (its grammar, comparisons,
    superlatives, phrasal verbs, the yes/no polarity), and each reads the same parse."""
    return english_pipeline()(text)


@dataclass(frozen=True)
class Parsed:
    """What the parser read off one question."""

    wh: str | None
    answer_type: AnswerType
    focus: Focus | None
    polar: bool
    negated: bool
    names: tuple[tuple[str, str], ...]  # (text, spaCy label)
    degree: Degree | None = None  # the first superlative or comparative ("the most visited museum")
    event_order: bool = False  # "before"/"after" opens a clause ("opened before Y did"): an order in time
    # ordinals that modify a noun other than the ranked one ("the first episode", "its second season"): no ranks
    other_ordinals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Degree:
    """A superlative or comparative of a question or a title: "the most visited museum", "a bigger crowd".

    Attributes:
        word: the degree word in its superlative form, lower case ("most", "longest", "biggest").
        graded: the degree with the word it grades, and the basis a "by" phrase gives ("most visited",
            "longest-serving", "most popular by ticket sales").
        noun: the noun it is said of ("museum", "crowd"), if any.
        of_entry: said of the ranked things themselves: its noun is what the article ranks, a name, or none
            ("the largest", "Acme, the longest-serving mayor").
        comparative: True for "bigger", "more popular".
    """

    word: str
    graded: str
    noun: str | None = None
    of_entry: bool = True
    comparative: bool = False
    count: str | None = None  # the number before it: "the three largest quakes"

    @property
    def quality(self) -> str:
        """What is graded: the degree, with the noun when that is not what the article ranks ("biggest
        crowd", "most startups")."""
        return self.graded if self.of_entry or not self.noun else f"{self.graded} {self.noun}"


def comparison(text: str) -> Comparison | None:
    """The comparison of a value with a number that a question makes ("more than 7,000 performances", "magnitude
    9 or more", "at least 9.1", "under 8.5"), read off its parse; None when it makes none."""
    return _comparison_cached(text)


@lru_cache(maxsize=1024)
def _comparison_cached(text: str) -> Comparison | None:
    doc = doc_of(text)
    for number in (t for t in doc if t.tag_ == "CD" or t.like_num):
        try:
            value = float(number.text.replace(",", ""))
        except ValueError:
            continue
        op = _operator(doc, number)
        previous = doc[number.i - 1].lower_ if number.i else ""
        year = op is None and previous in TIME_COMPARISONS and value.is_integer() and 1000 <= value <= 2999
        if year:
            op = TIME_COMPARISONS[previous]
        if op is None:
            continue
        measured = number.head
        while measured.pos_ not in {"NOUN", "PROPN"} and measured.head.i != measured.i:
            measured = measured.head
        nouns = [t for t in doc if t.is_alpha and not t.is_stop and t.i != number.i
                 and t.tag_ not in {"JJR", "RBR", "JJS", "RBS", "WDT", "WP", "WRB"}]
        first = [measured] if measured.pos_ in {"NOUN", "PROPN"} else []
        ordered = first + [t for t in nouns if all(t.i != f.i for f in first)]
        return Comparison(op, value, tuple(t.lower_ for t in ordered), year)
    return None


def extreme(text: str) -> Extreme | None:
    """The superlative a question asks for ("the most performances", "the lowest magnitude", "opened most
    recently"), with the words it is said of first; None without one."""
    return _extreme_cached(text)


@lru_cache(maxsize=1024)
def _extreme_cached(text: str) -> Extreme | None:
    doc = doc_of(text)
    word = next((t for t in doc if t.tag_ in {"JJS", "RBS"}), None)
    if word is None:
        return None
    said_of = word.head
    first = [said_of] if said_of.i != word.i and said_of.is_alpha and not said_of.is_stop else []
    rest = [t for t in doc if t.is_alpha and not t.is_stop and t.i != word.i and all(t.i != f.i for f in first)
            and t.tag_ not in {"JJS", "RBS", "WDT", "WP", "WRB"}]
    lemma = word.lower_
    return Extreme(lemma in BOTTOM_SUPERLATIVES, lemma in EARLY_SUPERLATIVES,
                   tuple(t.lower_ for t in first + rest))


def comparative(text: str) -> Extreme | None:
    """The comparative a question compares things by ("taller", "more floors", "fewer votes", "earlier"), with
    the words it is said of first (the noun of "more floors", or the adjective's lemma, "tall"); None without one."""
    return _comparative_cached(text)


@lru_cache(maxsize=1024)
def _comparative_cached(text: str) -> Extreme | None:
    doc = doc_of(text)
    word = next((t for t in doc if t.tag_ in {"JJR", "RBR"}), None)
    if word is None:
        return None
    quantity = word.lower_ in {"more", "fewer", "less"}
    said_of = word.head if quantity and word.head.i != word.i and word.head.is_alpha else None
    base = _positive(word)
    quality = COMPARATIVE_ANTONYMS.get(base, base)  # "shorter" is graded on height's scale, as "taller"
    first = [said_of.lower_] if said_of is not None else ([] if quantity else [quality])
    rest = [t.lower_ for t in doc if t.is_alpha and not t.is_stop and t.i != word.i and t.lower_ not in first
            and t.tag_ not in {"JJR", "RBR", "WDT", "WP", "WRB"} and t.pos_ != "PROPN"]
    lemma = word.lower_
    return Extreme(lemma in DOWNWARD_COMPARATIVES or lemma in EARLY_COMPARATIVES, lemma in EARLY_COMPARATIVES,
                   tuple(first + rest))


def _positive(word: Any) -> str:
    """The positive degree of a comparative adjective ("shorter" -> "short", "bigger" -> "big", "earlier" ->
    "early"), from its lemma where the pipeline gives one, else by its regular endings."""
    lemma, text = str(word.lemma_).lower(), str(word.lower_)
    if lemma != text or not text.endswith("er"):
        return lemma
    stem_ = text[:-2]
    candidates = [stem_, text[:-1], stem_[:-1] if len(stem_) > 2 and stem_[-1] == stem_[-2] else stem_,
                  stem_[:-1] + "y" if stem_.endswith("i") else stem_]
    known = set(COMPARATIVE_ANTONYMS) | set(COMPARATIVE_ANTONYMS.values())
    return str(next((c for c in candidates if c in known), stem_))


def indirect_clause(question: str, subject: str | None) -> str | None:
    """The question as an indirect clause ("Who founded X?" -> "who founded X"; "When was X founded?" ->
    "when X was founded"), or None when that needs more grammar than word order."""
    text = question.strip().rstrip("?").strip()
    match = re.match(r"(?i)(who|what|which)\s+(?!is\b|are\b|was\b|were\b|do\b|does\b|did\b)(.+)", text)
    if match:
        return f"{match.group(1).lower()} {match.group(2)}"
    match = re.match(r"(?i)(when|where|who|what)\s+(is|was|are|were)\s+(.+)", text)
    if match and subject and match.group(3).lower().startswith(subject.lower()):
        rest = match.group(3)[len(subject):].strip()
        return f"{match.group(1).lower()} {subject} {match.group(2).lower()} {rest}".strip()
    return None


def relates_ranks(text: str, entry_nouns: frozenset[str] = frozenset(),
                  entry_terms: frozenset[str] = frozenset()) -> bool:
    """Whether a word of rank relation in the question ("above", "lower", "after") relates ranks: not when it
    grades another thing ("at a lower cost", "higher wages"), places something in time ("after 2020"), or places
    by a thing that is no entry ("the firm behind the harbour scheme"; `entry_terms` are the stems of the entries'
    names, so "above the picture frame guide" still relates ranks when an entry is about a picture frame)."""
    return _relates_ranks_cached(text, entry_nouns, entry_terms)


_RELATION_WORDS = HIGHER_WORDS | LOWER_WORDS


@lru_cache(maxsize=4096)
def _relates_ranks_cached(text: str, entry_nouns: frozenset[str], entry_terms: frozenset[str]) -> bool:
    related = False
    for token in doc_of(text):
        if token.lower_ not in _RELATION_WORDS:
            continue
        head = token.head
        if token.dep_ == "amod" and head.pos_ in {"NOUN", "PROPN"} and head.lemma_.lower() not in entry_nouns \
                and head.lemma_.lower() not in RANK_NOUNS and head.lower_ not in entry_nouns:
            continue  # "at a lower cost": it grades the cost
        objects = [c for c in token.children if c.dep_ == "pobj"]
        if token.dep_ == "prep" and objects and all(o.like_num or o.ent_type_ in {"DATE", "TIME"} for o in objects):
            continue  # "after 2020": a time
        if token.dep_ == "prep" and objects and all(_a_thing(o, entry_nouns, entry_terms) for o in objects):
            continue  # "the firm behind the harbour scheme": placed by a thing, not by a rank
        related = True
    return related


def _a_thing(token: Any, entry_nouns: frozenset[str], entry_terms: frozenset[str]) -> bool:
    """A common noun that names no entry, no rank and not what the ranking ranks ("scheme", "merger"), with no
    word of an entry's name in its phrase ("the picture frame guide" may be an entry about a picture frame); a name,
    a pronoun or "the town" may be an entry."""
    if token.pos_ != "NOUN" or {token.lemma_.lower(), token.lower_} & (entry_nouns | RANK_NOUNS):
        return False
    return not any(stem(fold(t.lower_)) in entry_terms for t in token.subtree
                   if t.i <= token.i and t.is_alpha and not t.is_stop)  # the phrase up to its noun, not "in X" after


def particles(text: str) -> frozenset[str]:
    """The particles of a text's phrasal verbs ("moved up" -> "up", "slides down" -> "down", but not the "up" of
    "subsidies up to $2M"): in a phrasal verb the particle carries the meaning a match must share (up, not down)."""
    return _particles_cached(text)


@lru_cache(maxsize=8192)
def _particles_cached(text: str) -> frozenset[str]:
    doc = doc_of(text)
    return frozenset(t.lower_ for t in doc if t.head.pos_ == "VERB" and (
        t.dep_ == "prt" or (t.dep_ == "advmod" and t.is_stop and t.i == t.head.i + 1 and t.pos_ in {"ADV", "ADP"})))


_SIDES = frozenset({"NOUN", "PROPN", "VERB"})  # "ferries or tugboats", "build ships or run ferries"


def alternatives(text: str) -> tuple[tuple[str, ...], ...]:
    """The stemmed terms of each side of an "or" between noun phrases ("ferries or tugboats", "tidal power or
    wind farms"): alternatives, each enough for a match; () when the question joins none with "or"."""
    return _alternatives_cached(text)


@lru_cache(maxsize=8192)
def _alternatives_cached(text: str) -> tuple[tuple[str, ...], ...]:
    from ingest.core.text import terms

    doc = doc_of(text)
    for head in doc:
        if head.pos_ not in _SIDES or not any(c.dep_ == "cc" and c.lower_ == "or" for c in head.children):
            continue
        joined = [c for c in head.children if c.dep_ == "conj" and c.pos_ == head.pos_]
        if not joined:
            continue
        # the head's side, less the other sides and the clause's subject ("which towns" of "which towns build …")
        apart = [j for j in joined] + [c for c in head.children if c.dep_ in {"nsubj", "nsubjpass"}]
        own = [t for t in head.subtree if not any(t in set(a.subtree) for a in apart) and t.dep_ != "cc"]
        sides = [own] + [list(j.subtree) for j in joined]
        groups = tuple(tuple(terms(" ".join(t.text for t in side if t.pos_ in {"NOUN", "PROPN", "ADJ", "VERB"})))
                       for side in sides)
        if len(groups) >= 2 and all(groups):
            return groups
    return ()


def _operator(doc: Any, number: Any) -> str | None:
    """How a number is compared in its question: "N or more" (>=), "more than N" (>), "at least N" (>=),
    "over N" (>), or None."""
    def down(word: Any) -> bool:
        return word.lower_ in DOWNWARD_COMPARATIVES

    skip = 1 if number.i + 1 < len(doc) and number.head.i == number.i + 1 else 0  # "101 floors or fewer"
    after = doc[number.i + 1 + skip:number.i + 3 + skip]
    if len(after) == 2 and after[0].lower_ == "or" and after[1].tag_ in {"JJR", "RBR"}:
        return "<=" if down(after[1]) else ">="
    before = doc[max(0, number.i - 2):number.i]
    if len(before) == 2 and before[1].lower_ == "than" and before[0].tag_ in {"JJR", "RBR"}:
        return "<" if down(before[0]) else ">"
    if len(before) == 2 and before[0].lower_ == "at" and before[1].tag_ in {"JJS", "RBS"}:
        return "<=" if down(before[1]) else ">="
    if before and before[-1].lower_ in COMPARING_PREPOSITIONS:
        return "<" if down(before[-1]) else ">"
    return None


class QuestionParser:
    """spaCy-based reading of a question's grammar (loaded lazily, shared by the process)."""

    def __init__(self, noun: str = "entry", nouns: str = "entries") -> None:
        # "which entries …" asks for ranked entries whatever the article ranks
        self._entry_nouns = {noun.lower(), nouns.lower(), "entry", "entries"}

    def parse(self, text: str) -> Parsed:
        """Parse one question (cached: the same text parses once)."""
        return _parse_cached(text, frozenset(self._entry_nouns))


def _owned(noun: Any) -> bool:
    """Whether a noun belongs to something named: "its second season", "Gamma's second season", "the first
    episode of Beta" (an ordinal of it counts within its owner, not in the ranking)."""
    for child in noun.children:
        if child.dep_ == "poss":
            return True
        if child.dep_ == "prep" and child.lower_ == "of" and any(  # a name (capitalised) or a pronoun
                g.dep_ == "pobj" and (g.pos_ == "PRON" or any(w.text[:1].isupper() for w in g.subtree))
                for g in child.children):
            return True
    return False


@lru_cache(maxsize=4096)
def _parse_cached(text: str, entry_nouns: frozenset[str]) -> Parsed:
    doc = doc_of(text)
    wh_token = next((t for t in doc if t.tag_ in {"WDT", "WP", "WP$", "WRB"} and not _relative(t)), None)
    wh = wh_token.lower_ if wh_token is not None else None
    words = [t for t in doc if not t.is_punct and not t.is_space]
    first = words[0] if words else None
    second = words[1] if len(words) > 1 else None
    # a question that opens with an auxiliary is yes/no even with a wh-clause inside ("Does it say where …?"),
    # except a request ("Can you sum it up?")
    request = first is not None and first.tag_ == "MD" and second is not None and second.lower_ == "you"
    # the small parser sometimes reads an opening "Did" as the main verb: a finite be/do/have opening a question
    # is its auxiliary all the same
    auxiliary = first is not None and (first.pos_ == "AUX" or (
        first.lemma_.lower() in {"be", "do", "have"} and first.tag_ in {"VBD", "VBZ", "VBP"} and text.rstrip()
        .endswith("?")))
    polar = auxiliary and first is not None and first.i == 0 and not request and (
        wh_token is None or wh_token.i > first.i + 1)
    negated = any(t.dep_ == "neg" for t in doc)
    focus, answer_type = _focus(doc, wh_token, entry_nouns)
    if focus is None and wh_token is None and text[:1].isupper() and len(text) > 1:
        # the small parser often reads a capitalised imperative ("List …") as a noun: read it once more
        retry = doc_of(text[0].lower() + text[1:])
        focus, answer_type = _focus(retry, None, entry_nouns)
    if polar:
        answer_type = AnswerType.YES_NO
    names = tuple((e.text, e.label_) for e in doc.ents if e.label_ in _NAME_LABELS)
    # in a yes/no question "the top town" claims a rank ("Is X the top town?"); elsewhere it names the ranking
    degree = next(iter(_degrees(doc, entry_nouns, ends=polar)), None)
    event_order = any(t.dep_ == "mark" and t.lower_ in {"before", "after"} for t in doc)
    other_ordinals = tuple(t.lower_ for t in doc if t.dep_ == "amod" and ordinal_value(t.lower_) is not None
                           and t.head.pos_ == "NOUN" and t.head.lemma_.lower() not in entry_nouns
                           and t.head.lower_ not in entry_nouns and t.head.lemma_.lower() not in _RANK_HEADS
                           and _owned(t.head))
    return Parsed(wh, answer_type, focus, polar, negated, names, degree, event_order, other_ordinals)


def _relative(token: Any) -> bool:
    """A wh-word that opens a relative clause on the noun right before it ("a sailor who wants …"): it asks
    nothing; the question's own wh-word comes later ("…, where should I go?")."""
    head = token.head
    before = token.doc[token.i - 1] if token.i > 0 else None
    return before is not None and before.pos_ in {"NOUN", "PROPN", "PRON"} and head.dep_ == "relcl" \
        and head.pos_ in {"VERB", "AUX"} and token.dep_ != "det" and head.head.i == before.i


def degrees(text: str, entry_nouns: frozenset[str] = frozenset()) -> list[Degree]:
    """The superlatives (and comparatives) of a text, such as a title ("20 Tallest Towers") or the line that
    introduces a list ("the most visited museums (by ticket sales)"). A title is read in sentence case too: title
    case misleads the tagger ("Tallest" as a proper noun)."""
    found = _degrees(doc_of(text), entry_nouns)
    if not found:
        found = _degrees(doc_of(_TITLE_WORD.sub(lambda m: m.group().lower(), text)), entry_nouns)
    return found


def _end_word(token: Any, entry_nouns: frozenset[str]) -> bool:
    """"the top town", "the bottom entry": a word of an end of the ranking that grades the ranked noun like a
    superlative ("the best town"), when no number makes it a top-N."""
    head = token.head
    return token.lower_ in _END_WORDS and token.dep_ in {"amod", "compound", "nmod"} and (
        head.lemma_.lower() in entry_nouns or head.lower_ in entry_nouns) and not any(
        c.like_num for c in head.children)


def _superlative_form(token: Any) -> str:
    """"bigger" -> "biggest", "more" -> "most", "better" -> "best": the superlative a comparative stands for."""
    word: str = token.lower_
    if token.tag_ not in {"JJR", "RBR"}:
        return word
    irregular = {"more": "most", "less": "least", "better": "best", "worse": "worst", "fewer": "fewest"}
    if word in irregular:
        return irregular[word]
    return word[:-2] + "est" if word.endswith("er") else word


def _degrees(doc: Any, entry_nouns: frozenset[str], *, ends: bool = False) -> list[Degree]:
    """Each degree word graded of a noun, or standing for one; not one that grades a verb ("suits me best") or a
    quantity ("more than half"); with `ends`, also a word of an end of the ranking said of the ranked noun ("the
    top town")."""
    out = []
    for token in doc:
        if token.tag_ not in {"JJS", "RBS", "JJR", "RBR"} and not (ends and _end_word(token, entry_nouns)):
            continue
        following: Any = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if following is not None and following.lower_ == "than" and token.lower_ in {"more", "less", "fewer"}:
            continue  # a quantity ("more than half"), not a quality ("longer than")
        hyphened = following is not None and following.tag_ == "HYPH"  # "longest-serving", tagged as a noun or not
        graded: Any = token.head if token.dep_ == "advmod" and (
            token.head.tag_ in {"JJ", "VBN", "VBG"} or hyphened) else None
        anchor: Any = graded or token
        if anchor.dep_ in {"amod", "nmod"} and anchor.head.pos_ in {"NOUN", "PROPN"}:
            noun = anchor.head
        elif anchor.dep_ in {"attr", "pobj", "nsubj", "nsubjpass", "dobj", "appos", "acomp", "ROOT"} or (
                anchor is graded and anchor.dep_ == "amod") or (anchor.dep_ == "advmod" and anchor.head.pos_ == "AUX"):
            noun = None  # "the largest", "is more popular", "is X longer than Y"
        elif token.dep_ == "advmod" and token.head.pos_ == "VERB":
            # it grades an action ("ran longer", "would suit me best"): only its meaning can tie it to the ranking
            verb = token.head
            out.append(Degree(_superlative_form(token), _superlative_form(token), verb.lemma_.lower(), False,
                              token.tag_ in {"JJR", "RBR"}))
            continue
        else:
            continue
        span = doc[token.i:max(anchor.i, token.i) + 1]
        words = [_superlative_form(t) if t == token else t.text for t in span if not t.is_punct or t.tag_ == "HYPH"]
        text = "".join(w if w == "-" or i == 0 or words[i - 1] == "-" else " " + w for i, w in enumerate(words))
        of_entry = noun is None or noun.pos_ == "PROPN" or noun.lower_ in entry_nouns or \
            noun.lemma_.lower() in entry_nouns
        noun_text = None
        if noun is not None:
            noun_text = " ".join([t.text for t in doc[anchor.i + 1:noun.i] if t.dep_ in {"compound", "amod"}]
                                 + [noun.text])
            basis = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "by"), None)
            if basis is not None:  # "the most visited museums (by ticket sales)": the basis of the grading
                text += " " + " ".join(t.text for t in basis.subtree if not t.is_punct)
        before = doc[token.i - 1] if token.i > 0 else None
        count = before.text if before is not None and before.like_num else None
        out.append(Degree(_superlative_form(token), text, noun_text, of_entry, token.tag_ in {"JJR", "RBR"}, count))
    return out


def _phrase(token: Any) -> str:
    """A noun with its compounds and adjectives ("current share price")."""
    left = [t for t in token.lefts if t.dep_ in {"compound", "amod"} and t.tag_ not in {"WDT", "WP"}
            and t.lower_ not in {"many", "much"}]
    return " ".join([t.text for t in left] + [token.text])


def _owner(token: Any) -> str | None:
    """Whose the focus is: a possessive ("Springfield's mayor") or an "of" phrase ("the mayor of Springfield")."""
    for child in token.children:
        if child.dep_ == "poss":
            return " ".join(t.text for t in child.subtree if t.tag_ != "POS")
        if child.dep_ == "prep" and child.lower_ in {"of", "in", "for"}:
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return " ".join(t.text for t in objects[0].subtree)
    return None


def _whole(noun: Any, phrase: str) -> str | None:
    """The focus with its owner in the order English puts them (see `Focus.whole`): a pronoun or a short proper
    name owns by a possessive ("its population", "Springfield's mayor"); any longer owner, one with a modifier of
    its own ("a flat near the harbour", "the mayor of Springfield"), follows the noun with its preposition."""
    for child in noun.children:
        if child.dep_ == "poss":
            owner = [t for t in child.subtree if t.tag_ != "POS"]
            if child.tag_ == "PRP$":
                return f"{child.text} {phrase}"
            return f"{_possessive(owner)} {phrase}" if _short_name(owner) else f"the {phrase} of {_text(owner)}"
        if child.dep_ == "prep" and child.lower_ in {"of", "in", "for"}:
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                owner = list(objects[0].subtree)
                return f"{_possessive(owner)} {phrase}" if _short_name(owner) else \
                    f"the {phrase} {child.lower_} {_text(owner)}"
    return None


def _short_name(tokens: list[Any]) -> bool:
    """A proper name of a few words and nothing else ("Springfield", "New Springfield City")."""
    return 0 < len(tokens) <= 4 and all(t.pos_ == "PROPN" or (t.is_punct and t.text in "-.&") for t in tokens)


def _text(tokens: list[Any]) -> str:
    return "".join(t.text_with_ws for t in tokens).strip()


def _possessive(tokens: list[Any]) -> str:
    return f"{_text(tokens)}'s"


def _make_focus(noun: Any, verb: str | None) -> Focus:
    """A focus from its noun, with the nouns joined to it ("universities and academies") and its number."""
    heads = [noun.lemma_.lower()] + [c.lemma_.lower() for c in noun.conjuncts if c.pos_ in {"NOUN", "PROPN"}]
    every = any(t.lower_ in {"every", "all", "each", "any"} for t in noun.lefts)
    phrase = " and ".join(_phrase(n) for n in [noun, *[c for c in noun.conjuncts if c.pos_ in {"NOUN", "PROPN"}]])
    return Focus(phrase, noun.lemma_.lower(), _owner(noun), verb,
                 plural=noun.tag_ in {"NNS", "NNPS"} or every, heads=tuple(heads), ranked=_ranked(noun),
                 whole=_whole(noun, phrase))


def _ranked(noun: Any) -> bool:
    """The noun is given a rank ("the 11th waterway", "the number one waterway") or is one ("the winner", "the
    runner-up"): whatever it is called, it names an entry."""
    written = "".join(t.text_with_ws for t in noun.subtree if t.dep_ not in {"det", "poss"}).strip().lower()
    if RANK_PHRASES.get(written) is not None:
        return True
    for child in noun.lefts:
        if child.dep_ not in {"amod", "nmod", "compound", "nummod"}:
            continue
        words = " ".join(t.lower_ for t in child.subtree)
        if ordinal_value(child.lower_) is not None or RANK_PHRASES.get(words) == 1:
            return True
    return False


def _type_of_noun(token: Any, entry_nouns: frozenset[str]) -> AnswerType | None:
    if token.lower_ in entry_nouns or token.lemma_.lower() in entry_nouns or _pro_form(token):
        return AnswerType.ENTRY
    kind = TYPE_NOUNS.get(token.lower_) or TYPE_NOUNS.get(token.lemma_.lower())
    return AnswerType(kind) if kind else None


def _pro_form(token: Any) -> bool:
    """"Which one", "which ones": a number word the tagger reads as a noun stands for the noun the conversation
    is about, in a question about a ranking the ranked one."""
    return token.pos_ == "NOUN" and bool(token.doc.vocab[token.lemma_.lower()].like_num)


_Found = tuple[Focus | None, AnswerType]


def _focus(doc: Any, wh: Any, entry_nouns: frozenset[str]) -> _Found:
    """The noun (or verb) the question asks about, and the answer type it implies: the first of the question
    shapes below that fits, tried in order."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    verb = root.lemma_.lower() if root is not None and root.pos_ == "VERB" else None
    if verb in LIGHT_VERBS or (root is not None and _places(root)):
        verb = None
    shapes: tuple[Callable[[], _Found | None], ...] = (
        lambda: _how_many(doc, verb),
        lambda: _wh_noun(doc, wh, verb, entry_nouns),
        lambda: _imperative_object(doc, root, wh, entry_nouns),
        lambda: _money_verb(root, wh),
        lambda: _copula(root, wh, entry_nouns),
        lambda: _wh_word(root, wh, verb),
        lambda: _typed_noun(doc, wh, verb),
    )
    return next((found for shape in shapes if (found := shape()) is not None), (None, AnswerType.DESCRIPTION))


def _places(verb: Any) -> bool:
    """"who came 6th?", "who tied for third?", "which team ended up last?": a verb whose complement is a rank
    says where an entry was placed; it is no deed to look for in the article. A rank as the verb's object
    ("who founded the 6th?") is what the deed is done to."""
    for child in verb.children:
        if child.dep_ in {"dobj", "nsubj", "nsubjpass", "dative"}:
            continue
        words = [child, *(g for g in child.children if g.dep_ == "pobj")] if child.dep_ == "prep" else [child]
        if any(ordinal_value(w.lower_) is not None or RANK_PHRASES.get(w.lower_) is not None for w in words):
            return True
    return False


def _how_many(doc: Any, verb: str | None) -> _Found | None:
    """"how many users", "how much funding"."""
    for token in doc:
        if (token.lower_ in {"many", "much"} and any(t.lower_ == "how" for t in token.lefts)) or (
                token.lower_ in {"many", "much"} and token.i > 0 and doc[token.i - 1].lower_ == "how"):
            if token.lower_ == "much" and verb in MONEY_VERBS:
                return Focus(verb, verb, None, verb), AnswerType.MONEY
            noun = token.head if token.head.pos_ in {"NOUN", "PROPN"} else None
            if noun is None:
                noun = next((t for t in doc[token.i + 1:] if t.pos_ in {"NOUN", "PROPN"}), None)
            kind = AnswerType.COUNT if token.lower_ == "many" else AnswerType.MONEY
            if noun is None:
                return (Focus(verb, verb, None, verb) if verb else None), kind
            # "how much …" (an amount) or "how many …" asks for one quantity, never for a list
            return dataclasses.replace(_make_focus(noun, verb), plural=False), kind
    return None


def _wh_noun(doc: Any, wh: Any, verb: str | None, entry_nouns: frozenset[str]) -> _Found | None:
    """"which city …", "what companies …": the noun the wh-word determines."""
    # "which two towns": a number between the wh-word and its noun counts the answers, the noun is what is asked
    after = next((t for t in doc[wh.i + 1:] if t.tag_ != "CD"), None) if wh is not None else None
    after_wh = after if after is not None and after.i <= wh.i + 2 else None
    if wh is None or not (wh.dep_ == "det" or (wh.lower_ in {"which", "what"} and after_wh is not None
                                               and after_wh.pos_ in {"NOUN", "PROPN"})):
        return None
    noun: Any = wh.head if wh.dep_ == "det" else after_wh
    following: Any = after_wh if after_wh is not None else noun
    typed = _type_of_noun(noun, entry_nouns) or (
        AnswerType.ENTRY if _type_of_noun(following, entry_nouns) is AnswerType.ENTRY else None)
    if typed is AnswerType.ENTRY:
        noun = following if following.pos_ in {"NOUN", "PROPN"} else noun
    return _make_focus(noun, verb), typed or AnswerType.NAME


def _imperative_object(doc: Any, root: Any, wh: Any, entry_nouns: frozenset[str]) -> _Found | None:
    """"list the companies …", "name the universities …": the object of an imperative."""
    if root is None or wh is not None or root.i != next((t.i for t in doc if not t.is_punct), -1):
        return None
    obj = next((t for t in root.children if t.dep_ in {"dobj", "attr"} and t.pos_ in {"NOUN", "PROPN"}), None)
    if obj is None:
        return None
    return _make_focus(obj, None), _type_of_noun(obj, entry_nouns) or AnswerType.NAME


def _money_verb(root: Any, wh: Any) -> _Found | None:
    """"what does a ride cost": the object of a money verb is an amount."""
    if root is None or root.lemma_.lower() not in MONEY_VERBS or wh is None or wh.lower_ not in {"what", "how"}:
        return None
    subject = next((t for t in root.children if t.dep_ in {"nsubj", "nsubjpass"} and t != wh), None)
    owner = " ".join(t.text for t in subject.subtree) if subject is not None else None
    return Focus(root.lemma_.lower(), root.lemma_.lower(), owner, root.lemma_.lower()), AnswerType.MONEY


def _copula(root: Any, wh: Any, entry_nouns: frozenset[str]) -> _Found | None:
    """"what is the population of X", "who is the mayor of X", "what is X's share price"."""
    if root is None or root.lemma_ != "be":
        return None
    for token in root.children:
        if token.dep_ not in {"attr", "nsubj", "nsubjpass"} or token.pos_ not in {"NOUN", "PROPN"} or token == wh:
            continue
        thing = _named_thing(token)
        named, token = thing is not token, thing
        typed = _type_of_noun(token, entry_nouns) or (AnswerType.NAME if named else None)
        if typed is None and wh is not None and wh.lower_ == "who":
            typed = AnswerType.PERSON if token.pos_ == "NOUN" else AnswerType.NAME
        if typed is not None or (wh is not None and wh.lower_ in {"what", "who"}):
            phrase = _phrase(token)
            return Focus(phrase, token.lemma_.lower(), _owner(token), None, ranked=_ranked(token),
                         whole=_whole(token, phrase), named=named), typed or AnswerType.DESCRIPTION
    return None


def _named_thing(noun: Any) -> Any:
    """"the name of X's flagship product": what is asked about is the thing named (the product), not the word
    "name"; any other noun stands as it is."""
    if noun.lemma_.lower() not in NAMING_NOUNS:
        return noun
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    thing = next((g for g in of.children if g.dep_ == "pobj" and g.pos_ == "NOUN"), None) if of is not None else None
    return thing if thing is not None else noun


def _wh_word(root: Any, wh: Any, verb: str | None) -> _Found | None:
    """The answer type the wh-word itself implies ("when" a date, "who" a name or a person)."""
    wh_type = WH_TYPES.get(wh.lower_) if wh is not None else None
    if not wh_type:
        return None
    kind = AnswerType(wh_type)
    if kind is AnswerType.NAME and verb and wh.lower_ == "who" and wh.dep_ in {"nsubj", "nsubjpass"}:
        kind = AnswerType.PERSON  # "who founded X?" asks for the person who did it
    subject = next((t for t in (root.children if root is not None else []) if t.dep_ in {"nsubj", "nsubjpass"}
                    and t != wh), None)
    owner = " ".join(t.text for t in subject.subtree) if subject is not None else None
    return (Focus(verb, verb, owner, verb) if verb else None), kind


def _typed_noun(doc: Any, wh: Any, verb: str | None) -> _Found | None:
    """A noun that names a type of value anywhere in the question ("what does a ride cost")."""
    typed = next((t for t in doc if t.pos_ == "NOUN" and t.lemma_.lower() in TYPE_NOUNS), None)
    if typed is None or wh is None or wh.lower_ not in {"what", "which"}:
        return None
    return _make_focus(typed, verb), AnswerType(TYPE_NOUNS[typed.lemma_.lower()])
