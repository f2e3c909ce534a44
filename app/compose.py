"""The composition root: every shell (the Python API, the CLI, the UI, the HTTP server) gets its `Chatbot` here.
Building one loads no model and opens no index: the bot builds the embedder and the store on first use, and its
answering engine (`app.engine.build_engine`: analyzer, retriever, answerer) at warm-up, once the index is open."""

from __future__ import annotations

from typing import Any

from app.chatbot import Chatbot
from ingest.core.settings import Settings


def build_chatbot(settings: Settings | None = None, **kwargs: Any) -> Chatbot:
    """The `Chatbot` service for these settings (models load and the index opens on first use)."""
    return Chatbot(settings or Settings(), **kwargs)
