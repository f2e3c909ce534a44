"""Recommendations do not depend on how a need is put: every phrasing of one need (a request for advice, a
filter, a story about the asker followed by a question) leads with the same entry, and that entry's section is
about the need. Phrasings are templates × needs, over the shipped article and a fixture article of another domain;
the article and its index are real (MiniLM, spaCy, Chroma in a temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chatbot import Chatbot
from app.understand.intent import AnswerType
from app.understand.parse import QuestionParser
from ingest.core.models import Answer
from ingest.core.settings import Settings
from ingest.core.text import terms

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "owasp-top10-2021.md"

# made-up phrasings of "which entry suits my need"; {need} is the need, {noun} what the article ranks
TEMPLATES = (
    "I'm starting a {need} company. Which one would you recommend?",
    "Which ones are good for {need}?",
    "Where should I set up a {need} startup?",
    "Which {noun} is best for {need}?",
    "Recommend a {noun} for {need}.",
    "I work in {need}; which {noun} suits me?",
    "If I wanted to build a {need} firm, which would you suggest?",
    "Which {noun} would you pick for {need}?",
    "We do {need}. Where should we go?",
    "what's the top choice for someone into {need}",
)
MAIN_NEEDS = ("robotics", "fintech", "gaming", "healthcare", "logistics", "autonomous driving", "e-commerce", "drones")
FIXTURE_NEEDS = ("password storage", "logging", "misconfiguration", "authentication", "SQL injection", "access control")


@pytest.fixture(scope="module")
def fixture_bot(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Chatbot:
    """A warmed-up Chatbot over a fixture article that ranks security risks."""
    root = tmp_path_factory.mktemp("fixture-bot")
    chatbot = Chatbot(Settings(source_path=FIXTURE, chroma_path=root / "chroma", feedback_path=root / "feedback.jsonl"),
                      embeddings=embeddings)
    chatbot.warm_up()
    return chatbot


def top_pick(answer: Answer) -> str | None:
    """The entry an answer leads with: the entry of its first citation that belongs to one."""
    return next((c.city for c in answer.citations if c.city), None)


def assert_one_pick(bot: Chatbot, need: str) -> None:
    noun = bot.engine.kb.noun
    answers = {q: bot.ask(q) for q in (t.format(need=need, noun=noun) for t in TEMPLATES)}
    refused = [q for q, a in answers.items() if a.abstained]
    assert not refused, refused
    picks = {q: top_pick(a) for q, a in answers.items()}
    assert len(set(picks.values())) == 1, picks
    # the pick is an entry the article ties to the need: its section (or a topic label of it) uses the need's words
    kb = bot.engine.kb
    entry = kb.entry_for(next(iter(picks.values())) or "")
    assert entry is not None
    section = " ".join([s.text for s in kb.entry_sentences(entry)] + list(entry.topics) + [entry.name])
    assert set(terms(need, split_hyphens=True)) & set(terms(section, split_hyphens=True)), (need, entry.name)


@pytest.mark.parametrize("need", MAIN_NEEDS)
def test_every_phrasing_of_a_need_gets_the_same_pick(bot: Chatbot, need: str) -> None:
    assert_one_pick(bot, need)


@pytest.mark.parametrize("need", FIXTURE_NEEDS)
def test_every_phrasing_of_a_need_gets_the_same_pick_in_another_article(fixture_bot: Chatbot, need: str) -> None:
    assert_one_pick(fixture_bot, need)


@pytest.mark.parametrize(("question", "need"), [
    ("I'm opening a welding startup. Which one would you recommend?", ("welding",)),
    ("If we wanted to build a beekeeping business, where should we go?", ("beekeeping",)),
    ("Which one suits a team working on heavy machinery?", ("heavy", "machinery")),
])
def test_the_need_is_the_question_without_its_frame(bot: Chatbot, question: str, need: tuple[str, ...]) -> None:
    assert bot.engine.analyzer.analyze(question).need == need


@pytest.mark.parametrize("question", ["Which one would you pick?", "Which ones are good for welding?",
                                      "Which one comes first?"])
def test_which_one_asks_for_a_ranked_entry(question: str) -> None:
    assert QuestionParser("harbour", "harbours").parse(question).answer_type is AnswerType.ENTRY
