"""The Gradio UI (`app/ui.py`): handler unit tests, launch wiring, and the served app queried through
`gradio_client` on a free loopback port."""

from __future__ import annotations

import itertools
import json
import logging
import re
import urllib.error
import urllib.request
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app import ui
from app.chatbot import Chatbot
from app.knowledge import Cell, RankEntry
from app.library import ArticleLibrary
from ingest.articles import StoredArticle, UnknownArticleError
from ingest.core.errors import ConfigurationError, InvalidQuestionError, SourceError, StoreUnavailableError
from ingest.core.models import Answer, Citation
from ingest.core.settings import Settings
from tests.conftest import free_port

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) ${alert(4)} {{x}}'


# -- a stand-in service for errors, streaming and launch wiring ------------------------------------------
SOURCE = "Title\n\n1. Alpha <b>City</b>\n\nAlpha hosts <img src=x onerror=alert(1)> labs. More text.\n"


def _citation(marker: int = 1) -> Citation:
    start = SOURCE.index("Alpha hosts")
    end = SOURCE.index(" More text.")
    return Citation(marker=marker, section="1. Alpha <b>City</b>", topic="Labs & <i>AI</i>",
                    quote=SOURCE[start:end], start=start, end=end, rank=1, city="Alpha")


class FakeBot:
    """Just enough of `Chatbot` for the UI: canned answer or error, recorded calls."""

    title = "Fake <script>title</script>"
    article_id = "fake"
    noun = "thing"
    nouns = "things"

    def __init__(self, settings: Settings, answer: Answer | None = None, error: Exception | None = None):
        self.settings = settings
        self.answer = answer or Answer(text="Alpha hosts labs. [1]", citations=[_citation()])
        self.error = error
        self.calls: list[tuple[str, object]] = []
        self.warmed = False

    def warm_up(self) -> None:
        self.warmed = True

    def ask(self, question: str, history=None) -> Answer:
        self.calls.append((question, history))
        if self.error is not None:
            raise self.error
        return self.answer

    def example_questions(self) -> list[str]:
        return ["Which one is first?", "Tell me about Alpha.", "Compare Alpha and Beta.", "Summarize the article."]

    def showcase_questions(self) -> list[str]:
        return [*self.example_questions(), "What will the top thing be in 2050?"]

    def ranking(self) -> list[RankEntry]:
        start = SOURCE.index("1. Alpha")
        return [RankEntry(rank=1, city="Alpha", section="1. Alpha <b>City</b>", start=start,
                          end=start + len("1. Alpha <b>City</b>"), section_end=len(SOURCE), topics=("Labs",))]

    def source_text(self) -> str:
        return SOURCE

    def section_span(self, section: str) -> tuple[int, int] | None:
        return (SOURCE.index("1. Alpha"), len(SOURCE)) if section.startswith("1. Alpha") else None


class StreamingBot(FakeBot):
    """A service with the future `stream(question, history)` generator: str drafts, then the Answer."""

    def stream(self, question: str, history):
        self.calls.append((question, history))
        yield "Alpha"
        yield "Alpha hosts labs."
        yield self.answer


def stored(article_id: str, title: str, *, noun: str = "things", shipped: bool = False) -> StoredArticle:
    return StoredArticle(id=article_id, collection=f"c-{article_id}", title=title, source=f"{article_id}.md", url="",
                         noun=noun, entries=1, ingested_at="2026-12-07T00:00:00+00:00", shipped=shipped)


class FakeLibrary:
    """Just enough of `ArticleLibrary` for the UI: its bots by id, its listing, and recorded `add` calls."""

    def __init__(self, *bots: FakeBot) -> None:
        self.bots = {b.article_id: b for b in bots}
        self.settings = bots[0].settings
        self.default_id = bots[0].article_id
        self.added: list[tuple[object, dict]] = []

    def bot(self, article_id: str | None = None) -> FakeBot:
        try:
            return self.bots[article_id or self.default_id]
        except KeyError:
            raise UnknownArticleError(f"No article {article_id!r} in the library.") from None

    def articles(self) -> list[StoredArticle]:
        return [stored(b.article_id, b.title) for b in self.bots.values()]

    def add(self, source, **options) -> tuple[StoredArticle, None]:
        self.added.append((source, options))
        stages = options["stages"]
        with stages.stage("embed chunks", total=4) as advance:
            advance(2)
            advance(2)
        bot = FakeBot(self.settings)
        bot.article_id, bot.title, bot.noun = "added", "Added <i>one</i>", "gadget"
        self.bots["added"] = bot
        return stored("added", bot.title, noun="gadgets"), None


def handlers_over(bot, settings: Settings, **options) -> ui.ChatHandlers:
    """Handlers over a library whose default article is answered by `bot` (a real one or a fake)."""
    library = ArticleLibrary.around(bot) if isinstance(bot, Chatbot) else FakeLibrary(bot)
    return ui.ChatHandlers(library, settings, **options)


def run(gen) -> list[tuple]:
    """All the yields of a streaming handler."""
    return list(gen)


def final_messages(steps: list[tuple]) -> list[dict]:
    return steps[-1][1]


# -- pure rendering ---------------------------------------------------------------------------------------
def test_escape_text_neutralises_markup_templates_and_math() -> None:
    out = ui.escape_text(HOSTILE)
    for bad in ("<script", "<img", "${", "{{", "`"):
        assert bad not in out
    assert "&lt;script&gt;" in out and "onerror=alert(2)" in out  # shown as text, not removed


def test_render_answer_has_clickable_markers_and_numbered_footnotes() -> None:
    answer = Answer(text="Alpha hosts labs. [1]\nIt is first. [2]",
                    citations=[_citation(1), Citation(marker=2, section="1. Alpha", quote="1. Alpha",
                                                      start=7, end=15, rank=1, city="Alpha")])
    out = ui.render_answer(answer, turn=3)
    assert out.count('class="cite-link cite-ref"') == 2 and 'value="3:1"' in out and 'value="3:2"' in out
    assert '<ol class="footnotes">' in out and out.count("<li>") == 2
    assert "[1] 1. Alpha &lt;b&gt;City&lt;/b&gt; › Labs &amp; &lt;i&gt;AI&lt;/i&gt;" in out  # section › topic
    assert "<q class=\"fn-quote\">Alpha hosts &lt;img src=x onerror=alert(1)&gt; labs.</q>" in out
    assert "(section heading)" in out  # a heading citation doesn't repeat itself as a quote
    assert "<img" not in out and "<b>" not in out


def test_render_abstention_is_a_muted_note_without_footnotes() -> None:
    answer = Answer(text='The article doesn\'t say: it never mentions "population".', abstained=True,
                    mode="abstain", citations=[_citation()])
    out = ui.render_answer(answer, turn=0)
    assert 'class="answer abstained"' in out and "footnotes" not in out and "cite-link" not in out
    assert "never mentions &quot;population&quot;" in out


def test_render_answer_shows_notice_and_escapes_everything() -> None:
    answer = Answer(text=f"Quote: {HOSTILE} [1]", citations=[_citation()], notice="<b>ignored</b>")
    out = ui.render_answer(answer, turn=0)
    assert "<script" not in out and "<img" not in out and "${" not in out and "<b>" not in out
    assert 'class="answer-notice">&lt;b&gt;ignored&lt;/b&gt;' in out
    assert "href" not in out  # the markdown link stays text: messages are HTML, never Markdown


def test_render_question_and_error_escape() -> None:
    assert ui.render_question(HOSTILE).count("<") == 2  # only the wrapper div
    err = ui.render_error("Vector store <b>down</b>")
    assert 'class="answer error"' in err and "&lt;b&gt;down&lt;/b&gt;" in err


def test_render_source_highlights_the_quote_in_its_section() -> None:
    c = _citation()
    out = ui.render_source(SOURCE, (SOURCE.index("1. Alpha"), len(SOURCE)), c, question="Who <hosts>?")
    assert "<mark>Alpha hosts &lt;img src=x onerror=alert(1)&gt; labs.</mark>" in out
    assert "1. Alpha &lt;b&gt;City&lt;/b&gt;" in out and "More text." in out and "Title" not in out
    assert "From the answer to “Who &lt;hosts&gt;?”" in out
    assert "<img" not in out and "<b>" not in out
    # without a section span: a window around the quote
    assert "<mark>" in ui.render_source(SOURCE, None, c)


def test_render_source_on_the_real_article(bot: Chatbot) -> None:
    answer = bot.ask("Tell me about Jinan.")
    c = answer.citations[-1]
    out = ui.render_source(bot.source_text(), bot.section_span(c.section), c)
    assert f"<mark>{ui.escape_text(c.quote)}</mark>" in out and "8. Jinan" in out


def test_progressive_drafts_grow_to_the_full_text() -> None:
    text = "Shenzhen is ranked 4th. [1]\nHuawei, DJI, and UBTech Robotics lead in AI-powered IoT. [2]"
    drafts = list(ui.progressive_drafts(text, max_steps=4))
    assert 2 <= len(drafts) <= 5 and drafts[-1] == text
    assert all(b.startswith(a) for a, b in itertools.pairwise(drafts))


# -- history conversion -----------------------------------------------------------------------------------
def _gradio(role: str, html_text: str) -> dict:
    """A message as Gradio 6 hands it to a handler (content normalised to text blocks)."""
    return {"role": role, "content": [{"type": "text", "text": html_text}], "metadata": None, "options": None}


def test_history_pairs_read_back_rendered_messages() -> None:
    answer = Answer(text="Jinan is ranked 8th of the 10 cities. [1]", citations=[_citation()])
    messages = [_gradio("user", ui.render_question("Tell me about <Jinan>.")),
                _gradio("assistant", ui.render_answer(answer, 0)),
                _gradio("user", ui.render_question("And Xiamen?"))]  # not answered yet
    assert ui.history_pairs(messages) == [("Tell me about <Jinan>.", "Jinan is ranked 8th of the 10 cities. [1]")]
    assert ui.message_text("plain") == "plain" and ui.message_text(None) == ""


def test_history_pairs_prefer_the_sessions_turns_and_skip_errors() -> None:
    answer = Answer(text="Alpha hosts labs. [1]", citations=[_citation()])
    turns = [ui.Turn("Q1 <raw>", answer=answer), ui.Turn("Q2", error="store down")]
    messages = [_gradio("user", "rendered"), _gradio("assistant", "rendered"),
                _gradio("user", "rendered"), _gradio("assistant", ui.render_error("store down"))]
    assert ui.history_pairs(messages, turns) == [("Q1 <raw>", "Alpha hosts labs. [1]")]
    assert ui.history_pairs([], turns) == [] and ui.history_pairs(None) == []


# -- the chat handler -------------------------------------------------------------------------------------
def test_respond_streams_then_renders_the_answer(bot: Chatbot, make_settings) -> None:
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    steps = run(handlers.respond("Compare Shenzhen and Guangzhou", [], []))
    assert steps[0][0] == "" and "pending" in steps[0][1][-1]["content"]  # textbox cleared at once
    drafts = [s[1][-1]["content"] for s in steps if "streaming" in s[1][-1]["content"]]
    assert len(drafts) >= 3  # streamed progressively
    _, messages, turns, choice, view = steps[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "<ol class=\"footnotes\">" in messages[-1]["content"] and "Shenzhen" in messages[-1]["content"]
    assert len(turns) == 1 and turns[0].answer.citations
    assert choice["value"] == "0:1" and len(choice["choices"]) == len(turns[0].answer.citations)
    assert "<mark>" in view


def test_respond_follow_up_uses_the_conversation(bot: Chatbot, make_settings) -> None:
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    _, messages, turns, _, _ = run(handlers.respond("Tell me about Jinan.", [], []))[-1]
    gradio_messages = [_gradio(m["role"], m["content"]) for m in messages]
    _, messages, turns, _, _ = run(handlers.respond("What rank does it have?", gradio_messages, turns))[-1]
    assert "8th" in turns[-1].answer.text and "8th" in messages[-1]["content"]


def test_respond_abstention_keeps_the_sources_panel(bot: Chatbot, make_settings) -> None:
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    _, messages, turns, choice, view = run(handlers.respond("What is the population of Hangzhou?", [], []))[-1]
    assert "abstained" in messages[-1]["content"] and "footnotes" not in messages[-1]["content"]
    assert turns[0].answer.abstained
    assert choice == gr.update() and view == gr.update()


@pytest.mark.parametrize("error, shown", [
    (StoreUnavailableError("Vector store unavailable: start Chroma."), "Vector store unavailable: start Chroma."),
    (InvalidQuestionError("The question is too long."), "The question is too long."),
    (RuntimeError("boom\nTraceback (most recent call last)"), ui.GENERIC_ERROR),
])
def test_service_errors_are_a_clear_chat_message(make_settings, error, shown, caplog) -> None:
    handlers = handlers_over(FakeBot(make_settings(), error=error), make_settings(), stream_delay=0)
    with caplog.at_level(logging.ERROR, logger="app.ui"):
        _, messages, turns, _, _ = run(handlers.respond("Anything?", [], []))[-1]
    content = messages[-1]["content"]
    assert 'class="answer error"' in content and ui.escape_text(shown) in content
    assert "Traceback" not in content and "boom" not in content
    assert turns == [ui.Turn("Anything?", error=shown)]


def test_respond_escapes_a_hostile_question(make_settings) -> None:
    bot = FakeBot(make_settings())
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    _, messages, _, _, _ = run(handlers.respond(HOSTILE, [], []))[-1]
    assert "<script" not in messages[0]["content"] and "<img" not in messages[0]["content"]
    assert bot.calls == [(HOSTILE, [])]  # the service gets the question exactly as typed


def test_empty_question_is_not_sent(make_settings) -> None:
    bot = FakeBot(make_settings())
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    with pytest.warns(UserWarning, match="Type a question"):
        steps = run(handlers.respond("   ", [], []))
    assert bot.calls == [] and steps[-1][1] == [] and steps[-1][2] == []


def test_respond_uses_the_services_stream_when_it_has_one(make_settings) -> None:
    bot = StreamingBot(make_settings())
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    steps = run(handlers.respond("Who hosts labs?", [], []))
    drafts = [s[1][-1]["content"] for s in steps if "streaming" in s[1][-1]["content"]]
    assert len(drafts) == 2 and "Alpha hosts labs." in drafts[-1]
    assert "footnotes" in final_messages(steps)[-1]["content"]


def test_open_citation_and_choosing_a_source(make_settings) -> None:
    handlers = handlers_over(FakeBot(make_settings()), make_settings(), stream_delay=0)
    _, _, turns, _, _ = run(handlers.respond("Who hosts labs?", [], []))[-1]
    choice, view = handlers.open_citation("0:1|1712345", turns)
    assert choice["value"] == "0:1" and "<mark>Alpha hosts" in view
    assert handlers.open_citation("garbage", turns) == (gr.update(), gr.update())
    assert "<mark>" in handlers.choose_source("0:1", turns)


def test_clear_resets_everything(make_settings) -> None:
    handlers = handlers_over(FakeBot(make_settings()), make_settings())
    text, messages, turns, choice, view = handlers.clear()
    assert (text, messages, turns, view) == ("", [], [], ui.SOURCE_PLACEHOLDER) and choice["choices"] == []


def test_ask_entry_and_examples(make_settings) -> None:
    bot = FakeBot(make_settings())
    handlers = handlers_over(bot, make_settings(), stream_delay=0)
    event = gr.SelectData(None, {"index": [0, 1], "value": "Alpha", "row_value": [1, "Alpha", "Labs"]})
    run(handlers.ask_entry(event, [], []))
    run(handlers.ask_example(["Summarize the article."], [], []))
    assert [q for q, _ in bot.calls] == ["Tell me about Alpha.", "Summarize the article."]


def test_api_ask_returns_json_and_clean_errors(make_settings) -> None:
    bot = FakeBot(make_settings())
    handlers = handlers_over(bot, make_settings())
    result = handlers.api_ask("Who hosts labs?", [["Earlier?", "Earlier answer."]])
    assert json.loads(json.dumps(result)) == result
    assert result["citations"][0] == {"marker": 1, "section": "1. Alpha <b>City</b>", "topic": "Labs & <i>AI</i>",
                                      "quote": _citation().quote, "start": _citation().start, "end": _citation().end}
    assert bot.calls[-1] == ("Who hosts labs?", [("Earlier?", "Earlier answer.")])
    for bad in (["ab"], [["only one"]], "not a list"):
        with pytest.raises(gr.Error, match="history must be"):
            handlers.api_ask("q", bad)
    bot.error = StoreUnavailableError("Vector store unavailable.")
    with pytest.raises(gr.Error, match="Vector store unavailable"):
        handlers.api_ask("q")


def test_api_ask_answers_from_the_named_article(make_settings) -> None:
    first, other = FakeBot(make_settings()), FakeBot(make_settings())
    other.article_id = "other"
    handlers = ui.ChatHandlers(FakeLibrary(first, other), make_settings())
    handlers.api_ask("Who hosts labs?", None, "other")
    handlers.api_ask("And the default?")
    assert [q for q, _ in other.calls] == ["Who hosts labs?"] and [q for q, _ in first.calls] == ["And the default?"]
    with pytest.raises(gr.Error, match="No article 'gone'"):
        handlers.api_ask("q", None, "gone")


# -- the article shown ------------------------------------------------------------------------------------
def _entry(rank: int, name: str, topics: tuple[str, ...] = (), cells: tuple[Cell, ...] = ()) -> RankEntry:
    return RankEntry(rank=rank, city=name, section=f"{rank}. {name}", start=0, end=1, section_end=2, topics=topics,
                     cells=cells)


def test_ranking_table_is_named_from_the_article() -> None:
    table = ui.ranking_table([_entry(1, "Cats", ("Type",), (Cell("Type", "M", 0, 1), Cell("Opened", "1982", 2, 6))),
                              _entry(2, "Rent", ("Opened",), (Cell("Opened", "1996", 0, 4),)),
                              _entry(3, "Hair", (), (Cell("Type", "M", 0, 1), Cell("Closed", "1972", 2, 6),
                                                     Cell("Runs", "1,750", 7, 12)))], "show")
    assert table["headers"] == ["#", "Show", "Type", "Closed", "Runs", "Opened"]  # the table's own, no "Topics"
    assert table["data"][:2] == [[1, "Cats", "M", "", "", "1982"], [2, "Rent", "", "", "", "1996"]]
    assert table["datatype"] == ["number", *["str"] * 5] and table["widths"] is None
    long = ui.ranking_table([_entry(1, "Cats", cells=(Cell("Comment", "x" * 200, 0, 200),))], "show")
    assert long["data"][0][2] == "x" * (ui.CELL_CHARS - 1) + "…"
    topics = ui.ranking_table([_entry(1, "Alpha", ("Labs", "Ports")), _entry(2, "Beta")], "river")
    assert topics["headers"] == ["#", "River", "Topics"] and topics["data"][0] == [1, "Alpha", "Labs · Ports"]
    bare = ui.ranking_table([_entry(1, "Alpha"), _entry(2, "Beta")], "entry")
    assert bare["headers"] == ["#", "Entry"] and bare["data"] == [[1, "Alpha"], [2, "Beta"]]


def test_switching_articles_rebuilds_the_page_and_clears_the_chat(make_settings) -> None:
    first, other = FakeBot(make_settings()), FakeBot(make_settings())
    other.article_id, other.title, other.noun = "other", "Other <b>list</b>", "gadget"
    handlers = ui.ChatHandlers(FakeLibrary(first, other), make_settings())
    picker, article, header, rank_title, table, examples, chat, turns, question, choice, view, status = (
        handlers.switch("other"))
    assert article == "other" and picker["value"] == "other"
    assert "Other &lt;b&gt;list&lt;/b&gt;" in header and "click a gadget to ask about it" in rank_title
    assert table.headers == ["#", "Gadget", "Topics"]
    assert examples.raw_samples[-1] == ["What will the top thing be in 2050?"]
    assert chat.value == [] and "which gadget is first" in chat.placeholder and turns == [] and question == ""
    assert choice["visible"] is False and view == ui.SOURCE_PLACEHOLDER and status == ""
    loaded = handlers.load()  # a page load lists the library and shows the default article
    assert loaded[0].choices == [("Fake <script>title</script>", "fake"), ("Other <b>list</b>", "other")]
    assert loaded[0].value == "fake" and loaded[1] == "fake"
    gone = handlers.switch("gone")  # an article removed meanwhile: the page stays, and says why
    assert all(u == gr.update() for u in gone[:-1]) and "No article &#x27;gone&#x27;" in gone[-1]


def test_answers_and_sources_come_from_the_sessions_article(make_settings) -> None:
    first, other = FakeBot(make_settings()), FakeBot(make_settings())
    other.article_id = "other"
    handlers = ui.ChatHandlers(FakeLibrary(first, other), make_settings(), stream_delay=0)
    _, _, turns, _, _ = run(handlers.respond("Who hosts labs?", [], [], "other"))[-1]
    assert [q for q, _ in other.calls] == ["Who hosts labs?"] and first.calls == [] and turns[0].article == "other"
    run(handlers.ask_example(["Summarize the article."], [], [], "other"))
    assert other.calls[-1][0] == "Summarize the article."


class Progress:
    """Records what a handler tells `gr.Progress`."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, str | None]] = []

    def __call__(self, progress, desc=None, total=None, unit="steps") -> None:
        self.calls.append((progress, desc))


def test_upload_adds_the_article_with_progress(make_settings, tmp_path: Path) -> None:
    library = FakeLibrary(FakeBot(make_settings()))
    handlers = ui.ChatHandlers(library, make_settings())
    source = tmp_path / "gadgets.md"
    source.write_text("# Top gadgets\n", encoding="utf-8")
    progress = Progress()
    out = handlers.add_upload(str(source), progress)
    assert library.added == [(source, {"keep_copy": True, "stages": library.added[0][1]["stages"],
                                       "on_fetched": library.added[0][1]["on_fetched"], "allow_private": False})]
    assert out[0].value == "added" and [c[1] for c in out[0].choices] == ["fake", "added"]
    assert out[1] == "added" and "Added <i>one</i>" not in out[2] and "Added &lt;i&gt;one" in out[2]
    assert "Added “Added &lt;i&gt;one&lt;/i&gt;” (1 gadgets)." in out[-2] and out[-1] is None
    assert progress.calls[0] == (0, "Reading gadgets.md…")
    assert (STAGE_FRACTION, "embed chunks…") in progress.calls and ((4, 4), "embed chunks") in progress.calls


STAGE_FRACTION = ui.STAGES.index("embed chunks") / len(ui.STAGES)


@pytest.mark.parametrize("name, size, problem", [
    ("gadgets.pdf", 10, "Upload a .md, .txt, .html file"),
    ("gadgets.md", 200, "larger than the 100 bytes"),
])
def test_upload_refuses_other_files_in_the_page(make_settings, tmp_path: Path, name, size, problem) -> None:
    library = FakeLibrary(FakeBot(make_settings(max_source_bytes=100)))
    handlers = ui.ChatHandlers(library, library.settings)
    source = tmp_path / name
    source.write_text("x" * size, encoding="utf-8")
    out = handlers.add_upload(str(source), Progress())
    assert library.added == [] and 'class="add-status error"' in out[-2] and problem in out[-2]
    assert all(u == gr.update() for u in out[:-2])


def test_address_box_takes_only_web_addresses(make_settings) -> None:
    library = FakeLibrary(FakeBot(make_settings()))
    handlers = ui.ChatHandlers(library, make_settings())
    for bad in ("", "/etc/passwd", "file:///etc/passwd", "data/fixtures/owasp-top10-2021.md"):
        out = handlers.add_url(bad, Progress())
        assert "starting with http:// or https://" in out[-2]
    assert library.added == []
    out = handlers.add_url(" https://example.org/top.html ", Progress())
    assert library.added[0][0] == "https://example.org/top.html" and out[1] == "added" and out[-1] == ""


def test_a_library_error_while_adding_is_shown_in_the_page(make_settings) -> None:
    library = FakeLibrary(FakeBot(make_settings()))

    def failing(source, **options):
        raise SourceError("The page has no text.")

    library.add = failing
    out = ui.ChatHandlers(library, make_settings()).add_url("https://example.org/empty", Progress())
    assert "⚠ The page has no text." in out[-2] and "Traceback" not in out[-2]


CITY_WORDS = re.compile(r"\b(city|cities)\b", re.IGNORECASE)


def test_a_non_city_article_gets_no_city_words(rivers_bot: Chatbot, make_settings) -> None:
    handlers = handlers_over(rivers_bot, make_settings())
    view = handlers.article_view(None)
    texts = [view[1], view[2], *view[3].headers, *[q for (q,) in view[4].raw_samples], view[5].placeholder,
             ui.SOURCE_PLACEHOLDER, ui.EMPTY_QUESTION, ui.GENERIC_ERROR, ui.ADD_ERROR]
    assert not [t for t in texts if CITY_WORDS.search(t)]
    assert view[3].headers == ["#", "River"] and "click a river" in view[2]


def test_the_shipped_article_shows_an_unanswerable_and_a_chinese_example(bot: Chatbot, make_settings) -> None:
    examples = [q for (q,) in handlers_over(bot, make_settings()).article_view(None)[4].raw_samples]
    chinese = [q for q in examples if re.search(r"[\u4e00-\u9fff]", q)]
    assert len(chinese) == 1 and not bot.ask(chinese[0]).abstained
    assert sum(bot.ask(q).abstained for q in examples) == 1


# -- feedback ---------------------------------------------------------------------------------------------
def test_votes_are_appended_to_the_feedback_log(make_settings) -> None:
    settings = make_settings()
    handlers = handlers_over(FakeBot(settings), settings, stream_delay=0)
    _, messages, turns, _, _ = run(handlers.respond("Who hosts labs?", [], []))[-1]
    _, messages, turns, _, _ = run(handlers.respond("Again?", messages, turns))[-1]
    handlers.vote(gr.LikeData(None, {"index": 3, "value": ["x"], "liked": False}), messages, turns)
    handlers.vote(gr.LikeData(None, {"index": 1, "value": ["x"], "liked": True}), messages, turns)
    lines = [json.loads(line) for line in Path(settings.feedback_path).read_text(encoding="utf-8").splitlines()]
    assert [(r["question"], r["vote"]) for r in lines] == [("Again?", "down"), ("Who hosts labs?", "up")]
    record = lines[1]
    assert set(record) >= {"timestamp", "question", "answer", "citations", "vote"}
    assert record["answer"] == "Alpha hosts labs. [1]" and record["citations"][0]["section"] == "1. Alpha <b>City</b>"
    assert record["timestamp"].endswith("+00:00")
    assert ui.vote_label("") == "cleared" and ui.vote_label("Spam") == "Spam"


# -- launch wiring (no server) ----------------------------------------------------------------------------
@pytest.fixture
def fake_launch(monkeypatch):
    """Replace `Blocks.launch` so `ui.launch` can be checked without binding a port."""
    calls: list[dict] = []

    def launch(self, **kwargs):
        calls.append({"demo": self, **kwargs})
        self.local_url = "http://127.0.0.1:0/"

    monkeypatch.setattr(gr.Blocks, "launch", launch)
    return calls


def test_launch_wiring(make_settings, fake_launch, caplog) -> None:
    bot = FakeBot(make_settings(ui_auth="alice:s3cret:x", ui_concurrency=3))
    with caplog.at_level(logging.WARNING, logger="app.ui"):
        demo = ui.launch(FakeLibrary(bot), prevent_thread_lock=True)
    (call,) = fake_launch
    assert bot.warmed and call["demo"] is demo
    assert call["server_name"] == "127.0.0.1" and call["server_port"] == 7860 and call["share"] is False
    assert call["auth"] == ("alice", "s3cret:x")
    assert not call.get("allowed_paths") and call["mcp_server"] is False and call["run_history"] is False
    assert demo.analytics_enabled is False and demo._queue.default_concurrency_limit == 3
    assert call["max_file_size"] == bot.settings.max_source_bytes
    assert not caplog.records
    header = ui.ChatHandlers(FakeLibrary(bot), bot.settings).load()[2]  # built on page load, not at build
    assert "<script>" not in header and "&lt;script&gt;" in header  # the article title is escaped


def test_launch_warns_on_an_open_address_without_login(make_settings, fake_launch, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="app.ui"):
        ui.launch(FakeLibrary(FakeBot(make_settings())), host="0.0.0.0", port=9999)
    assert fake_launch[0]["server_name"] == "0.0.0.0" and fake_launch[0]["server_port"] == 9999
    assert any("without a login" in r.getMessage() for r in caplog.records)


def test_auth_and_loopback_helpers() -> None:
    assert ui.parse_auth(None) is None and ui.parse_auth("u:p") == ("u", "p")
    for bad in ("nopassword", ":p", "u:"):
        with pytest.raises(ConfigurationError):
            ui.parse_auth(bad)
    assert all(ui.is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.5.5.5"))
    assert not any(ui.is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "example.com", "::"))


# -- the served app through gradio_client -----------------------------------------------------------------
@pytest.fixture(scope="module")
def served(bot: Chatbot):
    """The real app on a free loopback port (shared models, the session's warmed-up bot)."""
    demo = ui.launch(ArticleLibrary.around(bot), host="127.0.0.1", port=free_port(), prevent_thread_lock=True,
                     quiet=True)
    try:
        yield demo
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served.local_url, verbose=False)


@pytest.mark.server
@pytest.mark.slow
class TestServedApp:
    """`/ask` as a `gradio_client` user sees it."""

    def test_only_ask_is_public(self, client: Client) -> None:
        assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]

    def test_answer_with_citations(self, client: Client, source_text: str) -> None:
        result = client.predict("Which city hosts Alibaba's DAMO Academy?", api_name="/ask")
        assert set(result) >= {"text", "abstained", "citations"} and not result["abstained"]
        assert "Hangzhou" in result["text"] and "[1]" in result["text"]
        c = result["citations"][0]
        assert set(c) >= {"section", "topic", "quote", "start", "end"} and c["section"] == "2. Hangzhou"
        assert source_text[c["start"]:c["end"]] == c["quote"] and "DAMO Academy" in c["quote"]

    def test_follow_up_with_history(self, client: Client) -> None:
        first = client.predict("Tell me about Jinan.", api_name="/ask")
        result = client.predict("What rank does it have?", [["Tell me about Jinan.", first["text"]]],
                                api_name="/ask")
        assert "8th" in result["text"] and result["citations"][0]["section"] == "8. Jinan"

    def test_ask_names_the_article(self, client: Client, bot: Chatbot) -> None:
        result = client.predict("Which city is ranked 8th?", None, bot.article_id, api_name="/ask")
        assert "Jinan" in result["text"]
        with pytest.raises(AppError, match="No article 'nope'"):
            client.predict("Which one is first?", None, "nope", api_name="/ask")

    def test_abstention(self, client: Client) -> None:
        result = client.predict("What is the population of Hangzhou?", api_name="/ask")
        assert result["abstained"] is True and result["citations"] == []

    def test_empty_question_is_a_clean_error(self, client: Client) -> None:
        with pytest.raises(AppError, match="empty") as info:
            client.predict("   ", api_name="/ask")
        assert "Traceback" not in str(info.value)
        with pytest.raises(AppError, match="history"):
            client.predict("Which city is ranked 8th?", [["only a question"]], api_name="/ask")

    def test_no_arbitrary_files_are_served(self, served, bot: Chatbot) -> None:
        for path in ("/etc/passwd", str(bot.settings.source_path), str(Path(ui.__file__).resolve())):
            url = f"{served.local_url}gradio_api/file={path}"
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(url, timeout=10)
            assert info.value.code in (403, 404)


def test_the_upload_progress_bar_names_each_stage_and_never_moves_back() -> None:
    from ingest.timing import ANNOTATE, CLASSIFIER, EMBED, MODELS, STAGES

    shown: list[tuple[float, str]] = []
    stages = ui.PageStages(lambda value, desc="", **_: shown.append((value, desc)))
    for name in (ANNOTATE, EMBED):
        with stages.stage(name):
            if name == EMBED:
                with stages.stage(MODELS):  # the embedder loads when the first chunk needs it
                    pass
    with stages.stage(CLASSIFIER, total=4) as advance:
        advance(2)
    bar = [value for value, _ in shown if isinstance(value, float)]
    assert [desc for _, desc in shown] == [f"{ANNOTATE}…", f"{EMBED}…", f"{MODELS}…", f"{CLASSIFIER}…", CLASSIFIER]
    assert bar == sorted(bar) and bar[-1] == STAGES.index(CLASSIFIER) / len(STAGES)
    assert shown[-1][0] == (2, 4)  # a stage that counts its work moves the bar as it goes
    assert set(stages.seconds) == {ANNOTATE, EMBED, MODELS, CLASSIFIER}
