"""Where the article puts a name: a question that names an organisation (or a product, a person) and asks for
the ranked entries it belongs to ("Which two towns is Acme Port tied to?", "where are Acme and Bolt based?") is
answered with every entry whose section mentions each name, each cited to the sentence that names it there — not
with the one sentence that matches best, which would give one entry of several."""

from __future__ import annotations

from functools import cached_property

from app.answer.draft import Draft, name_list
from app.answer.strategies.base import Strategy
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Intent
from ingest.core.lexicon import ordinal
from ingest.core.text import fold


class Homes(Strategy):
    """For each name the question asks about, the ranked entries whose sections (or labels) mention it."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        if not intent.names or intent.entries or not self.kb.ranking:
            return None
        if intent.answer_type is AnswerType.PLACE and not intent.entry_focus and not self.entries_are_places:
            return None  # "where is Acme based?" of a ranking of podcasts asks for no podcast
        found = [(name, homes) for name in intent.names if (homes := self.evidence.home_of(name))]
        if not found:
            return None
        draft = Draft()
        for name, homes in found:
            where = name_list([entry.name for entry, _ in homes])
            draft.say(f"{name}: {where}." if len(found) > 1 else f"{where}.")
            for entry, sentence in homes:
                self.quote(draft, sentence, prefix=f"{entry.name} ({ordinal(entry.rank)}): ")
        return draft

    @cached_property
    def entries_are_places(self) -> bool:
        """Most entry names are tagged as places (GPE, LOC) where the article mentions them."""
        places = {fold(e.text) for s in self.kb.sentences for e in s.entities if e.label in {"GPE", "LOC"}}
        ranked = [fold(e.name) for e in self.kb.ranking]
        return bool(ranked) and sum(name in places for name in ranked) * 2 > len(ranked)
