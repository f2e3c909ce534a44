"""The route table of the answer engine (`app/answer/routes.py`): one test per route, each on a made-up intent and
made-up signals, so a route can be read and checked alone; the table's validation; and the route recorded on an
answer."""

from __future__ import annotations

from typing import Any

import pytest

from app.answer.routes import ROUTES, Route, RouteTable, Signals, always
from app.answer.strategies.fact import Fact
from app.chatbot import Chatbot
from app.understand.intent import AnswerType, Focus, Intent, IntentKind

K = IntentKind
A = AnswerType


def intent(kind: IntentKind = K.FACT, **slots: Any) -> Intent:
    """A made-up understood question: only the slots a route reads matter."""
    return Intent(kind=kind, text=slots.pop("text", "(a made-up question)"), **slots)


def signals(**values: bool) -> Signals:
    """Signals of an article that has a ranking, unless told otherwise."""
    return Signals(**{"ranking": True, **values})


def focus(phrase: str, head: str, *, plural: bool = False) -> Focus:
    return Focus(phrase=phrase, head=head, plural=plural, heads=(head,))


ONE = ("Zedville",)
TWO = ("Zedville", "Yarrow")

# route -> (a made-up intent it serves, the signals of the article for it)
CASES: dict[str, tuple[Intent, Signals]] = {
    "instructions_only": (intent(K.OUT_OF_SCOPE, text="", asks_nothing=True), signals()),
    "greeting": (intent(K.GREETING), signals()),
    "greeting_about_the_article": (intent(K.GREETING, entries=ONE), signals()),
    "criterion_claim": (intent(K.EXPLAIN, entries=ONE, ranks=(1,), criterion="tallest"), signals()),
    "table_column": (intent(K.FILTER), signals(column=True)),
    "column_comparison": (intent(K.YES_NO, polar=True, entries=TWO), signals(column_pair=True)),
    "out_of_scope_top_n": (intent(K.OUT_OF_SCOPE, top_n=3), signals()),
    "out_of_scope_typed_list": (intent(K.OUT_OF_SCOPE, answer_type=A.MONEY, focus=focus(
        "dollar amounts", "amount", plural=True)), signals(typed=True)),
    "out_of_scope_but_matching": (intent(K.OUT_OF_SCOPE, names=("Acme Port",)), signals()),
    "out_of_scope": (intent(K.OUT_OF_SCOPE), signals()),
    "homes_of_names": (intent(K.FACT, names=("Acme Port",), answer_type=A.ENTRY, focus=focus(
        "towns", "town", plural=True)), signals()),
    "top_n_asked_as_fact": (intent(K.FACT, top_n=3, answer_type=A.ENTRY, entry_focus=True, focus=focus(
        "best towns", "town", plural=True)), signals()),
    "entries_tied_at_a_rank": (intent(K.FACT, ranks=(3,), answer_type=A.NAME, focus=focus(
        "people", "people", plural=True)), signals(tied=True)),
    "list_names": (intent(K.FACT, answer_type=A.NAME, focus=focus("universities", "university", plural=True)),
                   signals()),
    "entries_of_a_kind": (intent(K.FILTER, answer_type=A.ENTRY, entry_focus=True, focus=focus(
        "towns", "town", plural=True)), signals()),
    "top_n_lookup": (intent(K.RANK_LOOKUP, top_n=2), signals()),
    "rank_lookup": (intent(K.RANK_LOOKUP, ranks=(4,)), signals()),
    "entry_rank": (intent(K.ENTRY_RANK, entries=ONE), signals()),
    "rank_question_without_ranking": (intent(K.ENTRY_RANK, entries=ONE), signals(ranking=False)),
    "how_the_order_was_made": (intent(K.ORDER, wh="how"), signals(making=True)),
    "how_the_order_reads": (intent(K.ORDER, wh="how", topical=True), signals()),
    "how_they_were_picked": (intent(K.FILTER, wh="how"), signals(making=True)),
    "the_making_asked_as_an_order": (intent(K.ORDER, answer_type=A.DESCRIPTION, wh="what", focus=focus("grounds",
                                                                                                   "ground")),
                                     signals(making=True, method_focus=True)),
    "order_of_named_entries": (intent(K.ORDER, entries=TWO), signals()),
    "one_rank_of_a_list": (intent(K.ORDER, ranks=(1,), focus=focus("waterway", "waterway")), signals()),
    "order": (intent(K.ORDER, top_n=5), signals()),
    "order_without_ranking": (intent(K.ORDER), signals(ranking=False)),
    "rank_comparison": (intent(K.COMPARE, entries=TWO, relation="up"), signals()),
    "neighbour_comparison": (intent(K.COMPARE, entries=ONE, relation="down", answer_type=A.ENTRY), signals()),
    "compare": (intent(K.COMPARE, entries=TWO, topical=True), signals()),
    "the_making_asked_as_a_selection": (intent(K.FILTER, answer_type=A.NAME, focus=focus("grounds", "ground")),
                                        signals(making=True, method_focus=True)),
    "filter": (intent(K.FILTER, topical=True), signals()),
    "list_entities": (intent(K.LIST_ENTITIES, answer_type=A.NAME), signals()),
    "recommend": (intent(K.RECOMMEND, topical=True), signals()),
    "explain_several": (intent(K.EXPLAIN, entries=TWO), signals()),
    "explain": (intent(K.EXPLAIN, entries=ONE, wh="why"), signals()),
    "overview": (intent(K.OVERVIEW, entries=ONE), signals()),
    "overview_of_a_topic": (intent(K.OVERVIEW, entries=ONE, topical=True), signals()),
    "summary_of_entries": (intent(K.SUMMARY, entries=ONE), signals()),
    "specific_summary": (intent(K.SUMMARY, topical=True), signals(strong=True, specific=True)),
    "summary": (intent(K.SUMMARY), signals()),
    "yes_no": (intent(K.YES_NO, polar=True, answer_type=A.YES_NO, entries=ONE, topical=True), signals()),
    "rank_of_an_entry": (intent(K.FACT, entries=ONE, answer_type=A.RANK), signals()),
    "neighbour": (intent(K.FACT, entries=ONE, relation="down", answer_type=A.ENTRY, wh="which"), signals()),
    "entries_side_by_side": (intent(K.FACT, entries=TWO, topical=True), signals()),
    # "how many …" reads one quantity: the focus is not plural
    "count_of_entries": (intent(K.FACT, answer_type=A.COUNT, entry_focus=True, focus=focus("towns", "town")),
                         signals()),
    "entry_at_a_rank": (intent(K.FACT, ranks=(4,)), signals()),
    "criterion_end": (intent(K.FACT, ranks=(1,), criterion="most visited", topical=True, answer_type=A.NAME),
                      signals()),
    "value_of_the_entry_at_a_rank": (intent(K.FACT, ranks=(2,), topical=True, answer_type=A.NAME, focus=focus(
        "boat", "boat"), rank_holders=("Zedville",)), signals(attribute=True)),
    "criteria_of_the_ranking": (intent(K.FACT, answer_type=A.NAME, focus=focus("criteria", "criterion")),
                                signals(method_words=True)),
    "fact": (intent(K.FACT, answer_type=A.PERSON, topical=True, entries=ONE), signals()),
}


def test_every_route_has_its_test() -> None:
    assert set(CASES) == set(ROUTES.names)


@pytest.mark.parametrize("name", list(CASES))
def test_route(name: str) -> None:
    made_up, article = CASES[name]
    route = ROUTES.match(made_up, article)
    assert route.name == name, f"{made_up!r} went to {route.name}"
    assert route.chain == ROUTES[name].chain


def test_the_last_route_is_the_catch_all() -> None:
    assert ROUTES.routes[-1].when is always
    # whatever the slots, some route serves the question
    assert ROUTES.match(intent(K.FACT), signals(ranking=False)).name == "fact"


def test_a_route_table_is_validated_when_built() -> None:
    catch_all = Route("fact", "Everything else.", always, (Fact,))
    with pytest.raises(ValueError, match="catch-all"):
        RouteTable([Route("only", "No catch-all.", lambda i, s: True, (Fact,))])
    with pytest.raises(ValueError, match="used twice"):
        RouteTable([Route("fact", "One.", lambda i, s: False, (Fact,)), catch_all])
    with pytest.raises(ValueError, match="chain of Strategy"):
        RouteTable([Route("empty", "No chain.", lambda i, s: False, ()), catch_all])
    with pytest.raises(ValueError, match="chain of Strategy"):
        RouteTable([Route("not_a_strategy", "A string.", lambda i, s: False, (str,)), catch_all])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="snake_case"):
        RouteTable([Route("Bad Name", "Spaces.", lambda i, s: False, (Fact,)), catch_all])
    with pytest.raises(ValueError, match="description"):
        RouteTable([Route("blank", " ", lambda i, s: False, (Fact,)), catch_all])


def test_the_answer_records_the_route_that_served_it(rivers_bot: Chatbot) -> None:
    second = rivers_bot.engine.kb.ranking[1]
    answer = rivers_bot.ask("Which river holds the 2nd place?")
    assert answer.route == "rank_lookup" and second.name in answer.text
    assert answer.to_dict()["route"] == "rank_lookup"
    assert rivers_bot.ask("Who is the mayor of Brightwater?").route.startswith("refused_")


def test_listing_the_entries_under_their_own_name_is_the_order_not_the_method() -> None:
    """"List the five reasons" of a ranking of reasons: "reasons" is what the article ranks, not a question word."""
    listed = intent(K.ORDER, answer_type=A.DESCRIPTION, entry_focus=True, focus=focus("reasons", "reason",
                                                                                      plural=True))
    assert ROUTES.match(listed, signals(making=True, method_focus=True)).name == "order"


def test_off_topic_about_a_named_entry_is_answered_only_when_the_article_has_the_topic() -> None:
    named = intent(K.OUT_OF_SCOPE, names=("Acme Port",))
    assert ROUTES.match(named, signals(topic_known=False)).name == "out_of_scope"
    assert ROUTES.match(named, signals(topic_known=True)).name == "out_of_scope_but_matching"
