"""The Gradio chat UI: a thin shell over the `ArticleLibrary` and its `Chatbot`s (no retrieval or answer logic
lives here).

`build_ui(library, settings)` returns the `gr.Blocks` app and `launch(library, ...)` serves it. The page has:

- a picker of the library's articles (re-read on every page load and whenever it gets focus, so articles
  ingested by another process show up), an upload control (.md, .txt, .html) and an address box that add an
  article with a progress bar; the chosen article is per browser session (a `gr.State` of its id), and its
  title, ranking table, chat placeholder and example questions are built from its bot when it is shown;
- a chat whose answers stream in as they form, with conversation memory for follow-ups, a clear button,
  example questions and thumbs up/down votes (appended to the JSONL log at `settings.feedback_path`);
- numbered citation footnotes under each answer; clicking one (or choosing it in the Sources panel) shows
  the cited section of the article with the quoted span highlighted;
- the ranking table, its columns named from the article (the ranked noun, a table's own columns), where
  clicking a row asks about that entry;
- a named API endpoint `/ask` for `gradio_client`:
  `Client(url).predict("Which one is ranked 8th?", api_name="/ask")` (optional history and article id) returns
  `{text, abstained, citations: [{marker, section, topic, quote, start, end}], notice}`.

Every piece of question, answer or article text is HTML-escaped before it reaches the page, chat messages
are rendered as HTML (never Markdown) and the app serves no files (`allowed_paths` is never set).
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from ingest.core.errors import AICitiesError, ConfigurationError
from ingest.core.models import Answer, Citation
from ingest.core.settings import Settings
from ingest.timing import STAGES, Advance, Stages

if TYPE_CHECKING:
    from app.library import ArticleLibrary

logger = logging.getLogger(__name__)

STREAM_DELAY = 0.03
"""Seconds between two streamed drafts of an extractive answer."""
MAX_STREAM_STEPS = 24
"""At most this many drafts per streamed extractive answer (so long answers don't take longer)."""

GENERIC_ERROR = "Something went wrong while answering. The error was logged; please try again."
ADD_ERROR = "Something went wrong while adding the article. The error was logged; please try again."
UPLOAD_TYPES = (".md", ".txt", ".html")
"""The files the page accepts as an article."""
EMPTY_QUESTION = "Type a question about the article first."
SOURCE_PLACEHOLDER = (
    '<div class="source-view source-empty">Click a footnote such as <b>[1]</b> under an answer to see the '
    "quoted passage highlighted in the article.</div>"
)

THEME = gr.themes.Default(primary_hue="indigo", secondary_hue="amber",
                          font=["ui-sans-serif", "system-ui", "Segoe UI", "Noto Sans", "sans-serif"],
                          font_mono=["ui-monospace", "SFMono-Regular", "Consolas", "monospace"])
"""System fonts only: the page loads no web fonts."""

_MARKER = re.compile(r"\[(\d+)\]")
_EXTRA_ESCAPES = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})

CSS = """
.aic-header h1 { margin: 0 0 .2em; font-size: 1.5em; }
.aic-header p { margin: 0; color: var(--body-text-color-subdued); }
.answer p { margin: 0 0 .45em; }
.answer p:last-child { margin-bottom: 0; }
.answer .cite-ref { all: unset; cursor: pointer; color: var(--color-accent); font-size: .78em;
  vertical-align: super; display: inline-block; line-height: 1.1; min-width: 1.2em; padding: 0 2px;
  text-align: center; border-radius: 3px; }
.answer .footnotes { margin: .6em 0 0; padding: .45em 0 0; border-top: 1px solid var(--border-color-primary);
  list-style: none; font-size: .87em; }
.answer .footnotes li { margin: .2em 0; }
.answer .footnote { all: unset; cursor: pointer; color: var(--color-accent); font-weight: 600; }
.answer .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
.answer .cite-ref:hover, .answer .footnote:hover { text-decoration: underline; }
.answer .cite-ref:focus-visible, .answer .footnote:focus-visible { outline: 2px solid var(--color-accent); }
.answer .fn-quote { color: var(--body-text-color-subdued); }
.answer .fn-heading { color: var(--body-text-color-subdued); font-style: italic; }
.answer .answer-notice { font-size: .85em; color: var(--body-text-color-subdued); }
.answer.abstained { color: var(--body-text-color-subdued); font-style: italic;
  border-left: 3px solid var(--border-color-primary); padding-left: .6em; }
.answer.abstained .abstain-hint { font-size: .85em; }
.answer.error { color: var(--error-text-color); }
.answer.pending { color: var(--body-text-color-subdued); font-style: italic; }
.answer .cursor { opacity: .6; }
.source-view { font-size: .92em; }
.source-view .source-head { font-weight: 600; margin-bottom: .35em; }
.source-view .source-question { color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: .4em; }
.source-view .source-text { white-space: pre-wrap; line-height: 1.5; max-height: 360px; overflow: auto;
  padding: .6em .75em; border: 1px solid var(--border-color-primary); border-radius: var(--radius-md);
  background: var(--background-fill-secondary); }
.source-view mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px; }
.source-empty { color: var(--body-text-color-subdued); font-style: italic; padding: .4em 0; }
.aic-panel-title { font-weight: 600; margin: .2em 0 .3em; }
.aic-hint { font-weight: 400; color: var(--body-text-color-subdued); font-size: .9em; }
#ranking [role="gridcell"] { cursor: pointer; }
#ranking th, #ranking td { min-width: 4.5em; }
#add-status .add-status { font-size: .9em; padding: .3em .1em; }
#add-status .add-status.error { color: var(--error-text-color); }
#add-status { min-height: 2.2em; }
#ranking [role="gridcell"] span, #ranking [role="columnheader"] span { font-family: var(--font); }
"""

# A footnote is a <button value="turn:marker"> inside a chat message; a click writes that key into the
# hidden #cite-pick textbox, whose `change` event opens the citation in the Sources panel.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('button.cite-link') : null;
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    if (!box) return;
    const proto = Object.getPrototypeOf(box);
    const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
    setter.call(box, target.value + '|' + Date.now());
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, true);
}
"""


# -- escaping and rendering (pure functions) ------------------------------------------------------------
def escape_text(text: object) -> str:
    """HTML-escape any text for the page (also `` ` $ { } ``, so no template or math syntax survives)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA_ESCAPES)


def _lines(text: str) -> str:
    return escape_text(text).replace("\n", "<br>")


def _with_markers(text: str, turn: int | None, markers: set[int]) -> str:
    """Escape answer text, turning [n] markers of known citations into clickable superscripts."""
    parts: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        parts.append(_lines(text[last:match.start()]))
        marker = int(match.group(1))
        if turn is not None and marker in markers:
            parts.append(f'<button type="button" class="cite-link cite-ref" value="{turn}:{marker}" '
                         f'title="Show [{marker}] in the article"><span class="sr-only">Source </span>[{marker}]'
                         "</button>")
        else:
            parts.append(escape_text(match.group(0)))
        last = match.end()
    parts.append(_lines(text[last:]))
    return "".join(parts)


def render_question(question: str) -> str:
    """The user's chat bubble: the question exactly as typed, shown as text."""
    return f'<div class="question">{_lines(question)}</div>'


def render_pending() -> str:
    """The assistant bubble while the article is searched."""
    return '<div class="answer pending">Searching the article…</div>'


def render_draft(text: str) -> str:
    """A streamed, unfinished answer (markers shown but not yet clickable)."""
    body = _with_markers(text, None, set())
    return f'<div class="answer streaming"><p>{body}<span class="cursor">▍</span></p></div>'


def render_error(message: str) -> str:
    """A service error as a clear chat message (never a traceback)."""
    return f'<div class="answer error"><p>⚠ {_lines(message)}</p></div>'


def render_answer(answer: Answer, turn: int) -> str:
    """The final assistant bubble: text with clickable [n] markers and numbered footnotes.

    An abstention is rendered differently: a muted note, no footnotes.
    """
    notice = f'<p class="answer-notice">{_lines(answer.notice)}</p>' if answer.notice else ""
    if answer.abstained:
        return (f'<div class="answer abstained">{notice}<p>{_lines(answer.text)}</p>'
                '<p class="abstain-hint">I only answer from the article, so I won’t guess.</p></div>')
    markers = {c.marker for c in answer.citations}
    body = "".join(f"<p>{_with_markers(line, turn, markers)}</p>"
                   for line in answer.text.split("\n") if line.strip())
    items = []
    for c in answer.citations:
        if c.quote.strip() == c.section.strip():
            detail = '<span class="fn-heading">(section heading)</span>'
        else:
            detail = f'<q class="fn-quote">{escape_text(c.quote)}</q>'
        items.append(f'<li><button type="button" class="cite-link footnote" value="{turn}:{c.marker}" '
                     f'title="Show this quote in the article">[{c.marker}] {escape_text(c.label)}</button> '
                     f"{detail}</li>")
    footnotes = f'<ol class="footnotes">{"".join(items)}</ol>' if items else ""
    return f'<div class="answer">{notice}{body}{footnotes}</div>'


def render_source(source_text: str, span: tuple[int, int] | None, citation: Citation,
                  question: str | None = None) -> str:
    """The cited section of the article with the quoted span in a <mark>, all text escaped.

    `span` is the whole section's (start, end); without it, a window around the quote is shown.
    """
    start, end = sorted((max(0, citation.start), min(len(source_text), citation.end)))
    if span is None:
        lo, hi = max(0, start - 400), min(len(source_text), end + 400)
    else:
        lo, hi = min(span[0], start), max(span[1], end)
    lo, hi = max(0, lo), min(len(source_text), hi)
    before, quote, after = source_text[lo:start], source_text[start:end], source_text[end:hi]
    asked = (f'<div class="source-question">From the answer to “{escape_text(question)}”</div>'
             if question else "")
    return (f'<div class="source-view">{asked}<div class="source-head">[{citation.marker}] '
            f'{escape_text(citation.label)}</div><div class="source-text">{escape_text(before.lstrip())}'
            f'<mark>{escape_text(quote)}</mark>{escape_text(after.rstrip())}</div></div>')


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `/ask` payload: text, abstained, notice and citations (marker, section, topic, quote, offsets)."""
    return {
        "text": answer.text,
        "abstained": answer.abstained,
        "notice": answer.notice,
        "citations": [{"marker": c.marker, "section": c.section, "topic": c.topic, "quote": c.quote,
                       "start": c.start, "end": c.end} for c in answer.citations],
    }


def progressive_drafts(text: str, max_steps: int = MAX_STREAM_STEPS) -> Iterator[str]:
    """Growing prefixes of `text`, a few words at a time, ending with the whole text."""
    tokens = re.findall(r"\S+\s*", text)
    if not tokens:
        return
    step = max(2, math.ceil(len(tokens) / max(1, max_steps)))
    for end in range(step, len(tokens) + step, step):
        yield "".join(tokens[:end]).rstrip()


class _TextExtractor(HTMLParser):
    """Plain text of a rendered bubble, skipping footnotes, notices and the streaming cursor."""

    SKIP = frozenset({"footnotes", "answer-notice", "abstain-hint", "cursor", "sr-only"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipping = bool(self._stack and self._stack[-1]) or bool(classes & self.SKIP)
        self._stack.append(skipping)
        if tag == "p" and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag != "br" and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def message_text(content: Any) -> str:
    """Plain text of a Gradio message's content (a string, a list of content blocks, or a text block)."""
    if content is None:
        return ""
    if isinstance(content, list | tuple):
        return "\n".join(filter(None, (message_text(item) for item in content)))
    if isinstance(content, dict):
        return message_text(content.get("text")) if content.get("type", "text") == "text" else ""
    parser = _TextExtractor()
    parser.feed(str(content))
    parser.close()
    return re.sub(r"[ \t]+\n", "\n", "".join(parser.parts)).strip()


# -- per-session turns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Turn:
    """One exchange of a session: the question as typed and the service's answer (or the error shown)."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    article: str | None = None  # the id of the article asked (None: the library's default one)


def history_pairs(messages: Sequence[dict[str, Any]] | None,
                  turns: Sequence[Turn] | None = None) -> list[tuple[str, str]]:
    """Gradio chat messages -> the service's history, [(question, answer text), ...].

    Each user message and the assistant message after it form one exchange. When the session's `turns`
    are known, exchange i uses turns[i] (the raw question and answer text, not the rendered HTML) and
    failed exchanges are left out; otherwise the text is read back from the rendered messages.
    """
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    index = 0
    for message in messages or []:
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", None)
        content = message.get("content") if isinstance(message, dict) else getattr(message, "content", None)
        if role == "user":
            pending = message_text(content)
        elif role == "assistant" and pending is not None:
            turn = turns[index] if turns is not None and index < len(turns) else None
            if turn is None:
                pairs.append((pending, message_text(content)))
            elif turn.answer is not None:
                pairs.append((turn.question, turn.answer.text))
            pending = None
            index += 1
    return pairs


def vote_label(liked: object) -> str:
    """Gradio's like value -> "up", "down", "cleared" (vote undone) or the custom option chosen."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return str(liked) if liked else "cleared"


_feedback_lock = threading.Lock()


def record_feedback(path: Path, turn: Turn, vote: str) -> dict[str, Any]:
    """Append one vote to the JSONL feedback log; returns the record written."""
    answer = turn.answer
    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": turn.question,
        "answer": answer.text if answer else turn.error,
        "abstained": answer.abstained if answer else None,
        "mode": answer.mode if answer else "error",
        "citations": [{"marker": c.marker, "section": c.section, "topic": c.topic, "quote": c.quote,
                       "start": c.start, "end": c.end} for c in (answer.citations if answer else [])],
        "vote": vote,
        "article": turn.article,
    }
    path = Path(path)
    with _feedback_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


# -- handlers -------------------------------------------------------------------------------------------
def _user(question: str) -> dict[str, str]:
    return {"role": "user", "content": render_question(question)}


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


class PageStages(Stages):
    """`ingest.timing.Stages` shown on a `gr.Progress` bar: each stage names itself as it starts (its place
    among `STAGES` is the bar's position, which never moves back: a model loads when first needed, inside a later
    stage), and a stage that counts its work moves the bar as it goes."""

    def __init__(self, progress: Any) -> None:
        super().__init__(progress=self._bar)
        self._page = progress
        self._place = 0

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        """Show `name` on the bar, then time the stage as `Stages.stage` does."""
        place = STAGES.index(name) if name in STAGES else len(STAGES) - 1
        self._place = max(self._place, place)  # a model loading inside a later stage keeps the bar where it is
        self._page(self._place / len(STAGES), desc=f"{name}…")
        with super().stage(name, total) as advance:
            yield advance

    @contextmanager
    def _bar(self, name: str, total: int) -> Iterator[Advance]:
        done = 0

        def advance(units: int) -> None:
            nonlocal done
            done += units
            self._page((min(done, total), total), desc=name, unit="items")

        yield advance


def ranking_table(entries: Sequence[Any], noun: str) -> dict[str, Any]:
    """The ranking as a table: rank, the entry's name under the ranked noun ("Show"), then a table article's
    own columns (its cells), or else the entries' topic labels when any has some.

    Returns:
        {"data": rows, "headers": [...], "datatype": [...], "widths": [...]} for `gr.Dataframe`; a cell longer
        than `CELL_CHARS` is shortened (the whole of it is in the article).
    """
    columns: list[str | None] = []  # the table's columns in its order (a row may leave some out)
    for entry in entries:
        after = -1
        for cell in getattr(entry, "cells", ()):
            if cell.header not in columns:
                columns.insert(after + 1, cell.header)
            after = columns.index(cell.header)
    headers = ["#", noun[:1].upper() + noun[1:]]
    if columns:
        headers += [header or f"Column {n}" for n, header in enumerate(columns, start=3)]
        rows = [[e.rank, e.name, *(_short(next((c.text for c in e.cells if c.header == h), "")) for h in columns)]
                for e in entries]
        widths = None  # sized by their content
    elif any(e.topics for e in entries):
        headers.append("Topics")
        rows = [[e.rank, e.name, " · ".join(e.topics)] for e in entries]
        widths: list[str] | None = ["11%", "24%", "65%"]
    else:
        rows = [[e.rank, e.name] for e in entries]
        widths = ["15%", "85%"]
    return {"data": rows, "headers": headers, "datatype": ["number", *["str"] * (len(headers) - 1)],
            "widths": widths}


CELL_CHARS = 80
"""The longest cell the ranking table shows whole."""


def _short(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1].rstrip() + "…"


def render_header(title: str) -> str:
    """The page's header: the chosen article's title (escaped) and what the page does."""
    return (f'<div class="aic-header"><h1>{escape_text(title)}</h1><p>Ask about the article. Every answer quotes '
            "it and cites its sources; click a footnote to read it in context.</p></div>")


def render_status(message: str, *, error: bool = False) -> str:
    """The line under the article controls: what an upload or address did ("" for nothing)."""
    if not message:
        return ""
    kind = "error" if error else "ok"
    mark = "⚠ " if error else ""
    return f'<div class="add-status {kind}" role="status">{mark}{escape_text(message)}</div>'


def article_choices(articles: Sequence[Any]) -> list[tuple[str, str]]:
    """The picker's (label, article id) pairs: each title, with the id when two articles share a title."""
    titles = [a.title or a.id for a in articles]
    return [(f"{t} ({a.id})" if titles.count(t) > 1 else t, a.id) for t, a in zip(titles, articles, strict=True)]


class ChatHandlers:
    """The UI's event handlers over the shared `ArticleLibrary` (models are loaded once, not per user).

    Every handler that answers or shows an article takes the session's article id (a `gr.State`; None means the
    library's default article), so two browsers can read two articles at once.

    Args:
        library: the service (`bot(id)`, `articles()`, `add(...)`, `default_id`); a bot has `ask`, `ranking`,
            `source_text`, `section_span`, `showcase_questions`, `title`, `noun`, optionally `stream`.
        settings: where the feedback log goes, and the largest upload accepted.
        stream_delay: seconds between streamed drafts (0 in tests).
    """

    def __init__(self, library: Any, settings: Settings, stream_delay: float = STREAM_DELAY) -> None:
        self.library = library
        self.settings = settings
        self.stream_delay = stream_delay

    def bot(self, article_id: str | None = None) -> Any:
        """The bot of the session's article (None: the default one). Raises `UnknownArticleError`."""
        return self.library.bot(article_id or None)

    # answers -------------------------------------------------------------------------------------------
    def answer_stream(self, question: str, history: list[tuple[str, str]],
                      article_id: str | None = None) -> Iterator[str | Answer]:
        """Drafts (the whole answer so far, as str) then the final `Answer`.

        Uses `bot.stream(question, history)` when the service has it (same contract); otherwise asks for the
        extractive answer and reveals it a few words at a time.
        """
        bot = self.bot(article_id)
        stream = getattr(bot, "stream", None)
        if callable(stream):
            yield from stream(question, history)
            return
        answer = bot.ask(question, history=history)
        if not answer.abstained:
            for draft in progressive_drafts(answer.text):
                yield draft
                if self.stream_delay:
                    time.sleep(self.stream_delay)
        yield answer

    def respond(self, question: str, messages: list | None, turns: list[Turn] | None,
                article_id: str | None = None):
        """Chat handler (a generator): yields (textbox, messages, turns, sources choice, source view)."""
        messages = list(messages or [])
        turns = list(turns or [])
        question = question if isinstance(question, str) else ""
        if not question.strip():
            gr.Warning(EMPTY_QUESTION)
            yield gr.update(), messages, turns, gr.update(), gr.update()
            return
        history = history_pairs(messages, turns)
        messages += [_user(question), _assistant(render_pending())]
        yield "", list(messages), list(turns), gr.update(), gr.update()
        answer: Answer | None = None
        error: str | None = None
        try:
            for item in self.answer_stream(question, history, article_id):
                if isinstance(item, Answer):
                    answer = item
                else:
                    messages[-1] = _assistant(render_draft(str(item)))
                    yield "", list(messages), list(turns), gr.update(), gr.update()
            if answer is None:
                raise RuntimeError("the answer stream ended without an Answer")
        except AICitiesError as exc:
            error = str(exc) or GENERIC_ERROR
        except Exception:
            logger.exception("answering %r failed", question[:200])
            error = GENERIC_ERROR
        index = len(turns)
        if answer is None:
            turns.append(Turn(question, error=error, article=article_id))
            messages[-1] = _assistant(render_error(error or GENERIC_ERROR))
            yield "", list(messages), list(turns), gr.update(), gr.update()
            return
        turns.append(Turn(question, answer=answer, article=article_id))
        messages[-1] = _assistant(render_answer(answer, index))
        choice, view = self._sources(turns, index, answer.citations[0].marker if answer.citations else None)
        yield "", list(messages), list(turns), choice, view

    def ask_example(self, example: Any, messages: list | None, turns: list[Turn] | None,
                    article_id: str | None = None):
        """Ask the clicked example question (the Dataset passes its sample, `[question]`)."""
        question = example[0] if isinstance(example, list | tuple) and example else example
        yield from self.respond(str(question or ""), messages, turns, article_id)

    def ask_entry(self, evt: gr.SelectData, messages: list | None, turns: list[Turn] | None,
                  article_id: str | None = None):
        """Ask about the entry on the clicked row of the ranking table."""
        row = evt.row_value if isinstance(evt.row_value, list | tuple) and len(evt.row_value) > 1 else None
        if row is not None:
            name = str(row[1])
        else:
            ranking = self.bot(article_id).ranking()
            name = ranking[_index(evt.index, len(ranking))].name
        yield from self.respond(f"Tell me about {name}.", messages, turns, article_id)

    def clear(self):
        """Empty the chat, the session's turns and the Sources panel."""
        return "", [], [], gr.update(choices=[], value=None, visible=False), SOURCE_PLACEHOLDER

    # the article shown -----------------------------------------------------------------------------------
    def article_view(self, article_id: str | None) -> tuple:
        """Everything that follows the chosen article, built from its bot now (a re-ingested article shows its
        new title, table and examples): (article id, header, ranking title, table, examples, then the cleared
        chat: chat, turns, textbox, sources choice, source view)."""
        bot = self.bot(article_id)
        noun = bot.noun
        table = ranking_table(bot.ranking(), noun)
        placeholder = (f"Ask anything about the ranking: which {noun} is first, what the article says about one, "
                       "how two compare…")
        return (
            bot.article_id,
            render_header(bot.title),
            '<div class="aic-panel-title">The ranking '
            f'<span class="aic-hint">· click a {escape_text(noun)} to ask about it</span></div>',
            gr.Dataframe(value=table["data"], headers=table["headers"], datatype=table["datatype"],
                         column_widths=table["widths"]),
            gr.Dataset(samples=[[q] for q in bot.showcase_questions()]),
            gr.Chatbot(value=[], placeholder=escape_text(placeholder)),
            [], "", gr.update(choices=[], value=None, visible=False), SOURCE_PLACEHOLDER,
        )

    def _page(self, article_id: str | None, status: str = "", *, refresh: bool = False) -> tuple:
        """The page for `article_id`: (picker, *article view, status); the picker's choices re-read when
        `refresh`. An article that cannot be shown leaves the page as it is and says why."""
        try:
            view = self.article_view(article_id)
        except AICitiesError as exc:
            return (gr.update(), *[gr.update()] * _VIEW_SIZE, render_status(str(exc), error=True))
        picker = self.choices(view[0]) if refresh else gr.update(value=view[0])
        return (picker, *view, status)

    def choices(self, article_id: str | None = None):
        """The picker with the library's articles as they are now (another process may have added one)."""
        return gr.Dropdown(choices=article_choices(self.library.articles()),
                           value=article_id or self.library.default_id)

    def load(self) -> tuple:
        """A page (re)load: the library's articles, and the default article's view built fresh."""
        return self._page(None, refresh=True)

    def switch(self, article_id: str | None) -> tuple:
        """The picker chose an article: show it and start a new chat."""
        return self._page(article_id)

    def add_upload(self, file: Any, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        """An uploaded .md/.txt/.html file: add it to the library (a copy is kept) and show it."""
        if not file:
            return (*[gr.update()] * (_VIEW_SIZE + 1), "", gr.update())
        path = Path(file if isinstance(file, str) else getattr(file, "path", file))
        problem = None
        if path.suffix.lower() not in UPLOAD_TYPES:
            problem = f"Upload a {', '.join(UPLOAD_TYPES)} file ({path.name} is not one)."
        elif path.stat().st_size > self.settings.max_source_bytes:
            problem = (f"{path.name} is larger than the {self.settings.max_source_bytes:,} bytes an article may "
                       "have (AICITIES_MAX_SOURCE_BYTES).")
        if problem:
            return (*[gr.update()] * (_VIEW_SIZE + 1), render_status(problem, error=True), None)
        outputs, _ = self._add(path, progress, keep_copy=True, name=path.name)
        return (*outputs, None)

    def add_url(self, url: str, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        """An http(s) address: fetch the page, add it to the library and show it."""
        url = (url or "").strip()
        if not re.match(r"https?://\S+$", url, re.IGNORECASE):
            problem = "Type the address of a page, starting with http:// or https://."
            return (*[gr.update()] * (_VIEW_SIZE + 1), render_status(problem, error=True), gr.update())
        outputs, added = self._add(url, progress, keep_copy=False, name=url)
        return (*outputs, "" if added else gr.update())  # a refused address stays, to be corrected

    def _add(self, source: str | Path, progress: Any, *, keep_copy: bool, name: str) -> tuple[tuple, bool]:
        """Add the article and show it: the page's outputs, and whether it was added."""
        progress(0, desc=f"Reading {name}…")
        try:
            article, _ = self.library.add(source, keep_copy=keep_copy, stages=PageStages(progress),
                                          on_fetched=lambda summary: progress(0.05, desc=summary),
                                          allow_private=self.settings.ui_fetch_private)
        except AICitiesError as exc:
            return (*[gr.update()] * (_VIEW_SIZE + 1), render_status(str(exc), error=True)), False
        except Exception:
            logger.exception("adding %s failed", str(source)[:200])
            return (*[gr.update()] * (_VIEW_SIZE + 1), render_status(ADD_ERROR, error=True)), False
        entries = f" ({article.entries} {article.noun})" if article.entries and article.noun else ""
        return self._page(article.id, render_status(f"Added “{article.title}”{entries}."), refresh=True), True

    # sources -------------------------------------------------------------------------------------------
    def _sources(self, turns: Sequence[Turn], index: int, marker: int | None):
        turn = turns[index] if 0 <= index < len(turns) else None
        answer = turn.answer if turn is not None else None
        if turn is None or answer is None or answer.abstained or not answer.citations:
            return gr.update(), gr.update()
        choices = [(f"[{c.marker}] {c.label}", f"{index}:{c.marker}") for c in answer.citations]
        citation = next((c for c in answer.citations if c.marker == marker), answer.citations[0])
        return (gr.update(choices=choices, value=f"{index}:{citation.marker}", visible=True),
                self.source_view(turn.question, citation, turn.article))

    def source_view(self, question: str | None, citation: Citation, article_id: str | None = None) -> str:
        """HTML of the article section behind `citation`, the quote highlighted."""
        bot = self.bot(article_id)
        return render_source(bot.source_text(), bot.section_span(citation.section), citation, question)

    def open_citation(self, key: str, turns: list[Turn] | None):
        """Open citation "turn:marker" (a clicked footnote, or a choice in the Sources panel)."""
        turns = list(turns or [])
        match = re.match(r"\s*(\d+):(\d+)", key or "")
        if not match:
            return gr.update(), gr.update()
        try:
            return self._sources(turns, int(match.group(1)), int(match.group(2)))
        except AICitiesError as exc:
            return gr.update(), render_error(str(exc))

    def choose_source(self, key: str, turns: list[Turn] | None):
        """The Sources panel's choice changed: show that citation."""
        return self.open_citation(key, turns)[1]

    # feedback ------------------------------------------------------------------------------------------
    def vote(self, data: gr.LikeData, messages: list | None, turns: list[Turn] | None) -> None:
        """Thumbs up/down on an answer: append it to the feedback log."""
        messages = list(messages or [])
        turns = list(turns or [])
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turn_index = sum(1 for m in messages[:index] if _role(m) == "assistant")
        if not 0 <= turn_index < len(turns):
            logger.warning("vote on unknown message %s ignored", data.index)
            return
        record_feedback(self.settings.feedback_path, turns[turn_index], vote_label(data.liked))
        gr.Info("Thanks for the feedback!")

    # API -----------------------------------------------------------------------------------------------
    def api_ask(self, question: str, history: list[list[str]] | None = None, article: str | None = None) -> dict:
        """Answer a question about an article, with cited quotes.

        Args:
            question: the question, in English or Chinese.
            history: earlier turns as [question, answer] pairs, for follow-ups.
            article: the id of the library's article to answer from (None: the default article).

        Returns:
            {"text", "abstained", "notice",
             "citations": [{"marker", "section", "topic", "quote", "start", "end"}]}
        """
        if history is not None and not (isinstance(history, list) and all(
                isinstance(pair, list | tuple) and len(pair) == 2 for pair in history)):
            raise gr.Error("history must be a list of [question, answer] pairs, e.g. "
                           '[["Which one is first?", "… is ranked 1st …"]].', print_exception=False)
        try:
            pairs = None if history is None else [(pair[0], pair[1]) for pair in history]
            answer = self.bot(article).ask(question, history=pairs)
        except AICitiesError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except (TypeError, ValueError) as exc:
            raise gr.Error(f"Invalid request: {exc}", print_exception=False) from None
        except Exception:
            logger.exception("/ask failed")
            raise gr.Error(GENERIC_ERROR, print_exception=False) from None
        return answer_json(answer)


_VIEW_SIZE = 10
"""How many components `ChatHandlers.article_view` updates."""


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else getattr(message, "role", None)


def _index(value: Any, size: int) -> int:
    index = int(value[0] if isinstance(value, list | tuple) else value)
    if not 0 <= index < size:
        raise gr.Error("Unknown choice.")
    return index


# -- the app --------------------------------------------------------------------------------------------
def build_ui(library: ArticleLibrary, settings: Settings | None = None, *,
             stream_delay: float = STREAM_DELAY) -> gr.Blocks:
    """Build the Gradio app over the (shared) `ArticleLibrary`; its queue is set from `settings.ui_concurrency`.

    Nothing of an article is read here: each page load lists the library and builds the chosen article's title,
    table and examples then, so a running UI shows articles ingested after it started.
    """
    settings = settings or library.settings
    handlers = ChatHandlers(library, settings, stream_delay=stream_delay)
    with gr.Blocks(title="Ranking Q&A · grounded answers", analytics_enabled=False) as demo:
        article = gr.State(None)
        turns = gr.State([])
        header = gr.HTML(render_header(""), elem_id="header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat = gr.Chatbot(
                    label="Chat", show_label=False, height=600, render_markdown=False, sanitize_html=True,
                    allow_tags=False, latex_delimiters=[], buttons=[], feedback_options=("Like", "Dislike"),
                    elem_id="chat",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(show_label=False, placeholder="Type a question and press Enter",
                                          max_lines=4, scale=6, elem_id="question", autofocus=True)
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    clear_button = gr.Button("Clear", scale=1, min_width=80, elem_id="clear")
                examples = gr.Dataset(label="Examples", components=["textbox"], samples=[], type="values",
                                      elem_id="examples")
            with gr.Column(scale=2, min_width=320):
                with gr.Group(elem_id="articles"):
                    picker = gr.Dropdown(choices=[], label="Article", interactive=True, elem_id="picker")
                    upload = gr.File(label="Add an article: a .md, .txt or .html file", file_types=list(UPLOAD_TYPES),
                                     type="filepath", file_count="single", height=150, elem_id="upload")
                    with gr.Row(equal_height=True):
                        url = gr.Textbox(label="…or the address of a page", placeholder="https://…", max_lines=1,
                                         scale=5, elem_id="url")
                        add_button = gr.Button("Add", scale=1, min_width=70, elem_id="add-url")
                status = gr.HTML("", elem_id="add-status")
                gr.HTML('<div class="aic-panel-title">Sources</div>')
                source_choice = gr.Radio(choices=[], label="Citations of the answer", interactive=True,
                                         visible=False, elem_id="source-choice")
                source_view = gr.HTML(SOURCE_PLACEHOLDER, elem_id="source-view")
                rank_title = gr.HTML('<div class="aic-panel-title">The ranking</div>', elem_id="ranking-title")
                rank_table = gr.Dataframe(
                    value=[], headers=["#", "Name"], interactive=False, wrap=True, buttons=[], show_label=False,
                    max_height=720, elem_id="ranking",
                )
        cite_pick = gr.Textbox(visible="hidden", elem_id="cite-pick")

        chat_outputs = [question, chat, turns, source_choice, source_view]
        view = [article, header, rank_title, rank_table, examples, chat, turns, question, source_choice, source_view]
        page = [picker, *view, status]
        private = {"api_visibility": "private"}
        demo.load(handlers.load, outputs=page, **private)
        picker.focus(handlers.choices, inputs=[article], outputs=[picker], queue=False, **private)
        picker.input(handlers.switch, inputs=[picker], outputs=page, **private)
        upload.upload(handlers.add_upload, inputs=[upload], outputs=[*page, upload],
                      show_progress_on=[status], **private)
        gr.on([url.submit, add_button.click], handlers.add_url, inputs=[url], outputs=[*page, url],
              show_progress_on=[status], **private)
        gr.on([question.submit, ask_button.click], handlers.respond, inputs=[question, chat, turns, article],
              outputs=chat_outputs, **private)
        examples.click(handlers.ask_example, inputs=[examples, chat, turns, article], outputs=chat_outputs,
                       **private)
        rank_table.select(handlers.ask_entry, inputs=[chat, turns, article], outputs=chat_outputs, **private)
        clear_button.click(handlers.clear, outputs=chat_outputs, queue=False, **private)
        chat.clear(handlers.clear, outputs=chat_outputs, queue=False, **private)
        chat.like(handlers.vote, inputs=[chat, turns], outputs=None, **private)
        source_choice.input(handlers.choose_source, inputs=[source_choice, turns], outputs=[source_view],
                            queue=False, **private)
        cite_pick.change(handlers.open_citation, inputs=[cite_pick, turns],
                        outputs=[source_choice, source_view], queue=False, **private)
        gr.api(handlers.api_ask, api_name="ask",
               api_description="Answer a question about an article of the library; optional history of "
                               "[question, answer] pairs and article id. Returns {text, abstained, notice, "
                               "citations}.")
    demo.queue(default_concurrency_limit=settings.ui_concurrency)
    return demo


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`"user:password"` -> ("user", "password"); None when no login is configured."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigurationError('AICITIES_UI_AUTH must look like "user:password" (both non-empty).')
    return user, password


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def launch(library: Any, host: str | None = None, port: int | None = None, share: bool = False, *,
           prevent_thread_lock: bool = False, quiet: bool = False) -> gr.Blocks:
    """Warm the bot up, build the UI and serve it (blocks unless `prevent_thread_lock`).

    Args:
        library: the shared `ArticleLibrary`.
        host, port: where to bind; None means `settings.ui_host` / `settings.ui_port`.
        share: create a public Gradio share link (off by default; needs network).
        prevent_thread_lock: return right after the server starts (tests); close it with `.close()`.
        quiet: don't print Gradio's startup banner.

    Returns:
        The running `gr.Blocks` (its `local_url` is where it serves).
    """
    settings: Settings = library.settings
    host = host or settings.ui_host
    port = port or settings.ui_port
    auth = parse_auth(settings.ui_auth)
    if not is_loopback(host) and auth is None:
        logger.warning("The UI binds to %s without a login: anyone who can reach this address can use it. "
                       "Set AICITIES_UI_AUTH=user:password to require one.", host)
    if share and auth is None:
        logger.warning("share=True publishes the UI on a public link without a login; set AICITIES_UI_AUTH.")
    started = time.perf_counter()
    library.bot().warm_up()
    logger.info("Chatbot warmed up in %.1fs", time.perf_counter() - started)
    demo = build_ui(library, settings)
    demo.launch(
        server_name=host, server_port=port, share=share, auth=auth, prevent_thread_lock=prevent_thread_lock,
        quiet=quiet, show_error=False, theme=THEME, max_file_size=settings.max_source_bytes,
        css=CSS, js=JS, footer_links=["api", "settings"], run_history=False, enable_monitoring=False,
        mcp_server=False, ssr_mode=False, pwa=False, favicon_path=None,
    )
    logger.info("UI serving at %s", demo.local_url)
    return demo
