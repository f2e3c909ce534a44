"""The one-call Python API: `ask(question, history=None, article=None)` on a default `ArticleLibrary` built on first
use (settings from the environment)."""

from __future__ import annotations

import threading

from app.chatbot import Chatbot, History
from app.library import ArticleLibrary
from ingest.core.models import Answer
from ingest.core.settings import Settings

_default: ArticleLibrary | None = None
_lock = threading.Lock()


def default_library() -> ArticleLibrary:
    """The process-wide library (settings from the environment), built on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from app.compose import build_library

                _default = build_library(Settings())
    return _default


def default_chatbot() -> Chatbot:
    """The bot of the default article (`AICITIES_ARTICLE`, else the shipped one)."""
    return default_library().bot()


def ask(question: str, history: History | None = None, article: str | None = None) -> Answer:
    """Answer a question about an article with cited quotes.

    Args:
        question: the question, in English or Chinese.
        history: earlier turns as (question, answer text) pairs, for follow-ups like "What rank does it have?".
        article: the library's id of the article to answer from (`ai-cities articles`); None: the default one.

    Returns:
        An `Answer`: `text` with [n] markers, `citations` in marker order, `abstained` when the article does
        not answer.

    Raises:
        AICitiesError: a bad question or history, an unknown article, or the store is unavailable.
    """
    return default_library().ask(question, history=history, article=article)
