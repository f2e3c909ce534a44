"""Yes/no questions: lead with Yes, No, or "The article doesn't say", then the evidence."""

from __future__ import annotations

import dataclasses
import re

from app.answer.draft import Draft, abstention, name_list
from app.answer.strategies.base import Strategy
from app.answer.strategies.fact import unknown_subject
from app.answer.strategies.ranking import EntryRank
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import FRACTION_WORDS, number_value
from ingest.core.text import SCALE, fold, number_values


def _numeric(term: str) -> bool:
    return term[:1].isdigit() or term in SCALE or term in FRACTION_WORDS or number_value(term) is not None


def stated_numbers(text: str) -> set[float]:
    """The numbers a text states, with fractions ("half") as percentages."""
    values = set(number_values(text))
    folded = fold(text)
    values |= {v for word, v in FRACTION_WORDS.items() if re.search(rf"\b{word}\b", folded)}
    return {round(v, 3) for v in values}


class YesNo(Strategy):
    """"Is Red Hat behind Fedora?", "Does Arch focus on servers?", "Is Mint in the top 5?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        ev = self.evidence
        if intent.entries and (intent.ranks or intent.top_n or intent.bottom_n or intent.relation):
            return EntryRank(self.evidence).answer(intent, retrieval)
        refusal = unknown_subject(ev, intent)
        if refusal is not None:
            return abstention("The article doesn't say. " + refusal.text)
        if intent.names and intent.entries:
            homes = [h for name in intent.names for h in ev.home_of(name)]
            if homes:
                inside = [(e, s) for e, s in homes if e.name in intent.entries]
                draft = Draft()
                if inside:
                    _, sentence = inside[0]
                    self.quote(draft, sentence, prefix="Yes. ")
                    return draft
                where = name_list(list(dict.fromkeys(e.name for e, _ in homes)))
                draft.say(f"No. The article puts {name_list(list(intent.names))} in {where}, not "
                          f"{name_list(list(intent.entries))}.", *[s for _, s in homes[:2]])
                return draft
        ranked, _ = ev.ranked(intent, retrieval)
        if intent.entries:
            own = {e.section for e in ev.entries(intent)}
            ranked = [s for s in ranked if s.section in own] or ranked
        if intent.names:
            named = [s for s in ranked if any(n.lower() in s.text.lower() for n in intent.names)]
            ranked = named or ranked
        if not ranked:
            return abstention("The article doesn't say.")
        # numbers are compared, not matched as words: "$5 million" against "$2.8M" is a "No"
        claim = dataclasses.replace(intent, terms=tuple(t for t in intent.terms if not _numeric(t)))
        best = max(ranked[:4], key=lambda s: ev.coverage(claim, s))
        if ev.coverage(claim, best) >= ev.limits.yes_coverage:
            claimed = stated_numbers(intent.text)
            found = stated_numbers(best.text)
            draft = Draft()
            if claimed and found and not claimed & found:
                self.quote(draft, best, prefix="No. ")  # the article gives another figure
            else:
                self.quote(draft, best, prefix="Yes. ")
            return draft
        return abstention("The article doesn't say. Nothing in it states that, so I can't confirm it or rule "
                          "it out.")
