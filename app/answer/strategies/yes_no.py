"""Yes/no questions: lead with Yes, No, or "The article doesn't say", then the evidence."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

from dateutil import parser as dateparser

from app.answer.draft import Draft, abstention, name_list
from app.answer.polarity import claim_holds, stances
from app.answer.strategies.base import Strategy
from app.answer.strategies.fact import unknown_subject
from app.answer.strategies.ranking import EntryRank
from app.knowledge import RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import CONTAINER_NOUNS, FRACTION_WORDS, number_value, ordinal
from ingest.core.text import SCALE, fold, number_values, stem, terms


def _date(text: str) -> date | None:
    """A calendar date written in a cell or a sentence ("May 18, 2003", "1960-05-22"), or None."""
    if not re.search(r"\d{4}", text):
        return None
    try:
        return dateparser.parse(text, default=datetime(1, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _numeric(term: str) -> bool:
    return term[:1].isdigit() or term in SCALE or term in FRACTION_WORDS or number_value(term) is not None


def stated_numbers(text: str) -> set[float]:
    """The numbers a text states, with fractions ("half") as percentages."""
    values = set(number_values(text))
    folded = fold(text)
    values |= {v for word, v in FRACTION_WORDS.items() if re.search(rf"\b{word}\b", folded)}
    return {round(v, 3) for v in values}


_CONTAINERS = frozenset(stem(w) for w in CONTAINER_NOUNS)


def _content(claim_terms: tuple[str, ...]) -> tuple[str, ...]:
    """A claim's terms without the nouns that only hold what their modifiers say ("any ferry projects?" claims
    ferries), when other terms are left."""
    kept = tuple(t for t in claim_terms if t not in _CONTAINERS)
    return kept or claim_terms


class YesNo(Strategy):
    """"Is Acme Labs behind Bluebell?", "Does Bluebell focus on servers?", "Is Bluebell in the top 5?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        ev = self.evidence
        if len(intent.entries) >= 2 and intent.relation in {"before", "after"}:
            return self._in_time(intent)
        if intent.entries and (intent.ranks or intent.top_n or intent.bottom_n or intent.relation):
            return EntryRank(self.evidence).answer(intent, retrieval)
        refusal = unknown_subject(ev, intent)
        if refusal is not None:
            return abstention("The article doesn't say. " + refusal.text)
        if not intent.entries and len(intent.ranks) == 1 and (entry := self.kb.entry_at(intent.ranks[0])):
            return self._about_ranked(entry, intent)
        if intent.names and intent.entries:
            homes = [h for name in intent.names for h in ev.home_of(name)]
            if homes:
                inside = [(e, s) for e, s in homes if e.name in intent.entries]
                draft = Draft()
                if inside:
                    _, sentence = inside[0]
                    self.quote(draft, sentence, prefix="Yes. " if self._holds(intent, sentence) else "No. ")
                    return draft
                where = name_list(list(dict.fromkeys(e.name for e, _ in homes)))
                draft.say(f"No. The article puts {name_list(list(intent.names))} in {where}, not "
                          f"{name_list(list(intent.entries))}.", *[s for _, s in homes[:2]])
                return draft
        ranked, _ = ev.ranked(intent, retrieval)
        if intent.entries:
            own = {e.section for e in ev.entries(intent)}
            folded = [fold(e) for e in intent.entries]  # its own section, or a sentence elsewhere that names it
            ranked = [s for s in ranked if s.section in own or any(n in fold(s.text) for n in folded)] or ranked
        if intent.names:
            naming = [s for s in ranked if any(n.lower() in s.text.lower() for n in intent.names)]
            ranked = naming or ranked
        if not ranked:
            return abstention("The article doesn't say.")
        # numbers are compared, not matched as words: "$5 million" against "$2.8M" is a "No"; a restrictive
        # focus word ("only", "purely") is checked against the evidence, not matched as a word
        asked = intent.polarity
        claim = dataclasses.replace(intent, terms=_content(tuple(t for t in intent.terms
                                                                 if not _numeric(t) and t not in asked.restrictors)))
        best = max(ranked[:ev.limits.evidence_pool], key=lambda s: ev.coverage(claim, s))
        if ev.coverage(claim, best) >= ev.limits.yes_coverage:
            claimed = {round(v, 3) for v in intent.numbers | intent.fractions}
            found = stated_numbers(best.text)
            draft = Draft()
            if claimed and found and not claimed & found:
                self.quote(draft, best, prefix="No. ")  # the article gives another figure
            else:
                self.quote(draft, best, prefix="Yes. " if self._holds(claim, best) else "No. ")
            return draft
        return abstention("The article doesn't say. Nothing in it states that, so I can't confirm it or rule "
                          "it out.")

    def _holds(self, claim: Intent, sentence: Sentence) -> bool:
        """Whether the sentence that covers the claim affirms it, given the question's own negation and restriction
        and what the clause of the sentence that carries the claim says (negated, restriction denied, widened)."""
        ev = self.evidence
        asked = claim.polarity
        entry_terms = {t for e in claim.entries for t in terms(e)}
        # the claim is what is said of the subject: the entry's words and the question's subject only name it; the
        # ranking's generic words ("podcast", a title word) count, as what is said of the entry may be them
        said = [p for t in claim.terms if t not in entry_terms for p in (t, *t.split("-")) if p]
        unseen = ev.limits.unseen_term_weight
        weights = {t: self.kb.idf.get(t, unseen) for t in said if t not in asked.subject} or \
            {t: self.kb.idf.get(t, unseen) for t in said}
        if not weights:
            return True
        read = stances(sentence.text, weights, ev.expanded)
        return all(claim_holds(asked, clause) for clause in read)

    def _in_time(self, intent: Intent) -> Draft:
        """"Did X close before Y did?": the dates the article gives each entry for what was asked, compared."""
        entries = [e for e in (self.kb.entry_for(n) for n in intent.entries[:2]) if e]
        asked = set(self.evidence.asked_terms(intent)) - {t for e in entries for t in terms(e.name)}
        found = [self._date_of(entry, asked) for entry in entries]
        if len(entries) < 2 or any(f is None for f in found):
            return abstention("The article doesn't say. It doesn't give both dates, so I can't compare them.")
        (first_text, first_date, first_sentence), (second_text, second_date, second_sentence) = found  # type: ignore[misc]
        earlier = first_date < second_date
        yes = earlier if intent.relation == "before" else first_date > second_date
        draft = Draft()
        draft.say(f"{'Yes' if yes else 'No'}. {entries[0].name}: {first_text}; {entries[1].name}: {second_text}.",
                  first_sentence, second_sentence)
        return draft

    def _date_of(self, entry: RankEntry, asked: set[str]) -> tuple[str, date, Sentence] | None:
        """The date the entry's section gives for the asked terms: a table cell under a header that names them
        ("Opening date"), else the first date of the entry's sentence that covers them best."""
        own = [s for s in self.kb.sentences if s.chunk.city == entry.name or s.section == entry.section]
        for sentence in own:
            for header, value in sentence.cells():
                if asked & set(terms(header)) and (when := _date(value)) is not None:
                    return f"{header.lower()} {value}", when, sentence
        probe = [s for s in own if asked & self.kb.sentence_terms[s.index]]
        for sentence in sorted(probe, key=lambda s: -len(asked & self.kb.sentence_terms[s.index])):
            for entity in sentence.entities_of("date"):
                if (when := _date(entity.text)) is not None:
                    return entity.text, when, sentence
        return None

    def _about_ranked(self, entry: RankEntry, intent: Intent) -> Draft:
        """"Is the longest river known for X?", "Is the 3rd one a canal?": the claim checked against the
        section of the entry the rank (or the ranking's criterion) names, its heading included."""
        ev = self.evidence
        graded = set(terms(intent.criterion or ""))
        restrictors = intent.polarity.restrictors
        claim = dataclasses.replace(intent, entries=(entry.name,), ranks=(), terms=tuple(
            t for t in ev.asked_terms(intent) if t not in graded and not _numeric(t) and t not in restrictors))
        draft = Draft(mode="ranking")
        if not claim.terms:
            draft.say(f"Yes. {self.rank_line(entry)}", entry)
            return draft
        own = [s for s in self.kb.sentences if s.section == entry.section]
        best = max(own, key=lambda s: ev.coverage(claim, s), default=None)
        if best is not None and ev.coverage(claim, best) >= ev.limits.yes_coverage:
            draft.say(f"{'Yes' if self._holds(claim, best) else 'No'}. {self.rank_line(entry)}", entry)
            self.quote(draft, best)
            return draft
        for other in self.kb.ranking:
            fits = [s for s in self.kb.sentences if s.section == other.section and other is not entry
                    and ev.coverage(dataclasses.replace(claim, entries=(other.name,)), s) >= ev.limits.yes_coverage]
            if fits:  # the claim holds of another entry: the rank named is not that one
                draft.say(f"No. {self.rank_line(entry)}", entry)
                self.quote(draft, fits[0], prefix=f"{other.name} ({ordinal(other.rank)}): ")
                return draft
        return abstention("The article doesn't say. Nothing in it states that, so I can't confirm it or rule "
                          "it out.")
