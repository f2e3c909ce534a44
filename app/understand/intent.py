"""The typed result of question understanding: what kind of question it is, and its slots.

Everything after understanding (retrieval boosts, the router, the answer strategies) reads an `Intent`; nothing
downstream re-parses the question text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
        vector: the question's embedding (shared with retrieval).
    """

    kind: IntentKind
    text: str
    raw: str = ""
    confidence: float = 1.0
    entries: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    unknown_names: tuple[str, ...] = ()
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

    def with_kind(self, kind: IntentKind) -> Intent:
        """The same intent routed as another kind."""
        return replace(self, kind=kind)
