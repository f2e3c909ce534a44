"""The routes of the answer engine as data, after Haystack's `ConditionalRouter`: named routes, each a predicate
over the `Intent` (the understood question) and the `Signals` (how the article matches it), and the chain of
strategies to try, the first that answers wins. Routes are tried in order and the first match wins; the last route
is the catch-all, so a question always has a route. `Router` evaluates this table; the name of the route that
served a question is recorded on its answer (`Answer.route`) and counted in the eval report.

Kinds and answer types are final here (`app.understand.overrides` corrected them); a route reads slots and
signals only, never the question's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.answer.strategies.base import Strategy
from app.answer.strategies.column_compare import ColumnCompare
from app.answer.strategies.compare import Compare, Together
from app.answer.strategies.conversation import Greeting, OutOfScope
from app.answer.strategies.fact import Fact, RankHolderFact
from app.answer.strategies.homes import Homes
from app.answer.strategies.overview import Explain, Overview
from app.answer.strategies.ranking import EntryRank, Order, RankLookup
from app.answer.strategies.selection import ColumnFilter, Filter, ListEntities, Recommend
from app.answer.strategies.summary import Method, Summary
from app.answer.strategies.yes_no import YesNo
from app.understand.intent import AnswerType, Intent, IntentKind
from ingest.core.lexicon import HOW_WHY, NAME_NOUNS, UP_DOWN

K = IntentKind
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VALUE_TYPES = frozenset({AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE})
_AMOUNTS = frozenset({AnswerType.MONEY, AnswerType.PERCENT, AnswerType.COUNT, AnswerType.DATE})
_ASKS_FOR_VALUE = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.COUNT,
                             AnswerType.PERCENT})


@dataclass(frozen=True)
class Signals:
    """How the article matches a question (computed per question by `Router.signals`).

    Attributes:
        ranking: the article has a ranking.
        strong: some sentence is close to the question in meaning or terms.
        specific: the question's own terms pick out particular sentences.
        typed: the question asks for a type of value (an amount, a date …) that the article has.
        column: the question compares values of a ranking table's column ("magnitude 9 or more").
        column_pair: the question compares named entries by a ranking table's column ("Is X taller than Y?").
        making: the question is about how the ranking was made ("how were these chosen?").
        method_words: the focus is a word people ask with ("criteria", "basis") that the article doesn't use,
            beside words of the ranking itself ("what criteria were used to rank them?").
        method_focus: the focus is a word people ask with ("basis", "grounds"), whether or not the article
            uses it too.
        tied: the one rank the question names is held by several entries (a tie).
        attribute: the focus names a column of the ranking's table, a value every entry has ("which boat").
        topic_known: what the question asks beyond the names it gives is in the article (the IDF-weighted share of
            those terms the article has is at least `strong_coverage`, or there is nothing beyond the names):
            "what's the weather in <entry> tomorrow?" names an entry but asks about nothing the article has.
    """

    ranking: bool = False
    strong: bool = False
    specific: bool = False
    typed: bool = False
    column: bool = False
    column_pair: bool = False
    making: bool = False
    method_words: bool = False
    method_focus: bool = False
    tied: bool = False
    attribute: bool = False
    topic_known: bool = True


Predicate = Callable[[Intent, Signals], bool]


@dataclass(frozen=True)
class Route:
    """One route: a name, what it serves (with a made-up example), its condition and its strategy chain."""

    name: str
    description: str
    when: Predicate
    chain: tuple[type[Strategy], ...]


def always(intent: Intent, signals: Signals) -> bool:
    """The catch-all condition of the last route."""
    return True


class RouteTable:
    """An ordered, validated list of routes; `match` returns the first whose condition holds.

    Raises:
        ValueError: a name is not snake_case or repeats, a description is empty, a chain is empty or holds
            something that is not a `Strategy`, or the last route is not the catch-all (`when=always`).
    """

    def __init__(self, routes: Sequence[Route]) -> None:
        if not routes or routes[-1].when is not always:
            raise ValueError("the last route must be the catch-all (when=always): every question needs a route")
        seen: set[str] = set()
        for route in routes:
            if not _NAME.match(route.name):
                raise ValueError(f"route name must be snake_case: {route.name!r}")
            if route.name in seen:
                raise ValueError(f"route name {route.name!r} is used twice")
            if not route.description.strip():
                raise ValueError(f"route {route.name!r} needs a description")
            if not route.chain or not all(isinstance(c, type) and issubclass(c, Strategy) for c in route.chain):
                raise ValueError(f"route {route.name!r} needs a chain of Strategy classes, got {route.chain!r}")
            seen.add(route.name)
        self.routes: tuple[Route, ...] = tuple(routes)

    def match(self, intent: Intent, signals: Signals) -> Route:
        """The first route whose condition holds (the catch-all when no other does)."""
        return next(r for r in self.routes if r.when(intent, signals))

    def __getitem__(self, name: str) -> Route:
        return next(r for r in self.routes if r.name == name)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.routes]

    @property
    def strategies(self) -> set[type[Strategy]]:
        """Every strategy some route tries."""
        return {cls for route in self.routes for cls in route.chain}


# -- conditions shared by several routes -----------------------------------------------------------------
def _about(i: Intent) -> bool:
    return bool(i.entries or i.names)


def _top_or_bottom(i: Intent) -> bool:
    return bool(i.top_n or i.bottom_n)


def _listable(i: Intent) -> bool:
    """The question asks for a list of names ("which universities …") or of values ("every amount"), not of
    the ranked entries and not a count."""
    focus = i.focus
    if focus is None or not focus.plural or i.polar or i.entry_focus or i.answer_type is AnswerType.COUNT:
        return False
    return bool(set(focus.heads or (focus.head,)) & NAME_NOUNS) or i.answer_type in _VALUE_TYPES


def _about_whole_ranking(i: Intent) -> bool:
    return not (i.entries or i.names or i.ranks or i.top_n or i.bottom_n or i.polar)


def _kind(*kinds: IntentKind) -> Callable[[Intent], bool]:
    wanted = frozenset(kinds)
    return lambda i: i.kind in wanted


_LISTABLE_KINDS = _kind(K.FACT, K.FILTER, K.LIST_ENTITIES, K.SUMMARY, K.OVERVIEW, K.ENTRY_RANK, K.RANK_LOOKUP)
_HOMES_KINDS = frozenset({K.FACT, K.FILTER, K.LIST_ENTITIES})
_TOP_N_KINDS = frozenset({K.FACT, K.FILTER, K.LIST_ENTITIES, K.SUMMARY, K.OVERVIEW})
_ENTRIES_OF_A_KIND_KINDS = _kind(K.FACT, K.FILTER, K.LIST_ENTITIES, K.ENTRY_RANK, K.EXPLAIN, K.OVERVIEW, K.SUMMARY)


def _how_ordered(i: Intent) -> bool:
    """"How was the order decided?" asks about the method, not for the order."""
    return i.kind is K.ORDER and i.wh in HOW_WHY and i.answer_type is not AnswerType.COUNT and not _top_or_bottom(i)


ROUTES = RouteTable([
    # -- conversation ------------------------------------------------------------------------------------
    Route("instructions_only", "The message held only instructions, which were dropped: nothing to answer.",
          lambda i, s: i.asks_nothing, (OutOfScope,)),
    Route("greeting", "\"Hi, what can you do?\": help with example questions.",
          lambda i, s: i.kind is K.GREETING and not _about(i) and not i.ranks, (Greeting,)),
    Route("greeting_about_the_article", "\"Thanks! And who is first?\": a greeting that names the article's "
          "things is a question about them.", lambda i, s: i.kind is K.GREETING, (Fact,)),
    # -- before the kinds: slots that settle the question ------------------------------------------------
    Route("criterion_claim", "\"Why is Zedville the tallest tower?\": the rank the criterion claims is checked, "
          "then the why.", lambda i, s: bool(i.criterion) and len(i.entries) == 1 and bool(i.ranks) and not i.polar
          and s.ranking, (Explain, Fact)),
    Route("table_column", "\"Which ones have a magnitude of 9 or more?\": a comparison over a ranking table's "
          "column.", lambda i, s: s.ranking and not i.polar and s.column, (ColumnFilter, Filter, Fact)),
    Route("column_comparison", "\"Is Zedville taller than Yarrow?\", \"which has more floors, Zedville or Yarrow?\": "
          "named entries compared by a ranking table's column.", lambda i, s: s.ranking and s.column_pair,
          (ColumnCompare, EntryRank, Compare, Fact)),
    Route("out_of_scope_top_n", "\"List the editor's favourite three, please\": the classifier says off-topic, but a "
          "top-N of what the article ranks (or talks about) is its ranking.",
          lambda i, s: i.kind is K.OUT_OF_SCOPE and s.ranking and _top_or_bottom(i) and not i.entries and (
              i.focus is None or i.entry_focus or i.focus_known), (Order, Fact)),
    Route("out_of_scope_typed_list", "\"List every dollar amount\": the classifier says off-topic, but the "
          "article has values of that type.", lambda i, s: i.kind is K.OUT_OF_SCOPE and _listable(i) and s.typed,
          (ListEntities,)),
    Route("out_of_scope_but_matching", "The classifier says off-topic, but the question names the article's "
          "things or the article matches it well, and what it asks beyond those names is in the article.",
          lambda i, s: i.kind is K.OUT_OF_SCOPE and s.topic_known and (_about(i) or s.strong or s.typed), (Fact,)),
    Route("out_of_scope", "\"What's the weather like?\": not about the article.",
          lambda i, s: i.kind is K.OUT_OF_SCOPE, (OutOfScope,)),
    Route("homes_of_names", "\"Which two towns is Acme Port tied to?\", \"where are Acme and Bolt based?\": every "
          "entry whose section mentions each name.", lambda i, s: i.kind in _HOMES_KINDS and bool(i.names)
          and not i.entries and not i.ranks and not i.polar and not _top_or_bottom(i) and s.ranking and (
              i.entry_focus or i.answer_type in {AnswerType.ENTRY, AnswerType.PLACE}), (Homes, Filter, Fact)),
    Route("top_n_asked_as_fact", "\"What are the three best towers of 2031?\": a top (or bottom) N with no topic "
          "beyond the ranking's own words is its order, whatever kind the classifier says.",
          lambda i, s: i.kind in _TOP_N_KINDS and _top_or_bottom(i) and not i.topical and not i.entries
          and not i.ranks and not i.polar and s.ranking and (i.focus is None or i.entry_focus or i.focus_known)
          and i.answer_type in {AnswerType.ENTRY, AnswerType.NAME, AnswerType.DESCRIPTION}, (Order, Fact)),
    Route("entries_tied_at_a_rank", "\"Which people tied for third?\": a plural question about a rank several "
          "entries share asks for them, whatever word it uses for them.", lambda i, s: s.tied and len(i.ranks) == 1
          and not i.entries and not i.polar and i.focus is not None and i.focus.plural, (RankLookup, ListEntities)),
    Route("list_names", "\"Which universities does it name?\": a list of names (or values) the article gives.",
          lambda i, s: _listable(i) and _LISTABLE_KINDS(i), (ListEntities, Fact)),
    Route("entries_of_a_kind", "\"Which cities are coastal?\": the ranked entries that match a condition.",
          lambda i, s: i.entry_focus and i.focus is not None and i.focus.plural and not i.entries and s.ranking
          and _ENTRIES_OF_A_KIND_KINDS(i) and not i.ranks, (Filter, Fact)),
    # -- ranks ---------------------------------------------------------------------------------------------
    Route("top_n_lookup", "\"Which are the two shortest?\": a top (or bottom) N asked as a rank lookup.",
          lambda i, s: i.kind is K.RANK_LOOKUP and _top_or_bottom(i) and not i.ranks and not i.entries
          and s.ranking, (Order, Fact)),
    Route("rank_lookup", "\"Which one is ranked 4th?\", \"who comes after Zedville?\".",
          lambda i, s: i.kind is K.RANK_LOOKUP and s.ranking, (RankLookup, EntryRank, Fact)),
    Route("entry_rank", "\"Where does Zedville rank?\", \"is Zedville in the top 3?\".",
          lambda i, s: i.kind is K.ENTRY_RANK and s.ranking, (EntryRank, RankLookup, Fact)),
    Route("rank_question_without_ranking", "A rank question about an article with no ranking.",
          lambda i, s: i.kind in {K.RANK_LOOKUP, K.ENTRY_RANK}, (Fact,)),
    Route("how_the_order_was_made", "\"How was the order decided?\": the article's method.",
          lambda i, s: _how_ordered(i) and s.making, (Method, Fact, Summary)),
    Route("how_the_order_reads", "\"How do the top ones differ from the rest?\": how-questions about the order "
          "that are about a topic.", lambda i, s: _how_ordered(i), (Fact, Summary)),
    Route("how_they_were_picked", "\"How were these picked?\" names no condition to filter by: the method.",
          lambda i, s: i.kind is K.FILTER and i.wh in HOW_WHY and s.making
          and i.answer_type in {AnswerType.DESCRIPTION, AnswerType.REASON}, (Method, Filter, Fact)),
    Route("the_making_asked_as_an_order", "\"On what grounds were the towers put in this order?\": an order "
          "question whose focus is a word of questions, about the ranking as a whole: its method.",
          lambda i, s: i.kind is K.ORDER and s.making and s.method_focus and _about_whole_ranking(i)
          and i.wh is not None and not i.entry_focus and i.answer_type is not AnswerType.COUNT, (Method, Order)),
    Route("order_of_named_entries", "\"Put Zedville and Yarrow in order\": their ranks.",
          lambda i, s: i.kind is K.ORDER and bool(i.entries) and not _top_or_bottom(i), (EntryRank, Order)),
    Route("one_rank_of_a_list", "\"The number one waterway in the Top 5\": one rank, not the order.",
          lambda i, s: i.kind is K.ORDER and bool(i.ranks) and not _top_or_bottom(i) and s.ranking
          and i.focus is not None and not i.focus.plural, (RankLookup, Order)),
    Route("order", "\"List the top 5\", \"the whole ranking\", \"how many are ranked?\".",
          lambda i, s: i.kind is K.ORDER and s.ranking, (Order, Fact)),
    Route("order_without_ranking", "An order asked of an article with no ranking: its summary.",
          lambda i, s: i.kind is K.ORDER, (Summary,)),
    # -- comparison -----------------------------------------------------------------------------------------
    Route("rank_comparison", "\"Is Zedville ranked above Yarrow?\": which ranks higher (or what lies between).",
          lambda i, s: i.kind is K.COMPARE and len(i.entries) >= 2 and i.relation in {"up", "down", "between"}
          and not i.topical, (EntryRank, Compare)),
    Route("neighbour_comparison", "\"Which one is ranked below Zedville?\": one side and a direction.",
          lambda i, s: i.kind is K.COMPARE and len(i.entries) == 1 and i.relation in UP_DOWN
          and i.wh not in HOW_WHY and i.answer_type in {AnswerType.ENTRY, AnswerType.NAME} and s.ranking,
          (RankLookup, Compare, Fact)),
    Route("compare", "\"Compare Zedville and Yarrow.\"", lambda i, s: i.kind is K.COMPARE,
          (Compare, Filter, Overview, Fact)),
    # -- selection ------------------------------------------------------------------------------------------
    Route("the_making_asked_as_a_selection", "\"On what grounds were the towns picked, was it size?\": a "
          "selection question whose focus is a word of questions, about the ranking as a whole: its method.",
          lambda i, s: i.kind in {K.FILTER, K.LIST_ENTITIES} and s.making and s.method_focus
          and _about_whole_ranking(i), (Method, Filter, Fact)),
    Route("filter", "\"Which ones focus on shipping?\"", lambda i, s: i.kind is K.FILTER, (Filter, Fact)),
    Route("list_entities", "\"Which companies does it mention?\"", lambda i, s: i.kind is K.LIST_ENTITIES,
          (ListEntities, Filter, Fact)),
    Route("recommend", "\"Where should a ferry startup go?\"", lambda i, s: i.kind is K.RECOMMEND,
          (Recommend, Fact)),
    # -- entries --------------------------------------------------------------------------------------------
    Route("explain_several", "\"Why are Zedville and Yarrow ahead?\": both sides, then the why.",
          lambda i, s: i.kind is K.EXPLAIN and len(i.entries) >= 2, (Together, Compare, Explain, Fact)),
    Route("explain", "\"Why is Zedville first?\", \"what makes Yarrow good for ports?\".",
          lambda i, s: i.kind is K.EXPLAIN, (Explain, Fact)),
    Route("overview", "\"Tell me about Zedville.\"", lambda i, s: i.kind is K.OVERVIEW and not i.topical,
          (Overview, Summary)),
    Route("overview_of_a_topic", "\"Tell me about Zedville's ferries.\": the entry's sentences on that.",
          lambda i, s: i.kind is K.OVERVIEW, (Overview, Fact)),
    # -- the article ----------------------------------------------------------------------------------------
    Route("summary_of_entries", "\"Sum up Zedville.\": an overview of the entry.",
          lambda i, s: i.kind is K.SUMMARY and bool(i.entries), (Overview, Summary)),
    Route("specific_summary", "\"Summarize what it says about ferries.\": the sentences on that first.",
          lambda i, s: i.kind is K.SUMMARY and s.specific, (Fact, Summary)),
    Route("summary", "\"Summarize the article.\"", lambda i, s: i.kind is K.SUMMARY, (Summary, Fact)),
    Route("yes_no", "\"Is Zedville known for ferries?\"", lambda i, s: i.kind is K.YES_NO, (YesNo, Fact)),
    # -- fact questions that the ranking answers ---------------------------------------------------------
    Route("rank_of_an_entry", "\"What position did Zedville reach?\"", lambda i, s: i.kind is K.FACT
          and bool(i.entries) and i.answer_type is AnswerType.RANK and s.ranking, (EntryRank, Fact)),
    Route("neighbour", "\"Which one comes right after Zedville?\"", lambda i, s: i.kind is K.FACT
          and len(i.entries) == 1 and i.relation in UP_DOWN and s.ranking and i.answer_type in {
              AnswerType.ENTRY, AnswerType.NAME, AnswerType.DESCRIPTION} and i.wh not in HOW_WHY,
          (RankLookup, Fact)),
    Route("entries_side_by_side", "\"What do Zedville and Yarrow have in common?\"", lambda i, s: i.kind is K.FACT
          and len(i.entries) >= 2 and not i.ranks and s.ranking, (Compare, Fact)),
    Route("count_of_entries", "\"How many cities are there?\"", lambda i, s: i.kind is K.FACT
          and i.answer_type is AnswerType.COUNT and i.entry_focus and s.ranking, (Order,)),
    Route("entry_at_a_rank", "\"Who is 4th?\" asked as a fact question.", lambda i, s: i.kind is K.FACT
          and bool(i.ranks) and not i.entries and not i.topical and s.ranking, (RankLookup, Fact)),
    Route("criterion_end", "\"What was the region's most visited museum?\": the entry at that end.",
          lambda i, s: i.kind is K.FACT and bool(i.criterion) and bool(i.ranks) and not i.entries and s.ranking
          and i.answer_type not in _ASKS_FOR_VALUE, (RankLookup, Fact)),
    Route("value_of_the_entry_at_a_rank", "\"What boat did the runner-up sail?\": a value of the entry that holds "
          "the rank, as if the question had named it.", lambda i, s: i.kind is K.FACT and len(i.ranks) == 1
          and not i.entries and not i.criterion and i.topical and i.focus is not None and not i.entry_focus
          and bool(i.rank_holders) and s.ranking and (s.attribute or i.answer_type in _AMOUNTS),
          (RankHolderFact, Fact)),
    Route("criteria_of_the_ranking", "\"What criteria were used to rank them?\": how the ranking was made.",
          lambda i, s: i.kind is K.FACT and s.ranking and _about_whole_ranking(i)
          and i.answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION} and s.method_words, (Method, Fact)),
    Route("fact", "Everything else: the article's best sentences, led by the value asked for.", always, (Fact,)),
])
