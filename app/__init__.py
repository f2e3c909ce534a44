"""ai-cities-chat: grounded, cited answers about a ranking article (by default the shipped one).

    from app import ask
    answer = ask("Which city comes first in the ranking?")

Importing this package loads no model and opens no database: the names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["AICitiesError", "Answer", "Chatbot", "Citation", "Settings", "ask", "default_chatbot"]

if TYPE_CHECKING:
    from app.api import ask, default_chatbot
    from app.chatbot import Chatbot
    from ingest.core.errors import AICitiesError
    from ingest.core.models import Answer, Citation
    from ingest.core.settings import Settings

_WHERE = {"ask": "app.api", "default_chatbot": "app.api", "Chatbot": "app.chatbot", "Answer": "ingest.core.models",
          "Citation": "ingest.core.models", "Settings": "ingest.core.settings", "AICitiesError": "ingest.core.errors"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
