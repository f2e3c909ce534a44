"""Compare two or more entries: one sentence that says how they differ (their ranks, and the topic labels each
one's section has that the others' lack), then each side's sentence that best fits the question (a table row: its
values), cited from every side's section."""

from __future__ import annotations

from app.answer.draft import Draft, joined, name_list
from app.answer.strategies.base import Strategy
from app.knowledge import RankEntry
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal
from ingest.core.text import fold, terms


class Compare(Strategy):
    """"Compare Fedora and Debian", "How are Arch and Mint different in focus?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        named = [e for e in (self.kb.entry_for(n) for n in intent.entries) if e]
        entries = named[:self.evidence.limits.compare_max_entries]
        if len(entries) < 2:
            return None
        draft = Draft()
        draft.say(difference(entries), *sorted(entries, key=lambda e: e.rank))
        self._shared_names(draft, entries)
        asked = self.evidence.asked_terms(intent)
        for entry in entries:
            if entry.cells:  # a table row: its rank with its values under their headers says it all
                self.say_rank(draft, entry)
                continue
            own = self.kb.entry_sentences(entry)
            if not own:
                continue
            if asked:
                scores = self.evidence.score(intent, retrieval, own)
                best = max(own, key=lambda s: scores[s.index])
            else:
                best = own[0]
            self.quote(draft, best, prefix=f"{entry.name}: ")
        return draft

    def _shared_names(self, draft: Draft, entries: list[RankEntry]) -> None:
        """The names every side's section mentions ("both sections mention Acme Port"), cited where each side
        mentions them."""
        found = [{fold(n): (n, s) for n, s in self.evidence.names_in(self.kb.entry_sentences(e), set())}
                 for e in entries]
        shared = [key for key in found[0] if all(key in other for other in found[1:])]
        if not shared:
            return
        names = [found[0][key][0] for key in shared]
        where = "Both sections" if len(entries) == 2 else "All their sections"
        draft.say(f"{where} mention {name_list(names)}.", *[side[key][1] for key in shared for side in found])


class Together(Strategy):
    """"Why do Zedville and Yarrow make the list?": a sentence outside the entries' own sections that names all of
    them together (a trends line: "Towns like Zedville and Yarrow show …") says what they share in the article's
    own words: it comes first, then the comparison."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        asked = {e.name for e in (self.kb.entry_for(n) for n in intent.entries) if e}
        if len(asked) < 2:
            return None
        together = [s for s in self.kb.sentences if s.city is None
                    and asked <= {e.name for e in self.evidence.entries_in(s)}]
        if not together:
            return None
        draft = Draft()
        for sentence in together[:self.evidence.limits.max_sentences]:
            self.quote(draft, sentence, label=True)
        rest = Compare(self.evidence).answer(intent, retrieval)
        return joined(draft, rest) if rest is not None and not rest.abstained else draft


def difference(entries: list[RankEntry]) -> str:
    """One sentence on how the entries differ: which ranks ahead, and what each one's section is about that the
    others' are not (its topic labels that share no word with theirs); what all of them have in common closes it.

    "Acme (2nd) ranks ahead of Zenith (5th); Acme's section is about Ports and Trade, Zenith's about Mining."
    """
    ordered = sorted(entries, key=lambda e: e.rank)
    rest = name_list([f"{e.name} ({ordinal(e.rank)})" for e in ordered[1:]])
    verb = "ranks level with" if ordered[0].rank == ordered[-1].rank else "ranks ahead of"
    lead = f"{ordered[0].name} ({ordinal(ordered[0].rank)}) {verb} {rest}"
    if any(e.cells for e in entries):
        return f"{lead}."  # a table row's labels are its column headers, the same for every row: its values follow
    words = {e.name: {t for topic in e.topics for t in terms(topic)} for e in entries}
    own: list[tuple[str, list[str]]] = []
    for entry in ordered:
        others = set().union(*(w for name, w in words.items() if name != entry.name))
        distinct = [topic for topic in entry.topics if not set(terms(topic)) & others]
        if distinct:
            own.append((entry.name, distinct))
    if not own:
        shared = [t for t in entries[0].topics if all(t.lower() in {x.lower() for x in e.topics} for e in entries)]
        return f"{lead}; both sections are about {name_list(shared)}." if shared and len(entries) == 2 else f"{lead}."
    parts = [f"{name}'s section is about {name_list(topics)}" if i == 0 else f"{name}'s about {name_list(topics)}"
             for i, (name, topics) in enumerate(own)]
    # commas inside the parts' lists of labels ("A, B and C") call for semicolons between the parts
    separator = "; " if len(parts) > 2 or any(len(topics) > 2 for _, topics in own) else ", "
    return f"{lead}; {separator.join(parts)}."
