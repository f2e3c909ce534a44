"""The `ai-cities` command line: a thin shell over the Python API (`ingest`, `ask`, `chat`, `ui`, `serve`), plus the
commands other packages register (`Command`: the benchmark's `eval`, `load` and `bench`). Imports are lazy:
`ai-cities ask` loads what one answer needs, nothing of the UI, and never looks for registered commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.cli import SOURCE_HELP
from ingest.core.cli import load_settings, quiet_environment, run_guarded
from ingest.core.errors import AICitiesError

logger = logging.getLogger(__name__)

HISTORY_SHAPE = '[["question", "answer"], ...]'


def _settings(args: argparse.Namespace | None = None):
    """The settings, with the article that `--article` names (when given) as the default one."""
    settings = load_settings()
    article = getattr(args, "article", None)
    return settings.model_copy(update={"article": article}) if article else settings


def _library(args: argparse.Namespace | None = None):
    from app.compose import build_library

    return build_library(_settings(args))


def _chatbot(args: argparse.Namespace | None = None):
    """The bot of the article `--article` names (default: AICITIES_ARTICLE, else the shipped one).

    Raises:
        UnknownArticleError: no article has that id.
    """
    return _library(args).bot()


def format_stages(stages: dict[str, float]) -> list[str]:
    """The lines `ai-cities ingest --timings` prints: one per stage, in the order they run (`read_stages`)."""
    from ingest.timing import STAGES

    order = [s for s in STAGES if s in stages] + [s for s in stages if s not in STAGES]
    return [f"  {name:<22}{stages[name]:8.2f}s" for name in order]


def read_stages(output: str) -> dict[str, float]:
    """The stages `format_stages` printed, read back from a command's output."""
    import re

    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(?m)^  (\S.*?)\s+(\d+\.\d+)s$", output)}


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.progress import terminal_bars
    from ingest.timing import Stages

    stages = Stages(terminal_bars(None))
    library = _library(args)
    if args.source:  # add the article, or refresh it (its id comes from the file name unless --article names one)
        article, report = library.add(args.source, article_id=args.article, rebuild=args.rebuild, stages=stages,
                                      on_fetched=lambda line: print(line, flush=True))
    else:  # refresh the article --article names (default: the shipped one) from its own source
        article, report = library.refresh(rebuild=args.rebuild, stages=stages)
    print(report.summary())
    print(f"article {article.id!r}: “{article.title}”, {article.entries} {article.noun or 'entries'} "
          f"(ask it with --article {article.id}; `ai-cities articles` lists the library)")
    if args.timings:
        print("\n".join(format_stages(report.stages)))
    return 0


def read_history(path: str) -> list[tuple[str, str]]:
    """The --history file: a JSON list of [question, answer] string pairs.

    Raises:
        AICitiesError: unreadable, not JSON, or not that shape; one line saying which, and the shape.
    """

    def bad(problem: str) -> AICitiesError:
        return AICitiesError(f"--history must be a JSON file of {HISTORY_SHAPE} pairs: {problem}")

    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad(f"cannot read {path} ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise bad(f"{path} is not UTF-8 text") from exc
    except ValueError as exc:
        raise bad(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(raw, list):
        raise bad(f"{path} holds a JSON {type(raw).__name__}, not a list")
    pairs = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, list) or len(item) != 2:
            what = f"a list of {len(item)}" if isinstance(item, list) else f"a {type(item).__name__}"
            raise bad(f"item {n} is {what}, not a [question, answer] pair")
        if not all(isinstance(part, str) for part in item):
            raise bad(f"item {n} has a part that is not a string")
        pairs.append((item[0], item[1]))
    return pairs


def render(answer, as_json: bool = False) -> str:
    """An answer as the CLI prints it: text, then numbered sources with their quotes (or JSON)."""
    if as_json:
        return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
    lines = [answer.text]
    if answer.notice:
        lines.insert(0, f"({answer.notice})")
    if answer.citations:
        lines.append("")
        origin = f"“{answer.article}”" if answer.article else ""
        if answer.source_url:
            origin = f"{origin} ({answer.source_url})" if origin else answer.source_url
        lines.append(f"Sources, from {origin}:" if origin else "Sources:")
        for c in answer.citations:
            lines.append(f"  [{c.marker}] {c.label} (chars {c.start}-{c.end}): \"{c.quote}\"")
    return "\n".join(lines)


def format_articles(articles) -> str:
    """The table `ai-cities articles` prints: one line per article, the shipped one marked."""
    rows = [("ID", "TITLE", "ENTRIES", "INGESTED", "SOURCE")]
    for a in articles:
        entries = f"{a.entries} {a.noun}".strip() if a.ingested_at else "-"
        title = a.title if len(a.title) <= 50 else a.title[:49] + "…"
        rows.append((a.id + (" (shipped)" if a.shipped else ""), title, entries,
                     a.ingested_at.replace("T", " ")[:16] if a.ingested_at else "not yet", a.url or a.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
                     for r in rows)


def cmd_articles(args: argparse.Namespace) -> int:
    library = _library()
    if args.action == "rm":
        if not args.id:
            raise AICitiesError("usage: ai-cities articles rm ID (`ai-cities articles` lists the ids)")
        removed = library.remove(args.id)
        print(f"removed article {removed.id!r} (“{removed.title}”): its collection {removed.collection!r} and "
              "its companions; nothing else was touched")
        return 0
    if args.id:
        raise AICitiesError(f"unexpected argument {args.id!r}: `ai-cities articles` or `ai-cities articles rm ID`")
    articles = library.articles()
    print(json.dumps([a.to_dict() for a in articles], ensure_ascii=False, indent=2) if args.json
          else format_articles(articles))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    history = read_history(args.history) if args.history else []
    bot = _chatbot(args)
    answer = bot.ask(args.question, history=history)
    print(render(answer, args.json))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from app.repl import run_repl

    return run_repl(_chatbot(args))


def cmd_ui(args: argparse.Namespace) -> int:
    from app.ui import launch

    launch(_library(args), host=args.host, port=args.port, share=args.share)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.server import serve

    settings = _settings(args)
    base = f"http://{args.host or settings.api_host}:{args.port or settings.api_port}"
    print(f"starting: the UI at {base}/ and the OpenAI-compatible API at {base}/v1 (Ctrl+C stops)",
          file=sys.stderr, flush=True)
    serve(settings, host=args.host, port=args.port)
    return 0


# --- commands other packages add (the benchmark's `eval`, `load` and `bench`) ------------------------------

COMMANDS_GROUP = "ai_cities.commands"
"""The entry point group through which other packages add commands to `ai-cities`."""
BUILTIN_COMMANDS = ("ingest", "articles", "ask", "chat", "ui", "serve")


@dataclass(frozen=True)
class Command:
    """A command another package adds to `ai-cities`, the way plugins add commands to `llm`: the package declares
    an entry point in the group `ai_cities.commands` whose name is the command's name and whose object is a
    `Command` (pyproject.toml: `[project.entry-points."ai_cities.commands"]`, `bench = "eval.bench:COMMAND"`).
    The CLI imports no such package by name; it finds them with `importlib.metadata` when the command given is
    not one of its own, so `ai-cities ask` loads none of them.

    Attributes:
        help: one line for `ai-cities --help`.
        run: runs the command from the parsed arguments and returns the exit code.
        add_arguments: adds the command's options to its subparser; called only when the command is the one given.
        main: instead of `run` and `add_arguments`: takes the raw arguments after the command's name, parses them
            itself (its own `--help`) and returns the exit code.
    """

    help: str
    run: Callable[[argparse.Namespace], int] | None = None
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    main: Callable[[list[str]], int] | None = None


def registered_commands(wanted: str | None = None) -> dict[str, Command]:
    """The commands installed packages register under `ai_cities.commands`, by name, sorted.

    Args:
        wanted: load only this command when it is registered (the others are not imported); otherwise all.

    An entry point that cannot be loaded, or whose object is not a `Command`, is left out with a warning; a
    name of a built-in command is ignored.
    """
    from importlib.metadata import entry_points

    points = [p for p in entry_points(group=COMMANDS_GROUP) if p.name not in BUILTIN_COMMANDS]
    if any(p.name == wanted for p in points):
        points = [p for p in points if p.name == wanted]
    found: dict[str, Command] = {}
    for point in sorted(points, key=lambda p: p.name):
        if point.name in found:
            continue  # the same distribution seen twice on sys.path: the first one wins
        try:
            command = point.load()
        except Exception as exc:  # a broken or half-installed package must not break the other commands
            logger.warning("command %r (%s) could not be loaded: %s", point.name, point.value, exc)
            continue
        if not isinstance(command, Command) or (command.run is None) == (command.main is None):
            logger.warning("command %r (%s) is not an app.cli.Command with either run or main", point.name,
                           point.value)
            continue
        found[point.name] = command
    return found


def _article_option(parser: argparse.ArgumentParser, purpose: str = "the article to answer from") -> None:
    parser.add_argument("--article", metavar="ID", help=f"{purpose}: an id `ai-cities articles` lists (default: "
                        "AICITIES_ARTICLE, else the shipped article)")


def build_parser(commands: Mapping[str, Command] | None = None, *, selected: str | None = None
                 ) -> argparse.ArgumentParser:
    """The argument parser of `ai-cities` (also used by `python -m app`).

    Args:
        commands: the commands other packages add (`registered_commands()`), listed after the built-in ones.
        selected: the command given: only its `add_arguments` is called (the others' options are not needed).
    """
    parser = argparse.ArgumentParser(prog="ai-cities", description="Grounded, cited Q&A about a ranking "
                                     "article: the shipped one, or one you ingested (--article ID).")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log progress (INFO) and our own debug details, such as an internal error's traceback")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a source article into Chroma (skipped when already up to date)")
    p.add_argument("source", nargs="?", help=f"{SOURCE_HELP.split(' (default')[0]}: added to the library as an "
                   "article of its own, or refreshed if it is there (default: refresh the article --article names, "
                   "else the shipped one, from its own source)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    p.add_argument("--timings", action="store_true", help="print the seconds of each stage of the ingest")
    p.add_argument("--article", metavar="ID", help="the article's id: with SOURCE, the id to store it under "
                   "(default: made from its file name); without, the article to refresh (default: the shipped one)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("articles", help="list the articles of the library, or remove one (`articles rm ID`)")
    p.add_argument("action", nargs="?", choices=["list", "rm"], default="list", help="list (default) or rm")
    p.add_argument("id", nargs="?", help="with rm: the id of the article to remove")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the full answer as JSON")
    p.add_argument("--history", metavar="FILE", help=f"JSON file of earlier turns: {HISTORY_SHAPE}")
    _article_option(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="chat in the terminal (follow-ups use the conversation; /help inside)")
    _article_option(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ui", help="start the Gradio chat UI")
    p.add_argument("--host", default=None, help="address to bind (default: AICITIES_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: AICITIES_UI_PORT, 7860)")
    p.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    _article_option(p, "the article the page opens on (each browser session can switch)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("serve", help="serve the HTTP API (OpenAI-compatible /v1, /api/ask, /healthz, /metrics) "
                       "with the UI at /")
    p.add_argument("--host", default=None, help="address to bind (default: AICITIES_API_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: AICITIES_API_PORT, 8080)")
    _article_option(p, "the article answered when a request names none (model `ai-cities`)")
    p.set_defaults(func=cmd_serve)

    for name, command in (commands or {}).items():
        # a command that parses its own arguments (`main`) is run before this parser (see main()); listed here
        p = sub.add_parser(name, help=command.help, add_help=command.main is None)
        if command.add_arguments is not None and name == selected:
            command.add_arguments(p)
        p.set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None, *, commands: Mapping[str, Command] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 an error, 2 bad arguments, 130 interrupted).

    No traceback ever reaches the user: errors are one line on stderr (`error: ...`); an unexpected one
    says "internal error" and its traceback is logged at DEBUG (shown with -v).

    Args:
        argv: the arguments (default: sys.argv[1:]).
        commands: the commands besides the built-in ones (default: those installed packages register under
            `ai_cities.commands`, looked up only when the command given is not a built-in one).
    """
    quiet_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    name = next((a for a in argv if not a.startswith("-")), None)
    if commands is None:
        commands = {} if name in BUILTIN_COMMANDS else registered_commands(name)
    command = commands.get(name) if name is not None else None
    if command is not None and command.main is not None:
        run_main, rest = command.main, argv[argv.index(name) + 1:]
        return run_guarded(lambda: run_main(rest), verbose="-v" in argv or "--verbose" in argv)
    args = build_parser(commands, selected=name).parse_args(argv)
    return run_guarded(lambda: args.func(args), verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
