"""The composition root: every shell (the Python API, the CLI, the UI, the HTTP server) and the benchmark get their
`ArticleLibrary` (or, for one article, its `Chatbot`) here, with the embedders the settings and the shell call for:
the HTTP server's batches concurrent questions into one forward pass. Building one loads no model and opens no index:
the embedder and the store are built on first use, and each article's answering engine (`app.engine.build_engine`:
analyzer, retriever, answerer) at its bot's warm-up, once its index keeper has the index up to date."""

from __future__ import annotations

from typing import Any

from app.chatbot import Chatbot
from app.library import ArticleLibrary
from ingest.core.settings import Settings
from ingest.embeddings import BatchingEmbeddings, LocalEmbeddings


def build_embeddings(settings: Settings, *, batching: bool = False) -> LocalEmbeddings:
    """The English embedder the settings describe (model, engine, threads); `batching`: concurrent questions share
    one forward pass (`BatchingEmbeddings`, for the HTTP server). Loads nothing yet."""
    kind = BatchingEmbeddings if batching else LocalEmbeddings
    return kind(settings.embedding_model_path, torch_threads=settings.torch_threads, engine=settings.embedding_engine)


def build_library(settings: Settings | None = None, *, batching: bool = False, **kwargs: Any) -> ArticleLibrary:
    """The library of articles for these settings, each answered by its own bot (one embedder and store shared).

    Args:
        batching: build the batching embedder (the HTTP server's); ignored when `embeddings=` is given.
        kwargs: `embeddings`, `client`, `chat_model` to share ones already built.
    """
    settings = settings or Settings()
    kwargs.setdefault("embeddings", build_embeddings(settings, batching=batching))
    return ArticleLibrary(settings, **kwargs)


def build_chatbot(settings: Settings | None = None, **kwargs: Any) -> Chatbot:
    """The `Chatbot` of one article (`article_id=`; default: `settings.article`, else the shipped one).

    Args:
        kwargs: `embeddings`, `client`, `chat_model`, `article_id`, `multilingual_embeddings`.
    """
    settings = settings or Settings()
    kwargs.setdefault("article_id", settings.article or None)
    kwargs["embeddings"] = kwargs.get("embeddings") or build_embeddings(settings)
    return Chatbot(settings, **kwargs)
