"""The `Answerer` protocol: what the chatbot asks of whatever answers (the extractive `Router`, or the verified LLM
answerer that wraps it). Every answerer implements all four methods, so the chatbot never probes for them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from app.answer.draft import Draft
from app.retrieval import Retrieval
from app.understand.intent import Intent


@runtime_checkable
class Answerer(Protocol):
    """Turns an understood question and its retrieved evidence into a cited `Draft`."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft:
        """The cited draft of the answer."""
        ...

    def stream(self, intent: Intent, retrieval: Retrieval) -> Iterator[str | Draft]:
        """The answer's text as it forms (growing prefixes), then, last, the final `Draft`."""
        ...

    def condense(self, question: str, history: Sequence[tuple[str, str]], fallback: str) -> str:
        """A standalone version of a follow-up question; `fallback` (the rule-based resolution) when the
        answerer has no better one."""
        ...

    def fallback(self, retrieval: Retrieval) -> Draft:
        """The plainest grounded answer (the retrieved passages, cited): the last resort after an error."""
        ...
