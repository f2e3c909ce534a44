"""Markdown markup in answers: what the reader sees has no emphasis marks or link syntax, while every citation
still quotes the source verbatim at its offsets; a name written in emphasis is a known name of the article."""

from __future__ import annotations

import pytest

from app.answer.draft import Draft
from app.chatbot import Chatbot
from app.verify import verify
from ingest.core.models import Citation
from ingest.embeddings import LocalEmbeddings
from tests.conftest import article_bot

# A small ranking written in markdown for these tests: its entries' names and its unranked bonus picks are
# written in strong emphasis, as blog posts write them.
HARBOUR = """# Top 3 harbour podcasts of Norland

A long-time listener picks his favourite harbour podcasts of the year, plus two bonus picks.

3. **Tide Talk**—This show, hosted by Ada Brell, covers the news of the northern docks every Monday.

2. **Keel and Compass**—Hosted by Ivo Marsh, this podcast explains how cargo ships are built and repaired.

1. **Lighthouse Hours**—The top spot goes to this weekly panel about the lighthouses of the coast and their keepers.

### Bonus podcasts

Here are two bonus podcasts you might want to check out.

**Quiet Harbour** is a podcast produced by Lumen Works. It has a very high production standard and a single \
presenter, Sela Dorn, who reads letters from sailors.

**Salt Stories** is a brand-new podcast about the fishing villages, hosted by the writer Pim Oster.
"""


@pytest.fixture(scope="module")
def harbour_bot(tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings) -> Chatbot:
    """A warmed-up Chatbot over `HARBOUR`."""
    return article_bot(tmp_path_factory.mktemp("harbour-bot"), "harbour.md", HARBOUR, embeddings)


def test_an_answer_and_its_quotes_show_no_markup_and_cite_the_source_verbatim(harbour_bot: Chatbot) -> None:
    answer = harbour_bot.ask("Who produces Quiet Harbour?")
    assert "Lumen Works" in answer.text
    assert "**" not in answer.text
    source = harbour_bot.engine.kb.source_text
    cited = [c for c in answer.citations if "Lumen Works" in c.quote]
    assert cited, answer.citations
    for citation in answer.citations:
        assert source[citation.start:citation.end] == citation.quote
    assert not any("**" in c.quote for c in answer.citations)  # the source is the document's reader text: no marks


def test_a_name_in_emphasis_is_known_but_unranked(harbour_bot: Chatbot) -> None:
    intent = harbour_bot.engine.analyzer.analyze("What number is Quiet Harbour in the countdown?")
    assert "Quiet Harbour" in intent.names
    answer = harbour_bot.ask("What number is Quiet Harbour in the countdown?")
    assert answer.abstained
    assert "Quiet Harbour" in answer.text and "doesn't rank" in answer.text
    assert "**" not in answer.text


def test_an_entry_asked_by_number_gets_its_rank(harbour_bot: Chatbot) -> None:
    answer = harbour_bot.ask("What number is Keel and Compass in the countdown?")
    assert "2nd" in answer.text and not answer.abstained


def test_verify_keeps_a_verbatim_quote_with_marks_and_renders_the_text_without_them() -> None:
    source = "Intro. **Quiet Harbour** is a podcast produced by [Lumen Works](http://lumen.example). End."
    start = source.index("**Quiet")
    end = source.index(" End.")
    good = Citation(marker=1, section="Bonus", quote=source[start:end], start=start, end=end)
    bad = Citation(marker=2, section="Bonus", quote="Quiet Harbour is a podcast", start=start, end=end)
    draft = Draft(parts=[f"Lumen Works: {source[start:end]} [1][2]"], citations=[good, bad])
    checked = verify(draft, source)
    assert checked.citations == [good]  # a quote must be the source's characters, marks and all
    assert checked.text == "Lumen Works: Quiet Harbour is a podcast produced by Lumen Works. [1][2]"
