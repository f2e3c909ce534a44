"""Summarize the article: its framing (the intro), the top of the ranking, and what it observes across the
entries (its trends or summary section) — each cited."""

from __future__ import annotations

from app.answer.draft import Draft, name_list
from app.answer.strategies.base import Strategy
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal


class Summary(Strategy):
    """"Summarize the article", "tl;dr", "What are the main trends?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        draft = Draft()
        framing = kb.intro_sentences[:1]
        for sentence in framing:
            self.quote(draft, sentence)
        top = kb.ranking[:3]
        if top:
            names = name_list([f"{e.name} ({ordinal(e.rank)})" for e in top])
            draft.say(f"It ranks {kb.count_phrase()}; the top {len(top)} are {names}.", *top)
        if kb.trends_section:
            firsts = [s for s in kb.sentences_of(kb.trends_section) if s.first_in_chunk][:4]
            if firsts:
                draft.note(f"Across the ranking ({kb.trends_section}):")
                for sentence in firsts:
                    self.quote(draft, sentence, label=True)
        return draft if draft.citations else None
