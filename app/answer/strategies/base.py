"""The strategy contract and the phrasing every strategy shares (rank lines, entry bullets)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace

from app.answer.draft import Draft
from app.answer.evidence import Evidence
from app.knowledge import RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.chunker import ROW_KIND
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

    def entry_by_its_cells(self, intent: Intent) -> RankEntry | None:
        """The one table row the question's names point to through its cells ("the Veldmark flood" names the
        row whose "Alternative Name" cell says so): the row that the names found in just one row agree on, and
        that every other name found in the table is found in too (else the question is about several rows)."""
        found = [{e.name for e, s in self.evidence.home_of(name) if s.chunk.kind == ROW_KIND} for name in intent.names]
        rows = set().union(*(homes for homes in found if len(homes) == 1))
        if len(rows) != 1 or not all(rows <= homes for homes in found if homes):
            return None
        return self.kb.entry_for(rows.pop())

    def say_rank(self, draft: Draft, entry: RankEntry, lead: str = "") -> None:
        """The entry's rank line; for a table row, followed by the row's values under their column headers and
        cited to the row ("… ranked 1st of the 20 earthquakes: Mag: 9.5; Date (UTC): 1960-05-22; …")."""
        row = self.kb.row_of(entry)
        values = row_values(entry)
        if row is None or not values:
            draft.say(lead + self.rank_line(entry), entry)
            return
        draft.say(f"{lead}{self.rank_line(entry).removesuffix('.')}: {values}.", row)

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

    def quote_best(self, draft: Draft, intent: Intent, retrieval: Retrieval, sentences: list[Sentence]) -> None:
        """Quote the sentences that answer the question best (as many as the settings allow), in article order,
        each after its topic label."""
        scores = self.evidence.score(intent, retrieval, sentences)
        picks = sorted(sentences, key=lambda s: -scores[s.index])[: self.evidence.limits.max_sentences]
        for sentence in sorted(picks, key=lambda s: s.start):
            self.quote(draft, sentence, label=True)

    def and_what_was_asked(self, draft: Draft, entry: RankEntry, intent: Intent, retrieval: Retrieval) -> None:
        """After an entry's rank, the entry's sentence that answers the rest of the question ("…and which
        theatre?"), when one covers most of what else was asked."""
        asked = [t for t in self.evidence.asked_terms(intent) if t not in set(terms(entry.name))]
        own = [s for s in self.kb.entry_sentences(entry) if s.chunk.kind != ROW_KIND]  # the row went with the rank
        if not asked or not own:
            return
        rest = replace(intent, terms=tuple(asked))
        best = max(own, key=lambda s: self.evidence.coverage(rest, s))
        if self.evidence.coverage(rest, best) >= self.evidence.limits.strong_coverage:
            self.quote(draft, best, label=True)  # the answer stays a ranking answer: no LLM rewrites a rank

    def quote(self, draft: Draft, sentence: Sentence, *, label: bool = False, prefix: str = "") -> None:
        """Quote one article sentence, cited; optionally after its topic label or a short prefix."""
        entry = self.kb.entry_of(sentence)
        if sentence.chunk.kind == ROW_KIND and entry is not None and row_values(entry):
            # a table row reads as its values under their headers; the citation still quotes the row verbatim
            who = f"{entry.name} ({ordinal(entry.rank)}): "
            # a caller's prefix that names the entry is kept when it has the rank, else replaced (the rank stays)
            named = prefix.startswith(entry.name)
            who = (prefix if ordinal(entry.rank) in prefix else who) if named else prefix + who
            draft.say(f"{who}{row_values(entry)}", sentence)
            return
        topic = f"{sentence.chunk.topic}: " if label and sentence.chunk.topic and sentence.first_in_chunk else ""
        draft.say(f"{prefix}{topic}{sentence.text}", sentence)


def row_values(entry: RankEntry) -> str:
    """A table row's cells as "Header: value" pairs in column order ("Mag: 9.5; Date (UTC): 1960-05-22"), empty
    cells left out; "" for an entry written as prose."""
    pairs = [f"{c.header}: {c.text.strip()}" if c.header else c.text.strip() for c in entry.cells if c.text.strip()]
    return "; ".join(pairs).rstrip(".")
