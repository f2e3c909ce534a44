"""The router: picks the answering strategy for an `Intent` from its kind and slots, and never lets a failing
strategy reach the user — a failure is logged with its traceback and the answer falls back to the plain cited
passages that retrieval found, with a notice."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from app.answer.draft import Draft, abstention, joined, name_list
from app.answer.evidence import Evidence
from app.answer.strategies.base import Strategy
from app.answer.strategies.compare import Compare
from app.answer.strategies.conversation import Greeting, OutOfScope
from app.answer.strategies.fact import Fact, misplaced, outside_period, unknown_subject
from app.answer.strategies.overview import Explain, Overview
from app.answer.strategies.ranking import EntryRank, Order, RankLookup
from app.answer.strategies.selection import ColumnFilter, Filter, ListEntities, Recommend
from app.answer.strategies.summary import Method, Summary
from app.answer.strategies.yes_no import YesNo
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Intent, IntentKind
from ingest.core.lexicon import NAME_NOUNS, PLACE_NOUNS
from ingest.core.text import stem

logger = logging.getLogger(__name__)

_SPECIFIC = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.COUNT})
_VALUE_TYPES = frozenset({AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE})
# Refusals these strategies make are decisions about the question, not "this strategy doesn't fit": they stand.
_FINAL_REFUSALS = frozenset({Fact, YesNo, RankLookup, EntryRank, OutOfScope})
_ASKS_FOR_VALUE = frozenset({AnswerType.PERSON, AnswerType.DATE, AnswerType.MONEY, AnswerType.COUNT,
                             AnswerType.PERCENT})
_ABOUT_ENTRIES = frozenset({IntentKind.FACT, IntentKind.EXPLAIN, IntentKind.OVERVIEW})
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
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
            cls: cls(evidence) for cls in (RankLookup, EntryRank, Order, Compare, Filter, ColumnFilter, ListEntities,
                                           Recommend, Explain, Overview, Summary, Method, Fact, YesNo, Greeting,
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
        elif intent.polar and not intent.entries and len(intent.ranks) == 1 and self.kb.entry_at(intent.ranks[0]):
            kind = IntentKind.YES_NO  # "Was the longest one dammed?": a claim about the entry at a rank
        elif intent.polar and intent.entries and not (intent.ranks or intent.top_n or intent.bottom_n or
                                                      intent.relation) and self.evidence.asked_terms(intent):
            kind = IntentKind.YES_NO  # "Does X have more than two waterfalls?": no rank in the claim
        if kind is IntentKind.YES_NO and not intent.polar:
            kind = IntentKind.FACT
        if kind is IntentKind.RECOMMEND and intent.answer_type is AnswerType.NAME and intent.focus is not None \
                and not self.evidence.in_article(intent.focus.head):
            kind = IntentKind.FACT  # "recommend three hotels": a thing the article doesn't have
        if kind in {IntentKind.OVERVIEW, IntentKind.EXPLAIN} and intent.answer_type in _SPECIFIC:
            kind = IntentKind.FACT
        ranking = bool(self.kb.ranking)
        if intent.criterion and len(intent.entries) == 1 and intent.ranks and not intent.polar and ranking:
            return [Explain, Fact]  # "Why is X the tallest tower?": the rank claim checked, then the why
        if ranking and not intent.polar and self.strategies[ColumnFilter].column(intent):
            return [ColumnFilter, Filter, Fact]  # "which ones have a magnitude of 9 or more?": a table column
        focus = intent.focus
        # "entries" names what any ranking ranks, whatever the article calls it
        entry_noun = focus is not None and stem(focus.head) in {stem(self.kb.noun), stem(self.kb.nouns), stem("entry")}
        listable = focus is not None and focus.plural and not intent.polar and not entry_noun and \
            intent.answer_type is not AnswerType.COUNT and (
                bool(set(focus.heads or (focus.head,)) & NAME_NOUNS) or intent.answer_type in _VALUE_TYPES)
        if kind is IntentKind.OUT_OF_SCOPE:
            # "show me the writer's top three choices": a top-N of something the article talks about is its ranking
            if ranking and (intent.top_n or intent.bottom_n) and not intent.entries and (
                    focus is None or entry_noun or self.evidence.in_article(focus.head)):
                return [Order, Fact]
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
            if (intent.top_n or intent.bottom_n) and not intent.ranks and not intent.entries and ranking:
                return [Order, Fact]  # "which are the two shortest?": a top (or bottom) N
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
            if intent.ranks and not (intent.top_n or intent.bottom_n) and ranking and focus is not None and \
                    not focus.plural:
                return [RankLookup, Order]  # "the number one waterway in the Top 5": one rank, not the order
            return [Order, Fact] if ranking else [Summary]
        if kind is IntentKind.COMPARE:
            if len(intent.entries) >= 2 and intent.relation in {"up", "down", "between"} and \
                    not self.evidence.asked_terms(intent):
                return [EntryRank, Compare]
            if len(intent.entries) == 1 and intent.relation in {"up", "down"} and intent.wh not in {"how", "why"} \
                    and intent.answer_type in {AnswerType.ENTRY, AnswerType.NAME} and ranking:
                return [RankLookup, Compare, Fact]  # one side and a direction: "which one is ranked below X?"
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
        if intent.entries and intent.answer_type is AnswerType.RANK and ranking:
            return [EntryRank, Fact]  # "what position did X reach?"
        if len(intent.entries) == 1 and intent.relation in {"up", "down"} and ranking and \
                intent.answer_type in {AnswerType.ENTRY, AnswerType.NAME, AnswerType.DESCRIPTION} and \
                intent.wh not in {"how", "why"}:  # "how high did it get after X?" asks no neighbour
            return [RankLookup, Fact]  # "which one comes right after X?"
        if len(intent.entries) >= 2 and not intent.ranks and ranking:
            return [Compare, Fact]
        if intent.answer_type is AnswerType.COUNT and intent.focus is not None and \
                intent.focus.head in {self.kb.noun, self.kb.nouns} and ranking:
            return [Order]
        if intent.ranks and not intent.entries and not self.evidence.asked_terms(intent) and ranking:
            return [RankLookup, Fact]
        if intent.criterion and intent.ranks and not intent.entries and ranking and intent.answer_type not in \
                _ASKS_FOR_VALUE:
            return [RankLookup, Fact]  # "what was the region's most visited museum?": the entry at that end
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
        if intent.kind in {IntentKind.GREETING, IntentKind.OUT_OF_SCOPE}:
            return None
        if intent.polar:
            return self._not_ranked(intent)
        if self.kb.ranking and self.strategies[ColumnFilter].column(intent):
            return None  # a comparison over a table column: its number is a value, not a subject to look for
        refusal = unknown_subject(self.evidence, intent) or outside_period(self.evidence, intent) or \
            self._other_period(intent) or self._not_ranked(intent)
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

    def _other_period(self, intent: Intent) -> Draft | None:
        """A rank asked for a year the ranking is not of ("the tallest tower in 2019" of a ranking whose
        title and lead-in say 2024): refused, even when the article mentions that year elsewhere."""
        if not intent.criterion or not intent.ranks or intent.entries or not self.kb.ranking:
            return None  # only a degree of the ranking's own criterion ties the year to the ranking
        covered = set(_YEAR.findall(" ".join(self.kb.criterion_lines)))
        asked = [y for y in _YEAR.findall(intent.text) if y not in covered]
        if not covered or not asked:
            return None
        return abstention(f"The article ranks {self.kb.nouns} of {name_list(sorted(covered))}, not of {asked[0]}.")

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
