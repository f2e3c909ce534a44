"""The router: picks the answering strategy for an `Intent` from its kind and slots, and never lets a failing
strategy reach the user — a failure is logged with its traceback and the answer falls back to the plain cited
passages that retrieval found, with a notice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from app.answer.draft import Draft, abstention, joined
from app.answer.evidence import Evidence
from app.answer.strategies.base import Strategy
from app.answer.strategies.compare import Compare
from app.answer.strategies.conversation import Greeting, OutOfScope
from app.answer.strategies.fact import Fact, misplaced, outside_period, unknown_subject
from app.answer.strategies.overview import Explain, Overview
from app.answer.strategies.ranking import EntryRank, Order, RankLookup
from app.answer.strategies.selection import Filter, ListEntities, Recommend
from app.answer.strategies.summary import Method, Summary
from app.answer.strategies.yes_no import YesNo
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Intent, IntentKind
from ingest.core.lexicon import NAME_NOUNS
from ingest.core.text import stem

logger = logging.getLogger(__name__)

_SPECIFIC = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.COUNT})
_VALUE_TYPES = frozenset({AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE})
# Refusals these strategies make are decisions about the question, not "this strategy doesn't fit": they stand.
_FINAL_REFUSALS = frozenset({Fact, YesNo, RankLookup, EntryRank, OutOfScope})
_ASKS_FOR_VALUE = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.COUNT,
                             AnswerType.PERCENT})
_ABOUT_ENTRIES = frozenset({IntentKind.FACT, IntentKind.EXPLAIN, IntentKind.OVERVIEW})
FALLBACK_NOTICE = "Something went wrong while composing this answer, so these are the closest passages."


@dataclass(frozen=True)
class Signals:
    """How well the article matches a question: `strong` when some sentence is close in meaning or terms,
    `specific` when the question's own terms pick out particular sentences."""

    strong: bool = False
    specific: bool = False
    typed: bool = False  # the question asks for a type of value (an amount, a date …) that the article has


class Router:
    """Maps each intent to a chain of strategies (the first that applies answers)."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.kb = evidence.kb
        self.strategies: dict[type[Strategy], Strategy] = {
            cls: cls(evidence) for cls in (RankLookup, EntryRank, Order, Compare, Filter, ListEntities, Recommend,
                                           Explain, Overview, Summary, Method, Fact, YesNo, Greeting,
                                           OutOfScope)}

    def chain(self, intent: Intent, signals: Signals | None = None) -> list[type[Strategy]]:
        """The strategies to try for an intent, best first (its kind, corrected by its slots and by how well
        the article matches it)."""
        signals = signals or Signals()
        kind = intent.kind
        about = bool(intent.entries or intent.names)
        if not intent.text:
            return [OutOfScope]
        if kind is IntentKind.GREETING:
            return [Greeting] if not about and not intent.ranks else [Fact]
        if intent.polar and kind not in {IntentKind.YES_NO, IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP}:
            kind = IntentKind.YES_NO
        if kind is IntentKind.YES_NO and not intent.polar:
            kind = IntentKind.FACT
        if kind is IntentKind.RECOMMEND and intent.answer_type is AnswerType.NAME and intent.focus is not None \
                and not self.evidence.in_article(intent.focus.head):
            kind = IntentKind.FACT  # "recommend three hotels": a thing the article doesn't have
        if kind in {IntentKind.OVERVIEW, IntentKind.EXPLAIN} and intent.answer_type in _SPECIFIC:
            kind = IntentKind.FACT
        ranking = bool(self.kb.ranking)
        focus = intent.focus
        entry_noun = focus is not None and stem(focus.head) in {stem(self.kb.noun), stem(self.kb.nouns)}
        listable = focus is not None and focus.plural and not intent.polar and not entry_noun and \
            intent.answer_type is not AnswerType.COUNT and (
                bool(set(focus.heads or (focus.head,)) & NAME_NOUNS) or intent.answer_type in _VALUE_TYPES)
        if kind is IntentKind.OUT_OF_SCOPE:
            if listable and signals.typed:
                return [ListEntities]
            return [Fact] if about or signals.strong or signals.typed else [OutOfScope]
        if listable and kind in {IntentKind.FACT, IntentKind.FILTER, IntentKind.LIST_ENTITIES, IntentKind.SUMMARY,
                                 IntentKind.OVERVIEW, IntentKind.ENTRY_RANK, IntentKind.RANK_LOOKUP}:
            return [ListEntities, Fact]
        if entry_noun and focus is not None and focus.plural and not intent.entries and ranking and kind in {
                IntentKind.FACT, IntentKind.FILTER, IntentKind.LIST_ENTITIES, IntentKind.ENTRY_RANK,
                IntentKind.EXPLAIN, IntentKind.OVERVIEW, IntentKind.SUMMARY} and not intent.ranks:
            return [Filter, Fact]
        if kind is IntentKind.RANK_LOOKUP:
            return [RankLookup, EntryRank, Fact] if ranking else [Fact]
        if kind is IntentKind.ENTRY_RANK:
            return [EntryRank, RankLookup, Fact] if ranking else [Fact]
        if kind is IntentKind.ORDER and intent.wh in {"how", "why"} and intent.answer_type is not AnswerType.COUNT \
                and not (intent.top_n or intent.bottom_n):
            # "how was the order decided?" asks about the method, not for the order
            return [Method, Fact, Summary] if self.evidence.about_the_making(intent) else [Fact, Summary]
        if kind is IntentKind.FILTER and intent.wh in {"how", "why"} and self.evidence.about_the_making(intent) and \
                intent.answer_type in {AnswerType.DESCRIPTION, AnswerType.REASON}:
            return [Method, Filter, Fact]  # "how were these picked?" names no condition to filter by
        if kind is IntentKind.ORDER:
            if intent.entries and not (intent.top_n or intent.bottom_n):
                return [EntryRank, Order]
            return [Order, Fact] if ranking else [Summary]
        if kind is IntentKind.COMPARE:
            if len(intent.entries) >= 2 and intent.relation in {"up", "down", "between"} and \
                    not self.evidence.asked_terms(intent):
                return [EntryRank, Compare]
            return [Compare, Filter, Overview, Fact]
        if kind is IntentKind.FILTER:
            return [Filter, Fact]
        if kind is IntentKind.LIST_ENTITIES:
            return [ListEntities, Filter, Fact]
        if kind is IntentKind.RECOMMEND:
            return [Recommend, Fact]
        if kind is IntentKind.EXPLAIN:
            return [Compare, Explain, Fact] if len(intent.entries) >= 2 else [Explain, Fact]
        if kind is IntentKind.OVERVIEW:
            return [Overview, Summary] if not self.evidence.asked_terms(intent) else [Overview, Fact]
        if kind is IntentKind.SUMMARY:
            if intent.entries:
                return [Overview, Summary]
            return [Fact, Summary] if signals.specific else [Summary, Fact]
        if kind is IntentKind.YES_NO:
            return [YesNo, Fact]
        # fact
        if len(intent.entries) == 1 and intent.relation in {"up", "down"} and ranking and \
                intent.answer_type in {AnswerType.ENTRY, AnswerType.NAME, AnswerType.DESCRIPTION}:
            return [RankLookup, Fact]  # "which one comes right after X?"
        if len(intent.entries) >= 2 and not intent.ranks and ranking:
            return [Compare, Fact]
        if intent.answer_type is AnswerType.COUNT and intent.focus is not None and \
                intent.focus.head in {self.kb.noun, self.kb.nouns} and ranking:
            return [Order]
        if intent.ranks and not intent.entries and not self.evidence.asked_terms(intent) and ranking:
            return [RankLookup, Fact]
        if ranking and self.evidence.about_whole_ranking(intent) and \
                intent.answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION} \
                and self.evidence.asks_in_question_words(focus) and not self.evidence.in_article(focus.head) and \
                any(t in self.evidence.generic_terms for t in intent.terms if t != stem(focus.head)):
            return [Method, Fact]  # "what criteria were used to rank them?": how the ranking was made
        return [Fact]

    def signals(self, intent: Intent, retrieval: Retrieval) -> Signals:
        """How well the article matches the question, for routing."""
        ranked = self.evidence.ranked(intent, retrieval)[0]  # scored once for both signals
        strong = self.evidence.strong(intent, ranked)
        topical = intent
        if intent.kind is IntentKind.SUMMARY:  # "summarize" is how the question asks, not what it is about
            topical = replace(intent, terms=tuple(t for t in intent.terms if t not in self.evidence.question_words))
        specific = strong and any(self.evidence.coverage(topical, s) >= 0.5 for s in ranked[:3])
        typed = intent.answer_type in _VALUE_TYPES and any(
            self.evidence.typed(s, intent.answer_type) for s in self.kb.sentences)
        return Signals(strong=strong, specific=specific, typed=typed)

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft:
        """The answer of the first strategy in the chain that applies; never raises."""
        try:
            signals = self.signals(intent, retrieval)
            refusal = self._precheck(intent)
            if refusal is not None:
                return refusal
            correction = misplaced(self.evidence, intent) if intent.kind in _ABOUT_ENTRIES else None
            if correction is not None:
                first, intent = correction
                rest = self._first_answer(intent, retrieval, signals)
                return first if rest.abstained else joined(first, rest)
            return self._first_answer(intent, retrieval, signals)
        except Exception:
            logger.exception("Answer strategy failed for %r (%s); falling back to the retrieved passages",
                             intent.text, intent.kind.value)
            return self.fallback(retrieval)

    def _precheck(self, intent: Intent) -> Draft | None:
        """Questions about places or names the article never mentions are refused before any strategy runs."""
        if intent.kind in {IntentKind.GREETING, IntentKind.OUT_OF_SCOPE} or intent.polar:
            return None
        refusal = unknown_subject(self.evidence, intent) or outside_period(self.evidence, intent)
        focus = intent.focus
        # a focus in the language of questions ("overview", "gist", "criteria") is no topic to look for
        topical = focus is not None and not focus.verb and stem(focus.head) not in self.evidence.question_words \
            and intent.answer_type in {AnswerType.NAME, AnswerType.DESCRIPTION} and intent.kind not in {
                IntentKind.SUMMARY, IntentKind.COMPARE, IntentKind.ORDER, IntentKind.RANK_LOOKUP,
                IntentKind.ENTRY_RANK}
        if refusal is None and (intent.answer_type in _ASKS_FOR_VALUE or topical):
            fact = self.strategies[Fact]
            assert isinstance(fact, Fact)
            missing = fact.missing_focus(intent, self._closest(intent))
            refusal = abstention(missing) if missing else None
        return refusal

    def _closest(self, intent: Intent) -> float:
        return max(self.evidence.similarity(intent, self.kb.sentences).values(), default=0.0)

    def _first_answer(self, intent: Intent, retrieval: Retrieval, signals: Signals) -> Draft:
        """The first answer in the chain; an abstention only when no later strategy answers instead."""
        refusal: Draft | None = None
        for cls in self.chain(intent, signals):
            draft = self.strategies[cls].answer(intent, retrieval)
            if draft is None or not draft.parts:
                continue
            logger.debug("%s answered %r (%s)", cls.__name__, intent.text, intent.kind.value)
            if not draft.abstained or cls in _FINAL_REFUSALS:
                return draft
            refusal = refusal or draft
        return refusal or abstention("The article doesn't answer that.")

    def fallback(self, retrieval: Retrieval) -> Draft:
        """The plainest grounded answer: the first sentences of the best retrieved chunks, cited."""
        draft = Draft(mode="fallback", notice=FALLBACK_NOTICE)
        for chunk in retrieval.top(2):
            sentence = next((s for s in self.kb.sentences if s.chunk.id == chunk.id), None)
            if sentence is not None:
                draft.say(sentence.text, sentence)
        return draft if draft.parts else abstention("The article doesn't answer that.")
