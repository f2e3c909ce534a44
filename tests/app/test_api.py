"""The Python API contract (`from app import ask, Chatbot, Answer, Citation`) on a real index."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.chatbot import Chatbot
from ingest.core.errors import InvalidQuestionError
from ingest.core.models import Answer, Citation


def test_importing_app_loads_no_model_and_opens_no_database() -> None:
    code = ("import sys, app; from app import ask, Chatbot, Answer, Citation; "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'transformers') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_answer_contract(bot: Chatbot, source_text: str) -> None:
    a = bot.ask("Which city hosts Alibaba's DAMO Academy?")
    assert isinstance(a, Answer) and not a.abstained
    assert "Hangzhou" in a.text and "[1]" in a.text
    c = a.citations[0]
    assert isinstance(c, Citation)
    assert c.section == "2. Hangzhou" and c.topic == "E-commerce & Open-Source Innovation"
    assert c.quote == source_text[c.start:c.end] and "DAMO Academy" in c.quote
    assert [x.marker for x in a.citations] == list(range(1, len(a.citations) + 1))
    data = a.to_dict()
    assert json.loads(json.dumps(data))["citations"][0]["section"] == "2. Hangzhou"
    assert set(a.timings_ms) == {"retrieval_ms", "answer_ms", "total_ms"}


def test_follow_up_uses_history(bot: Chatbot) -> None:
    first = bot.ask("Tell me about Jinan.")
    a = bot.ask("What rank does it have?", history=[("Tell me about Jinan.", first.text)])
    assert "8th" in a.text and a.citations[0].section == "8. Jinan"
    assert a.standalone_question == "What rank does Jinan have?"


def test_every_citation_is_verbatim_source(bot: Chatbot, source_text: str) -> None:
    questions = ["Compare Shenzhen and Guangzhou", "Which cities does the article connect with Tencent?",
                 "What trends does the article observe?", "Tell me about Beijing", "Top three in order",
                 "What criteria were used for the ranking?", "Where do the methodology details come from?"]
    for question in questions:
        for c in bot.ask(question).citations:
            assert source_text[c.start:c.end] == c.quote, (question, c)


def test_abstention_offers_no_citations(bot: Chatbot) -> None:
    a = bot.ask("What is the population of Hangzhou?")
    assert a.abstained and a.citations == [] and "doesn't" in a.text


@pytest.mark.parametrize("bad", ["", "   \n\t ", "x" * 5000, None, 42])
def test_bad_questions_are_clean_errors(bot: Chatbot, bad: object) -> None:
    with pytest.raises(InvalidQuestionError):
        bot.ask(bad)  # type: ignore[arg-type]


def test_bad_history_is_a_clean_error(bot: Chatbot) -> None:
    with pytest.raises(InvalidQuestionError, match="history"):
        bot.ask("What rank does it have?", history=[("only one element",)])  # type: ignore[list-item]


def test_control_characters_and_surrogates_are_survivable(bot: Chatbot) -> None:
    a = bot.ask("Which city\x00 is ranked \ud800 8th?\u202e")
    assert "Jinan" in a.text and a.notice


def test_lazy_construction_does_no_work(make_settings) -> None:
    bot = Chatbot(make_settings())
    assert not bot.embeddings.loaded and bot.store_client is None
