"""Evidence for answer strategies: candidate sentences, their scores for an intent, coverage of the question's
terms, the article's vocabulary, and entity lookups. Shared by every strategy; holds no per-question state."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from app.knowledge import KnowledgeBase, RankEntry, Sentence
from app.retrieval import Retrieval
from app.understand.intent import AnswerType, Focus, Intent
from ingest.annotate import Entity
from ingest.core.lexicon import (
    HIGHER_WORDS,
    LOWER_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PLACE_NOUNS,
    RANK_PHRASES,
    TOP_WORDS,
)
from ingest.core.settings import Settings, default_of
from ingest.core.text import fold, number_values, stem, terms

_TYPE_ENTITIES: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.DATE: ("date",), AnswerType.MONEY: ("money",), AnswerType.PERCENT: ("percent",),
    AnswerType.COUNT: ("count", "quantity"), AnswerType.NAME: ("name",), AnswerType.PERSON: ("name",),
    AnswerType.PLACE: ("place",),
}


@dataclass(frozen=True)
class Thresholds:
    """The weights and cut-offs of answering, from `Settings`: each field is the setting of the same name (see its
    description there), except `abstain_similarity` (`abstain_threshold`), `max_sentences`
    (`max_answer_sentences`) and `typo_name_score` (`typo_entry_score`). Built without settings, it holds the
    settings' defaults."""

    abstain_similarity: float = default_of("abstain_threshold")
    focus_similarity: float = default_of("focus_similarity")
    match_ratio: float = default_of("match_ratio")
    yes_coverage: float = default_of("yes_coverage")
    max_sentences: int = default_of("max_answer_sentences")
    top_k: int = default_of("top_k")
    score_context_weight: float = default_of("score_context_weight")
    score_sentence_weight: float = default_of("score_sentence_weight")
    score_coverage_weight: float = default_of("score_coverage_weight")
    score_retrieval_weight: float = default_of("score_retrieval_weight")
    score_retrieval_weight_cross_lingual: float = default_of("score_retrieval_weight_cross_lingual")
    score_lexical_weight: float = default_of("score_lexical_weight")
    score_entry_bonus: float = default_of("score_entry_bonus")
    score_entry_penalty: float = default_of("score_entry_penalty")
    score_name_bonus: float = default_of("score_name_bonus")
    score_number_bonus: float = default_of("score_number_bonus")
    score_references_factor: float = default_of("score_references_factor")
    unseen_term_weight: float = default_of("unseen_term_weight")
    strong_coverage: float = default_of("strong_coverage")
    lexical_coverage: float = default_of("lexical_coverage")
    lexical_candidates: int = default_of("lexical_candidates")
    strong_window: int = default_of("strong_window")
    specific_window: int = default_of("specific_window")
    evidence_pool: int = default_of("evidence_pool")
    fact_close_ratio: float = default_of("fact_close_ratio")
    fact_section_ratio: float = default_of("fact_section_ratio")
    elsewhere_share: float = default_of("elsewhere_share")
    typo_name_score: float = default_of("typo_entry_score")
    recommend_similarity_factor: float = default_of("recommend_similarity_factor")
    entry_similarity_weight: float = default_of("entry_similarity_weight")
    filter_max_entries: int = default_of("filter_max_entries")
    filter_outside_sentences: int = default_of("filter_outside_sentences")
    column_min_share: float = default_of("column_min_share")
    compare_max_entries: int = default_of("compare_max_entries")
    overview_max_entries: int = default_of("overview_max_entries")
    overview_bullets: int = default_of("overview_bullets")
    overview_bullets_several: int = default_of("overview_bullets_several")
    summary_framing_sentences: int = default_of("summary_framing_sentences")
    summary_top_entries: int = default_of("summary_top_entries")
    summary_trend_sentences: int = default_of("summary_trend_sentences")
    framing_name_weight: float = default_of("framing_name_weight")
    framing_max_names: int = default_of("framing_max_names")
    framing_topic_weight: float = default_of("framing_topic_weight")
    framing_first_bonus: float = default_of("framing_first_bonus")

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The thresholds a settings object gives."""
        renamed = {"abstain_similarity": "abstain_threshold", "max_sentences": "max_answer_sentences",
                   "typo_name_score": "typo_entry_score"}
        return cls(**{f.name: getattr(settings, renamed.get(f.name, f.name)) for f in fields(cls)})


class Evidence:
    """Scores and looks up article sentences for an intent."""

    def __init__(self, kb: KnowledgeBase, synonyms: dict[str, list[str]], thresholds: Thresholds,
                 question_words: frozenset[str] = frozenset()) -> None:
        self.kb = kb
        self.limits = thresholds
        self.question_words = question_words
        self._synonyms = {stem(fold(k)): {stem(fold(v)) for v in vs} for k, vs in synonyms.items()}
        self._families: dict[str, set[str]] = {}
        self._compounds: dict[str, bool] = {}

    # -- vocabulary -----------------------------------------------------------------------------------
    @cached_property
    def generic_terms(self) -> frozenset[str]:
        """Stems that say nothing about what is asked: what the article ranks, rank words, and words in more
        than half of the article's sentences."""
        kb = self.kb
        generic = {stem(fold(w)) for w in [kb.noun, kb.nouns, "rank", "ranked", "ranking", "list", "top"]}
        generic |= {stem(w) for w in HIGHER_WORDS | LOWER_WORDS | TOP_WORDS}
        generic |= {stem(p) for p in RANK_PHRASES if " " not in p}
        generic |= {stem(w) for w in (*PLACE_NOUNS, *ORDINAL_WORDS, *NUMBER_WORDS, "standing", "list", "among")}
        n = len(kb.sentence_terms) or 1
        df: dict[str, int] = {}
        for term_set in kb.sentence_terms:
            for term in term_set:
                df[term] = df.get(term, 0) + 1
        generic |= {t for t, d in df.items() if d > n / 2}
        generic |= set(terms(kb.title))  # the article's own subject, in every question about it
        return frozenset(generic)

    def asked_terms(self, intent: Intent) -> list[str]:
        """The question's content terms without generic ones."""
        return [t for t in intent.terms if t not in self.generic_terms]

    def known_share(self, intent: Intent) -> float:
        """The IDF-weighted share of what the question asks beyond the names it gives (its content terms other
        than the names' and the words people ask with) that the article has, by the term or a synonym; 1.0 when it
        asks nothing beyond the names."""
        named = {t for name in (*intent.entries, *intent.names) for t in terms(name)}
        topic = [t for t in dict.fromkeys(self.asked_terms(intent)) if t not in named and t not in self.question_words
                 and not self._misspelled_name(t, named)]
        if not topic:
            return 1.0
        weight = {t: self.kb.idf.get(t, self.limits.unseen_term_weight) for t in topic}
        known = sum(w for t, w in weight.items() if any(x in self.kb.idf for x in self.expanded(t))
                    or self._compound_of_known(t))
        return known / sum(weight.values())

    def _misspelled_name(self, term: str, named: set[str]) -> bool:
        """A word the article doesn't have that is a misspelling of a name the question gives ("Quilport" for a
        name read as "Quillport"): it is that name, not a topic."""
        if term in self.kb.idf or not named:
            return False
        from rapidfuzz import fuzz, process

        return process.extractOne(term, named, scorer=fuzz.ratio, score_cutoff=self.limits.typo_name_score) is not None

    def _compound_of_known(self, term: str) -> bool:
        """A compound that opens or ends with an article word of four letters or more ("chipmaking" of an article
        about chips, "shipyards" of one about ships): the article speaks of it in other words."""
        if len(term) < 6 or not term.isalpha():
            return False
        if term not in self._compounds:  # a scan of the vocabulary, once per term (questions repeat their words)
            self._compounds[term] = any(len(v) >= 4 and v != term and (term.startswith(v) or term.endswith(v))
                                        for v in self.kb.idf)
        return self._compounds[term]

    def asks_in_question_words(self, focus: Focus | None) -> bool:
        """True when the focus is in the language of questions ("criteria", "gist"), by its lemma or as
        written: what the question asks for in general, not a topic the article must contain."""
        if focus is None:
            return False
        return stem(focus.head) in self.question_words or any(stem(w) in self.question_words
                                                              for w in terms(focus.phrase))

    def expanded(self, term: str) -> set[str]:
        """A term and the article words it stands for (profile synonyms, and the article's stems of the same
        word family: "compet" for "competit", as `KnowledgeBase.in_vocabulary` reads them)."""
        return {term} | self._synonyms.get(term, set()) | self._family(term)

    def literal(self, term: str) -> set[str]:
        """A term and the article's stems of the same word family, without profile synonyms."""
        return {term} | self._family(term)

    def _family(self, term: str) -> set[str]:
        if term not in self._families:
            prefix = term[: max(6, len(term) - 3)]
            self._families[term] = {v for v in self.kb.idf if v.startswith(prefix)} if len(term) >= 6 else set()
        return self._families[term]

    @staticmethod
    def about_whole_ranking(intent: Intent) -> bool:
        """True when the question names no entry, rank, name or top-N: it is about the ranking as a whole."""
        return not (intent.entries or intent.names or intent.ranks or intent.top_n or intent.bottom_n
                    or intent.polar)

    def about_the_making(self, intent: Intent) -> bool:
        """"How were these chosen?", "What made the editors settle on this order?": about the ranking as a whole, and
        none of its content words is a topic of the article ("How do cities with ports use AI?" is one)."""
        return self.about_whole_ranking(intent) and not any(
            self.has_term(t) for t in self.asked_terms(intent) if t not in self.question_words)

    def has_term(self, term: str) -> bool:
        """True when some sentence has the stem itself or a profile synonym of it (no looser word forms)."""
        return any(x in self.kb.idf for x in {term} | self._synonyms.get(term, set()))

    def in_article(self, word: str) -> bool:
        """True when the article uses the word (or its stem, a synonym, or a close form)."""
        term = stem(fold(word))
        return any(self.kb.in_vocabulary(x) for x in self.expanded(term)) or self.kb.in_vocabulary(fold(word))

    # -- scoring --------------------------------------------------------------------------------------
    def candidates(self, intent: Intent, retrieval: Retrieval) -> list[Sentence]:
        """Sentences of the top retrieved chunks and of the entries the question names."""
        chunks = {c.id for c in retrieval.top(self.limits.top_k)}
        own = {s.index for e in self.entries(intent) for s in self.kb.entry_sentences(e)}
        out = [s for s in self.kb.sentences if (s.chunk.id in chunks or s.index in own) and s.chunk.kind != "title"]
        # the sentences that hold most of the question's rarer words, wherever retrieval ranked them: a paraphrase
        # the vectors miss ("competing" for a "Competition" topic) is still found by its words
        held = {s.index for s in out}
        lexical = sorted((s for s in self.kb.sentences if s.index not in held and s.chunk.kind != "title"),
                         key=lambda s: -self.matched_weight(intent, s))
        out += [s for s in lexical[:self.limits.lexical_candidates]
                if self.coverage(intent, s) >= self.limits.lexical_coverage]
        return out

    def matched_weight(self, intent: Intent, sentence: Sentence) -> float:
        """The IDF mass of the question's content terms that the sentence (with its heading) has."""
        have = self.kb.sentence_terms[sentence.index]
        unseen = self.limits.unseen_term_weight
        return sum(self.kb.idf.get(t, unseen) for t in self.asked_terms(intent) if self.expanded(t) & have)

    def entries(self, intent: Intent) -> list[RankEntry]:
        """The ranking rows the question names, or implies by rank."""
        out = [e for e in (self.kb.entry_for(n) for n in intent.entries) if e]
        if not out:
            out = [e for e in (self.kb.entry_at(r) for r in intent.ranks) if e]
        return out

    def coverage(self, intent: Intent, sentence: Sentence) -> float:
        """IDF-weighted share of the question's content terms that the sentence (with its heading) has."""
        have = self.kb.sentence_terms[sentence.index]
        asked = self.asked_terms(intent)
        if not asked:
            return 0.0
        weight = {t: self.kb.idf.get(t, self.limits.unseen_term_weight) for t in asked}
        total = sum(weight.values()) or 1.0
        return sum(w for t, w in weight.items() if self.expanded(t) & have) / total

    def similarity(self, intent: Intent, sentences: Iterable[Sentence]) -> dict[int, float]:
        """Cosine between the question and each sentence's own text."""
        vector = np.asarray(intent.vector, dtype=np.float32)
        return {s.index: float(self.kb.sentence_vectors[s.index] @ vector) for s in sentences}

    def score(self, intent: Intent, retrieval: Retrieval, candidates: Iterable[Sentence]) -> dict[int, float]:
        """How well each sentence answers: meaning (with and without its heading), term coverage, retrieval
        rank, the entries asked about, and numbers shared with the question."""
        kb = self.kb
        vector = np.asarray(intent.vector, dtype=np.float32)
        plain = kb.sentence_vectors @ vector
        context = kb.context_vectors @ vector
        fused = {c.id: s for c, s in retrieval.ranked}
        top = max(fused.values(), default=1.0) or 1.0
        wanted = {fold(e) for e in intent.entries}
        names = [fold(n) for n in intent.names]
        numbers = intent.numbers
        # English vectors can't read a Chinese question: lean on the (multilingual) retrieval ranking instead
        w = self.limits
        rank_weight = w.score_retrieval_weight_cross_lingual if retrieval.cross_lingual else w.score_retrieval_weight
        candidates = list(candidates)
        matched = {s.index: self.matched_weight(intent, s) for s in candidates}
        most = max(matched.values(), default=0.0) or 1.0
        out: dict[int, float] = {}
        for s in candidates:
            score = w.score_context_weight * context[s.index] + w.score_sentence_weight * plain[s.index] \
                + w.score_coverage_weight * self.coverage(intent, s) + rank_weight * fused.get(s.chunk.id, 0) / top \
                + w.score_lexical_weight * matched[s.index] / most
            if wanted:
                mentions = fold(s.chunk.city or "") in wanted or any(x in fold(s.text) for x in wanted)
                score += w.score_entry_bonus if mentions else -w.score_entry_penalty
            if names and any(n in fold(s.text) for n in names):
                score += w.score_name_bonus
            if numbers and numbers & number_values(s.text):
                score += w.score_number_bonus
            if self.kb.section_roles.get(s.section) == "references":
                score *= w.score_references_factor  # a bibliography answers only when nothing else does
            out[s.index] = float(score)
        return out

    def ranked(self, intent: Intent, retrieval: Retrieval) -> tuple[list[Sentence], dict[int, float]]:
        """Candidates best first, with their scores."""
        candidates = self.candidates(intent, retrieval)
        scores = self.score(intent, retrieval, candidates)
        return sorted(candidates, key=lambda s: -scores[s.index]), scores

    def strong(self, intent: Intent, ranked: list[Sentence]) -> bool:
        """True when one of the best-ranked sentences (`ranked`, as `Evidence.ranked` orders them) matches the
        question well, by meaning or by its terms."""
        top = ranked[:self.limits.strong_window]
        if not top:
            return False
        closest = max(self.similarity(intent, top).values())
        return closest >= self.limits.abstain_similarity or \
            max(self.coverage(intent, s) for s in top) >= self.limits.strong_coverage

    # -- entities -------------------------------------------------------------------------------------
    def typed(self, sentence: Sentence, answer_type: AnswerType) -> list[Entity]:
        """The sentence's entities of the type an answer needs."""
        return sentence.entities_of(*_TYPE_ENTITIES.get(answer_type, ()))

    def nearest(self, found: list[Entity], sentence: Sentence, intent: Intent) -> Entity | None:
        """The entity closest to where the question's terms appear in the sentence."""
        if not found:
            return None
        folded = fold(sentence.text)
        anchors = [sentence.start + m.start() for t in self.asked_terms(intent) for m in
                   re.finditer(re.escape(t), folded)]
        if not anchors:
            return found[0]
        return min(found, key=lambda e: min(abs(e.start - a) for a in anchors))

    def entries_in(self, sentence: Sentence) -> list[RankEntry]:
        """The entries a sentence belongs to or names."""
        own = self.kb.entry_of(sentence)
        if own is not None:
            return [own]
        return [e for e in self.kb.ranking if re.search(rf"(?<!\w){re.escape(e.name)}(?!\w)", sentence.text)]

    def home_of(self, name: str) -> list[tuple[RankEntry, Sentence]]:
        """Where the article puts a name: the entries whose sections (or parenthesised labels) mention it."""
        homes: dict[str, tuple[RankEntry, Sentence]] = {}
        for s in self.kb.mentions(name):
            entry = self.kb.entry_of(s)
            if entry is not None:
                homes.setdefault(entry.name, (entry, s))
                continue
            near = re.search(rf"{re.escape(name)}\s*\(([^)]+)\)", s.text)
            if near:
                labelled = self.kb.entry_for(near.group(1).strip())
                if labelled is not None:
                    homes.setdefault(labelled.name, (labelled, s))
        return list(homes.values())

    def names_in(self, sentences: Iterable[Sentence], exclude: set[str],
                 keep: Callable[[Entity, Sentence], bool] | None = None) -> list[tuple[str, Sentence]]:
        """The article's names (not places, not entries) in these sentences, in order, with their sentence; with
        `keep`, only the mentions it keeps (a name it drops in one sentence may come from another)."""
        entries = {fold(e.name) for e in self.kb.ranking}
        seen: set[str] = set()
        out: list[tuple[str, Sentence]] = []
        for s in sentences:
            for entity in s.entities_of("name"):
                key = fold(re.sub(r"['’]s$", "", entity.text))
                if key in seen or key in entries or key in exclude or key not in self.kb.names:
                    continue
                if keep is not None and not keep(entity, s):
                    continue
                if any(key in fold(other) for other in [o for o, _ in out]):
                    continue
                seen.add(key)
                out.append((self.kb.display_name(key), s))
        return out
