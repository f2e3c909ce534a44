"""Ranking strategies, answered from the parsed ranking and cited to the entries' headings: which entry holds a
rank, an entry's rank (with premise checks and yes/no leads), neighbours, and the order (top-N, bottom-N, all)."""

from __future__ import annotations

from app.answer.draft import Draft, abstention, name_list
from app.answer.strategies.base import Strategy
from app.knowledge import RankEntry
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Intent
from ingest.core.lexicon import ordinal
from ingest.core.text import stem


class RankLookup(Strategy):
    """"Which city is ranked 8th?" → the entry at that rank; "Who comes after Fedora?" → its neighbour."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        if not kb.ranking:
            return None
        if len(intent.entries) == 1 and intent.relation in {"up", "down"} and not intent.ranks:
            return self._neighbour(kb.entry_for(intent.entries[0]), intent.relation, intent.offset)
        if not intent.entries and intent.relation in {"up", "down"} and not intent.ranks:
            named = self.entry_by_its_cells(intent)  # "what comes after the Veldmark flood?"
            if named is not None:
                return self._neighbour(named, intent.relation, intent.offset)
        if not intent.ranks:
            return None
        beyond = [r for r in intent.ranks if not kb.entry_at(r)]
        if beyond and len(beyond) == len(intent.ranks):
            skipped = self._skipped_by_a_tie(beyond[0])
            if skipped is not None:
                return skipped
            nth = ordinal(beyond[0])
            article = "an" if nth.startswith(("8", "11", "18")) else "a"
            return abstention(f"The article doesn't name {article} {nth} {kb.noun}: it ranks only "
                              f"{len(kb.ranking)} {kb.nouns}.")
        draft = Draft(mode="ranking")
        for rank in intent.ranks:
            tied = kb.entries_at(rank)
            if len(tied) > 1:
                draft.say(f"{name_list([e.name for e in tied])} are tied {ordinal(rank)}.", *tied)
            for entry in tied:
                self.say_rank(draft, entry)
        if len(intent.ranks) == 1 and len(tied) == 1:  # the loop's one rank, held by one entry
            self.and_what_was_asked(draft, tied[0], intent, retrieval)
        return draft

    def _skipped_by_a_tie(self, rank: int) -> Draft | None:
        """A rank no entry holds because a tie above took its place ("3, 3, 5": nobody is 4th)."""
        kb = self.kb
        above, below = kb.next_rank(rank, -1), kb.next_rank(rank, 1)
        if above is None or below is None or len(tied := kb.entries_at(above)) < 2:
            return None
        after = kb.entries_at(below)
        draft = Draft(mode="ranking")
        draft.say(f"No {kb.noun} is ranked {ordinal(rank)}: {name_list([e.name for e in tied])} are tied "
                  f"{ordinal(above)}, and {name_list([e.name for e in after])} "
                  f"{'is' if len(after) == 1 else 'are'} {ordinal(below)}.", *tied, *after)
        return draft

    def _neighbour(self, entry: RankEntry | None, direction: str, places: int = 1) -> Draft | None:
        if entry is None:
            return None
        step = places if direction == "down" else -places
        kb = self.kb
        rank = entry.rank + step if places > 1 else kb.next_rank(entry.rank, step)
        others = kb.entries_at(rank) if rank is not None else []
        if not others:
            if places > 1:
                return abstention(f"No {kb.noun} is ranked {places} places {'below' if step > 0 else 'above'} "
                                  f"{entry.name}: it is ranked {ordinal(entry.rank)} of {len(kb.ranking)}.")
            edge = "last" if step > 0 else "first"
            return abstention(f"No {kb.noun} comes {'after' if step > 0 else 'before'} {entry.name}: it is "
                              f"ranked {edge} ({ordinal(entry.rank)}).")
        draft = Draft(mode="ranking")
        if places > 1:
            where = f"{'are' if len(others) > 1 else 'is'} ranked {places} places {'below' if step > 0 else 'above'}"
        else:
            where = f"come{'' if len(others) > 1 else 's'} right {'after' if step > 0 else 'before'}"
        named = name_list([e.name for e in others])
        tie = "tied " if len(others) > 1 else ""
        draft.say(f"{named} ({tie}{ordinal(others[0].rank)}) {where} {entry.name} ({ordinal(entry.rank)}).",
                  *others, entry)
        return draft


class EntryRank(Strategy):
    """"Where does Fedora rank?", "Is Fedora in the top 5?", "Which ranks higher, X or Y?", "Why is X first?"
    premises, and what sits between two entries."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        entries = [e for e in (kb.entry_for(n) for n in intent.entries) if e]
        if not entries and not intent.entries and (named := self.entry_by_its_cells(intent)) is not None:
            entries = [named]  # "where does the Ostvik flood rank?": a row named by one of its cells
        if not entries or not kb.ranking:
            return None
        if len(entries) >= 2 and intent.relation == "between":
            return self._between(entries[0], entries[1])
        if len(entries) >= 2:
            return self._higher(entries, intent)
        entry = entries[0]
        if intent.relation in {"up", "down"} and not intent.ranks and not intent.top_n:
            return RankLookup(self.evidence).answer(intent, retrieval)
        if intent.ranks:
            return self.premise(entry, intent.ranks[0], intent)
        focus = intent.focus
        if (intent.top_n or intent.bottom_n) and not intent.polar and focus is not None and \
                stem(focus.head) not in {stem(kb.noun), stem(kb.nouns)}:
            # "top 5 hotels in X?" asks for something else of X's, not whether X is in the top 5
            if not self.evidence.in_article(focus.head):
                return abstention(f"The article doesn't rank any {focus.head}: it ranks {kb.count_phrase()}.")
            return None
        if intent.top_n or intent.bottom_n:
            n = intent.top_n or intent.bottom_n or 0
            inside = entry.rank <= n if intent.top_n else entry.rank > len(kb.ranking) - n
            where = "top" if intent.top_n else "bottom"
            draft = Draft(mode="ranking")
            draft.say(f"{'Yes' if inside else 'No'}. {entry.name} is ranked {ordinal(entry.rank)} of "
                      f"{kb.count_phrase()}, so it is {'' if inside else 'not '}in the {where} {n}.", entry)
            return draft
        draft = Draft(mode="ranking")
        self.say_rank(draft, entry)
        self.and_what_was_asked(draft, entry, intent, retrieval)
        return draft

    def premise(self, entry: RankEntry, asserted: int, intent: Intent) -> Draft:
        """Confirm or correct "X is ranked N"."""
        kb = self.kb
        claimed = kb.entry_at(asserted)
        draft = Draft(mode="ranking")
        if entry.rank == asserted:
            self.say_rank(draft, entry, "Yes. " if intent.polar else "")
            return draft
        if claimed is None:
            draft.say(f"{'No. ' if intent.polar else ''}{entry.name} is ranked {ordinal(entry.rank)}; the "
                      f"article ranks only {len(kb.ranking)} {kb.nouns}.", entry)
            return draft
        lead = "No" if intent.polar else "That premise is not right"
        draft.say(f"{lead}: {entry.name} is ranked {ordinal(entry.rank)}, not {ordinal(asserted)}. "
                  f"{claimed.name} is ranked {ordinal(asserted)}.", entry, claimed)
        return draft

    def _higher(self, entries: list[RankEntry], intent: Intent) -> Draft:
        ordered = sorted(entries, key=lambda e: e.rank)
        best, *rest = ordered
        others = name_list([f"{e.name} ({ordinal(e.rank)})" for e in rest])
        draft = Draft(mode="ranking")
        if intent.relation == "down":
            worst = ordered[-1]
            above = name_list([f"{e.name} ({ordinal(e.rank)})" for e in ordered[:-1]])
            lead = ("Yes. " if entries[0] is worst else "No. ") if intent.polar else ""
            draft.say(f"{lead}{worst.name} ranks lower: it is {ordinal(worst.rank)}, behind {above}.", *ordered)
            return draft
        if intent.polar and intent.relation == "up":
            first = next(e for e in entries)
            yes = first is best
            draft.say(f"{'Yes' if yes else 'No'}. {best.name} ranks higher: it is {ordinal(best.rank)}, ahead "
                      f"of {others}.", *ordered)
            return draft
        draft.say(f"{best.name} ranks higher: it is {ordinal(best.rank)}, ahead of {others}.", *ordered)
        return draft

    def _between(self, a: RankEntry, b: RankEntry) -> Draft:
        a, b = sorted((a, b), key=lambda e: e.rank)
        inside = [e for e in self.kb.ranking if a.rank < e.rank < b.rank]
        draft = Draft(mode="ranking")
        if not inside:
            draft.say(f"None: {a.name} ({ordinal(a.rank)}) and {b.name} ({ordinal(b.rank)}) are next to each other "
                      "in the ranking.", a, b)
        else:
            names = name_list([f"{e.name} ({ordinal(e.rank)})" for e in inside])
            draft.say(f"{names} {'sits' if len(inside) == 1 else 'sit'} between {a.name} ({ordinal(a.rank)}) and "
                      f"{b.name} ({ordinal(b.rank)}).", *inside, a, b)
        return draft


class Order(Strategy):
    """"Top 3", "bottom two", "the whole ranking", "how many cities are ranked?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        if not kb.ranking:
            return None
        count = len(kb.ranking)
        if intent.answer_type is AnswerType.COUNT and not intent.top_n and not intent.bottom_n:
            first, last = kb.ranking[0], kb.ranking[-1]
            draft = Draft(mode="ranking")
            draft.say(f"The article ranks {count} {kb.nouns}, from {first.name} (1st) to {last.name} "
                      f"({ordinal(last.rank)}).", first, last)
            return draft
        if intent.bottom_n:
            return self._listing(kb.ranking[-min(intent.bottom_n, count):], f"The bottom {min(intent.bottom_n, count)}")
        if intent.top_n and intent.top_n < count:
            return self._listing(kb.ranking[:intent.top_n], f"The top {intent.top_n}")
        return self._listing(kb.ranking, f"The full ranking of {kb.count_phrase()}")

    def _listing(self, entries: list[RankEntry], lead: str) -> Draft:
        draft = Draft(mode="ranking")
        draft.note(f"{lead}, in order:")
        for entry in entries:
            draft.say(f"{entry.rank}. {entry.name}", entry)
        return draft
