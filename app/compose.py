"""The composition root: every shell (the Python API, the CLI, the UI, the HTTP server) gets its `ArticleLibrary` (or,
for one article, its `Chatbot`) here. Building one loads no model and opens no index: the embedder and the store
are built on first use, and each article's answering engine (`app.engine.build_engine`: analyzer, retriever,
answerer) at its bot's warm-up, once its index is open."""

from __future__ import annotations

from typing import Any

from app.chatbot import Chatbot
from app.library import ArticleLibrary
from ingest.core.settings import Settings


def build_library(settings: Settings | None = None, **kwargs: Any) -> ArticleLibrary:
    """The library of articles for these settings, each answered by its own bot (one embedder and store shared)."""
    return ArticleLibrary(settings or Settings(), **kwargs)


def build_chatbot(settings: Settings | None = None, **kwargs: Any) -> Chatbot:
    """The `Chatbot` of one article (`article_id=`; default: `settings.article`, else the shipped one)."""
    settings = settings or Settings()
    kwargs.setdefault("article_id", settings.article or None)
    return Chatbot(settings, **kwargs)
