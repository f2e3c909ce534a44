"""What the app knows about the indexed article, read back from the store once at warm-up: chunks,
sentences (with offsets and embeddings), the ranking table, sections and a BM25 index.

Everything here comes from the Chroma collection (documents, metadata, and the manifest's stored source
text and structure), so client-server mode needs no local copy of the source.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.annotate import Entity, read_annotations
from ingest.chunker import ROW_KIND
from ingest.core.models import Citation
from ingest.core.text import fold, split_sentences, stem, terms, words
from ingest.embeddings import reporting
from ingest.store import StoredIndex
from ingest.timing import SENTENCES, Stages

if TYPE_CHECKING:
    import bm25s

logger = logging.getLogger(__name__)

# Sentence vectors depend only on the index's inputs and the model: bots over the same index share them.
_SENTENCE_VECTORS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChunkRecord:
    """One stored chunk: verbatim `text` at start:end, plus the heading-path text that was embedded."""

    id: str
    index: int
    text: str
    embed_text: str
    kind: str
    section: str
    topic: str | None
    rank: int | None
    city: str | None
    start: int
    end: int


_CELL = re.compile(r"(?:^|; |: )([^:;]{1,40}): ([^;]{1,60})")  # "Header: value" pairs of an embedded table row


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk: the unit the extractive answerer quotes and cites, with the named entities
    that ingest found in it."""

    index: int
    chunk: ChunkRecord
    text: str
    start: int
    end: int
    first_in_chunk: bool
    entities: tuple[Entity, ...] = ()

    def entities_of(self, *types: str) -> list[Entity]:
        """The sentence's entities of the given coarse types (name, place, money, percent, date, count)."""
        return [e for e in self.entities if e.type in types]

    def cells(self) -> list[tuple[str, str]]:
        """A table row's (column header, value) pairs, as its chunk was embedded ("Opening date: May 1, 2001");
        empty for a sentence that is no table row."""
        if self.chunk.kind != "row":
            return []
        text = self.chunk.embed_text
        context = f"(rank {self.chunk.rank}): "  # the row's heading comes first ("2. Alder (rank 2): Height: 40 m; …")
        if self.chunk.rank and context in text:
            text = text.split(context, 1)[1]
        return [(h.strip(), v.strip()) for h, v in _CELL.findall(text)]

    @property
    def section(self) -> str:
        return self.chunk.section

    @property
    def city(self) -> str | None:
        return self.chunk.city

    def citation(self, marker: int) -> Citation:
        """A citation of this sentence under answer marker `marker`."""
        c = self.chunk
        return Citation(marker=marker, section=c.section, topic=c.topic, quote=self.text, start=self.start,
                        end=self.end, rank=c.rank, entry=c.city)


@dataclass(frozen=True)
class Cell:
    """One cell of a table row (other than its rank and name): its column header and its verbatim value."""

    header: str | None
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class RankEntry:
    """One row of the ranking: the heading span is the citation for rank answers.

    `section` is the name the entry's section is cited by ("9. Ahoy Matey!"); `heading` is its heading as written
    (for a table row, the cells from its rank to its name: "9. | Ahoy Matey!"); `cells` are a table row's other
    cells, in column order (empty for an entry written as prose)."""

    rank: int
    city: str
    section: str
    start: int
    end: int
    section_end: int
    topics: tuple[str, ...]
    heading: str = ""
    cells: tuple[Cell, ...] = ()

    @property
    def name(self) -> str:
        """The entry's name (the ranked thing: a city, a distribution, a player …)."""
        return self.city

    def citation(self, marker: int) -> Citation:
        """A citation of the section heading (e.g. "8. Fedora")."""
        return Citation(marker=marker, section=self.section, topic=None, quote=self.heading or self.section,
                        start=self.start, end=self.end, rank=self.rank, entry=self.city)


class KnowledgeBase:
    """In-memory view of one index: built once per `Chatbot` warm-up, then read-only (thread-safe)."""

    def __init__(self, stored: StoredIndex, embeddings: Embeddings, stages: Stages | None = None) -> None:
        self.source_text = stored.source_text
        self.manifest = stored.manifest
        self.fingerprint = f"{stored.manifest.source_hash}:{stored.manifest.embedding_model}:" \
                           f"{stored.manifest.chunker_version}"
        structure = stored.structure
        self.title: str = (structure.get("title") or {}).get("text", "")
        self.chunks = self._chunks(stored)
        self.by_id = {c.id: c for c in self.chunks}
        self.ranking = self._ranking(structure)
        self.sections = self._sections(structure)
        self.profile: dict = structure.get("profile") or {}
        self.structure_extra: dict = {k: structure.get(k) for k in ("profile_data",)}
        self.sentences = self._sentences({cid: str(m.get("annotations") or "")
                                          for cid, m in zip(stored.ids, stored.metadatas, strict=True)})
        self._embeddings = embeddings
        self.sentence_vectors, self.context_vectors = self._embed_sentences(stages or Stages())
        self._bm25: tuple[bm25s.BM25, list[str]] | None = None  # built on first use (`warm_up`, a search)
        self._bm25_lock = threading.Lock()
        self.vocabulary = self._vocabulary()
        self.sentence_terms = [set(terms(self.context_of(s), split_hyphens=True)) for s in self.sentences]
        self.idf = self._idf()
        logger.info("Knowledge base: %d chunks, %d sentences, %d ranked cities", len(self.chunks),
                    len(self.sentences), len(self.ranking))

    # -- building -------------------------------------------------------------------------------------
    def _chunks(self, stored: StoredIndex) -> list[ChunkRecord]:
        records = []
        for cid, doc, meta in zip(stored.ids, stored.documents, stored.metadatas, strict=True):
            start, end = int(meta["start"]), int(meta["end"])
            records.append(ChunkRecord(
                id=cid, index=0, text=self.source_text[start:end], embed_text=doc, kind=str(meta["kind"]),
                section=str(meta["section"]), topic=str(meta.get("topic") or "") or None,
                rank=int(meta.get("rank") or 0) or None, city=str(meta.get("city") or "") or None,
                start=start, end=end,
            ))
        records.sort(key=lambda r: (r.start, r.end))
        return [ChunkRecord(**{**r.__dict__, "index": i}) for i, r in enumerate(records)]

    def _ranking(self, structure: dict) -> list[RankEntry]:
        rows = []
        for s in structure.get("sections", []):
            if s.get("rank"):
                title = s["title"]
                cells = tuple(Cell(c.get("header") or None, self.source_text[c["start"]:c["end"]], c["start"],
                                   c["end"]) for c in s.get("cells") or ())
                rows.append(RankEntry(int(s["rank"]), s["city"], s.get("section") or title["text"], title["start"],
                                      title["end"], int(s["end"]), tuple(s.get("topics") or ()), title["text"],
                                      cells))
        rows.sort(key=lambda r: r.rank)
        return rows

    @staticmethod
    def _sections(structure: dict) -> dict[str, tuple[int, int]]:
        spans: dict[str, tuple[int, int]] = {}
        for key in ("intro", "methodology"):
            item = structure.get(key)
            if item:
                spans[item["section"]] = (item["start"], item["end"])
        for s in structure.get("sections", []):
            if s["title"]["text"]:
                spans[s.get("section") or s["title"]["text"]] = (int(s["start"]), int(s["end"]))
        return spans

    def _sentences(self, annotations: dict[str, str]) -> list[Sentence]:
        out: list[Sentence] = []
        for chunk in self.chunks:
            stored = read_annotations(annotations.get(chunk.id, ""), self.source_text)
            spans = stored or [(s, e, []) for s, e in split_sentences(chunk.text, chunk.start)]
            for n, (start, end, entities) in enumerate(spans):
                text = self.source_text[start:end].rstrip(":").rstrip()
                kept = tuple(e for e in entities if e.end <= start + len(text))
                out.append(Sentence(len(out), chunk, text, start, start + len(text), n == 0, kept))
        return out

    def _embed_sentences(self, stages: Stages) -> tuple[np.ndarray, np.ndarray]:
        plain = [s.text for s in self.sentences]
        context = [self.context_of(s) for s in self.sentences]
        key = (self.fingerprint, getattr(self._embeddings, "model_id", type(self._embeddings).__name__),
               tuple(plain))
        with _CACHE_LOCK:
            cached = _SENTENCE_VECTORS.get(key)
        if cached is None:
            with stages.stage(SENTENCES, total=len(plain) + len(context)) as advance, reporting(advance):
                vectors = np.asarray(self._embeddings.embed_documents(plain + context), dtype=np.float32)
            cached = (vectors[: len(plain)], vectors[len(plain) :])
            with _CACHE_LOCK:
                if len(_SENTENCE_VECTORS) >= 8:
                    _SENTENCE_VECTORS.pop(next(iter(_SENTENCE_VECTORS)))
                _SENTENCE_VECTORS[key] = cached
        return cached

    def _bm25_index(self) -> tuple[bm25s.BM25, list[str]]:
        """The BM25 index of the chunks, built (and bm25s imported) on first use: an ingest that only
        prepares the next process's vectors never searches."""
        with self._bm25_lock:
            if self._bm25 is None:
                import bm25s

                logging.getLogger("bm25s").setLevel(logging.WARNING)
                retriever = bm25s.BM25()
                corpus = [terms(c.embed_text, split_hyphens=True) or ["_"] for c in self.chunks]
                retriever.index(corpus, show_progress=False)
                self._bm25 = (retriever, [c.id for c in self.chunks])
            return self._bm25

    def warm_up(self) -> None:
        """Build what searching needs (the BM25 index) now rather than on the first question."""
        self._bm25_index()

    def _vocabulary(self) -> set[str]:
        vocab: set[str] = set()
        for chunk in self.chunks:
            for word in words(chunk.embed_text):
                vocab.add(word)
                vocab.add(stem(word))
            vocab.update(terms(chunk.embed_text, split_hyphens=True))
        return vocab

    def _idf(self) -> dict[str, float]:
        n = len(self.sentence_terms)
        df: dict[str, int] = {}
        for term_set in self.sentence_terms:
            for term in term_set:
                df[term] = df.get(term, 0) + 1
        return {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}

    # -- queries --------------------------------------------------------------------------------------
    def context_of(self, sentence: Sentence) -> str:
        """The sentence with its heading path, as embedded for matching."""
        c = sentence.chunk
        head = f"{c.city} (rank {c.rank})" if c.city else c.section
        return f"{head} › {c.topic}: {sentence.text}" if c.topic else f"{head}: {sentence.text}"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of short texts (a question's word, column headers), with the index's embedder."""
        return np.asarray(self._embeddings.embed_documents(texts), dtype=np.float32)

    def bm25_scores(self, query_terms: list[str]) -> dict[str, float]:
        """BM25 score of every chunk for the query terms."""
        if not query_terms:
            return {}
        bm25, ids = self._bm25 or self._bm25_index()
        scores = bm25.get_scores(query_terms)
        return {cid: float(s) for cid, s in zip(ids, scores, strict=True)}

    def in_vocabulary(self, term: str) -> bool:
        """True when the article uses the word, or a longer word that shares all but its last 3 letters."""
        if term in self.vocabulary:
            return True
        if len(term) < 6:
            return False
        prefix = term[: max(6, len(term) - 3)]
        return any(v.startswith(prefix) for v in self.vocabulary)

    def entry_for(self, city: str) -> RankEntry | None:
        """The ranking row of a city, by exact name."""
        return next((r for r in self.ranking if r.city == city), None)

    def entry_at(self, rank: int) -> RankEntry | None:
        """The ranking row at a rank (the first of those tied there)."""
        return next((r for r in self.ranking if r.rank == rank), None)

    def entries_at(self, rank: int) -> list[RankEntry]:
        """Every entry at a rank: more than one where the article ties them."""
        return [r for r in self.ranking if r.rank == rank]

    def next_rank(self, rank: int, step: int) -> int | None:
        """The nearest rank the ranking holds after `rank` (step 1) or before it (step -1); past a tie the next
        rank skips the places the tie took (3, 3, 5)."""
        ranks = {r.rank for r in self.ranking}
        found = [r for r in ranks if (r - rank) * step > 0]
        return (min(found) if step > 0 else max(found)) if found else None

    def sentences_of(self, section: str) -> list[Sentence]:
        """Sentences of one section, in document order."""
        return [s for s in self.sentences if s.section == section]

    @cached_property
    def trends_section(self) -> str | None:
        """Title of the section that sums up the ranking (trends, observations, conclusion), if any: the profile's
        "trends" role, or else the first titled section after the last ranked entry."""
        roles = self.profile.get("sections") or []
        for role in roles:
            if role.get("role") in {"trends", "summary"} and role.get("section"):
                return str(role["section"])
        if roles or not self.ranking:  # a profile that names no trends section means there is none
            return None
        after = self.ranking[-1].section_end
        titled = [c for c in self.chunks if c.rank is None and c.start >= after and c.kind not in
                  {"title", "intro", "methodology"} and c.section in self.sections]
        return titled[0].section if titled else None

    @cached_property
    def criterion_lines(self) -> list[str]:
        """The lines that say what the ranking orders by: the title, the first two lines of the intro, and the two
        lines right before the first entry (the lead into the list: "the most visited museums (by ticket sales)")."""
        if not self.ranking:
            return []
        first = min(e.start for e in self.ranking)
        before = [s.text for s in self.sentences if s.start < first and s.chunk.kind not in {"title", "row"}]
        intro = [s.text for s in self.intro_sentences[:2]]
        return list(dict.fromkeys([self.title, *intro, *before[-2:]]))

    @cached_property
    def intro_sentences(self) -> list[Sentence]:
        """The sentences that frame the article: its intro (or, lacking one, its title)."""
        intro = [s for s in self.sentences if s.chunk.kind == "intro"]
        return intro or [s for s in self.sentences if s.chunk.kind == "title"]

    @cached_property
    def section_roles(self) -> dict[str, str]:
        """Section title -> its role in the article (intro, entry, trends, methodology, references …)."""
        return {str(r["section"]): str(r.get("role") or "") for r in self.profile.get("sections") or []
                if r.get("section")}

    @property
    def noun(self) -> str:
        """What the article ranks, singular ("city"); "entry" when the title doesn't say."""
        return str(self.profile.get("noun") or "entry")

    @property
    def nouns(self) -> str:
        """What the article ranks, plural ("cities")."""
        return str(self.profile.get("noun_plural") or ("entries" if self.noun == "entry" else f"{self.noun}s"))

    def count_phrase(self) -> str:
        """"the 10 cities" — how answers refer to the whole ranking."""
        return f"the {len(self.ranking)} {self.nouns if len(self.ranking) != 1 else self.noun}"

    @cached_property
    def names(self) -> dict[str, list[Sentence]]:
        """Every name the article mentions (organisations, people, products, places), folded, with the
        sentences that mention it; names in a large share of sentences (like "AI") are left out as generic."""
        found: dict[str, list[Sentence]] = {}
        display: dict[str, str] = {}
        labels: dict[str, set[str]] = {}
        for sentence in self.sentences:
            if sentence.chunk.kind == "title":
                continue
            for entity in sentence.entities_of("name", "place"):
                key = _name_key(entity.text)
                if len(key) < 2 or entity.label == "NORP" or "&" in key:
                    continue
                display.setdefault(key, _clean_name(entity.text))
                labels.setdefault(key, set()).add(entity.label)
                if sentence not in found.setdefault(key, []):
                    found[key].append(sentence)
        limit = max(3, len(self.sentences) // 6)
        self.name_display = display
        self.name_labels = labels
        # the article's own subject (a country in "<Country>'s Top 10 …") is not one of its names
        in_title = {w.removesuffix("'s") for w in words(self.title)}
        return {k: v for k, v in found.items() if len(v) <= limit and not set(words(k)) <= in_title}

    @property
    def profile_data(self) -> dict:
        """What the article's profile folder adds: {"aliases": {name: [forms]}, "synonyms": {word: [words]}}."""
        return self.structure_extra.get("profile_data") or {}

    def is_proper_name(self, name: str) -> bool:
        """True when the entity recogniser typed the name (an organisation, a person, a place …), not only the
        tagger (a capitalised word such as a table header)."""
        _ = self.names
        if name in (self.profile_data.get("aliases") or {}):
            return True  # named in the article's profile folder: a curated name
        labels = self.name_labels.get(fold(name), set())
        topics = {fold(t) for e in self.ranking for t in e.topics}
        return bool(labels - {"PROPN"}) and fold(name) not in topics

    def display_name(self, key: str) -> str:
        """A name as the article writes it."""
        _ = self.names
        return self.name_display.get(key, key)

    def entry_sentences(self, entry: RankEntry) -> list[Sentence]:
        """Sentences inside an entry's section (by offsets: a table row's cited heading is the row as written,
        not the section label its chunks carry)."""
        return [s for s in self.sentences if s.section == entry.section or entry.start <= s.start < entry.section_end]

    def row_of(self, entry: RankEntry) -> Sentence | None:
        """The sentence that is an entry's table row, verbatim (None for an entry written as prose)."""
        return next((s for s in self.entry_sentences(entry) if s.chunk.kind == ROW_KIND), None)

    def entry_of(self, sentence: Sentence) -> RankEntry | None:
        """The ranked entry whose section holds the sentence."""
        return self.entry_for(sentence.city) if sentence.city else None

    def mentions(self, name: str) -> list[Sentence]:
        """Sentences whose text mentions `name` (folded, whole-word)."""
        pattern = re.compile(rf"(?<![a-z0-9]){re.escape(fold(name))}(?![a-z0-9])")
        return [s for s in self.sentences if pattern.search(fold(s.text))]


def _clean_name(text: str) -> str:
    return re.sub(r"['’]s$", "", text.strip(" ,.;:()"))


def _name_key(text: str) -> str:
    return fold(_clean_name(text))
