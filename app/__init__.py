"""ai-cities-chat: grounded, cited answers about a ranking article (by default the shipped one).

    from app import ask
    answer = ask("Which one comes first in the ranking?")
    answer = ask("What is ranked third?", article="rivers")  # an article you ingested (`ai-cities articles`)

Importing this package loads no model and opens no database: the names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["AICitiesError", "Answer", "ArticleLibrary", "Chatbot", "Citation", "Settings", "ask", "default_chatbot",
           "default_library"]

if TYPE_CHECKING:
    from app.api import ask, default_chatbot, default_library
    from app.chatbot import Chatbot
    from app.library import ArticleLibrary
    from ingest.core.errors import AICitiesError
    from ingest.core.models import Answer, Citation
    from ingest.core.settings import Settings

_WHERE = {"ask": "app.api", "default_chatbot": "app.api", "default_library": "app.api", "ArticleLibrary": "app.library",
          "Chatbot": "app.chatbot", "Answer": "ingest.core.models",
          "Citation": "ingest.core.models", "Settings": "ingest.core.settings", "AICitiesError": "ingest.core.errors"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
