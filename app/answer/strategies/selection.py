"""Strategies that select across entries: which entries match a condition (filter), which entry suits a need
best (recommend), and the names the article gives (list entities). Every match is returned, not the first; filter
and recommend score the entries against the question's need (`Intent.need`), so that phrasings of one need agree."""

from __future__ import annotations

import re
from dataclasses import replace

from app.answer.draft import Draft, abstention, name_list
from app.answer.evidence import Evidence
from app.answer.organisations import is_organisation
from app.answer.strategies.base import Strategy
from app.knowledge import Cell, RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Comparison, Extreme, Intent
from app.understand.parse import particles
from ingest.core.lexicon import (
    INSTITUTION_HEADS,
    MONTHS,
    NAME_NOUNS,
    OPERATOR_PHRASES,
    ORGANISATION_NOUNS,
    YEAR_OPERATOR_PHRASES,
    ordinal,
)
from ingest.core.text import cell_number, fold, stem, terms, words


class _AcrossEntries(Strategy):
    """Scores every entry's sentences against the question."""

    def on_the_need(self, intent: Intent) -> Intent:
        """The intent narrowed to its need (`Intent.need`): its terms are the need's, and its vector the meaning
        of the need's words, so that two phrasings of one need ("I'm opening a robotics startup: which one?",
        "Which ones are good for robotics?") are scored alike. Unchanged when the question has no need left."""
        if not intent.need:
            return intent
        need = tuple(t for w in intent.need for t in terms(w))
        return replace(intent, terms=need, vector=self.kb.embed([" ".join(intent.need)])[0])

    def best_per_entry(self, intent: Intent, retrieval: Retrieval) -> list[tuple[RankEntry, Sentence, float]]:
        """Each entry with its best sentence and its relevance, best first. An entry's relevance counts the
        need's terms its whole section covers (a need has several parts: "hardware" and "startup"), plus how
        close in meaning its best sentence is to the need."""
        kb = self.kb
        ev = self.evidence
        intent = self.on_the_need(intent)
        scores = ev.score(intent, retrieval, kb.sentences)
        similarity = ev.similarity(intent, kb.sentences)
        asked = ev.asked_terms(intent)
        weight = {t: kb.idf.get(t, ev.limits.unseen_term_weight) for t in asked}
        total = sum(weight.values()) or 1.0
        out = []
        for entry in kb.ranking:
            own = kb.entry_sentences(entry)
            if not own:
                continue
            best = max(own, key=lambda s: scores[s.index])
            have = set().union(*(kb.sentence_terms[s.index] for s in own))
            covered = sum(w for t, w in weight.items() if ev.expanded(t) & have) / total
            relevance = scores[best.index] + covered + ev.limits.entry_similarity_weight * similarity[best.index]
            out.append((entry, best, relevance))
        return sorted(out, key=lambda t: -t[2])


class Filter(_AcrossEntries):
    """"Which distributions focus on servers?", "Which ones mention Acme Labs?": every match, the best first."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        if not kb.ranking:
            return None
        if intent.names:
            homes = [h for name in intent.names for h in self.evidence.home_of(name)]
            if homes:
                draft = Draft()
                entries = list(dict.fromkeys(e.name for e, _ in homes))
                draft.note(f"{name_list(entries)}.")
                for entry, sentence in homes:
                    self.quote(draft, sentence, prefix=f"{entry.name}: ")
                return draft
        if not self.evidence.asked_terms(intent):
            return None
        matches = self._matches(intent, retrieval)
        seen = {e.name for e, _ in matches}
        for side in self._sides(intent):  # "ferries or tugboats": an entry that matches either side matches
            for entry, sentence in self._matches(side, retrieval):
                if entry.name not in seen:
                    seen.add(entry.name)
                    matches.append((entry, sentence))
        if not matches:
            return None
        draft = Draft()
        ordered = matches  # the best matches first (entries sharing a particle: in rank order)
        draft.note(f"{name_list([e.name for e, _ in ordered])}.")
        by_sentence: dict[int, tuple[Sentence, list[RankEntry]]] = {}
        for entry, sentence in ordered:
            by_sentence.setdefault(sentence.index, (sentence, []))[1].append(entry)
        for sentence, held in by_sentence.values():
            who = name_list([f"{e.name} ({ordinal(e.rank)})" for e in held])
            self.quote(draft, sentence, prefix=f"{who}: ")
        return draft


    def _matches(self, intent: Intent, retrieval: Retrieval) -> list[tuple[RankEntry, Sentence]]:
        """The entries that match, each with its best sentence, the best first."""
        matches = self._sharing_particles(intent, retrieval)
        if matches:
            return matches
        ranked = self.best_per_entry(intent, retrieval)
        if not ranked:
            return []
        top = ranked[0][2]
        matches = [(e, s) for e, s, score in ranked if score >= self.evidence.limits.match_ratio * top and
                   self.evidence.coverage(intent, s) > 0][:self.evidence.limits.filter_max_entries]
        return matches + self._named_outside_entries(intent, retrieval, {e.name for e, _ in matches})

    @staticmethod
    def _sides(intent: Intent) -> list[Intent]:
        """One intent per side of an "or" in the question, each without the other sides' terms."""
        groups = intent.alternatives
        if len(groups) < 2:
            return []
        out = []
        for group in groups:
            others = {t for g in groups if g is not group for t in g} - set(group)
            kept = tuple(t for t in intent.terms if t not in others)
            need = tuple(w for w in intent.need if not set(terms(w)) & others)
            if kept != intent.terms or need != intent.need:
                out.append(replace(intent, terms=kept, need=need, alternatives=()))
        return out

    def _sharing_particles(self, intent: Intent, retrieval: Retrieval) -> list[tuple[RankEntry, Sentence]]:
        """When the question's verb is phrasal ("moved up"), every entry with a sentence whose verb has the same
        particle ("Moving up from …"), each with its best such sentence; empty when no entry, or every entry, has
        one (then the particle picks out nothing)."""
        wanted = intent.particles
        if not wanted:
            return []
        kb = self.kb
        holding = {e.name: [s for s in kb.entry_sentences(e) if wanted <= set(words(s.text))
                            and wanted <= particles(s.text)] for e in kb.ranking}
        holding = {name: sentences for name, sentences in holding.items() if sentences}
        if not holding or len(holding) == len(kb.ranking):
            return []
        scores = self.evidence.score(intent, retrieval, [s for ss in holding.values() for s in ss])
        return [(e, max(holding[e.name], key=lambda s: scores[s.index])) for e in kb.ranking if e.name in holding]

    def _named_outside_entries(self, intent: Intent, retrieval: Retrieval,
                               found: set[str]) -> list[tuple[RankEntry, Sentence]]:
        """Entries that a sentence outside their own sections names as matching (a trends line such as "Places
        like A and B reflect …"), when that sentence answers as well as the best entry sentence."""
        ev = self.evidence
        others = [s for s in self.kb.sentences if s.city is None and s.chunk.kind not in {"title"}]
        if not others:
            return []
        scores = ev.score(intent, retrieval, others)
        best_entry = max((ev.score(intent, retrieval, [s])[s.index] for s in self.kb.sentences if s.city),
                         default=0.0)
        out: list[tuple[RankEntry, Sentence]] = []
        for sentence in sorted(others, key=lambda s: -scores[s.index])[:ev.limits.filter_outside_sentences]:
            if scores[sentence.index] < ev.limits.match_ratio * best_entry or ev.coverage(intent, sentence) == 0:
                continue
            for entry in ev.entries_in(sentence):
                if entry.name not in found:
                    found.add(entry.name)
                    out.append((entry, sentence))
        return out


_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


class ColumnFilter(Strategy):
    """"Which earthquakes reached magnitude 9 or more?", "Which shows ran more than 7,000 performances?", "Which
    shows closed before 2000?": every table row whose value in the compared column (the column whose header the
    question's words name; for a year, the one date column) satisfies the comparison, each cited to its row."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence)
        # routing and the strategy ask for one question's column: found once per comparison
        self._seen: dict[tuple[Comparison | None, Extreme | None], tuple[Comparison | Extreme, str] | None] = {}

    def column(self, intent: Intent) -> tuple[Comparison | Extreme, str] | None:
        """The comparison (or superlative) the question makes and the column it is about, or None."""
        if not any(e.cells for e in self.kb.ranking):
            return None
        key = (intent.comparison, intent.extreme)
        if key not in self._seen:
            if len(self._seen) > 512:
                self._seen.clear()
            self._seen[key] = self._column(intent)
        return self._seen[key]

    def _column(self, intent: Intent) -> tuple[Comparison | Extreme, str] | None:
        compared = intent.comparison
        if compared is None:
            asked = intent.extreme
            if asked is None:
                return None
            headers = list({**self._columns(False), **self._columns(True)})
            header = _header_named(headers, asked.words) or self._header_meant(headers, asked.words)
            return (asked, header) if header else None
        headers = list(self._columns(compared.year))
        if not headers:
            return None
        header = _header_named(headers, compared.words) or (
            headers[0] if compared.year and len(headers) == 1 else None) or self._header_meant(headers, compared.words)
        return (compared, header) if header else None

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        found = self.column(intent)
        if found is None:
            return None
        asked, header = found
        if isinstance(asked, Extreme):
            return self._extreme(asked, header)
        values = self._columns(asked.year)[header]
        shown = f"{asked.value:.0f}" if asked.year else f"{asked.value:,g}"
        wanted = (YEAR_OPERATOR_PHRASES if asked.year else OPERATOR_PHRASES)[asked.op].format(shown)
        draft = Draft()
        hits = [(e, c) for e, c, v in values if asked.holds(v)]
        if not hits:
            upward = ">" in asked.op
            entry, cell, _ = max(values, key=lambda t: t[2]) if upward else min(values, key=lambda t: t[2])
            extreme_word = ("latest" if upward else "earliest") if asked.year else ("highest" if upward else "lowest")
            draft.say(f"None of {self.kb.count_phrase()} has {header} {wanted}: the {extreme_word} is {cell.text} "
                      f"({entry.name}, {ordinal(entry.rank)}).", self.kb.row_of(entry) or entry)
            return draft
        draft.note(f"{len(hits)} of {self.kb.count_phrase()} {'has' if len(hits) == 1 else 'have'} {header} "
                   f"{wanted}:")
        for entry, cell in hits:
            draft.say(f"{entry.name} ({ordinal(entry.rank)}): {header}: {cell.text}", self.kb.row_of(entry) or entry)
        return draft

    def _extreme(self, asked: Extreme, header: str) -> Draft:
        """The row (or tied rows) with the highest or lowest value, or the latest or earliest date, in a column."""
        dates = header not in self._columns(False)
        values = [(e, c, _date_value(c.text)) for e, c, _ in self._columns(True)[header]] if dates else \
            self._columns(False)[header]
        lowest = asked.lowest or asked.earliest
        best = min(v for *_, v in values) if lowest else max(v for *_, v in values)
        word = ("earliest" if lowest else "latest") if dates else ("lowest" if lowest else "highest")
        top = [(entry, cell) for entry, cell, value in values if value == best]
        names = name_list([f"{e.name} ({ordinal(e.rank)})" for e, _ in top])
        verb = "has" if len(top) == 1 else "share"
        draft = Draft()
        draft.say(f"{names} {verb} the {word} {header} of {self.kb.count_phrase()}: {top[0][1].text}.",
                  *[self.kb.row_of(e) or e for e, _ in top])
        return draft

    def _columns(self, years: bool) -> dict[str, list[tuple[RankEntry, Cell, float]]]:
        """Each column whose cells are plain numbers (or, with `years`, dates with a year) in most rows, with each
        row's cell and its value (the number, or the year)."""
        by_header: dict[str, list[tuple[RankEntry, Cell]]] = {}
        for entry in self.kb.ranking:
            for cell in entry.cells:
                if cell.header:
                    by_header.setdefault(cell.header, []).append((entry, cell))
        out: dict[str, list[tuple[RankEntry, Cell, float]]] = {}
        for header, cells in by_header.items():
            values = [(e, c, v) for e, c in cells if (v := _year_of(c.text) if years else cell_number(c.text))
                      is not None]
            if len(values) >= self.evidence.limits.column_min_share * len(self.kb.ranking) - 1e-9:
                out[header] = values
        return out

    def _header_meant(self, headers: list[str], words: tuple[str, ...]) -> str | None:
        """The header closest in meaning to the noun the number measures, when it is close enough (None when no
        numeric column has a header)."""
        if not words or not headers:
            return None
        vectors = self.kb.embed([words[0], *headers])
        scores = vectors[1:] @ vectors[0]
        best = int(scores.argmax())
        return headers[best] if scores[best] >= self.evidence.limits.focus_similarity else None


def _date_value(text: str) -> float:
    """A date cell as a number that sorts like the date: its year, then its month and day when it gives them."""
    year = _year_of(text) or 0.0
    folded = fold(text)
    month = next((i + 1 for i, m in enumerate(MONTHS) if m in folded), 0)
    rest = [int(n) for n in re.findall(r"\d+", _YEAR.sub(" ", folded))]
    if not month and rest:  # "1960-05-22"
        month, rest = rest[0], rest[1:]
    day = rest[0] if rest else 0
    return year + month / 13 + day / 400


def _year_of(text: str) -> float | None:
    """The year of a cell that is one date ("1960-05-22", "November 14, 1996", "2004"), not a text with a year
    in it ("Moreau & Lindqvist, 1975")."""
    years = _YEAR.findall(text)
    rest = re.sub("|".join(MONTHS), "", fold(text))
    return float(years[0]) if len(years) == 1 and not re.search(r"[^\W\d_]", rest) else None


def _header_named(headers: list[str], words: tuple[str, ...]) -> str | None:
    """The header one of the question's words names: the same stem, or one a short form of the other ("Mag" for
    "magnitude"); the words are tried in order (the noun the number measures first)."""
    for word in words:
        w = fold(word)
        for header in headers:
            for part in re.findall(r"[^\W\d_]{3,}", fold(header)):
                if stem(part) == stem(w) or (len(w) >= 3 and (w.startswith(part) or part.startswith(w))):
                    return header
    return None


class Recommend(_AcrossEntries):
    """"Best city for a fintech startup?": scores every entry's topics and bullets against the need (`Intent.need`)
    and answers with the best one or two, their rank and their evidence."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        if not kb.ranking:
            return None
        ranked = self.best_per_entry(intent, retrieval)
        if not ranked or not self.evidence.asked_terms(intent):
            return abstention(f"Tell me what you need it for (a sector, a kind of company or job), and I'll "
                              f"point to the {kb.noun} whose section in the article fits best.")
        (first, first_sentence, top), *others = ranked
        # the best entry answers when its sentence is close to the question, or to its need, or shares their words
        readings = (intent, self.on_the_need(intent))
        similarity = max(self.evidence.similarity(i, [first_sentence])[first_sentence.index] for i in readings)
        limits = self.evidence.limits
        if similarity < limits.abstain_similarity * limits.recommend_similarity_factor and \
                not any(self.evidence.coverage(i, first_sentence) for i in readings):
            return abstention(f"The article doesn't say which {kb.noun} suits that: none of its sections "
                              "matches the need closely.")
        draft = Draft()
        draft.say(f"The best fit in the article is {first.name} (ranked {ordinal(first.rank)}).", first)
        self.quote(draft, first_sentence, prefix=f"{first.name}: ")
        if others and others[0][2] >= self.evidence.limits.match_ratio * top and \
                self.evidence.coverage(intent, others[0][1]) > 0:
            second, sentence, _ = others[0]
            draft.say(f"Also worth a look: {second.name} (ranked {ordinal(second.rank)}).", second)
            self.quote(draft, sentence, prefix=f"{second.name}: ")
        return draft


class ListEntities(Strategy):
    """"List the companies the article mentions for Fedora", "Which universities are named?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb = self.kb
        entries = self.evidence.entries(intent)
        scope = [s for e in entries for s in kb.entry_sentences(e)] if entries else self._topic_scope(intent)
        exclude = {fold(n) for n in intent.names} if entries else set()
        values = self._values(intent, scope)
        if values is not None:
            found = values
        elif intent.focus is None or not set(intent.focus.heads or (intent.focus.head,)) & NAME_NOUNS:
            return None  # "which specialisations": not names; another strategy answers
        else:
            asked = set(intent.focus.heads or (intent.focus.head,))
            # a list of organisations holds the names that stand for organisations where they are mentioned
            keep = is_organisation if asked & ORGANISATION_NOUNS else None
            found = self.evidence.names_in(scope, exclude, keep)
            heads = {stem(h) for h in asked}
            institutions = {stem(h) for h in INSTITUTION_HEADS}
            typed = [(n, s) for n, s in found if heads & {stem(w) for w in fold(n).split()}]
            if typed:
                found = typed
            elif heads and not heads & institutions:
                found = [(n, s) for n, s in found if not {stem(w) for w in fold(n).split()} & institutions]
            else:
                return None
        if not found:
            return None
        what = intent.focus.phrase if intent.focus else "names"
        where = f" for {name_list([e.name for e in entries])}" if entries else ""
        draft = Draft()
        by_sentence: dict[int, tuple[Sentence, list[str]]] = {}
        for name, sentence in found:
            by_sentence.setdefault(sentence.index, (sentence, []))[1].append(name)
        lead = f"The article names these {what}{where}: {name_list([n for n, _ in found])}."
        draft.say(_clean(lead), *[s for s, _ in by_sentence.values()])
        for sentence, _names in by_sentence.values():
            owner = kb.entry_of(sentence)
            self.quote(draft, sentence, prefix=f"{owner.name}: " if owner and not entries else "")
        return draft


    def _topic_scope(self, intent: Intent) -> list[Sentence]:
        """Where to look for the names: the sentences that have every word of the question's need, when some do
        ("which firms' reports does it cite for its method?": the sentence on its method), else the article."""
        focus = intent.focus
        named = set(terms(" ".join([focus.phrase, *focus.heads]))) if focus is not None else set()
        need = [t for t in terms(" ".join(intent.need)) if t and t not in named]  # the focus is what is listed
        if not need:
            return list(self.kb.sentences)
        have = self.kb.sentence_terms
        picked = [s for s in self.kb.sentences if all(self.evidence.expanded(t) & have[s.index] for t in need)]
        return picked or list(self.kb.sentences)

    def _values(self, intent: Intent, scope: list[Sentence]) -> list[tuple[str, Sentence]] | None:
        """Amounts, percentages or dates the question asks to list ("every dollar amount"), or None."""
        wanted = {AnswerType.MONEY: "money", AnswerType.PERCENT: "percent", AnswerType.DATE: "date"}.get(
            intent.answer_type)
        if wanted is None:
            return None
        return [(e.text, s) for s in scope for e in s.entities_of(wanted)]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text)
