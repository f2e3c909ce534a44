"""The one-call Python API: `ask(question, history=None)` on a default `Chatbot` built on first use."""

from __future__ import annotations

import threading

from app.chatbot import Chatbot, History
from ingest.core.models import Answer
from ingest.core.settings import Settings

_default: Chatbot | None = None
_lock = threading.Lock()


def default_chatbot() -> Chatbot:
    """The process-wide default bot (settings from the environment), built on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from app.compose import build_chatbot

                _default = build_chatbot(Settings())
    return _default


def ask(question: str, history: History | None = None) -> Answer:
    """Answer a question about the article with cited quotes.

    Args:
        question: the question, in English or Chinese.
        history: earlier turns as (question, answer text) pairs, for follow-ups like "What rank does it have?".

    Returns:
        An `Answer`: `text` with [n] markers, `citations` in marker order, `abstained` when the article does
        not answer.
    """
    return default_chatbot().ask(question, history=history)
