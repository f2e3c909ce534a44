"""The default answerer: grounded and extractive, no LLM.

Every sentence of an answer is either an article sentence (quoted verbatim and cited) or a short frame
built from the parsed ranking ("Jinan is ranked 8th of the 10 cities.") that cites the section heading.
It abstains, with no citations, when the article does not answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from app.knowledge import KnowledgeBase, RankEntry, Sentence
from app.query import AliasTable, Query
from app.retrieval import Retrieval
from ingest.core.models import AnswerMode, Citation
from ingest.core.text import NUMBER, fold, number_values, ordinal, stem, words

logger = logging.getLogger(__name__)

_ASKS_CITY = re.compile(r"\b(which|what)\s+(?:\w+\s+)?(city|cities|one|hub|place|location)\b|\bwhere\b", re.I)
_ASKS_NUMBER = re.compile(r"\bhow (much|many|fast|quickly|long|big|large)\b|\bwhat (percentage|percent|share|"
                          r"proportion|fraction|amount|figure|number|size|value|sum|target)\b|\bby how\b|"
                          r"\bwhat (?:\w+ )?(?:percentage|share|portion)\b", re.I)
_ASKS_NAME = re.compile(r"\b(which|what)\s+(?:\w+\s+)?(company|companies|firm|firms|startup|startups|group|lab|"
                        r"university|universities|institution|institutions|organization|organisations?|"
                        r"unicorns?|giants?|district|area|province|model|project|projects|fund|plugin)\b|"
                        r"^who\b|\bwho (?:is|are|leads?|runs?|makes?|operates?)\b", re.I)
_TRENDS = re.compile(r"\b(trends?|observations?)\b", re.I)
_MANY_CITIES = re.compile(r"\b(which|what|name the|list the)\s+(?:other\s+|two\s+|three\s+|four\s+|\d\s+)?"
                          r"(cities|hubs|places)\b", re.I)
_RELATIVE = re.compile(r"\b(right after|just after|after|behind|below|following|right before|just before|before|"
                       r"ahead of|above|preceding)\b", re.I)
_COUNT_FILLERS = frozenset({"of", "times", "more", "percent", "cities", "city"})
_TYPED_NAMES = ("univers", "academ")
_TREND_WORDS = ("trend", "observ", "note", "main", "major", "identif", "key", "discuss", "highlight",
                "emerg", "list", "see", "overall", "general", "broad", "big")
_WHEN = re.compile(r"^\s*(when|what year|in what year|since when|how long ago)\b", re.I)
_TIME = re.compile(r"\b(19|20)\d\d\b|\b\d+ (days|weeks|months|years)\b")
_TITLE = re.compile(r"\b(title|headline|called|named)\b", re.I)
_ENTITY = re.compile(r"\b[A-Z][\w.&'’-]*(?:\s+(?:[A-Z][\w.&'’-]*|of|&))*\b")
_NOT_ENTITY = frozenset("""The A An Home Hosts Offers Part Designated Acts Companies Cities Gaming Collaborates Anchored
    Key Over AI It Its This That Their Here For Which What Who Where How Tell""".split())


@dataclass
class Draft:
    """An answer under construction: text pieces with citation markers, and the citations behind them."""

    parts: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    mode: AnswerMode = "extractive"
    notice: str | None = None
    dropped: int = 0

    def cite(self, make: Sentence | RankEntry) -> int:
        """Add (or reuse) a citation and return its marker number."""
        probe = make.citation(0)
        for c in self.citations:
            if (c.start, c.end) == (probe.start, probe.end):
                return c.marker
        citation = make.citation(len(self.citations) + 1)
        self.citations.append(citation)
        return citation.marker

    def say(self, text: str, *sources: Sentence | RankEntry) -> None:
        markers = "".join(f"[{self.cite(s)}]" for s in sources)
        self.parts.append(f"{text} {markers}".rstrip())

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


class Answerer(Protocol):
    """Anything that turns an analysed question and its retrieval into a draft answer."""

    def answer(self, query: Query, retrieval: Retrieval) -> Draft: ...


def abstention(message: str) -> Draft:
    """A plain "the article doesn't say" reply: no citations are offered as support."""
    return Draft(parts=[message], abstained=True, mode="abstain")


class ExtractiveAnswerer:
    """Answers from the parsed ranking and the article's own sentences."""

    def __init__(self, kb: KnowledgeBase, aliases: AliasTable, *, threshold: float = 0.45,
                 max_sentences: int = 3, top_k: int = 6) -> None:
        self._kb = kb
        self._threshold = threshold
        self._max = max_sentences
        self._top_k = top_k
        self._synonyms = {stem(fold(k)): {stem(fold(v)) for v in vs} for k, vs in aliases.synonyms.items()}

    # -- entry point ----------------------------------------------------------------------------------
    def answer(self, query: Query, retrieval: Retrieval) -> Draft:
        """Route the question to the answer it needs; see the module docstring for the guarantees."""
        kb = self._kb
        last = len(kb.ranking)
        if not query.text.strip():
            return abstention("I can only answer questions about the article \"" + kb.title + "\"; "
                              "instructions inside questions are ignored.")
        if query.other_cities and not query.cities:
            names = ", ".join(query.other_cities)
            top = ", ".join(e.city for e in kb.ranking)
            return abstention(f"The article doesn't cover {names}: its ranking is limited to ten cities "
                              f"({top}), so it doesn't answer that.")
        beyond = [r for r in query.ranks if r > last or r < 1]
        if beyond and kb.ranking and not query.cities:
            nth = ordinal(beyond[0])
            article = "an" if nth.startswith(("8", "11", "18")) else "a"
            return abstention(f"The article doesn't name {article} {nth} city: it ranks only {last} cities.")
        prefix: Draft | None = None
        if kb.ranking:
            routed = self._ranking_routes(query)
            if routed is not None:
                return routed
            valid = [r for r in query.ranks if kb.entry_at(r)]
            if valid and not query.cities:
                entry = kb.entry_at(valid[0])
                assert entry is not None
                prefix = Draft()
                prefix.say(f"{entry.city} is ranked {ordinal(entry.rank)} of the {last} cities.", entry)
                query = replace(query, cities=[entry.city])
        correction: Draft | None = None
        if prefix is None and query.names and query.cities:
            misplaced = self._misplaced(query)
            if misplaced is not None:
                correction, query = misplaced
        draft = self._route(query, retrieval)
        if correction is not None:
            return correction if draft.abstained else _prepend(correction, draft)
        if prefix is not None and not draft.abstained and not any(
                (c.start, c.end) == (prefix.citations[0].start, prefix.citations[0].end) for c in draft.citations):
            draft = _prepend(prefix, draft)
        return draft

    def _route(self, query: Query, retrieval: Retrieval) -> Draft:
        kb = self._kb
        if _TITLE.search(query.text) and not query.cities and re.search(r"\b(article|piece|post|page)\b",
                                                                        query.text, re.I):
            title = next((s for s in kb.sentences if s.chunk.kind == "title"), None)
            if title is not None:
                draft = Draft()
                draft.say(f"The article is titled “{title.text}”.", title)
                return draft
        if query.focal(self._unknown_terms(query)):
            return self._facts(query, retrieval)  # it abstains on things the article never mentions
        if query.cities and not query.residual_terms and not query.compares:
            return self._overview(query.cities[:3], query)
        if query.names and (query.asks_which_cities or len(query.residual_terms) <= 1 + len(query.names)):
            named = self._by_name(query)
            if named is not None:
                return named
        if len(query.cities) >= 2 and (query.compares or not query.residual_terms):
            return self._compare(query, retrieval)
        if _TRENDS.search(query.text) and not query.cities and kb.trends_section and not query.names and \
                all(t.startswith(_TREND_WORDS) for t in query.residual_terms):
            return self._list_section(kb.trends_section, "The article observes these trends:")
        return self._facts(query, retrieval)

    # -- ranking --------------------------------------------------------------------------------------
    def _ranking_routes(self, query: Query) -> Draft | None:
        kb = self._kb
        ranks = [r for r in query.ranks if kb.entry_at(r)]
        if (query.wants_all or (query.top_n and query.top_n >= len(kb.ranking))) and not query.cities:
            return self._top(len(kb.ranking))
        if query.top_n and not query.cities:
            return self._top(min(query.top_n, len(kb.ranking)))
        if query.bottom_n and not query.cities:
            return self._top(min(query.bottom_n, len(kb.ranking)), from_bottom=True)
        if query.counts_cities and not query.cities:
            first, last = kb.ranking[0], kb.ranking[-1]
            draft = Draft(mode="ranking")
            draft.say(f"The article ranks {len(kb.ranking)} cities, from {first.city} (1st) to {last.city} "
                      f"({ordinal(last.rank)}).", first, last)
            return draft
        if len(query.cities) == 2 and re.search(r"\bbetween\b", query.text, re.I) and (
                _ASKS_CITY.search(query.text) or query.mentions_rank):
            a, b = sorted((kb.entry_for(c) for c in query.cities), key=lambda e: e.rank if e else 0)
            if a and b:
                inside = [e for e in kb.ranking if a.rank < e.rank < b.rank]
                draft = Draft(mode="ranking")
                if not inside:
                    draft.say(f"No city: {a.city} ({ordinal(a.rank)}) and {b.city} ({ordinal(b.rank)}) are next "
                              "to each other in the ranking.", a, b)
                else:
                    names = ", ".join(f"{e.city} ({ordinal(e.rank)})" for e in inside)
                    draft.say(f"{names} {'sits' if len(inside) == 1 else 'sit'} between {a.city} "
                              f"({ordinal(a.rank)}) and {b.city} ({ordinal(b.rank)}).", *inside, a, b)
                return draft
        if len(query.cities) >= 2 and (query.compares_rank or (query.mentions_rank and not query.residual_terms)):
            return self._compare_rank(query.cities)
        if len(query.cities) == 1 and ranks:
            return self._check_premise(query, query.cities[0], ranks[0])
        relative = _RELATIVE.search(query.text)
        if len(query.cities) == 1 and relative and (_ASKS_CITY.search(query.text) or
                                                    re.match(r"\s*(what|who)\b", query.text, re.I)):
            entry = kb.entry_for(query.cities[0])
            step = -1 if re.search(r"before|ahead|above|preced", relative.group(1), re.I) else 1
            other = kb.entry_at(entry.rank + step) if entry else None
            if entry and other:
                draft = Draft(mode="ranking")
                where = "right after" if step > 0 else "right before"
                draft.say(f"{other.city} ({ordinal(other.rank)}) comes {where} {entry.city} "
                          f"({ordinal(entry.rank)}).", other, entry)
                return draft
            if entry:
                edge = "last" if step > 0 else "first"
                return abstention(f"No city comes {relative.group(1).lower()} {entry.city}: it is ranked {edge} "
                                  f"({ordinal(entry.rank)}) in the article.")
        if query.cities and query.mentions_rank and not query.residual_terms:
            draft = Draft(mode="ranking")
            for city in query.cities:
                entry = kb.entry_for(city)
                if entry:
                    draft.say(f"{city} is ranked {ordinal(entry.rank)} of the {len(kb.ranking)} cities.", entry)
            return draft
        if ranks and not query.cities:
            unknown = self._unknown_terms(query)
            known = [t for t in query.residual_terms if t not in unknown]
            if len(ranks) == 1 and (known or query.focal(unknown) or _asks_about(query)):
                return None  # "What is the top-ranked city known for?" is a question about that city
            draft = Draft(mode="ranking")
            for rank in ranks:
                entry = kb.entry_at(rank)
                assert entry is not None
                draft.say(f"{entry.city} is ranked {ordinal(rank)} of the {len(kb.ranking)} cities.", entry)
            return draft
        return None

    def _top(self, n: int, from_bottom: bool = False) -> Draft:
        draft = Draft(mode="ranking")
        entries = self._kb.ranking[-n:] if from_bottom else self._kb.ranking[:n]
        lead = ("The full ranking, in order:" if n == len(self._kb.ranking)
                else f"The bottom {n}, in order:" if from_bottom else f"The top {n}, in order:")
        draft.parts.append(lead)
        for entry in entries:
            draft.say(f"{entry.rank}. {entry.city}", entry)
        return draft

    def _compare_rank(self, cities: list[str]) -> Draft:
        entries = [e for e in (self._kb.entry_for(c) for c in cities) if e]
        entries.sort(key=lambda e: e.rank)
        draft = Draft(mode="ranking")
        best, *rest = entries
        others = ", ".join(f"{e.city} ({ordinal(e.rank)})" for e in rest)
        draft.say(f"{best.city} ranks higher: it is {ordinal(best.rank)}, ahead of {others}.", *entries)
        return draft

    def _check_premise(self, query: Query, city: str, asserted: int) -> Draft | None:
        kb = self._kb
        entry = kb.entry_for(city)
        claimed = kb.entry_at(asserted)
        if entry is None or claimed is None:
            return None
        draft = Draft(mode="ranking")
        if entry.rank == asserted:
            draft.say(f"{city} is ranked {ordinal(entry.rank)} of the {len(kb.ranking)} cities.", entry)
            if query.residual_terms or re.search(r"\bwhy\b", query.text, re.I):
                self._add_city_bullets(draft, entry)
            return draft
        draft.say(f"That premise is not right: {city} is ranked {ordinal(entry.rank)}, not "
                  f"{ordinal(asserted)}. {claimed.city} is ranked {ordinal(asserted)}.", entry, claimed)
        return draft

    def _misplaced(self, query: Query) -> tuple[Draft, Query] | None:
        """A name put in the wrong city ("Beijing-based DeepSeek"): correct it, then answer for the right city."""
        ranked = [e.city for e in self._kb.ranking]
        for name in query.names:
            sentences = self._kb.mentions(name)
            homes: dict[str, Sentence] = {}
            for s in sentences:
                if s.city:
                    homes.setdefault(s.city, s)
                else:
                    near = re.search(rf"{re.escape(name)}\s*\(([^)]+)\)", s.text)
                    if near and near.group(1) in ranked:
                        homes.setdefault(near.group(1), s)
            if homes and not set(homes) & set(query.cities):
                claimed = " or ".join(query.cities)
                where = " and ".join(homes)
                draft = Draft()
                draft.say(f"That premise is not right: the article places {name} in {where}, not {claimed}.",
                          *list(homes.values())[:2])
                return draft, replace(query, cities=list(homes))
        return None

    # -- overviews ------------------------------------------------------------------------------------
    def _add_city_bullets(self, draft: Draft, entry: RankEntry, limit: int = 3) -> None:
        """The first sentence of each bullet (up to `limit`); with room to spare, whole bullets."""
        own = self._kb.sentences_of(entry.section)
        picks = [s for s in own if s.first_in_chunk][:limit]
        for sentence in own:
            if len(picks) >= limit:
                break
            if sentence not in picks:
                picks.append(sentence)
        for sentence in sorted(picks, key=lambda s: s.start):
            label = f"{sentence.chunk.topic}: " if sentence.chunk.topic and sentence.first_in_chunk else ""
            draft.say(f"{label}{sentence.text}", sentence)

    def _overview(self, cities: list[str], query: Query) -> Draft:
        draft = Draft()
        for city in cities:
            entry = self._kb.entry_for(city)
            if entry is None:
                continue
            draft.say(f"{city} is ranked {ordinal(entry.rank)} of the {len(self._kb.ranking)} cities.", entry)
            self._add_city_bullets(draft, entry, limit=3 if len(cities) == 1 else 2)
        return draft

    def _list_section(self, section: str, lead: str) -> Draft:
        draft = Draft()
        draft.parts.append(lead)
        for sentence in (s for s in self._kb.sentences_of(section) if s.first_in_chunk):
            label = f"{sentence.chunk.topic}: " if sentence.chunk.topic else ""
            draft.say(f"{label}{sentence.text}", sentence)
        return draft

    def _compare(self, query: Query, retrieval: Retrieval) -> Draft:
        draft = Draft()
        scored = self._score(query, retrieval, self._kb.sentences) if query.residual_terms else {}
        for city in query.cities[:4]:
            entry = self._kb.entry_for(city)
            if entry is None:
                continue
            draft.say(f"{city} is ranked {ordinal(entry.rank)}.", entry)
            own = self._kb.sentences_of(entry.section)
            if scored:
                picks = sorted(own, key=lambda s: -scored.get(s.index, 0.0))[:2]
            else:
                picks = [s for s in own if s.first_in_chunk][:2]
            for sentence in picks:
                label = f"{sentence.chunk.topic}: " if sentence.chunk.topic else ""
                draft.say(f"{city} — {label}{sentence.text}", sentence)
        return draft

    # -- names ----------------------------------------------------------------------------------------
    def _by_name(self, query: Query) -> Draft | None:
        kb = self._kb
        per_name = {n: kb.mentions(n) for n in query.names}
        missing = [n for n, found in per_name.items() if not found]
        if missing and len(missing) == len(per_name):
            return None
        hits: list[Sentence] = []
        all_names = [s for s in kb.sentences if all(s in per_name[n] for n in query.names)]
        for sentences in ([all_names] if all_names else per_name.values()):
            for sentence in sentences:
                if sentence not in hits:
                    hits.append(sentence)
        if query.residual_terms and not query.asks_which_cities and len(hits) > 1:
            return None
        hits.sort(key=lambda s: s.start)
        cities = _cities_in(hits, [e.city for e in kb.ranking])
        draft = Draft()
        if len(cities) > 1 and _ASKS_CITY.search(query.text):
            draft.parts.append(", ".join(cities[:-1]) + " and " + cities[-1] + ".")
        for sentence in hits[: max(self._max, 4)]:
            where = sentence.city or sentence.section
            draft.say(f"{where} — {sentence.text}", sentence)
        return draft

    # -- facts ----------------------------------------------------------------------------------------
    def _candidates(self, query: Query, retrieval: Retrieval) -> list[Sentence]:
        chunks = {c.id for c in retrieval.top(self._top_k)}
        sections = {self._kb.entry_for(c).section for c in query.cities if self._kb.entry_for(c)}
        out = [s for s in self._kb.sentences if s.chunk.id in chunks or s.section in sections]
        if not _TITLE.search(query.text):
            out = [s for s in out if s.chunk.kind != "title"]
        return out

    def _score(self, query: Query, retrieval: Retrieval, candidates: Iterable[Sentence]) -> dict[int, float]:
        kb = self._kb
        qv = retrieval.query_vector
        plain = kb.sentence_vectors @ qv
        context = kb.context_vectors @ qv
        fused = {c.id: s for c, s in retrieval.ranked}
        top = max(fused.values(), default=1.0) or 1.0
        wanted = {fold(c) for c in query.cities}
        numbers = number_values(query.text)
        out: dict[int, float] = {}
        for s in candidates:
            lex = self._coverage(query, s)
            score = 0.4 * context[s.index] + 0.25 * plain[s.index] + 0.3 * lex + 0.1 * fused.get(s.chunk.id, 0) / top
            if wanted:
                mentions = fold(s.chunk.city or "") in wanted or any(c in fold(s.text) for c in wanted)
                score += 0.12 if mentions else -0.2
            if numbers and numbers & number_values(s.text):
                score += 0.1
            out[s.index] = float(score)
        return out

    def _expanded(self, term: str) -> set[str]:
        return {term} | self._synonyms.get(term, set())

    def _coverage(self, query: Query, sentence: Sentence) -> float:
        """IDF-weighted share of the question's content terms that the sentence (with its heading) has."""
        have = self._kb.sentence_terms[sentence.index]
        asked = query.residual_terms or query.content_terms
        if not asked:
            return 0.0
        weight = {t: self._kb.idf.get(t, 2.0) for t in asked}
        total = sum(weight.values()) or 1.0
        hit = sum(w for t, w in weight.items() if self._expanded(t) & have)
        return hit / total

    def _unknown_terms(self, query: Query) -> list[str]:
        """Content terms the article never uses (nor any of their article-word synonyms)."""
        return [t for t in query.residual_terms if not any(self._kb.in_vocabulary(x) for x in self._expanded(t))]

    @staticmethod
    def _never_mentioned(query: Query, unknown: list[str], plain_best: float, coverage: float) -> list[str]:
        """The asked-about terms the article never uses, when the evidence is too weak to answer anyway.

        Calibrated on the eval cases: unanswerable questions about an unknown attribute ("the population",
        "the CEO", "its revenue") had a best plain cosine of 0.26-0.55; answerable ones that merely use a
        word the article lacks scored 0.5-0.87 with most of their other terms covered.
        """
        if unknown and len(unknown) == len(query.residual_terms):
            return unknown
        share = len(unknown) / len(query.residual_terms) if query.residual_terms else 0.0
        if len(unknown) >= 2 and ((share > 0.5 and plain_best < 0.6) or (share >= 0.7 and len(unknown) >= 3)):
            return unknown  # most of what the question is about never appears in the article
        focal = query.focal(unknown)
        if not focal:
            return []
        if re.search(r"\bhow (many|much)\s+(\w+\s+)?(" + "|".join(map(re.escape, focal)) + r")", fold(query.text)):
            return focal if plain_best < 0.7 else []
        if plain_best < 0.5 or (plain_best < 0.6 and coverage < 0.5):
            return focal
        return []

    def _facts(self, query: Query, retrieval: Retrieval) -> Draft:
        kb = self._kb
        candidates = self._candidates(query, retrieval)
        if not candidates or not (query.content_terms or query.names or query.cities):
            return abstention("The article doesn't answer that. Ask about the ten ranked cities, their "
                              "strengths, the trends it observes, or its sources.")
        scores = self._score(query, retrieval, candidates)
        ranked = sorted(candidates, key=lambda s: -scores[s.index])
        best = ranked[0]
        plain_best = float(np.max(kb.sentence_vectors[[s.index for s in ranked[:5]]] @ retrieval.query_vector))
        unknown = self._unknown_terms(query)
        coverage = self._coverage(query, best)
        logger.debug("facts: best=%r score=%.3f plain=%.3f coverage=%.2f unknown=%s", best.text[:60],
                     scores[best.index], plain_best, coverage, unknown)
        missing = self._never_mentioned(query, unknown, plain_best, coverage)
        if missing:
            return abstention(f"The article doesn't say: it never mentions {_surface_forms(query.text, missing)}.")
        if _WHEN.search(query.text) and not any(_TIME.search(s.text) for s in ranked[:2]):
            return abstention("The article doesn't say: it gives no date for that.")
        if plain_best < self._threshold and coverage < 0.5:
            return abstention("The article doesn't answer that: nothing in it matches the question closely "
                              "enough to quote.")
        mismatch = self._answer_type_missing(query, ranked[:2])
        if mismatch:
            return abstention(mismatch)
        draft = Draft()
        picks = [best]
        for s in ranked[1:]:
            if len(picks) >= self._max:
                break
            cover = self._coverage(query, s)
            close = scores[s.index] >= 0.92 * scores[best.index] and cover >= coverage > 0
            same_section = s.section == best.section and scores[s.index] >= 0.8 * scores[best.index]
            if (close or same_section) and cover > 0:
                picks.append(s)
        if _MANY_CITIES.search(query.text) and not query.cities:
            picks = self._across_cities(query, ranked, scores, best)
        picks.sort(key=lambda s: s.start)
        lead = self._lead(query, best) if len({p.section for p in picks}) == 1 else None
        if len(picks) > 1 and _MANY_CITIES.search(query.text):
            cities = _cities_in(picks, [e.city for e in self._kb.ranking])
            if cities:
                draft.parts.append(", ".join(cities[:-1]) + (" and " if len(cities) > 1 else "") + cities[-1] + ".")
        for i, sentence in enumerate(picks):
            prefix = f"{lead[0].upper()}{lead[1:]} — " if lead and i == 0 else ""
            if len({p.section for p in picks}) > 1 and sentence.city and not lead:
                prefix = f"{sentence.city} — "
            draft.say(f"{prefix}{sentence.text}", sentence)
        return draft

    def _answer_type_missing(self, query: Query, best: list[Sentence]) -> str | None:
        """When the question asks for a kind of answer (a count of X, a sum of money, a university) that the
        best evidence does not contain, say so instead of quoting a sentence that only looks related."""
        text = fold(query.text)
        evidence = " ".join(s.text for s in best)
        many = re.search(r"\bhow many\s+(?:\w+\s+)?(\w+)", text)
        if many and many.group(1) not in _COUNT_FILLERS:
            thing = stem(many.group(1))
            counted = [m for m in NUMBER.finditer(evidence)
                       if any(stem(fold(w)) in self._expanded(thing) for w in words(evidence[m.end():m.end() + 30]))]
            if not counted:
                return f"The article doesn't give a number of {many.group(1)}."
        top = best[0].text
        money = re.search(r"\bhow much (money|funding|investment|capital|cash)\b|\bhow much\b.*\b(invested|spen[dt]|"
                          r"paid|raised|funded)\b", text)
        if money and not text.startswith("by how much") and not re.search(r"[$¥]\s?\d|\bRMB\b|\byuan\b", top):
            return "The article doesn't give an amount for that."
        kind = _ASKS_NAME.search(query.text)
        if kind and fold(kind.group(2)).startswith(_TYPED_NAMES):
            prefix = fold(kind.group(2))[:6]
            if not any(fold(w).startswith(prefix) for m in _ENTITY.finditer(top) for w in words(m.group())):
                noun = "university" if prefix == "univer" else "academy"
                return f"The article doesn't name a {noun} for that."
        return None

    def _across_cities(self, query: Query, ranked: list[Sentence], scores: dict[int, float],
                       best: Sentence) -> list[Sentence]:
        """For "which cities …" questions: the best sentence of each section that answers nearly as well."""
        best_cover = self._coverage(query, best)
        picks: list[Sentence] = []
        for s in ranked:
            if len(picks) >= 4 or scores[s.index] < 0.8 * scores[best.index]:
                break
            if any(p.section == s.section for p in picks) or self._coverage(query, s) < 0.6 * best_cover:
                continue
            picks.append(s)
        return picks

    def _lead(self, query: Query, sentence: Sentence) -> str | None:
        """The direct answer to put first, when the question asks for a city, a name or a number."""
        if _ASKS_CITY.search(query.text) and not query.cities:
            if sentence.city:
                return sentence.city
            cities = _cities_in([sentence], [e.city for e in self._kb.ranking])
            return " and ".join(cities) if cities else None
        if _ASKS_NUMBER.search(query.text):
            return _closest(NUMBER.finditer(sentence.text), sentence.text, query)
        kind = _ASKS_NAME.search(query.text)
        if kind:
            asked = {fold(w) for w in words(query.text)}
            entities = [m for m in _ENTITY.finditer(sentence.text) if m.group() not in _NOT_ENTITY
                        and m.group() not in {e.city for e in self._kb.ranking}]
            # "Which university …" prefers an entity that is a university, even one the question names
            typed = [m for m in entities if stem(fold(kind.group(2))) in {stem(fold(w)) for w in words(m.group())}]
            found = typed or [m for m in entities if not all(fold(w) in asked for w in words(m.group()))]
            return _closest(iter(found), sentence.text, query)
        return None


def _asks_about(query: Query) -> bool:
    """True when the question asks about a thing beyond its rank ("what is it known for", "tell me")."""
    return bool(re.search(r"\b(known|about|strengths?|famous|notable|special|describe|overview|why|what makes)\b",
                          query.text, re.I))


def _prepend(first: Draft, then: Draft) -> Draft:
    """Join two drafts, renumbering the second one's citations after the first one's."""
    out = Draft(parts=list(first.parts), citations=list(first.citations), mode=then.mode)
    shift = {}
    for c in then.citations:
        existing = next((e for e in out.citations if (e.start, e.end) == (c.start, c.end)), None)
        if existing is None:
            existing = c.model_copy(update={"marker": len(out.citations) + 1})
            out.citations.append(existing)
        shift[c.marker] = existing.marker
    for part in then.parts:
        out.parts.append(re.sub(r"\[(\d+)\]", lambda m: f"[{shift.get(int(m.group(1)), int(m.group(1)))}]", part))
    return out


def _closest(matches: Iterable[re.Match[str]], text: str, query: Query) -> str | None:
    """The match nearest to where the question's terms appear in the sentence."""
    found = [m for m in matches if m.group().strip()]
    if not found:
        return None
    folded = fold(text)
    anchors = [m.start() for t in query.residual_terms for m in re.finditer(re.escape(t), folded)]
    if not anchors:
        return found[0].group().strip(" ,.")
    best = min(found, key=lambda m: min(abs(m.start() - a) for a in anchors))
    return re.sub(r"['’]s$", "", best.group().strip(" ,."))


def _cities_in(sentences: Iterable[Sentence], cities: list[str]) -> list[str]:
    out: list[str] = []
    for s in sentences:
        for city in [s.city] if s.city else [c for c in cities if re.search(rf"\b{re.escape(c)}\b", s.text)]:
            if city and city not in out:
                out.append(city)
    return out


def _surface_forms(text: str, stems: list[str]) -> str:
    forms = []
    for word in words(text):
        if stem(word) in stems and word not in forms:
            forms.append(word)
    shown = forms or stems
    return " or ".join(f'"{w}"' for w in shown[:3])
