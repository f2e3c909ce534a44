"""Summarize the article: its framing (the intro sentences that inform most), the top of the ranking, the span
of the ranking's measure when its rows carry one, and what it observes across the entries (its trends or
summary section) — each cited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from app.answer.draft import Draft, name_list
from app.answer.evidence import Thresholds
from app.answer.strategies.base import Strategy
from app.knowledge import KnowledgeBase, RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import METHOD_WH, ordinal
from ingest.core.text import fold, number_values, terms

_VALUE_TYPES = ("count", "quantity", "money", "percent", "date")
_NAME_TYPES = ("name", "place")
_NUMERIC_CELL = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")


class Summary(Strategy):
    """"Summarize the article", "tl;dr", "What are the main trends?"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        kb, limits = self.kb, self.evidence.limits
        draft = Draft()
        for sentence in framing(kb, limits):
            self.quote(draft, sentence)
        top = kb.ranking[:limits.summary_top_entries]
        if top:
            names = name_list([f"{e.name} ({ordinal(e.rank)})" for e in top])
            draft.say(f"It ranks {kb.count_phrase()}; the top {len(top)} are {names}.", *top)
        method = method_sentences(kb)
        if method and (intent.wh in METHOD_WH or
                       max(self.evidence.coverage(intent, s) for s in method) >= limits.strong_coverage):
            # "how was it compiled?", "where can I read how …?": the article's own method note answers that part
            scores = self.evidence.score(intent, retrieval, method)
            self.quote(draft, max(method, key=lambda s: scores[s.index]))
        span = measure_span(kb)
        if span is not None:
            draft.say(f"By {span.header}, they run from {span.first_value} ({span.first.name}, "
                      f"{ordinal(span.first.rank)}) to {span.last_value} ({span.last.name}, "
                      f"{ordinal(span.last.rank)}).", span.first_sentence, span.last_sentence)
        if kb.trends_section:
            firsts = [s for s in kb.sentences_of(kb.trends_section) if s.first_in_chunk][
                :limits.summary_trend_sentences]
            if firsts:
                draft.note(f"Across the ranking ({kb.trends_section}):")
                for sentence in firsts:
                    self.quote(draft, sentence, label=True)
        return draft if draft.citations else None


def informativeness(kb: KnowledgeBase, sentence: Sentence, limits: Thresholds) -> float:
    """How much a framing sentence tells: its concrete values (numbers, dates with digits) count most, then
    the names it mentions (up to a few) and how much of the article's own topic (its title's terms) it covers."""
    values = {fold(e.text) for e in sentence.entities_of(*_VALUE_TYPES) if any(ch.isdigit() for ch in e.text)}
    names = {fold(e.text) for e in sentence.entities_of(*_NAME_TYPES)}
    topic = set(terms(kb.title))
    covered = len(topic & set(terms(sentence.text))) / len(topic) if topic else 0.0
    named = min(len(names), limits.framing_max_names)
    return len(values) + limits.framing_name_weight * named + limits.framing_topic_weight * covered


def framing(kb: KnowledgeBase, limits: Thresholds) -> list[Sentence]:
    """The intro sentences that inform most (the first one gets a small edge: it usually says what the
    article is), in document order."""
    intro = kb.intro_sentences

    def weight(s: Sentence) -> float:
        return informativeness(kb, s, limits) + (limits.framing_first_bonus if s is intro[0] else 0.0)

    scored = sorted(intro, key=lambda s: -weight(s))
    return sorted(scored[:limits.summary_framing_sentences], key=lambda s: s.start)


@dataclass(frozen=True)
class MeasureSpan:
    """The column of a ranking table that orders its rows (a magnitude, a count), from first to last entry."""

    header: str
    first: RankEntry
    last: RankEntry
    first_value: str
    last_value: str
    first_sentence: Sentence
    last_sentence: Sentence


def _row(kb: KnowledgeBase, entry: RankEntry) -> tuple[list[str], list[Sentence]] | None:
    """The cells of an entry's table row, and the row's sentences; None when the entry is not a row."""
    own = [s for s in kb.entry_sentences(entry) if s.chunk.kind == "row"]
    if not own:
        return None
    return [c.strip() for c in re.split(r"\t|\|", own[0].chunk.text)], own


def measure_span(kb: KnowledgeBase) -> MeasureSpan | None:
    """The ranking's measure when its entries are table rows: the one numeric column whose values only fall
    (or only rise) down the ranking, other than the rank itself, with its header and its first and last values.
    None when the ranking is no table or no column orders it."""
    entries = sorted(kb.ranking, key=lambda e: e.rank)
    if len(entries) < 3:
        return None
    rows = [_row(kb, e) for e in entries]
    if any(r is None for r in rows):
        return None
    cells = [r[0] for r in rows if r is not None]
    width = len(cells[0])
    if any(len(c) != width for c in cells):
        return None
    for col in range(width):
        column = [c[col] for c in cells]
        if not all(_NUMERIC_CELL.match(v) for v in column):
            continue
        values = [float(v.replace(",", "")) for v in column]
        if values == [float(e.rank) for e in entries] or len(set(values)) < 2:
            continue
        falling = all(a >= b for a, b in pairwise(values))
        rising = all(a <= b for a, b in pairwise(values))
        if not (falling or rising):
            continue
        first_row, last_row = rows[0], rows[-1]
        assert first_row is not None and last_row is not None
        header = _header(first_row[1][0].chunk.embed_text, column[0])
        if header is None:
            return None
        return MeasureSpan(header=header, first=entries[0], last=entries[-1], first_value=column[0],
                           last_value=column[-1], first_sentence=_holding(first_row[1], column[0]),
                           last_sentence=_holding(last_row[1], column[-1]))
    return None


def _header(embedded: str, value: str) -> str | None:
    """The column header the chunker wrote before a cell's value ("…: Mag: 9.5; …" -> "Mag")."""
    match = re.search(rf"(?:: |; )([^:;]+): {re.escape(value)}(?:;|$)", embedded)
    return match.group(1).strip() if match else None


def _holding(sentences: list[Sentence], value: str) -> Sentence:
    """The row sentence that holds a cell value (a long row may be split into sentences)."""
    wanted = number_values(value)
    return next((s for s in sentences if wanted & number_values(s.text)), sentences[0])


class Method(Strategy):
    """"How was the ranking made?", "How were the ten chosen?": the sentences of the article's methodology
    section (the profile's "methodology" role) and of its intro that best answer (those close to the best),
    in document order — the method note, or the framing that says what the ranking is based on — and, for a
    ranking table, the column that orders it."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        method, intro = method_sentences(self.kb), [s for s in self.kb.intro_sentences if s.chunk.kind != "title"]
        span = measure_span(self.kb)
        if not method and not intro and span is None:
            return None
        draft = Draft()
        if method or intro:
            scores = self.evidence.score(intent, retrieval, method + intro)
            ranked = sorted(method + intro, key=lambda s: -scores[s.index])
            best = scores[ranked[0].index]
            picks = [s for s in ranked[:self.evidence.limits.max_sentences]
                     if scores[s.index] >= self.evidence.limits.match_ratio * best]
            for sentence in sorted(picks, key=lambda s: s.start):
                self.quote(draft, sentence)
        if span is not None:  # a ranking table is ordered by the column that orders it
            draft.say(f"The {self.kb.nouns} are ordered by {span.header}: from {span.first_value} "
                      f"({span.first.name}, {ordinal(span.first.rank)}) to {span.last_value} ({span.last.name}, "
                      f"{ordinal(span.last.rank)}).", span.first_sentence, span.last_sentence)
        return draft


def method_sentences(kb: KnowledgeBase) -> list[Sentence]:
    """Sentences of the sections the profile marks as the article's methodology, in document order."""
    return [s for s in kb.sentences if kb.section_roles.get(s.section) == "methodology"]
