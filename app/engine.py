"""The answering engine of one index: builds the question analyzer (with its intent classifier), the retriever and
the answerer over a loaded knowledge base, from settings, and passes them in. Nothing here runs at import; the
`Chatbot` calls `build_engine` at warm-up, once the index is open (`app.compose` builds the `Chatbot`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.answer.answerer import Answerer
from app.answer.evidence import Evidence, Thresholds
from app.answer.router import Router
from app.knowledge import KnowledgeBase
from app.retrieval import HybridRetriever
from app.understand.analyzer import QuestionAnalyzer, UnderstandingLimits
from app.understand.article import ArticleTerms
from app.understand.classifier import Fillers, IntentClassifier, load_training_set, question_words
from app.understand.followups import FollowUpResolver
from app.understand.names import NameFinder
from app.understand.parse import QuestionParser
from app.understand.ranks import RankReader
from app.understand.rewrite import QuestionRewriter
from ingest.chunker import ROW_KIND
from ingest.core.settings import Settings
from ingest.core.text import fold, stem, words
from ingest.store import ArticleIndex
from ingest.timing import Stages

logger = logging.getLogger(__name__)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class Engine:
    """Everything that answers questions over one index; replaced as a whole when the index changes."""

    kb: KnowledgeBase
    analyzer: QuestionAnalyzer
    retriever: HybridRetriever
    answerer: Answerer  # the Router, or the verified LLM answerer wrapping it
    terms: ArticleTerms


def article_terms(kb: KnowledgeBase) -> ArticleTerms:
    """The article's names, aliases and synonyms: derived at ingest (the profile's entries and their aliases,
    the entities found), plus what the article's profile folder adds (other spellings, Chinese names,
    everyday synonyms)."""
    aliases: dict[str, list[str]] = {}
    for entry in kb.profile.get("entries") or []:
        aliases.setdefault(str(entry["name"]), []).extend(str(a) for a in entry.get("aliases") or [])
    data = kb.profile_data
    for name, forms in (data.get("aliases") or {}).items():
        aliases.setdefault(str(name), []).extend(str(f) for f in forms or [])
    synonyms = {str(k): [str(v) for v in vs or []] for k, vs in (data.get("synonyms") or {}).items()}
    translations = {str(k): str(v) for k, v in (data.get("terms") or {}).items()}
    names = [kb.display_name(key) for key in kb.names]
    return ArticleTerms(entries=[e.name for e in kb.ranking], noun=kb.noun, noun_plural=kb.nouns, aliases=aliases,
                        names=names, synonyms=synonyms, translations=translations, vocabulary=kb.vocabulary,
                        criterion=kb.criterion_lines, owners=name_owners(kb), dated=entries_by_year(kb),
                        cells=row_names(kb), ranks=[e.rank for e in kb.ranking],
                        texts=[s.text for s in kb.sentences])


def name_owners(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Each name of the article -> the ranked entries whose sections (or table rows) mention it, in rank order."""
    owners: dict[str, tuple[str, ...]] = {}
    for key, sentences in kb.names.items():
        entries = {e.rank: e.name for e in map(kb.entry_of, sentences) if e is not None}
        if entries:
            owners[kb.display_name(key)] = tuple(entries[r] for r in sorted(entries))
    return owners


def row_names(kb: KnowledgeBase) -> dict[str, str]:
    """The names a ranking table's rows give their entry besides its name cell (an "Alternative Name" cell,
    a list of names in one cell), each -> the one entry whose row holds it: the parts of the row's cells
    (split at commas and semicolons) of two words or more with a capital, that no other row holds, and such a
    part without the ranked noun it ends with."""
    holders: dict[str, tuple[str, set[str]]] = {}
    for sentence in kb.sentences:
        entry = kb.entry_of(sentence)
        if entry is None or sentence.chunk.kind != ROW_KIND:
            continue
        for part in re.split(r"[|\t,;]", sentence.text):
            part = part.strip(" .:()")
            if len(words(part)) >= 2 and re.search(r"\b[A-Z][a-z]", part) and fold(part) != fold(entry.name):
                holders.setdefault(fold(part), (part, set()))[1].add(entry.name)
    names = [(fold(e.name), e.name) for e in kb.ranking]

    def distinctive(key: str, entry: str) -> bool:
        return not any(key in folded for folded, other in names if other != entry)

    cells = {part: next(iter(entries)) for part, entries in holders.values()
             if len(entries) == 1 and distinctive(fold(part), next(iter(entries)))}
    # "the Ostvik one" for the "Ostvik Flood" cell: the part without the noun the article ranks, when no other
    # cell or entry name holds it
    nouns = {stem(kb.noun), stem(kb.nouns)}
    short: dict[str, set[str]] = {}
    for part, entry in cells.items():
        *head, last = part.split()
        if head and stem(fold(last)) in nouns:
            short.setdefault(" ".join(head), set()).add(entry)
    for part, entries in short.items():
        key, entry = fold(part), next(iter(entries))
        if len(entries) == 1 and len(key) >= 3 and key not in holders and distinctive(key, entry):
            cells[part] = entry
    return cells


def entries_by_year(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Each year the ranked entries' sections (or table rows) mention -> those entries, in rank order."""
    dated: dict[str, dict[int, str]] = {}
    for sentence in kb.sentences:
        entry = kb.entry_of(sentence)
        if entry is not None:
            for year in _YEAR.findall(sentence.text):
                dated.setdefault(year, {})[entry.rank] = entry.name
    return {y: tuple(e[r] for r in sorted(e)) for y, e in dated.items()}


def train_classifier(kb: KnowledgeBase, embeddings: Any, settings: Settings,
                     stages: Stages | None = None) -> IntentClassifier:
    """The intent classifier for this article (cached on disk by its inputs)."""
    topics = sorted({t for e in kb.ranking for t in e.topics})
    fillers = Fillers(entries=[e.name for e in kb.ranking], noun=kb.noun, nouns=kb.nouns,
                      count=max(1, len(kb.ranking)), orgs=sorted(kb.display_name(k) for k in kb.names)[:40],
                      topics=[t.lower() for t in topics][:40], title=kb.title)
    return IntentClassifier.train(embeddings.embed_documents, fillers, cache_dir=settings.cache_dir,
                                  model_id=getattr(embeddings, "model_id", ""),
                                  regularization=settings.intent_regularization,
                                  variants=settings.intent_variants, stages=stages)


def build_engine(kb: KnowledgeBase, index: ArticleIndex, embeddings: Any, settings: Settings, *,
                 chat_model: Any | None = None, multilingual: Any | None = None,
                 stages: Stages | None = None) -> Engine:
    """Build the analyzer, retriever and answerer over a loaded knowledge base.

    Args:
        kb: the knowledge base read from the index.
        index: the Chroma index (dense search).
        embeddings: the English embedder.
        settings: the typed settings.
        chat_model: a LangChain chat model for the optional LLM answerer (built from settings when None).
        multilingual: the multilingual index, searched for questions in other languages (None: off).
        stages: records the seconds of fitting the intent classifier (`ingest.timing.CLASSIFIER`).
    """
    terms = article_terms(kb)
    classifier = train_classifier(kb, embeddings, settings, stages)
    parser = QuestionParser(kb.noun, kb.nouns)

    def embed_query(text: str) -> np.ndarray:
        return np.asarray(embeddings.embed_query(text), dtype=np.float32)

    asking = question_words(load_training_set())
    evidence = Evidence(kb, terms.synonyms, Thresholds.from_settings(settings), asking)
    # the analyzer reads the article's vocabulary as the answer side does (generic terms, words the article uses)
    limits = UnderstandingLimits.from_settings(settings)
    names = NameFinder(terms, typo_entry_score=limits.typo_entry_score, title_entry_words=limits.title_entry_words)
    rewriter = QuestionRewriter(terms, names, typo_question_word_score=limits.typo_question_word_score,
                                typo_article_word_score=limits.typo_article_word_score)
    analyzer = QuestionAnalyzer(terms, parser, classifier, embed_query, limits=limits, lexicon=evidence,
                                frame_words=asking, names=names,
                                ranks=RankReader(terms, embed_query, criterion_similarity=limits.criterion_similarity),
                                rewriter=rewriter, followups=FollowUpResolver(names, rewriter.translate, terms.noun))
    retriever = HybridRetriever(kb, index, embeddings, terms.synonyms, multilingual=multilingual)
    answerer: Answerer = Router(evidence)
    if settings.llm:
        from app.llm import build_llm_answerer

        answerer = build_llm_answerer(settings, kb, answerer, chat_model=chat_model, synonyms=terms.synonyms)
    return Engine(kb, analyzer, retriever, answerer, terms)

