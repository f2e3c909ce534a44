"""Compare two or more entries: each side's rank and focus (its topic labels), its sentence that best fits the
question, and which one ranks higher — cited from every side's section."""

from __future__ import annotations

from app.answer.draft import Draft, name_list
from app.answer.strategies.base import Strategy
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal


class Compare(Strategy):
    """"Compare Fedora and Debian", "How are Arch and Mint different in focus?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        named = [e for e in (self.kb.entry_for(n) for n in intent.entries) if e]
        entries = named[:self.evidence.limits.compare_max_entries]
        if len(entries) < 2:
            return None
        draft = Draft()
        asked = self.evidence.asked_terms(intent)
        for entry in entries:
            if entry.cells:  # a table row: its rank with its values under their headers says it all
                self.say_rank(draft, entry)
                continue
            focus = name_list(list(entry.topics))
            line = f"{entry.name} is ranked {ordinal(entry.rank)}"
            draft.say(f"{line}; the article highlights {focus}." if focus else f"{line}.", entry)
            own = self.kb.entry_sentences(entry)
            if not own:
                continue
            if asked:
                scores = self.evidence.score(intent, retrieval, own)
                best = max(own, key=lambda s: scores[s.index])
            else:
                best = own[0]
            self.quote(draft, best, prefix=f"{entry.name}: ")
        ordered = sorted(entries, key=lambda e: e.rank)
        rest = name_list([f"{e.name} ({ordinal(e.rank)})" for e in ordered[1:]])
        draft.say(f"In the ranking, {ordered[0].name} ({ordinal(ordered[0].rank)}) is ahead of {rest}.", *ordered)
        return draft
