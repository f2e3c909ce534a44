"""Conversation strategies: greetings and help (what the bot can answer, with example questions built from
the article's own structure), and questions that are not about the article."""

from __future__ import annotations

import re

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
    """Example questions built from an article's structure: a rank, an entry, a comparison, a topic filter (for a
    table, a cell of its first row), a summary."""
    out = []
    if kb.ranking:
        last = kb.ranking[-1]
        out.append(f"Which {kb.noun} is ranked {ordinal(min(3, last.rank))}?")
        out.append(f"Tell me about {last.name}.")
        if len(kb.ranking) >= 2:
            out.append(f"Compare {kb.ranking[0].name} and {kb.ranking[1].name}.")
        # a table's rows carry its column headers as topics: ask for a cell there, a strength elsewhere
        headers = [c.header for c in kb.ranking[0].cells if c.header]
        topics = [t for e in kb.ranking if not e.cells for t in e.topics]
        if headers:
            out.append(f"What is the {headers[0].lower()} of {kb.ranking[0].name}?")
        elif topics:
            out.append(f"Which {kb.nouns} are strong in {topics[len(topics) // 2].lower()}?")
    out.append("Summarize the article.")
    return out


_CJK = re.compile(r"[\u3400-\u9fff]")


def showcase_questions(kb: KnowledgeBase) -> list[str]:
    """The examples a page shows: `example_questions`, one the article cannot answer (a forecast, which a
    ranking of what was does not make), and, when the article's profile gives an entry a Chinese name, a
    question in Chinese about that entry's rank."""
    out = example_questions(kb)
    if kb.ranking:
        out.append(f"What will the top {kb.noun} be in 2050?")
    aliases = kb.profile_data.get("aliases") or {}
    for entry in reversed(kb.ranking):
        chinese = next((a for a in aliases.get(entry.name) or () if _CJK.search(a)), None)
        if chinese:
            out.append(f"{chinese}排第几？")
            break
    return out


class OutOfScope(Strategy):
    """Questions that are not about the article at all."""

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        return abstention(f"I can only answer questions about the article “{self.kb.title}”, and it doesn't "
                          "cover that. Ask me about its ranking or what it says about an entry.")
