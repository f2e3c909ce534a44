"""Conversation strategies: greetings and help (what the bot can answer, with example questions built from
the article's own structure), and questions that are not about the article."""

from __future__ import annotations

from app.answer.draft import Draft, abstention
from app.answer.strategies.base import Strategy
from app.knowledge import KnowledgeBase
from app.retrieval import Retrieval
from app.understand.intent import Intent
from ingest.core.lexicon import ordinal


class Greeting(Strategy):
    """"Hi", "what can you do?", "thanks"."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        draft = Draft(mode="help")
        draft.note(f"Hi! I answer questions about the article “{self.kb.title}”, quoting it and citing the "
                   "section each answer comes from. For example:")
        for example in self.examples():
            draft.note(f"• {example}")
        return draft

    def examples(self) -> list[str]:
        """Example questions built from the article's ranking and topics."""
        return example_questions(self.kb)


def example_questions(kb: KnowledgeBase) -> list[str]:
    """Example questions built from an article's structure: a rank, an entry, a comparison, a topic filter, a
    summary."""
    out = []
    if kb.ranking:
        last = kb.ranking[-1]
        out.append(f"Which {kb.noun} is ranked {ordinal(min(3, last.rank))}?")
        out.append(f"Tell me about {last.name}.")
        if len(kb.ranking) >= 2:
            out.append(f"Compare {kb.ranking[0].name} and {kb.ranking[1].name}.")
        topics = [t for e in kb.ranking for t in e.topics]
        if topics:
            out.append(f"Which {kb.nouns} are strong in {topics[len(topics) // 2].lower()}?")
    out.append("Summarize the article.")
    return out


class OutOfScope(Strategy):
    """Questions that are not about the article at all."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        return abstention(f"I can only answer questions about the article “{self.kb.title}”, and it doesn't "
                          "cover that. Ask me about its ranking or what it says about an entry.")
