"""The library of articles as the shells see it: every stored article (`ingest.articles`) and a `Chatbot` for each,
all sharing one embedder, one multilingual embedder and one store client. The CLI, the UI and the HTTP server
pick an article by id through it; a new or refreshed article is seen on the next call, with no restart (the
listing is read from the store each time, and a bot reloads when its index was rebuilt by another process).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.chatbot import Chatbot, History
from ingest.articles import (
    StoredArticle,
    UnknownArticleError,
    article_exists,
    article_id_for,
    find_article,
    list_articles,
    remove_article,
    shipped_article_id,
    slug,
)
from ingest.core.models import Answer
from ingest.core.settings import Settings
from ingest.embeddings import LocalEmbeddings
from ingest.multilingual import MultilingualEmbeddings
from ingest.store import make_client
from ingest.timing import Stages

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport

logger = logging.getLogger(__name__)


class ArticleLibrary:
    """Every article of the store, each answered by its own `Chatbot`.

    Args:
        settings: the typed settings; `settings.article` is the article answered when none is named.
        embeddings: the English embedder shared by every article (built from settings when None).
        client: a Chroma client (opened from settings on first use when None).
        chat_model: a LangChain chat model for the optional LLM answerer, passed to every bot.
    """

    def __init__(self, settings: Settings | None = None, *, embeddings: LocalEmbeddings | None = None,
                 client: object | None = None, chat_model: object | None = None) -> None:
        self.settings = settings or Settings()
        self.embeddings = embeddings or LocalEmbeddings(self.settings.embedding_model_path,
                                                        torch_threads=self.settings.torch_threads,
                                                        engine=self.settings.embedding_engine)
        self._multilingual = MultilingualEmbeddings() if self.settings.multilingual else None  # loads nothing
        self._client = client
        self._chat_model = chat_model
        self._bots: dict[str, Chatbot] = {}
        self._lock = threading.RLock()

    @classmethod
    def around(cls, bot: Chatbot) -> ArticleLibrary:
        """A library whose default article is answered by `bot`, sharing its settings, embedder and store (for a
        caller that already has a warmed-up bot)."""
        library = cls(bot.settings.model_copy(update={"article": bot.article_id}), embeddings=bot.embeddings,
                      client=bot.store_client, chat_model=bot.chat_model)
        library._multilingual = bot.multilingual_embeddings
        library._bots[bot.article_id] = bot
        return library

    @property
    def client(self) -> Any:
        """The store's client (opened on first use)."""
        with self._lock:
            if self._client is None:
                self._client = make_client(self.settings)
            return self._client

    @property
    def shipped_id(self) -> str:
        """The id of the shipped article (always in the library)."""
        return shipped_article_id(self.settings)

    @property
    def default_id(self) -> str:
        """The article answered when none is named: `AICITIES_ARTICLE`, else the shipped one."""
        return slug(self.settings.article) if self.settings.article else self.shipped_id

    def articles(self) -> list[StoredArticle]:
        """Every stored article, the shipped one first (read from the store: a new one shows at once)."""
        return list_articles(self.client, self.settings)

    def article(self, article_id: str | None = None) -> StoredArticle:
        """The stored article `article_id` (None: the default one).

        Raises:
            UnknownArticleError: no article has that id.
        """
        return find_article(self.client, self.settings, article_id or self.default_id)

    def bot(self, article_id: str | None = None) -> Chatbot:
        """The bot that answers from `article_id` (None: the default article); built on first use.

        Raises:
            UnknownArticleError: no article has that id.
        """
        wanted = article_id or self.default_id
        with self._lock:
            bot = self._bots.get(wanted)
            if bot is not None and not bot.shipped and not article_exists(self.client, self.settings, wanted):
                del self._bots[wanted]  # removed by another process (`ai-cities articles rm`) since
                bot = None
            if bot is None:
                if wanted != self.shipped_id:
                    find_article(self.client, self.settings, wanted)  # raises for an unknown id
                bot = self._bots[wanted] = self._new_bot(wanted)
            return bot

    def _new_bot(self, article_id: str) -> Chatbot:
        """A bot for `article_id` sharing the library's embedders, store client and chat model."""
        return Chatbot(self.settings, embeddings=self.embeddings, client=self.client, chat_model=self._chat_model,
                       article_id=article_id, multilingual_embeddings=self._multilingual)

    def ask(self, question: str, history: History | None = None, article: str | None = None) -> Answer:
        """Answer `question` from the article `article` (None: the default one); see `Chatbot.ask`."""
        return self.bot(article).ask(question, history=history)

    def add(self, source: str | Path, *, article_id: str | None = None, rebuild: bool = False,
            stages: Stages | None = None, show_progress: bool | None = None,
            keep_copy: bool = False, on_fetched: Callable[[str], None] | None = None,
            allow_private: bool = True) -> tuple[StoredArticle, IngestReport]:
        """Add an article to the library, or refresh it: a file, or an http(s) URL (fetched into
        `settings.sources_dir` first). Its id is `article_id`, else the one its file name gives
        (`ingest.articles.article_id_for`). The article's knowledge base and intent classifier are built too,
        so its first question is quick; the report's time and stages include them.

        Args:
            keep_copy: copy the file into `settings.sources_dir` first (an upload whose temporary file goes
                away), so the article can be refreshed later.
            on_fetched: told the fetch's one-line summary when `source` is a URL.
            allow_private: a URL may be on a loopback, private or link-local address (False for an address
                anyone can type, such as the UI's).

        Raises:
            SourceError: the file or page cannot be read, or has no text.
        """
        from ingest.fetch import fetch_with_settings, is_url

        if is_url(str(source)):
            fetched = fetch_with_settings(str(source), self.settings, show_progress=show_progress,
                                          allow_private=allow_private)
            if on_fetched is not None:
                on_fetched(fetched.summary())
            path = fetched.path
        else:
            path = Path(source)
            if keep_copy:
                path = self._keep_copy(path)
        wanted = slug(article_id) if article_id else article_id_for(path, self.settings)
        with self._lock:
            bot = self._bots.get(wanted) or self._new_bot(wanted)
            self._bots[wanted] = bot
        return self._ingest(bot, path, rebuild=rebuild, stages=stages, show_progress=show_progress)

    def refresh(self, article_id: str | None = None, *, rebuild: bool = False, stages: Stages | None = None,
                show_progress: bool | None = None) -> tuple[StoredArticle, IngestReport]:
        """Index an article again from its own source (None: the default article; the shipped one's is
        `Settings.source_path`), skipped when it is up to date, with its knowledge base and intent classifier.

        Raises:
            UnknownArticleError: no article has that id.
            SourceError: its source cannot be read.
        """
        return self._ingest(self.bot(article_id), None, rebuild=rebuild, stages=stages, show_progress=show_progress)

    def _ingest(self, bot: Chatbot, path: Path | None, *, rebuild: bool, stages: Stages | None,
                show_progress: bool | None) -> tuple[StoredArticle, IngestReport]:
        """Index `path` (None: the article's own source) through `bot`, then build its knowledge base and intent
        classifier once, so the next fresh process reads their vectors and weights back; the report's time and
        stages cover both."""
        started = time.perf_counter()
        stages = stages or Stages()
        report = bot.ingest(path, rebuild=rebuild, show_progress=show_progress, stages=stages)
        bot.warm_up(everything=False, stages=stages, models=False)
        report = dataclasses.replace(report, seconds=time.perf_counter() - started, stages=dict(stages.seconds))
        return find_article(self.client, self.settings, bot.article_id), report

    def _keep_copy(self, path: Path) -> Path:
        from ingest.core.errors import SourceError

        if not path.is_file():
            raise SourceError(f"Source file not found: {path}")
        self.settings.sources_dir.mkdir(parents=True, exist_ok=True)
        kept = self.settings.sources_dir / path.name
        if kept.resolve() != path.resolve():
            shutil.copyfile(path, kept)
        return kept

    def remove(self, article_id: str) -> StoredArticle:
        """Remove an article: its collection and companions, and nothing else.

        Raises:
            UnknownArticleError: no article has that id.
            ProtectedArticleError: it is the shipped article.
        """
        with self._lock:
            removed = remove_article(self.client, self.settings, article_id)
            self._bots.pop(article_id, None)
        logger.info("Removed article %s (%s)", removed.id, removed.title)
        return removed


__all__ = ["ArticleLibrary", "StoredArticle", "UnknownArticleError"]
