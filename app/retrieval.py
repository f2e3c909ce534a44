"""Hybrid retrieval: dense search in Chroma plus BM25, fused with reciprocal rank fusion, with a boost for
the chunks of the entries and names the question mentions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from app.knowledge import ChunkRecord, KnowledgeBase
from app.understand.intent import Intent
from ingest.core.text import fold, stem
from ingest.multilingual import contains_cjk
from ingest.store import ArticleIndex

RRF_K = 60


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one query."""

    query_vector: np.ndarray
    ranked: list[tuple[ChunkRecord, float]]
    dense: dict[str, float]
    expanded_terms: list[str]
    ms: float
    index_fingerprint: str = ""
    cross_lingual: bool = False  # the question is in another language; the multilingual index ranked too

    def top(self, k: int) -> list[ChunkRecord]:
        return [c for c, _ in self.ranked[:k]]


class HybridRetriever:
    """Dense (Chroma, cosine) + lexical (BM25) retrieval over the article's chunks."""

    def __init__(self, kb: KnowledgeBase, index: ArticleIndex, embeddings: Embeddings,
                 synonyms: dict[str, list[str]], *, multilingual: Any | None = None) -> None:
        self._kb = kb
        self._multilingual = multilingual
        self._index = index
        self._embeddings = embeddings
        self._synonyms = {stem(fold(k)): [stem(fold(v)) for v in vs] for k, vs in synonyms.items()}

    def expand(self, intent: Intent) -> list[str]:
        """The question's terms plus the article's words for everyday paraphrases, plus the entries and names
        asked about."""
        expanded = list(intent.terms)
        for term in intent.terms:
            expanded += self._synonyms.get(term, [])
        for name in intent.entries + intent.names:
            expanded += [stem(w) for w in fold(name).split()]
        return list(dict.fromkeys(expanded))

    def retrieve(self, intent: Intent) -> Retrieval:
        """Rank every chunk for the intent (the article is small enough to score them all)."""
        started = time.perf_counter()
        if intent.vector is not None:
            vector = np.asarray(intent.vector, dtype=np.float32)
        else:
            vector = np.asarray(self._embeddings.embed_query(intent.text or " "), dtype=np.float32)
        hits, index_fingerprint = self._index.search(vector.tolist(), k=len(self._kb.chunks))
        dense = dict(hits)
        expanded = self.expand(intent)
        lexical = self._kb.bm25_scores(expanded)
        rankings = [dense, lexical]
        cross_lingual = self._multilingual is not None and contains_cjk(intent.raw)
        if cross_lingual:
            # English embeddings can't read Chinese: the multilingual index ranks too, and counts double
            across = dict(self._multilingual.search(intent.raw, k=len(self._kb.chunks)))
            rankings += [across, across]
        fused: dict[str, float] = {}
        for scores in rankings:
            ordered = sorted((cid for cid, s in scores.items() if s > 0), key=lambda c: -scores[c])
            for position, cid in enumerate(ordered):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + position + 1)
        wanted = {fold(c) for c in intent.entries}
        names = [fold(n) for n in intent.names]
        for cid in fused:
            chunk = self._kb.by_id.get(cid)
            if chunk is None:
                continue
            text = fold(chunk.text)
            if chunk.city and fold(chunk.city) in wanted:
                fused[cid] += 2.0 / RRF_K
            elif any(c in text for c in wanted):
                fused[cid] += 1.0 / RRF_K
            if any(n in text for n in names):
                fused[cid] += 1.0 / RRF_K
        ranked = sorted(((self._kb.by_id[c], s) for c, s in fused.items() if c in self._kb.by_id),
                        key=lambda cs: -cs[1])
        return Retrieval(vector, ranked, dense, expanded, (time.perf_counter() - started) * 1000,
                         index_fingerprint, cross_lingual)
