"""The `Chatbot` service: question in, cited `Answer` out. It holds the shared models and the store, and no
per-user state, so one instance serves every user (the UI, the CLI and the Python API)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.answer.answerer import Answerer
from app.answer.draft import Draft, growing_text, joined
from app.engine import Engine, build_engine
from app.index_keeper import IndexKeeper
from app.knowledge import KnowledgeBase, RankEntry
from app.retrieval import Retrieval
from app.understand.hygiene import clean_question, split_questions
from app.understand.intent import Intent, IntentKind
from app.verify import verify
from ingest.core.errors import (
    AICitiesError,
    InvalidHistoryError,
    StoreUnavailableError,
)
from ingest.core.models import Answer, RetrievedSection
from ingest.core.settings import Settings
from ingest.embeddings import CachedEmbeddings, LocalEmbeddings
from ingest.multilingual import MultilingualEmbeddings, MultilingualIndex
from ingest.store import Manifest
from ingest.timing import KNOWLEDGE, MODELS, Stages

if TYPE_CHECKING:  # indexing code loads only when an index is (re)built
    from ingest.pipeline import IngestReport

logger = logging.getLogger(__name__)

History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class _Turn:
    """One question on its way through the pipeline."""

    question: str
    standalone: str
    intent: Intent
    retrieval: Retrieval
    answerer: Answerer
    notice: str | None
    started: float


class Chatbot:
    """Grounded Q&A over one indexed article of the library.

    Args:
        settings: the typed settings (defaults from the environment).
        embeddings: the embedder; built from settings when not given (loaded lazily).
        client: a Chroma client; opened from settings when not given.
        article_id: the library's id of the article to answer from (`ingest.articles`); None: the shipped one.
        multilingual_embeddings: the multilingual embedder, shared by every article's bot (built from settings
            when None and settings turn it on).

    Nothing heavy happens here: the model loads, the store opens and the index is built (if needed) on the
    first question or on `warm_up()`.
    """

    def __init__(self, settings: Settings | None = None, *, embeddings: LocalEmbeddings | None = None,
                 client: object | None = None, chat_model: object | None = None, article_id: str | None = None,
                 multilingual_embeddings: MultilingualEmbeddings | None = None) -> None:
        self.settings = settings or Settings()
        self.embeddings = embeddings or LocalEmbeddings(self.settings.embedding_model_path,
                                                        torch_threads=self.settings.torch_threads,
                                                        engine=self.settings.embedding_engine)
        self._multilingual = (multilingual_embeddings or MultilingualEmbeddings()) if self.settings.multilingual \
            else None  # loads nothing
        self.keeper = IndexKeeper(self.settings, self.embeddings, client=client, article_id=article_id,
                                  multilingual_embeddings=self._multilingual)
        self._chat_model = chat_model  # a LangChain chat model; built from settings.llm when None
        self._ready: Engine | None = None
        self._lock = threading.RLock()

    # -- lifecycle ------------------------------------------------------------------------------------
    @property
    def article_id(self) -> str:
        """The library's id of the article this bot answers from."""
        return self.keeper.article_id

    @property
    def shipped(self) -> bool:
        """True when this bot answers from the shipped article."""
        return self.keeper.shipped

    @property
    def collection(self) -> str:
        """The Chroma collection of its article."""
        return self.keeper.collection

    @property
    def store_client(self) -> object | None:
        """The Chroma client its index is read through (None until it is first opened)."""
        return self.keeper.store_client

    @property
    def multilingual_embeddings(self) -> MultilingualEmbeddings | None:
        """The multilingual embedder (None when settings turn it off)."""
        return self._multilingual

    @property
    def chat_model(self) -> object | None:
        """The LangChain chat model given for the optional LLM answerer (None: built from settings)."""
        return self._chat_model

    def multilingual_index(self) -> MultilingualIndex | None:
        """The `<collection>_ml` index for questions in other languages; None when settings turn it off."""
        return self.keeper.multilingual_index()

    def ingest(self, source: Path | None = None, *, rebuild: bool = False,
               show_progress: bool | None = None, stages: Stages | None = None) -> IngestReport:
        """Index a source into this bot's article (`IndexKeeper.ingest`) and answer from it.

        Args:
            stages: records the seconds of each stage (and shows progress, if it was given a display); pass
                the same one to `warm_up` to time the knowledge base and intent classifier of the new index.
        """
        with self._lock:
            report = self.keeper.ingest(source, rebuild=rebuild, show_progress=show_progress, stages=stages)
            self._ready = None
            return report

    def source_for(self, manifest: Manifest | None) -> Path:
        """The file this bot's article is read from (`IndexKeeper.source_for`)."""
        return self.keeper.source_for(manifest)

    def warm_up(self, *, everything: bool = True, stages: Stages | None = None, models: bool = True) -> None:
        """Load the models, open the store, index the source if the index is missing or stale.

        Args:
            everything: also load what only some questions need (the multilingual embedder for questions in
                other languages), so no user waits for it. A one-shot CLI question passes False.
            stages: records the seconds of building the knowledge base, its sentence vectors and the intent
                classifier (`ingest.timing`), with their progress.
            models: load the embedding model now; False loads it only if building the knowledge base needs it
                (`ai-cities ingest`, which asks no question; implies `everything=False`).
        """
        everything = everything and models
        if self._ready is not None:
            if everything:
                self._warm_rest()
            return
        stages = stages or Stages()
        with self._lock:
            if self._ready is not None:
                return
            index = self.keeper.open()
            if models:
                with stages.stage(MODELS):
                    self.embeddings.warm_up()  # the multilingual model loads on the first question that needs it
            self.keeper.ensure(index, stages)
            with stages.stage(KNOWLEDGE):
                stored = index.read()
                if stored is None:
                    raise StoreUnavailableError(f"Vector store unavailable: collection {index.name!r} has no index. "
                                                "Run `ai-cities ingest`.")
                # The knowledge base's sentence vectors come from where the index keeps them, when it does.
                kb = KnowledgeBase(stored, CachedEmbeddings(self.embeddings, index), stages)
                engine = build_engine(kb, index, self.embeddings, self.settings, chat_model=self._chat_model,
                                      multilingual=self.multilingual_index(), stages=stages)
                engine.analyzer.warm_up()
                if models:
                    kb.warm_up()
            self._ready = engine
        if everything:
            self._warm_rest()

    def _warm_rest(self) -> None:
        if self._multilingual is not None:
            self._multilingual.warm_up()

    @property
    def _state(self) -> Engine:
        self.warm_up(everything=False)
        assert self._ready is not None
        return self._ready

    # -- questions ------------------------------------------------------------------------------------
    def ask(self, question: str, history: History | None = None) -> Answer:
        """Answer one question, using `history` ([(question, answer text), ...]) for follow-ups.

        Raises:
            InvalidQuestionError: empty, too long, or not text (or a malformed history).
            StoreUnavailableError: the vector store cannot be reached.
        """
        parts = split_questions(question) if isinstance(question, str) else [question]
        if len(parts) > 1:
            return self._ask_parts(question, parts, history)
        turn = self._prepare(question, history)
        answer_started = time.perf_counter()
        return self._finish(turn, self._draft(turn), answer_started)

    def _ask_parts(self, question: str, parts: list[str], history: History | None) -> Answer:
        """A message that asks several questions: each answered in turn (the earlier ones as its conversation, so
        "who hosts it?" knows what "it" is), the answers joined with their citations renumbered."""
        clean_question(question, self.settings.max_question_chars)  # the message as a whole must be valid
        pairs = _validate_history(history)
        answer_started = time.perf_counter()
        turns: list[_Turn] = []
        draft: Draft | None = None
        for part in parts:
            turn = self._prepare(part, pairs)
            part_draft = self._draft(turn)
            pairs = [*pairs, (part, part_draft.text)]
            turns.append(turn)
            draft = part_draft if draft is None else joined(draft, part_draft)
        assert draft is not None
        whole = dataclasses.replace(turns[0], question=question, standalone=" ".join(t.standalone for t in turns))
        return self._finish(whole, draft, answer_started)

    def _draft(self, turn: _Turn) -> Draft:
        """The answerer's draft; a failure of ours is logged and the retrieved passages stand in for it."""
        try:
            return turn.answerer.answer(turn.intent, turn.retrieval)
        except AICitiesError:
            raise
        except Exception:
            logger.exception("Answering %r failed; giving the retrieved passages instead", turn.standalone)
            return self._state_fallback(turn)

    def _state_fallback(self, turn: _Turn) -> Draft:
        try:
            return turn.answerer.fallback(turn.retrieval)
        except Exception:
            logger.exception("The fallback answer failed too for %r", turn.standalone)
            from app.answer.draft import abstention

            return abstention("Sorry, something went wrong while answering. Please rephrase the question.")

    def stream(self, question: str, history: History | None = None) -> Iterator[str | Answer]:
        """Like `ask`, but yields the answer text as it forms (growing drafts), then the final `Answer`.

        With an LLM backend the drafts are the model's raw output; the final `Answer` is the verified one
        (unverified sentences removed), which callers must show in place of the drafts.
        """
        parts = split_questions(question) if isinstance(question, str) else [question]
        if len(parts) > 1:
            answer = self._ask_parts(question, parts, history)
            yield from growing_text(answer.text)
            yield answer
            return
        turn = self._prepare(question, history)
        answer_started = time.perf_counter()
        draft = None
        for item in turn.answerer.stream(turn.intent, turn.retrieval):
            if isinstance(item, str):
                yield item
            else:
                draft = item
        assert draft is not None, "an answerer's stream must end with its Draft"
        yield self._finish(turn, draft, answer_started)

    def _prepare(self, question: str, history: History | None) -> _Turn:
        started = time.perf_counter()
        cleaned, notice = clean_question(question, self.settings.max_question_chars)
        pairs = _validate_history(history)
        state = self._state
        kb = state.kb
        rank_of = {e.name: e.rank for e in kb.ranking}
        entry_at = {e.rank: e.name for e in kb.ranking}
        try:
            standalone = state.analyzer.resolve(cleaned, pairs, rank_of, entry_at)
        except Exception:
            logger.exception("Follow-up resolution failed for %r; answering the question as asked", cleaned)
            standalone = cleaned
        if pairs:
            standalone = state.answerer.condense(cleaned, pairs, fallback=standalone)
        try:
            intent = state.analyzer.analyze(standalone)
        except Exception:
            logger.exception("Question analysis failed for %r; answering it as a plain fact question", standalone)
            intent = Intent(kind=IntentKind.FACT, text=standalone)
        if intent.injection:
            notice = "Instructions inside the question were ignored; I only answer from the article."
        retrieval = state.retriever.retrieve(intent)
        if intent.vector is None:
            intent = dataclasses.replace(intent, vector=retrieval.query_vector)
        if retrieval.index_fingerprint and retrieval.index_fingerprint != state.kb.fingerprint:
            logger.info("The index was rebuilt from other inputs; reloading the knowledge base.")
            with self._lock:
                if self._ready is state:
                    self._ready = None
            return self._prepare(question, history)
        return _Turn(question if isinstance(question, str) else str(question), standalone, intent, retrieval,
                     state.answerer, notice, started)

    def _finish(self, turn: _Turn, draft: Draft, answer_started: float) -> Answer:
        engine = self._ready
        if engine is not None:
            draft = verify(draft, engine.kb.source_text)
        done = time.perf_counter()
        seen: dict[str, RetrievedSection] = {}
        for chunk, score in turn.retrieval.ranked:
            seen.setdefault(chunk.section, RetrievedSection(section=chunk.section, topic=chunk.topic,
                                                            score=round(score, 5)))
        return Answer(
            article=engine.kb.title if engine is not None else "",
            source_url=(engine.kb.manifest.source_url or None) if engine is not None else None,
            text=draft.text,
            citations=draft.citations,
            abstained=draft.abstained,
            question=turn.question,
            standalone_question=turn.standalone,
            mode=draft.mode,
            route=draft.route,
            retrieved=list(seen.values()),
            timings_ms={"retrieval_ms": round(turn.retrieval.ms, 2),
                        "answer_ms": round((done - answer_started) * 1000, 2),
                        "total_ms": round((done - turn.started) * 1000, 2)},
            notice=draft.notice or turn.notice,
            dropped_sentences=draft.dropped,
        )

    def example_questions(self) -> list[str]:
        """Example questions built from the indexed article's structure (for the UI and help)."""
        from app.answer.strategies.conversation import example_questions

        return example_questions(self._state.kb)

    def showcase_questions(self) -> list[str]:
        """The examples a page shows: `example_questions`, one the article cannot answer and, when its profile
        names an entry in Chinese, one in Chinese."""
        from app.answer.strategies.conversation import showcase_questions

        return showcase_questions(self._state.kb)

    @property
    def noun(self) -> str:
        """What the article ranks, singular ("city"; "entry" when the article doesn't say)."""
        return self._state.kb.noun

    @property
    def nouns(self) -> str:
        """What the article ranks, plural ("cities")."""
        return self._state.kb.nouns

    @property
    def engine(self) -> Engine:
        """The analyzer, retriever and answerer over the current index (built on first use)."""
        return self._state

    # -- article views (for the UI) -------------------------------------------------------------------
    def ranking(self) -> list[RankEntry]:
        """The ranking table (rank, city, section title, heading offsets, topic labels)."""
        return list(self._state.kb.ranking)

    def source_text(self) -> str:
        """The source text that every citation's offsets refer to."""
        return self._state.kb.source_text

    def section_span(self, section: str) -> tuple[int, int] | None:
        """Offsets of a whole section of the article, by its title (e.g. "4. Fedora")."""
        return self._state.kb.sections.get(section)

    @property
    def title(self) -> str:
        """The article's title."""
        return self._state.kb.title


def _validate_history(history: History | None) -> list[tuple[str, str]]:
    if history is None:
        return []
    pairs: list[tuple[str, str]] = []
    try:
        if isinstance(history, (str, bytes)):
            raise TypeError("history is a string")
        for item in history:
            if isinstance(item, (str, bytes)) or len(item) != 2:
                raise TypeError("each turn must be a (question, answer) pair")
            asked, answered = item
            pairs.append((str(asked or ""), str(answered or "")))
    except (TypeError, ValueError) as exc:
        raise InvalidHistoryError(
            "history must be a list of (question, answer) pairs, e.g. [(\"Tell me about the first one.\", \"...\")]."
        ) from exc
    return pairs
