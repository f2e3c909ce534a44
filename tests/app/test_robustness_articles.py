"""No question crashes the bot on other articles either: the generated questions of `test_robustness` (templates
filled with each article's own entries, names and topics, typos and random Unicode) on fixture articles of other
shapes: a markdown table, numbered headings, an HTML table and a countdown list. Each must give an `Answer` (or a
user-error `AICitiesError`) with verbatim citations and no template defect."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from app.chatbot import Chatbot
from ingest.core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LocalEmbeddings
from tests.app.test_robustness import ask_all, generated_questions

ARTICLES = ["broadway-longest-running-shows.md", "owasp-top10-2021.md", "usgs-largest-earthquakes.html",
            "opensource-top-linux-podcasts-2019.md"]
QUESTIONS_PER_ARTICLE = 800


@pytest.mark.slow
@pytest.mark.parametrize("name", ARTICLES)
def test_generated_questions_on_other_articles_never_crash(name: str, tmp_path: Path, embeddings: LocalEmbeddings,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="app")
    source = tmp_path / name
    shutil.copyfile(PROJECT_ROOT / "data" / "fixtures" / name, source)
    bot = Chatbot(Settings(source_path=source, chroma_path=tmp_path / "chroma", multilingual=False,
                           feedback_path=tmp_path / "feedback.jsonl"), embeddings=embeddings)
    bot.warm_up(everything=False)
    outcome = ask_all(bot, generated_questions(bot, count=QUESTIONS_PER_ARTICLE, seed=len(name)))
    internal = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not outcome.crashes, outcome.crashes[:10]
    assert not internal, internal[:5]
    assert not outcome.defects, outcome.defects[:10]
