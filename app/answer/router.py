"""The router: evaluates the route table (`app.answer.routes`) for an `Intent` and its `Signals`, tries the
chain of strategies of the route that matches, and never lets a failing strategy reach the user — a failure is
logged with its traceback and the answer falls back to the plain cited passages that retrieval found, with a
notice. Questions about things the article never mentions are refused before routing."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from app.answer.draft import Draft, abstention, growing_text, joined, name_list
from app.answer.evidence import Evidence
from app.answer.routes import ROUTES, Route, RouteTable, Signals
from app.answer.strategies.base import Strategy
from app.answer.strategies.column_compare import ColumnCompare
from app.answer.strategies.conversation import OutOfScope
from app.answer.strategies.fact import Fact, holder_correction, misplaced, outside_period, unknown_subject, wrong_holder
from app.answer.strategies.ranking import EntryRank, RankLookup
from app.answer.strategies.selection import ColumnFilter
from app.answer.strategies.yes_no import YesNo
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Focus, Intent, IntentKind
from ingest.core.lexicon import METHOD_NOUNS, PLACE_NOUNS, ordinal
from ingest.core.text import stem, words

__all__ = ["FALLBACK_NOTICE", "Router", "Signals"]

logger = logging.getLogger(__name__)

_VALUE_TYPES = frozenset({AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE})
# Refusals these strategies make are decisions about the question, not "this strategy doesn't fit": they stand.
_FINAL_REFUSALS = frozenset({Fact, YesNo, RankLookup, EntryRank, OutOfScope})
_ASKS_FOR_VALUE = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.COUNT,
                             AnswerType.PERCENT})
_ABOUT_ENTRIES = frozenset({IntentKind.FACT, IntentKind.EXPLAIN, IntentKind.OVERVIEW})
_NO_TOPIC_KINDS = frozenset({IntentKind.SUMMARY, IntentKind.COMPARE, IntentKind.ORDER, IntentKind.RANK_LOOKUP,
                             IntentKind.ENTRY_RANK})
FALLBACK_NOTICE = "Something went wrong while composing this answer, so these are the closest passages."
FALLBACK_ROUTE = "fallback"
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_METHOD_STEMS = frozenset(stem(w) for w in METHOD_NOUNS)


def _method_noun(focus: Focus) -> bool:
    """The focus is a noun people ask about the making of a ranking with ("basis", "grounds")."""
    return stem(focus.head) in _METHOD_STEMS


class Router:
    """Routes each intent through the route table (`app.answer.routes`): the first route whose condition holds
    gives the chain of strategies to try, and the first strategy that answers wins.

    Args:
        evidence: the article's evidence, shared by every strategy.
        routes: the route table (default: `ROUTES`).
    """

    def __init__(self, evidence: Evidence, routes: RouteTable = ROUTES) -> None:
        self.evidence = evidence
        self.kb = evidence.kb
        self.routes = routes
        self.strategies: dict[type[Strategy], Strategy] = {cls: cls(evidence) for cls in sorted(
            routes.strategies | {ColumnFilter, ColumnCompare, Fact}, key=lambda c: c.__name__)}
        column = self.strategies[ColumnFilter]
        assert isinstance(column, ColumnFilter)
        self._columns = column
        pair = self.strategies[ColumnCompare]
        assert isinstance(pair, ColumnCompare)
        self._pairs = pair
        # the last word of each column header of the ranking's table, as a stem ("Prize money ($)" -> "money")
        self._column_words = frozenset(stem(found[-1]) for e in self.kb.ranking for c in e.cells
                                       if c.header and (found := words(c.header)))

    def route(self, intent: Intent, signals: Signals | None = None) -> Route:
        """The route that serves an intent (signals without retrieval when none are given)."""
        return self.routes.match(intent, signals or self.signals(intent))

    def chain(self, intent: Intent, signals: Signals | None = None) -> list[type[Strategy]]:
        """The strategies to try for an intent, best first: the chain of its route."""
        return list(self.route(intent, signals).chain)

    def signals(self, intent: Intent, retrieval: Retrieval | None = None) -> Signals:
        """How well the article matches the question, for routing (`strong` and `specific` need retrieval)."""
        ev = self.evidence
        ranking = bool(self.kb.ranking)
        strong = specific = False
        if retrieval is not None:
            ranked = ev.ranked(intent, retrieval)[0]  # scored once for both signals
            strong = ev.strong(intent, ranked)
            topical = intent
            if intent.kind is IntentKind.SUMMARY:  # "summarize" is how the question asks, not what it is about
                topical = replace(intent, terms=tuple(t for t in intent.terms if t not in ev.question_words))
            specific = strong and any(ev.coverage(topical, s) >= ev.limits.strong_coverage
                                      for s in ranked[:ev.limits.specific_window])
        typed = intent.answer_type in _VALUE_TYPES and any(ev.typed(s, intent.answer_type) for s in self.kb.sentences)
        focus = intent.focus
        method_words = focus is not None and ev.asks_in_question_words(focus) and not intent.focus_known and any(
            t in ev.generic_terms for t in intent.terms if t != stem(focus.head))
        kb = self.kb
        tied = len(intent.ranks) == 1 and len(kb.entries_at(intent.ranks[0])) > 1
        attribute = focus is not None and stem(focus.head) in self._column_words
        return Signals(ranking=ranking, strong=strong, specific=specific, typed=typed, tied=tied, attribute=attribute,
                       topic_known=ev.known_share(intent) >= ev.limits.strong_coverage,
                       column=ranking and self._columns.column(intent) is not None,
                       column_pair=ranking and self._pairs.compared_column(intent) is not None,
                       making=ev.about_the_making(intent), method_words=method_words,
                       method_focus=focus is not None and (
                           _method_noun(focus) or ev.asks_in_question_words(focus)))

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft:
        """The answer of the first strategy in the chain of the intent's route; never raises. The draft records
        the route that served it (a refusal before routing records which check refused)."""
        try:
            premise = wrong_holder(self.evidence, intent)
            if premise is not None:  # a rank claimed for what the article doesn't rank: corrected, then answered
                claimed, holder, intent = premise
                rest = self.answer(intent, retrieval)
                draft = holder_correction(self.evidence, claimed, holder, rest)
                draft.route = f"corrected_holder_{rest.route}"
                return draft
            signals = self.signals(intent, retrieval)
            refused = self._precheck(intent, signals)
            if refused is not None:
                check, refusal = refused
                refusal.route = f"{'refused' if refusal.abstained else 'corrected'}_{check}"
                return refusal
            route = self.routes.match(intent, signals)
            correction = misplaced(self.evidence, intent) if intent.kind in _ABOUT_ENTRIES else None
            if correction is not None:
                first, intent = correction
                rest = self._first_answer(intent, retrieval, route)
                draft = first if rest.abstained else joined(first, rest)
            else:
                draft = self._first_answer(intent, retrieval, route)
            draft.route = route.name
            return draft
        except Exception:
            logger.exception("Answer strategy failed for %r (%s); falling back to the retrieved passages",
                             intent.raw, intent.kind.value)
            return self.fallback(retrieval)

    def _precheck(self, intent: Intent, signals: Signals) -> tuple[str, Draft] | None:
        """Questions about places or names the article never mentions are refused before any strategy runs:
        the name of the check that refused, and its refusal."""
        if intent.kind in {IntentKind.GREETING, IntentKind.OUT_OF_SCOPE}:
            return None
        if intent.polar:
            refusal = self._not_ranked(intent)
            if refusal is not None:
                return "not_ranked", refusal
            denial = self._rank_claimed_for_the_unranked(intent)
            return ("false_rank_claim", denial) if denial is not None else None
        if signals.column:
            return None  # a comparison over a table column: its number is a value, not a subject to look for
        checks: list[tuple[str, Callable[[], Draft | None]]] = [
            ("unknown_subject", lambda: unknown_subject(self.evidence, intent)),
            ("outside_period", lambda: outside_period(self.evidence, intent)),
            ("other_period", lambda: self._other_period(intent)),
            ("not_ranked", lambda: self._not_ranked(intent)),
            ("missing_focus", lambda: self._missing_focus(intent)),
        ]
        return next(((name, draft) for name, check in checks if (draft := check()) is not None), None)

    def _missing_focus(self, intent: Intent) -> Draft | None:
        """A value (or a topic) the question asks for that the article never mentions."""
        focus = intent.focus
        # a focus in the language of questions ("overview", "gist", "criteria") is no topic to look for
        topical = focus is not None and not focus.verb and stem(focus.head) not in self.evidence.question_words \
            and not _method_noun(focus) \
            and intent.answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION} and intent.kind not in _NO_TOPIC_KINDS
        if not (intent.answer_type in _ASKS_FOR_VALUE or topical):
            return None
        fact = self.strategies[Fact]
        assert isinstance(fact, Fact)
        missing = fact.missing_focus(intent, self._closest(intent))
        return abstention(missing) if missing else None

    def _not_ranked(self, intent: Intent) -> Draft | None:
        """The rank of something the article names but does not rank ("Where does the survey office rank?",
        "Is it in the top 5?"): it has none."""
        kb = self.kb
        focus = intent.focus
        asks_rank = (intent.kind in {IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP, IntentKind.ORDER} and (
            intent.answer_type in {AnswerType.RANK, AnswerType.PLACE} or bool(intent.top_n) or (
                focus is not None and focus.head in PLACE_NOUNS))) or stem("rank") in intent.terms or bool(
            intent.top_n or intent.bottom_n)
        if not asks_rank or intent.entries or intent.ranks or not intent.names or not kb.ranking:
            return None
        if any(self.evidence.home_of(name) for name in intent.names):
            return None  # a name inside an entry's own section may be another name of that entry
        listed = name_list([e.name for e in kb.ranking])
        lead = "No. " if intent.polar else ""
        return abstention(f"{lead}The article doesn't rank {intent.names[0]}: it is not among {kb.count_phrase()} "
                          f"it ranks ({listed}).")

    def _rank_claimed_for_the_unranked(self, intent: Intent) -> Draft | None:
        """"Is Zedburg ranked 3rd?", "Is Zedburg one of the top 5?" of a place (or a proper name) the article
        doesn't rank: No, and who holds that rank (or what the article ranks)."""
        kb = self.kb
        claimed = intent.unranked_places or intent.unknown_proper_names
        if not claimed or intent.entries or intent.names or not kb.ranking or not (
                intent.ranks or intent.top_n or intent.bottom_n):
            return None
        holder = kb.entry_at(intent.ranks[0]) if len(intent.ranks) == 1 else None
        draft = Draft()
        if holder is not None:
            draft.say(f"No. The article doesn't rank {claimed[0]}; {holder.name} is ranked {ordinal(holder.rank)} of "
                      f"{kb.count_phrase()}.", holder)
        else:  # cited to the entries of the top (or bottom) N claimed, else to the whole ranking
            cited = kb.ranking[:intent.top_n] if intent.top_n else kb.ranking[-intent.bottom_n:] if intent.bottom_n \
                else kb.ranking
            listed = name_list([e.name for e in kb.ranking])
            draft.say(f"No. The article doesn't rank {claimed[0]}: it is not among {kb.count_phrase()} it ranks "
                      f"({listed}).", *cited)
        return draft

    def _other_period(self, intent: Intent) -> Draft | None:
        """A rank asked for a year the ranking is not of ("the tallest tower in 2019" of a ranking whose
        title and lead-in say 2024; "where was Zedville ranked in 2019?"): refused, even when the article mentions
        that year elsewhere, unless the named entry's own section does (the year is then about the entry)."""
        kb = self.kb
        if not kb.ranking or not intent.years:
            return None
        entries = [e for e in (kb.entry_for(n) for n in intent.entries) if e]
        asks_a_rank = intent.kind is IntentKind.ENTRY_RANK or intent.answer_type is AnswerType.RANK
        by_criterion = bool(intent.criterion and intent.ranks and not intent.entries)  # the year dates the degree
        if not (by_criterion or (entries and asks_a_rank and not intent.ranks)):
            return None
        covered = set(_YEAR.findall(" ".join(kb.criterion_lines)))
        asked = [y for y in intent.years if y not in covered]
        if not covered or not asked:
            return None
        if any(y in s.text for e in entries for s in kb.entry_sentences(e) for y in asked):
            return None
        return abstention(f"The article ranks {kb.nouns} of {name_list(sorted(covered))}, not of {asked[0]}.")

    def _closest(self, intent: Intent) -> float:
        return max(self.evidence.similarity(intent, self.kb.sentences).values(), default=0.0)

    def _first_answer(self, intent: Intent, retrieval: Retrieval, route: Route) -> Draft:
        """The first answer in the route's chain; an abstention only when no later strategy answers instead."""
        refusal: Draft | None = None
        for cls in route.chain:
            draft = self.strategies[cls].answer(intent, retrieval)
            if draft is None or not draft.parts:
                continue
            logger.debug("%s answered %r (%s, route %s)", cls.__name__, intent.raw, intent.kind.value, route.name)
            if not draft.abstained or cls in _FINAL_REFUSALS:
                return draft
            refusal = refusal or draft
        return refusal or abstention("The article doesn't answer that.")

    def stream(self, intent: Intent, retrieval: Retrieval) -> Iterator[str | Draft]:
        """The extractive answer's text a word at a time, then its `Draft` (the `Answerer` protocol)."""
        draft = self.answer(intent, retrieval)
        yield from growing_text(draft.text)
        yield draft

    def condense(self, question: str, history: Sequence[tuple[str, str]], fallback: str) -> str:
        """The rule-based resolution of a follow-up (`fallback`) stands: the extractive answerer writes no
        question of its own (the `Answerer` protocol)."""
        return fallback

    def fallback(self, retrieval: Retrieval) -> Draft:
        """The plainest grounded answer: the first sentences of the best retrieved chunks, cited."""
        draft = Draft(mode="fallback", notice=FALLBACK_NOTICE, route=FALLBACK_ROUTE)
        for chunk in retrieval.top(2):
            sentence = next((s for s in self.kb.sentences if s.chunk.id == chunk.id), None)
            if sentence is not None:
                draft.say(sentence.text, sentence)
        return draft if draft.parts else abstention("The article doesn't answer that.")
