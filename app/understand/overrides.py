"""Where a rule must correct the intent classifier: one table of named overrides, tried in order.

The classifier (`app.understand.classifier`, trained on `app/intents.yaml`) predicts a question's kind from its
embedding; the parser gives its answer type. A few questions carry a slot that settles what they ask whatever the
classifier says ("Is X in the top 5?" is a yes/no claim; "In which theatre did X play?" asks a value of X's, not
its rank). Each such rule is an `Override`: a name, what it corrects and why, a predicate over the `Intent`'s slots
only, and the kind and/or answer type it sets. The table is validated when it is built, applied in order (each
override sees the intent the earlier ones left), and every override that fired is recorded in
`Intent.overrides`. Nothing else in the product changes a kind or an answer type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from app.understand.intent import AnswerType, Intent, IntentKind
from ingest.core.lexicon import RANK_FOCUS, RANK_NOUNS

# answer types no rank answers: a name of an entry's (its theatre), an amount, a count, a date, a person
VALUE_ANSWERS = frozenset({AnswerType.NAME, AnswerType.COUNT, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE,
                           AnswerType.PERSON})
# answer types a description of an entry doesn't give: one value
SPECIFIC_ANSWERS = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.PERCENT,
                              AnswerType.COUNT})
RANK_KINDS = frozenset({IntentKind.RANK_LOOKUP, IntentKind.ENTRY_RANK})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Predicate = Callable[[Intent], bool]


@dataclass(frozen=True)
class Override:
    """One correction of the classifier's kind or the parser's answer type.

    Attributes:
        name: a snake_case name, unique in its table (it is recorded in `Intent.overrides`).
        description: what it corrects, with a made-up example.
        when: a predicate over the intent's slots (never its text).
        kind: the kind it sets, if any.
        answer_type: the answer type it sets, if any.
    """

    name: str
    description: str
    when: Predicate
    kind: IntentKind | None = None
    answer_type: AnswerType | None = None


class OverrideTable:
    """An ordered, validated list of overrides.

    Raises:
        ValueError: a name is not snake_case or is repeated, a description is empty, or an override sets neither
            a kind nor an answer type.
    """

    def __init__(self, overrides: Sequence[Override]) -> None:
        seen: set[str] = set()
        for override in overrides:
            if not _NAME.match(override.name):
                raise ValueError(f"override name must be snake_case: {override.name!r}")
            if override.name in seen:
                raise ValueError(f"override name {override.name!r} is used twice")
            if not override.description.strip():
                raise ValueError(f"override {override.name!r} needs a description")
            if override.kind is None and override.answer_type is None:
                raise ValueError(f"override {override.name!r} sets neither a kind nor an answer type")
            if not callable(override.when):
                raise ValueError(f"override {override.name!r} needs a predicate (`when`)")
            seen.add(override.name)
        self.overrides: tuple[Override, ...] = tuple(overrides)

    def apply(self, intent: Intent) -> Intent:
        """The intent with every matching override applied, in order, and their names recorded."""
        fired: list[str] = []
        for override in self.overrides:
            if not override.when(intent):
                continue
            intent = replace(intent, kind=override.kind or intent.kind,
                             answer_type=override.answer_type or intent.answer_type)
            fired.append(override.name)
        return replace(intent, overrides=tuple(fired)) if fired else intent

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.overrides]


def _focus_head(intent: Intent) -> str:
    return intent.focus.head if intent.focus is not None else ""


def _names_a_rank(intent: Intent) -> bool:
    return bool(intent.ranks or intent.top_n or intent.bottom_n or intent.relation)


OVERRIDES = OverrideTable([
    Override(
        "rank_question_asks_a_rank",
        "A question the classifier reads as about ranks that asks for no particular type of value asks for a "
        "rank (\"where did Zedville end up?\").",
        lambda i: i.kind in RANK_KINDS and i.answer_type is AnswerType.DESCRIPTION,
        answer_type=AnswerType.RANK),
    Override(
        "rank_focus",
        "A focus that is a rank word asks for a rank (\"what is Zedville's standing?\").",
        lambda i: _focus_head(i) in RANK_FOCUS and i.answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION},
        answer_type=AnswerType.RANK),
    Override(
        "number_of_a_named_thing",
        "\"What number is Zedville?\": the number a named thing holds in the list is its rank.",
        lambda i: i.focus is not None and i.focus.head in RANK_NOUNS and i.answer_type is AnswerType.NAME
        and i.focus.owner is None and not i.focus.plural and bool(i.names or i.entries),
        answer_type=AnswerType.RANK),
    Override(
        "value_of_an_entry",
        "\"In which theatre did Zedville play?\", \"how many visitors did Zedville count?\" ask for a value of the "
        "entry's, not for its rank, whatever the classifier says.",
        lambda i: i.kind in RANK_KINDS and i.answer_type in VALUE_ANSWERS and bool(i.entries)
        and _focus_head(i) not in RANK_NOUNS and bool(_focus_head(i) or i.answer_type is not AnswerType.NAME)
        and not _names_a_rank(i),
        kind=IntentKind.FACT),
    Override(
        "ranked_noun_names_an_entry",
        "\"The number one waterway\": a noun given a rank names the entry at that rank, whatever the article "
        "calls its entries.",
        lambda i: i.focus is not None and i.focus.ranked and bool(i.ranks) and not i.entries
        and i.answer_type is AnswerType.DESCRIPTION,
        answer_type=AnswerType.ENTRY),
    Override(
        "placed_beside_an_entry",
        "\"Who finished right after Zedville?\": a bare verb that places the neighbour of one named entry says "
        "where it was placed, not a deed to look for: the question asks for the entry there.",
        lambda i: len(i.entries) == 1 and i.relation in {"up", "down"} and not i.polar and not i.ranks
        and i.focus is not None and i.focus.verb is not None and i.focus.head == i.focus.verb
        and i.answer_type in {AnswerType.PERSON, AnswerType.NAME},
        kind=IntentKind.RANK_LOOKUP, answer_type=AnswerType.NAME),
    Override(
        "claim_is_yes_no",
        "A yes/no question (\"Is Zedville known for ferries?\") is a claim to check, unless it claims a rank.",
        lambda i: i.polar and i.kind not in {IntentKind.YES_NO, IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP,
                                             IntentKind.GREETING},
        kind=IntentKind.YES_NO),
    Override(
        "claim_about_the_entry_at_a_rank",
        "\"Was the longest one dammed?\": a claim about the entry that holds a rank, not a rank claim.",
        lambda i: i.polar and i.kind in RANK_KINDS and not i.entries and len(i.ranks) == 1
        and bool(i.rank_holders),
        kind=IntentKind.YES_NO),
    Override(
        "claim_about_an_entry_without_a_rank",
        "\"Does Zedville have more than two waterfalls?\": a claim about a named entry that names no rank.",
        lambda i: i.polar and i.kind in RANK_KINDS and bool(i.entries) and not _names_a_rank(i) and i.topical,
        kind=IntentKind.YES_NO),
    Override(
        "no_claim_no_yes_no",
        "The classifier's yes/no kind for a question that doesn't open like one (\"Tell me if Zedville has a "
        "port\") is answered as a fact question.",
        lambda i: i.kind is IntentKind.YES_NO and not i.polar,
        kind=IntentKind.FACT),
    Override(
        "recommend_what_the_article_lacks",
        "\"Recommend three hotels in Zedville\": a recommendation of a thing the article never mentions is a "
        "fact question (which then says so).",
        lambda i: i.kind is IntentKind.RECOMMEND and i.answer_type is AnswerType.NAME and i.focus is not None
        and not i.focus_known,
        kind=IntentKind.FACT),
    Override(
        "value_is_a_fact",
        "\"Tell me who leads Zedville's port\": an overview or explanation that asks for one value (a person, a "
        "date, an amount, a count) is a fact question.",
        lambda i: i.kind in {IntentKind.OVERVIEW, IntentKind.EXPLAIN} and i.answer_type in SPECIFIC_ANSWERS,
        kind=IntentKind.FACT),
])
