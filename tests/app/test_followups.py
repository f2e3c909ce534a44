"""The follow-up resolver (`app.understand.followups`) over a made-up ranking of podcasts: pronouns, pairs,
moving along the ranking and "what about X?" rewritten into standalone questions."""

from __future__ import annotations

import pytest

from app.understand.article import ArticleTerms
from app.understand.followups import FollowUpResolver
from app.understand.names import NameFinder
from app.understand.rewrite import QuestionRewriter

SHOWS = ["Tin Kettle Radio", "Moss and Marrow", "Lantern Hours", "The Slow Ferry"]
RANK_OF = {name: i + 1 for i, name in enumerate(SHOWS)}
ENTRY_AT = {i + 1: name for i, name in enumerate(SHOWS)}


@pytest.fixture(scope="module")
def resolver() -> FollowUpResolver:
    article = ArticleTerms(entries=SHOWS, noun="podcast", names=["Gullwing Studios"],
                           aliases={"Lantern Hours": ["灯笼时光"]})
    names = NameFinder(article)
    return FollowUpResolver(names, QuestionRewriter(article, names).translate, article.noun)


def resolve(resolver: FollowUpResolver, question: str, *history: tuple[str, str]) -> str:
    return resolver.resolve(question, list(history), RANK_OF, ENTRY_AT)


def test_a_question_that_stands_alone_is_unchanged(resolver: FollowUpResolver) -> None:
    assert resolve(resolver, "Who hosts Lantern Hours?") == "Who hosts Lantern Hours?"
    assert resolve(resolver, "Who hosts it?") == "Who hosts it?"  # no conversation: nothing to resolve


def test_pronouns_become_the_entry_under_discussion(resolver: FollowUpResolver) -> None:
    turn = ("Tell me about Moss and Marrow", "…")
    assert resolve(resolver, "Who hosts it?", turn) == "Who hosts Moss and Marrow?"
    assert resolve(resolver, "How long are its episodes?", turn) == "How long are Moss and Marrow's episodes?"
    assert resolve(resolver, "When did that podcast start?", turn) == "When did Moss and Marrow start?"


def test_the_two_become_the_entries_of_the_last_turn(resolver: FollowUpResolver) -> None:
    turn = ("Compare Tin Kettle Radio and The Slow Ferry", "…")
    assert resolve(resolver, "Which of the two is longer?", turn) == \
        "Which of Tin Kettle Radio and The Slow Ferry is longer?"


def test_next_and_previous_move_along_the_ranking(resolver: FollowUpResolver) -> None:
    turn = ("Tell me about Moss and Marrow", "…")
    assert resolve(resolver, "And the next one?", turn) == "And Lantern Hours?"
    assert resolve(resolver, "Who hosts the one before it?", turn) == "Who hosts Tin Kettle Radio?"
    last = ("Tell me about The Slow Ferry", "…")
    assert resolve(resolver, "And the next one?", last) == "And the next one?"  # nothing after the last


def test_what_about_repeats_the_last_question_with_the_new_entry(resolver: FollowUpResolver) -> None:
    turn = ("Who hosts Tin Kettle Radio?", "…")
    assert resolve(resolver, "What about Lantern Hours?", turn) == "Who hosts Lantern Hours?"


def test_the_history_is_replayed_and_answers_lend_their_leading_entry(resolver: FollowUpResolver) -> None:
    first = ("Tell me about Lantern Hours", "…")
    second = ("Who hosts it?", "…")
    assert resolve(resolver, "How long is it?", first, second) == "How long is Lantern Hours?"
    asked = ("Which podcast is ranked first?", "Tin Kettle Radio is ranked 1st …")
    assert resolve(resolver, "Who hosts it?", asked) == "Who hosts Tin Kettle Radio?"
    # a Chinese form of an entry in the history counts as that entry
    assert resolve(resolver, "Who hosts it?", ("灯笼时光", "…")) == "Who hosts Lantern Hours?"


def test_a_name_the_article_does_not_rank_has_no_next(resolver: FollowUpResolver) -> None:
    turn = ("Who founded Gullwing Studios?", "…")
    assert resolve(resolver, "Where is it based?", turn) == "Where is Gullwing Studios based?"
    assert resolve(resolver, "And the next one?", turn) == "And the next one?"
