"""The typed result of question understanding: what kind of question it is, and its slots.

Everything after understanding (retrieval boosts, the router, the answer strategies) reads an `Intent`; nothing
downstream re-parses the question text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class IntentKind(StrEnum):
    """What the question asks for; one answer strategy serves each kind."""

    RANK_LOOKUP = "rank_lookup"  # which entry holds rank N
    ENTRY_RANK = "entry_rank"  # the rank of a named entry
    ORDER = "order"  # top-N, bottom-N, the whole ranking, how many are ranked
    COMPARE = "compare"  # two or more entries side by side
    FILTER = "filter"  # which entries match a condition
    LIST_ENTITIES = "list_entities"  # the companies / universities / names the article gives
    RECOMMEND = "recommend"  # the best entry for a need
    EXPLAIN = "explain"  # why / what makes
    OVERVIEW = "overview"  # tell me about an entry
    SUMMARY = "summary"  # the whole article
    FACT = "fact"  # who, what, where, when, how much, how many
    YES_NO = "yes_no"  # a yes/no claim
    GREETING = "greeting"  # hello, thanks, help
    OUT_OF_SCOPE = "out_of_scope"  # not about the article at all


class AnswerType(StrEnum):
    """The kind of thing a correct answer must contain."""

    ENTRY = "entry"  # one of the ranked entries
    NAME = "name"  # an organisation, product or person
    PERSON = "person"  # a person in a role ("the mayor")
    PLACE = "place"
    DATE = "date"
    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    RANK = "rank"
    REASON = "reason"
    YES_NO = "yes_no"
    DESCRIPTION = "description"  # anything a sentence can say


@dataclass(frozen=True)
class Focus:
    """The thing the question asks for ("mayor", "share price", "users") and whose it is ("Springfield")."""

    phrase: str
    head: str
    owner: str | None = None
    verb: str | None = None  # the main verb when the question asks "who founded …" / "when was … founded"
    plural: bool = False
    heads: tuple[str, ...] = ()  # the head noun and the nouns joined to it ("universities and academies")
    ranked: bool = False  # given a rank ("the 11th waterway"): the noun names an entry, whatever the article calls them
    # the focus with its owner as an English noun phrase, read off the parse: "Springfield's mayor", "the average
    # rent of a flat near the harbour" (a long owner follows its noun), "its population"; None without an owner
    whole: str | None = None
    named: bool = False  # asked for by its name ("the name of X's flagship product"): a name is what answers


@dataclass(frozen=True)
class Comparison:
    """A value compared with a number in a question: "magnitude 9 or more" -> (">=", 9.0, ("magnitude", …)).
    `words` are the question's nouns, the one the number measures first: where to look for the compared column."""

    op: str  # one of ">", ">=", "<", "<="
    value: float
    words: tuple[str, ...]
    year: bool = False  # a year compared by a time preposition ("before 1950"): compared with a date column

    def holds(self, value: float) -> bool:
        """True when `value` satisfies the comparison."""
        return {">": value > self.value, ">=": value >= self.value, "<": value < self.value,
                "<=": value <= self.value}[self.op]


@dataclass(frozen=True)
class Extreme:
    """A superlative in a question: "the most performances" -> (highest, ("performances", …)). `lowest` for a
    superlative that points down ("fewest", "lowest"); `earliest` for one that points to the earliest date."""

    lowest: bool
    earliest: bool
    words: tuple[str, ...]


@dataclass(frozen=True)
class QuestionPolarity:
    """How a yes/no question puts its claim.

    Attributes:
        negated: the question's main clause is negated ("Is X not Y?", "Isn't X Y?", "Is there no Z?").
        biased: the negation sits on the fronted auxiliary ("Isn't X Y?", "Doesn't X do Y?"): in English this
            asks whether X is Y, expecting yes, so it is answered like "Is X Y?". A negation inside the clause
            ("Is X not Y?", "Does X never do Y?") asks whether the negative holds.
        restricted: the claim carries a restrictive focus word as a modifier ("only", "purely", "just").
        restrictors: the stems of those words, which are no content the evidence must share.
        subject: the stemmed terms of the question's subject ("this edition of the list" in "Is this edition of
            the list data-driven?"): they name what the claim is about, the rest is the claim.
        negated_terms: the stemmed terms of the question's negated clauses, the main one or one inside it ("code
            that does not protect"): the evidence clause that shares them is compared with that clause.
    """

    negated: bool = False
    biased: bool = False
    restricted: bool = False
    restrictors: frozenset[str] = frozenset()
    subject: frozenset[str] = frozenset()
    negated_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Intent:
    """One understood question.

    Attributes:
        kind: what the question asks for.
        confidence: the classifier's probability for `kind`.
        text: the standalone question (follow-ups resolved, Chinese names mapped, injected instructions removed).
        raw: the standalone question before translation (what the multilingual retriever embeds).
        entries: ranked entries named (or implied by a rank), in order of mention.
        names: other names from the article (organisations, products, places) that the question mentions.
        unknown_names: names the question mentions that the article never does.
        unknown_proper_names: those of `unknown_names` the question writes as proper names (capitalised, and
            not only because they open the question: "Max subsidy …" is a word, "… Acme Research Zedland …" a name).
        unranked_places: places named that are not among the ranked entries.
        unranked_names: names of the article that a question about ranks gives, when none of them belongs to a
            ranked entry (the article mentions them, but doesn't rank them).
        ranks: ranks referred to ("3rd", "runner-up", "last").
        top_n / bottom_n: a top-N or bottom-N request.
        relation: "higher", "lower", "between", "after" or "before" between entries or ranks.
        offset: how many places along the relation ("two spots below X": 2).
        answer_type: what a correct answer must contain.
        wh: the question word ("which", "how", "why" …), if any.
        focus: the thing asked for, when the question names one.
        polar: True for a yes/no question.
        negated: True when the question is negated ("isn't", "not").
        terms: stemmed content terms, for retrieval and scoring.
        injection: True when instructions inside the question were dropped.
        criterion: the superlative or comparative read as the ranking's own criterion ("most visited"), which
            the ranks (or the relation) of the intent already stand for.
        years: the years the question names ("in 2019"), in order of mention.
        numbers: the numbers the question states, scale words applied ("$2.8M" -> 2.8e6).
        fractions: the fractions it states in words, as percentages ("half" -> 50).
        comparison: a value compared with a number ("magnitude 9 or more"), if any.
        extreme: the superlative it asks for ("the most performances"), if any.
        comparative: the comparative it compares two or more named entries by ("Is X taller than Y?", "which has
            more floors, X or Y?"), as an `Extreme` (its direction and the words it is said of), if any.
        particles: the particles of its phrasal verbs ("moved up" -> "up").
        polarity: how a yes/no question puts its claim (negation, restriction, subject).
        clause: the question as an indirect clause ("who founded X"), for saying what the article doesn't say.
        asks_nothing: nothing is left to answer (the message held only instructions, which were dropped).
        topical: some of its content terms are more than the words of any question about the ranking (the
            ranked noun, rank words, the words in most of the article's sentences).
        focus_known: the article uses the focus's head noun (or a synonym or close form of it).
        entry_focus: the focus is what the article ranks ("which cities", "the entries").
        rank_holders: the entries at the ranks asked about, for the ranks some entry holds.
        overrides: the names of the kind overrides that corrected the classifier (in order).
        alternatives: the stemmed terms of each side of an "or" between noun phrases ("ferries or tugboats"),
            each enough for a match; empty without one.
        need: the question's content words once its frame is set aside (the words that questions share, whatever
            they are about: "best", "recommend", "startup", "suits"), in order: "robotics" of "I'm opening a
            robotics startup, which one suits me?". What a recommendation or a filter scores the entries against;
            empty when nothing is left.
    """

    kind: IntentKind
    text: str
    raw: str = ""
    confidence: float = 1.0
    entries: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    unknown_names: tuple[str, ...] = ()
    unknown_proper_names: tuple[str, ...] = ()
    unranked_places: tuple[str, ...] = ()
    unranked_names: tuple[str, ...] = ()
    ranks: tuple[int, ...] = ()
    top_n: int | None = None
    bottom_n: int | None = None
    relation: str | None = None
    offset: int = 1
    answer_type: AnswerType = AnswerType.DESCRIPTION
    wh: str | None = None
    focus: Focus | None = None
    polar: bool = False
    negated: bool = False
    terms: tuple[str, ...] = ()
    injection: bool = False
    criterion: str | None = None
    vector: object = field(default=None, repr=False, compare=False)
    years: tuple[str, ...] = ()
    numbers: frozenset[float] = frozenset()
    fractions: frozenset[float] = frozenset()
    comparison: Comparison | None = None
    extreme: Extreme | None = None
    comparative: Extreme | None = None
    particles: frozenset[str] = frozenset()
    polarity: QuestionPolarity = field(default_factory=QuestionPolarity)
    clause: str | None = None
    asks_nothing: bool = False
    topical: bool = False
    focus_known: bool = False
    entry_focus: bool = False
    rank_holders: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    need: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, ...], ...] = ()
