"""The strategy contract and the phrasing every strategy shares (rank lines, entry bullets)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace

from app.answer.draft import Draft
from app.answer.evidence import Evidence
from app.knowledge import RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal
from ingest.core.text import terms


class Strategy(ABC):
    """Answers one kind of intent. `answer` returns None when the intent's slots don't fit this strategy,
    so the router can try the next one."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.kb = evidence.kb

    @abstractmethod
    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        """A cited draft for the intent, or None when this strategy does not apply."""

    # -- shared phrasing ------------------------------------------------------------------------------
    def rank_line(self, entry: RankEntry) -> str:
        """"Fedora is ranked 3rd of the 10 distributions." """
        return f"{entry.name} is ranked {ordinal(entry.rank)} of {self.kb.count_phrase()}."

    def bullets(self, draft: Draft, entry: RankEntry, limit: int) -> None:
        """The first sentence of each of the entry's bullets (up to `limit`), with its topic label."""
        own = self.kb.entry_sentences(entry)
        picks = [s for s in own if s.first_in_chunk][:limit]
        for sentence in own:
            if len(picks) >= limit:
                break
            if sentence not in picks:
                picks.append(sentence)
        for sentence in sorted(picks, key=lambda s: s.start):
            self.quote(draft, sentence, label=True)

    def and_what_was_asked(self, draft: Draft, entry: RankEntry, intent: Intent, retrieval: Retrieval) -> None:
        """After an entry's rank, the entry's sentence that answers the rest of the question ("…and which
        theatre?"), when one covers most of what else was asked."""
        asked = [t for t in self.evidence.asked_terms(intent) if t not in set(terms(entry.name))]
        own = self.kb.entry_sentences(entry)
        if not asked or not own:
            return
        rest = replace(intent, terms=tuple(asked))
        best = max(own, key=lambda s: self.evidence.coverage(rest, s))
        if self.evidence.coverage(rest, best) >= 0.5:
            self.quote(draft, best, label=True)  # the answer stays a ranking answer: no LLM rewrites a rank

    def quote(self, draft: Draft, sentence: Sentence, *, label: bool = False, prefix: str = "") -> None:
        """Quote one article sentence, cited; optionally after its topic label or a short prefix."""
        topic = f"{sentence.chunk.topic}: " if label and sentence.chunk.topic and sentence.first_in_chunk else ""
        draft.say(f"{prefix}{topic}{sentence.text}", sentence)
