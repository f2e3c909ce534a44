"""The Gradio chat UI: a thin shell over `Chatbot` (no retrieval or answer logic lives here).

`build_ui(bot, settings)` returns the `gr.Blocks` app and `launch(bot, ...)` serves it. The page has:

- a chat whose answers stream in as they form, with conversation memory for follow-ups, a clear button,
  example questions and thumbs up/down votes (appended to the JSONL log at `settings.feedback_path`);
- numbered citation footnotes under each answer; clicking one (or choosing it in the Sources panel) shows
  the cited section of the article with the quoted span highlighted;
- the ranking table, where clicking a city asks about it;
- a named API endpoint `/ask` for `gradio_client`:
  `Client(url).predict("Which city is ranked 8th?", api_name="/ask")` returns
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
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from ingest.core.errors import AICitiesError, ConfigurationError
from ingest.core.models import Answer, Citation
from ingest.core.settings import Settings

logger = logging.getLogger(__name__)

STREAM_DELAY = 0.03
"""Seconds between two streamed drafts of an extractive answer."""
MAX_STREAM_STEPS = 24
"""At most this many drafts per streamed extractive answer (so long answers don't take longer)."""

GENERIC_ERROR = "Something went wrong while answering. The error was logged; please try again."
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
  vertical-align: super; line-height: 0; padding: 0 1px; }
.answer .footnotes { margin: .6em 0 0; padding: .45em 0 0; border-top: 1px solid var(--border-color-primary);
  list-style: none; font-size: .87em; }
.answer .footnotes li { margin: .2em 0; }
.answer .footnote { all: unset; cursor: pointer; color: var(--color-accent); font-weight: 600; }
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
                         f'title="Show [{marker}] in the article">[{marker}]</button>')
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

    SKIP = frozenset({"footnotes", "answer-notice", "abstain-hint", "cursor"})

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


class ChatHandlers:
    """The UI's event handlers over one shared `Chatbot` (models are loaded once, not per user).

    Args:
        bot: the service (`ask`, `ranking`, `source_text`, `section_span`, optionally `stream`).
        settings: where the feedback log goes.
        stream_delay: seconds between streamed drafts (0 in tests).
    """

    def __init__(self, bot: Any, settings: Settings, stream_delay: float = STREAM_DELAY) -> None:
        self.bot = bot
        self.settings = settings
        self.stream_delay = stream_delay
        self._examples: list[str] | None = None

    @property
    def examples(self) -> list[str]:
        """Example questions built from the article's structure (a rank, an entry, a comparison …)."""
        if self._examples is None:
            self._examples = list(self.bot.example_questions())
        return self._examples

    # answers -------------------------------------------------------------------------------------------
    def answer_stream(self, question: str, history: list[tuple[str, str]]) -> Iterator[str | Answer]:
        """Drafts (the whole answer so far, as str) then the final `Answer`.

        Uses `bot.stream(question, history)` when the service has it (same contract); otherwise asks for the
        extractive answer and reveals it a few words at a time.
        """
        stream = getattr(self.bot, "stream", None)
        if callable(stream):
            yield from stream(question, history)
            return
        answer = self.bot.ask(question, history=history)
        if not answer.abstained:
            for draft in progressive_drafts(answer.text):
                yield draft
                if self.stream_delay:
                    time.sleep(self.stream_delay)
        yield answer

    def respond(self, question: str, messages: list | None, turns: list[Turn] | None):
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
            for item in self.answer_stream(question, history):
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
            turns.append(Turn(question, error=error))
            messages[-1] = _assistant(render_error(error or GENERIC_ERROR))
            yield "", list(messages), list(turns), gr.update(), gr.update()
            return
        turns.append(Turn(question, answer=answer))
        messages[-1] = _assistant(render_answer(answer, index))
        choice, view = self._sources(turns, index, answer.citations[0].marker if answer.citations else None)
        yield "", list(messages), list(turns), choice, view

    def ask_example(self, example: Any, messages: list | None, turns: list[Turn] | None):
        """Ask one of the example questions (the Dataset passes its index)."""
        examples = self.examples
        yield from self.respond(examples[_index(example, len(examples))], messages, turns)

    def ask_city(self, evt: gr.SelectData, messages: list | None, turns: list[Turn] | None):
        """Ask about the city on the clicked row of the ranking table."""
        row = evt.row_value if isinstance(evt.row_value, list | tuple) and len(evt.row_value) > 1 else None
        if row is not None:
            city = str(row[1])
        else:
            ranking = self.bot.ranking()
            city = ranking[_index(evt.index, len(ranking))].city
        yield from self.respond(f"Tell me about {city}.", messages, turns)

    def clear(self):
        """Empty the chat, the session's turns and the Sources panel."""
        return "", [], [], gr.update(choices=[], value=None, visible=False), SOURCE_PLACEHOLDER

    # sources -------------------------------------------------------------------------------------------
    def _sources(self, turns: Sequence[Turn], index: int, marker: int | None):
        answer = turns[index].answer if 0 <= index < len(turns) else None
        if answer is None or answer.abstained or not answer.citations:
            return gr.update(), gr.update()
        choices = [(f"[{c.marker}] {c.label}", f"{index}:{c.marker}") for c in answer.citations]
        citation = next((c for c in answer.citations if c.marker == marker), answer.citations[0])
        return (gr.update(choices=choices, value=f"{index}:{citation.marker}", visible=True),
                self.source_view(turns[index].question, citation))

    def source_view(self, question: str | None, citation: Citation) -> str:
        """HTML of the article section behind `citation`, the quote highlighted."""
        span = self.bot.section_span(citation.section)
        return render_source(self.bot.source_text(), span, citation, question)

    def open_citation(self, key: str, turns: list[Turn] | None):
        """Open citation "turn:marker" (a clicked footnote, or a choice in the Sources panel)."""
        turns = list(turns or [])
        match = re.match(r"\s*(\d+):(\d+)", key or "")
        if not match:
            return gr.update(), gr.update()
        return self._sources(turns, int(match.group(1)), int(match.group(2)))

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
    def api_ask(self, question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question about the article, with cited quotes.

        Args:
            question: the question, in English or Chinese.
            history: earlier turns as [question, answer] pairs, for follow-ups.

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
            answer = self.bot.ask(question, history=pairs)
        except AICitiesError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except (TypeError, ValueError) as exc:
            raise gr.Error(f"Invalid request: {exc}", print_exception=False) from None
        except Exception:
            logger.exception("/ask failed")
            raise gr.Error(GENERIC_ERROR, print_exception=False) from None
        return answer_json(answer)


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else getattr(message, "role", None)


def _index(value: Any, size: int) -> int:
    index = int(value[0] if isinstance(value, list | tuple) else value)
    if not 0 <= index < size:
        raise gr.Error("Unknown choice.")
    return index


# -- the app --------------------------------------------------------------------------------------------
def build_ui(library: Any, settings: Settings | None = None, *, stream_delay: float = STREAM_DELAY) -> gr.Blocks:
    """Build the Gradio app over the (shared) `ArticleLibrary`; its queue is set from `settings.ui_concurrency`."""
    settings = settings or library.settings
    bot = library.bot()
    handlers = ChatHandlers(bot, settings, stream_delay=stream_delay)
    ranking = bot.ranking()
    with gr.Blocks(title="Ranking Q&A · grounded answers", analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.HTML(f'<div class="aic-header"><h1>{escape_text(bot.title)}</h1><p>Ask about the article. Every '
                "answer quotes it and cites its sources; click a footnote to read it in context.</p></div>")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat = gr.Chatbot(
                    label="Chat", height=600, render_markdown=False, sanitize_html=True, allow_tags=False,
                    latex_delimiters=[], buttons=[], feedback_options=("Like", "Dislike"),
                    placeholder="Ask anything about the ranking: a city's rank, its companies, policies…",
                    elem_id="chat",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(show_label=False, placeholder="Type a question and press Enter",
                                          max_lines=4, scale=6, elem_id="question", autofocus=True)
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    clear_button = gr.Button("Clear", scale=1, min_width=80, elem_id="clear")
                examples = gr.Dataset(label="Examples", components=["textbox"],
                                      samples=[[q] for q in handlers.examples], type="index",
                                      elem_id="examples")
            with gr.Column(scale=2, min_width=320):
                gr.HTML('<div class="aic-panel-title">Sources</div>')
                source_choice = gr.Radio(choices=[], label="Citations of the answer", interactive=True,
                                         visible=False, elem_id="source-choice")
                source_view = gr.HTML(SOURCE_PLACEHOLDER, elem_id="source-view")
                gr.HTML('<div class="aic-panel-title">The ranking '
                        '<span class="aic-hint">· click a city to ask about it</span></div>')
                rank_table = gr.Dataframe(
                    value=[[e.rank, e.city, " · ".join(e.topics)] for e in ranking],
                    headers=["#", "City", "Topics"], datatype=["number", "str", "str"], interactive=False,
                    wrap=True, buttons=[], show_label=False, column_widths=["11%", "24%", "65%"],
                    max_height=720, elem_id="ranking",
                )
        cite_pick = gr.Textbox(visible="hidden", elem_id="cite-pick")

        outputs = [question, chat, turns, source_choice, source_view]
        private = {"api_visibility": "private"}
        gr.on([question.submit, ask_button.click], handlers.respond, inputs=[question, chat, turns],
              outputs=outputs, **private)
        examples.click(handlers.ask_example, inputs=[examples, chat, turns], outputs=outputs, **private)
        rank_table.select(handlers.ask_city, inputs=[chat, turns], outputs=outputs, **private)
        clear_button.click(handlers.clear, outputs=outputs, queue=False, **private)
        chat.clear(handlers.clear, outputs=outputs, queue=False, **private)
        chat.like(handlers.vote, inputs=[chat, turns], outputs=None, **private)
        source_choice.input(handlers.choose_source, inputs=[source_choice, turns], outputs=[source_view],
                            queue=False, **private)
        cite_pick.change(handlers.open_citation, inputs=[cite_pick, turns],
                        outputs=[source_choice, source_view], queue=False, **private)
        gr.api(handlers.api_ask, api_name="ask",
               api_description="Answer a question about the article; optional history of [question, answer] "
                               "pairs. Returns {text, abstained, notice, citations}.")
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
        quiet=quiet, show_error=False, theme=THEME,
        css=CSS, js=JS, footer_links=["api", "settings"], run_history=False, enable_monitoring=False,
        mcp_server=False, ssr_mode=False, pwa=False, favicon_path=None,
    )
    logger.info("UI serving at %s", demo.local_url)
    return demo
