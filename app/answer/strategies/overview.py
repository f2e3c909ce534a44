"""Entry strategies: an overview of an entry ("Tell me about Fedora") and why it ranks where it does."""

from __future__ import annotations

from app.answer.draft import Draft
from app.answer.strategies.base import Strategy
from app.answer.strategies.ranking import EntryRank
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.text import terms


class Overview(Strategy):
    """The entry's rank, then the first sentence of each of its bullets with their topic labels — or, when the
    question asks about something in particular ("how can listeners take part in X?"), the entry's sentences
    that best answer it."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        entries = self.evidence.entries(intent)
        if not entries:
            return None
        draft = Draft()
        names = {t for entry in entries for t in terms(entry.name)}
        # the words of the question's own language ("summary", "tell", "overview") ask for nothing in particular
        asked = [t for t in self.evidence.asked_terms(intent) if t not in names and
                 t not in self.evidence.question_words]
        limits = self.evidence.limits
        for entry in entries[:limits.overview_max_entries]:
            if entry.cells:  # a table row: its rank and its values under their headers
                self.say_rank(draft, entry)
                continue
            draft.say(self.rank_line(entry), entry)
            own = self.kb.entry_sentences(entry)
            if asked and len(entries) == 1 and own:
                self.quote_best(draft, intent, retrieval, own)
                continue
            self.bullets(draft, entry, limit=limits.overview_bullets if len(entries) == 1 else
                         limits.overview_bullets_several)
        return draft


class Explain(Strategy):
    """"Why is Debian first?", "What makes Mint good for beginners?": the rank (premise checked), then
    the entry's sentences that best answer the question."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        by_cells = None if intent.entries else self.entry_by_its_cells(intent)  # before any rank the question claims
        entries = [by_cells] if by_cells else self.evidence.entries(intent)
        if not entries:
            return None
        entry = entries[0]
        named = bool(intent.entries) or by_cells is not None
        corrected = named and bool(intent.ranks) and intent.ranks[0] != entry.rank
        if corrected:
            draft = EntryRank(self.evidence).premise(entry, intent.ranks[0], intent)
        else:
            draft = Draft()
            self.say_rank(draft, entry)  # a table row's values come with its rank
        said = None if corrected or not entry.cells else self.kb.row_of(entry)  # the row went with the rank
        own = [s for s in self.kb.entry_sentences(entry) if s is not said]
        if not own:
            return draft
        if self.evidence.asked_terms(intent):
            self.quote_best(draft, intent, retrieval, own)
        else:  # "why is X first?" asks nothing in particular: the opening sentence of each of its passages
            firsts = [s for s in own if s.first_in_chunk][: self.evidence.limits.max_sentences]
            for sentence in sorted(firsts, key=lambda s: s.start):
                self.quote(draft, sentence, label=True)
        draft.mode = "ranking" if corrected else "extractive"  # a corrected premise is never handed to an LLM
        return draft
