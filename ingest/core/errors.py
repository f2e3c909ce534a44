"""The errors a user can cause. Each message says what to do; the CLI prints it on one line and exits 1."""

from __future__ import annotations


class AICitiesError(Exception):
    """Base class of every error the product raises on purpose."""


class InvalidQuestionError(AICitiesError, ValueError):
    """The question is empty, too long or not text."""


class InvalidHistoryError(InvalidQuestionError):
    """The chat history is not a list of (question, answer) pairs."""


class SourceError(AICitiesError):
    """The source article is missing, unreadable, too large or not text."""


class StoreUnavailableError(AICitiesError):
    """The vector store (Chroma) cannot be reached or opened."""


class ConfigurationError(AICitiesError):
    """A setting or a prompt file is invalid."""


class LexiconError(ConfigurationError):
    """The word tables' data file (`ingest/core/lexicon.yaml`) is missing, unreadable or holds an invalid table."""
