"""`ai-cities chat`: a terminal chat over the article.

It loads once (one "loading…" status line), keeps the conversation so follow-ups ("What rank does it
have?") work, prints each answer with its numbered sources, and knows a few commands: /sources (the last
answer's quotes with their sections), /reset (forget the conversation), /help and /quit. Ctrl-D and Ctrl-C
leave cleanly. On a terminal, lines are edited and remembered with readline (history in
AICITIES_CHAT_HISTORY_FILE).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ingest.core.errors import AICitiesError

if TYPE_CHECKING:
    from app.chatbot import Chatbot
    from ingest.core.models import Answer

logger = logging.getLogger(__name__)

PROMPT = "> "
HELP = """Ask anything about the article; follow-up questions use the conversation.
  /sources  the last answer's quotes, with their sections and character offsets
  /reset    forget the conversation (start over)
  /help     this help
  /quit     leave (or Ctrl-D, Ctrl-C)"""
# Follow-ups only need the recent turns; a bounded history keeps each question's work bounded too.
MAX_TURNS = 20


class ChatSession:
    """One terminal conversation: history, the last answer, and the commands over them."""

    def __init__(self, bot: Chatbot, out: TextIO) -> None:
        self.bot = bot
        self.out = out
        self.history: list[tuple[str, str]] = []
        self.last: Answer | None = None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """Act on one input line; False when the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return self.command(line)
        self.ask(line)
        return True

    def command(self, line: str) -> bool:
        name = line.split()[0].lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name in ("/help", "/?"):
            self.say(HELP)
        elif name == "/reset":
            self.history.clear()
            self.last = None
            self.say("(conversation cleared)")
        elif name == "/sources":
            self.say(self.sources())
        else:
            self.say(f"unknown command {name}; /help lists the commands")
        return True

    def ask(self, question: str) -> None:
        try:
            answer = self.bot.ask(question, history=self.history[-MAX_TURNS:])
        except AICitiesError as exc:
            self.say(f"error: {' '.join(str(exc).split())}")
            return
        except Exception as exc:  # one bad question must not end the conversation
            logger.debug("Internal error on %r", question, exc_info=True)
            self.say(f"error: internal error: {type(exc).__name__}: {exc}; rerun with -v for details")
            return
        self.last = answer
        self.history.append((question, answer.text))
        self.say(format_answer(answer))

    def sources(self) -> str:
        if self.last is None:
            return "(no answer yet)"
        if not self.last.citations:
            return "(the last answer has no sources)"
        lines = []
        for c in self.last.citations:
            lines.append(f"[{c.marker}] {c.label}  (chars {c.start}-{c.end})")
            lines.append(f"    \"{c.quote}\"")
        return "\n".join(lines)


def format_answer(answer: Answer) -> str:
    """An answer for the chat: the text with its [n] markers, then one line per numbered source."""
    lines = []
    if answer.notice:
        lines.append(f"({answer.notice})")
    lines.append(answer.text)
    if answer.citations:
        lines.append("")
        lines += [f"  [{c.marker}] {c.label}" for c in answer.citations]
        lines.append("  (/sources shows the quotes)")
    return "\n".join(lines) + "\n"


def _setup_readline(history_file: Path | None) -> object | None:
    """Line editing and a persistent history on a terminal; None when readline is unavailable."""
    try:
        import readline
    except ImportError:
        return None
    if history_file is not None:
        with contextlib.suppress(OSError):  # first run: no history yet
            readline.read_history_file(str(history_file))
        readline.set_history_length(1000)
    return readline


def _save_readline(readline: object | None, history_file: Path | None) -> None:
    if readline is None or history_file is None:
        return
    try:
        history_file.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(str(history_file))  # type: ignore[attr-defined]
    except OSError:
        logger.debug("Could not write chat history to %s", history_file, exc_info=True)


def run_repl(bot: Chatbot, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run the chat until /quit, Ctrl-D or Ctrl-C; returns the exit code (0)."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty() and out.isatty()
    err = sys.stderr
    print("loading…", end="\r" if err.isatty() else "\n", file=err, flush=True)
    started = time.perf_counter()
    bot.warm_up()
    status = f"ready in {time.perf_counter() - started:.1f}s: {bot.title}"
    print(("\033[K" if err.isatty() else "") + status, file=err, flush=True)
    history_file = bot.settings.chat_history_file if interactive else None
    readline = None
    session = ChatSession(bot, out)
    try:
        readline = _setup_readline(history_file) if interactive else None
        print("Ask about the article; /help for commands, /quit to leave.", file=err, flush=True)
        while True:
            try:
                line = input(PROMPT) if interactive else _read_line(stdin, out)
            except EOFError:
                if interactive:
                    print(file=out)
                break
            if not session.handle(line):
                break
    except KeyboardInterrupt:
        print(file=out)
    finally:
        _save_readline(readline, history_file)
    print("bye", file=err, flush=True)
    return 0


def _read_line(stdin: TextIO, out: TextIO) -> str:
    """One line from a non-terminal stdin (a pipe or a test), echoed after the prompt so the transcript reads
    like the terminal; EOFError at the end."""
    line = stdin.readline()
    if not line:
        raise EOFError
    print(PROMPT + line.rstrip("\n"), file=out, flush=True)
    return line
