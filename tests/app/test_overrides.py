"""The override table that corrects the intent classifier (`app/understand/overrides.py`): one test per override
on a made-up intent, the table's validation, and the rule that nothing after understanding reads the question's
text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.understand.intent import AnswerType, Focus, Intent, IntentKind
from app.understand.overrides import OVERRIDES, Override, OverrideTable

K = IntentKind
A = AnswerType
ROOT = Path(__file__).resolve().parents[2]


def intent(kind: IntentKind, **slots: Any) -> Intent:
    return Intent(kind=kind, text="(a made-up question)", **slots)


def focus(head: str, *, owner: str | None = None, ranked: bool = False) -> Focus:
    return Focus(phrase=head, head=head, owner=owner, heads=(head,), ranked=ranked)


# override -> (a made-up intent as classified, the kind and answer type it should end with)
CASES: dict[str, tuple[Intent, IntentKind, AnswerType]] = {
    "rank_question_asks_a_rank": (intent(K.ENTRY_RANK, entries=("Zedville",)), K.ENTRY_RANK, A.RANK),
    "rank_focus": (intent(K.FACT, entries=("Zedville",), answer_type=A.NAME, focus=focus("standing")),
                   K.FACT, A.RANK),
    "number_of_a_named_thing": (intent(K.FACT, entries=("Zedville",), answer_type=A.NAME, focus=focus("number")),
                                K.FACT, A.RANK),
    "value_of_an_entry": (intent(K.ENTRY_RANK, entries=("Zedville",), answer_type=A.NAME, focus=focus("theatre")),
                          K.FACT, A.NAME),
    "ranked_noun_names_an_entry": (intent(K.FACT, ranks=(1,), focus=focus("waterway", ranked=True)),
                                   K.FACT, A.ENTRY),
    "placed_beside_an_entry": (intent(K.FACT, entries=("Zedville",), relation="down", answer_type=A.PERSON,
                                      focus=Focus(phrase="finish", head="finish", verb="finish")),
                               K.RANK_LOOKUP, A.NAME),
    "claim_is_yes_no": (intent(K.OVERVIEW, polar=True, entries=("Zedville",), answer_type=A.YES_NO),
                        K.YES_NO, A.YES_NO),
    "claim_about_the_entry_at_a_rank": (intent(K.RANK_LOOKUP, polar=True, ranks=(2,), rank_holders=("Yarrow",),
                                               answer_type=A.YES_NO), K.YES_NO, A.YES_NO),
    "claim_about_an_entry_without_a_rank": (intent(K.ENTRY_RANK, polar=True, entries=("Zedville",), topical=True,
                                                   answer_type=A.YES_NO), K.YES_NO, A.YES_NO),
    "no_claim_no_yes_no": (intent(K.YES_NO), K.FACT, A.DESCRIPTION),
    "recommend_what_the_article_lacks": (intent(K.RECOMMEND, answer_type=A.NAME, focus=focus("hotel")),
                                         K.FACT, A.NAME),
    "value_is_a_fact": (intent(K.OVERVIEW, entries=("Zedville",), answer_type=A.PERSON), K.FACT, A.PERSON),
}


def test_every_override_has_its_test() -> None:
    assert set(CASES) == set(OVERRIDES.names)


@pytest.mark.parametrize("name", list(CASES))
def test_override(name: str) -> None:
    made_up, kind, answer_type = CASES[name]
    corrected = OVERRIDES.apply(made_up)
    assert name in corrected.overrides
    assert (corrected.kind, corrected.answer_type) == (kind, answer_type)


def test_an_intent_no_override_fits_is_left_as_classified() -> None:
    classified = intent(K.OVERVIEW, entries=("Zedville",))
    assert OVERRIDES.apply(classified) == classified and classified.overrides == ()


def test_a_rank_claim_stays_a_rank_question() -> None:
    # "Is Zedville in the top 3?" claims a rank: the ranking answers it, not a yes/no over sentences
    claim = intent(K.ENTRY_RANK, polar=True, entries=("Zedville",), top_n=3, topical=True, answer_type=A.YES_NO)
    assert OVERRIDES.apply(claim).kind is K.ENTRY_RANK


def test_a_greeting_that_asks_yes_or_no_stays_a_greeting() -> None:
    assert OVERRIDES.apply(intent(K.GREETING, polar=True, answer_type=A.YES_NO)).kind is K.GREETING


def test_an_override_table_is_validated_when_built() -> None:
    ok = Override("fine", "Fine.", lambda i: False, kind=K.FACT)
    with pytest.raises(ValueError, match="used twice"):
        OverrideTable([ok, ok])
    with pytest.raises(ValueError, match="neither"):
        OverrideTable([Override("nothing", "Sets nothing.", lambda i: True)])
    with pytest.raises(ValueError, match="snake_case"):
        OverrideTable([Override("Not Snake", "Bad name.", lambda i: True, kind=K.FACT)])
    with pytest.raises(ValueError, match="description"):
        OverrideTable([Override("blank", "", lambda i: True, kind=K.FACT)])


def test_overrides_apply_in_order_each_seeing_the_last() -> None:
    table = OverrideTable([
        Override("first", "To yes/no.", lambda i: i.kind is K.FACT, kind=K.YES_NO),
        Override("second", "Then to a summary.", lambda i: i.kind is K.YES_NO, kind=K.SUMMARY),
    ])
    corrected = table.apply(intent(K.FACT))
    assert corrected.kind is K.SUMMARY and corrected.overrides == ("first", "second")


def test_nothing_after_understanding_reads_the_question_text() -> None:
    """Strategies, routes and the override table read slots; the question's text is read while understanding it."""
    readers = [*sorted((ROOT / "app" / "answer" / "strategies").glob("*.py")), ROOT / "app" / "answer" / "routes.py",
               ROOT / "app" / "understand" / "overrides.py"]
    for path in readers:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(intent|claim|i)\.(text|raw)\b", source), path
