"""`ai-cities eval` and `python -m eval`: the options of the eval and the run they start (one cases file, or every
fixture file with `--fixtures`). Eval registers the command with `ai-cities` through the entry point group
`ai_cities.commands` (pyproject.toml; see `app.cli.Command`): the product never imports its benchmark.

Exit codes of `run_from_args`: 0 every threshold met, 1 a threshold missed (or a case raised), 2 bad
arguments or files (cases, source, thresholds, compare folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import Command
from eval.compare import load_previous_run
from eval.dataset import CATEGORIES, DEFAULT_CASES_PATH, EvalArgumentError
from eval.fixtures import FIXTURES_DIR, run_fixtures_from_args
from eval.report import print_summary
from eval.run import build_bot, default_out_dir, load_settings, plan_run, run_eval
from ingest.core.errors import AICitiesError

if TYPE_CHECKING:
    from rich.console import Console

    from ingest.embeddings import LocalEmbeddings


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the eval options to a parser (the `ai-cities eval` subparser, or `python -m eval`'s).

    Args:
        parser: the parser to extend; `-v/--verbose`, `command` and `func` are left to the caller.
    """
    parser.add_argument("--cases", metavar="FILE", type=Path, default=None,
                        help="YAML file of eval cases (default: eval/cases.yaml)")
    parser.add_argument("--source", metavar="FILE", type=Path, default=None,
                        help="article to evaluate (.txt/.md/.html): indexed into its own Chroma collection "
                             "(eval-<hash>), never the main index (default: the cases file's `source:`, else "
                             "AICITIES_SOURCE_PATH with the main index)")
    parser.add_argument("--fixtures", metavar="DIR", nargs="?", type=Path, const=FIXTURES_DIR, default=None,
                        help="run every eval/fixtures/*.yaml (or DIR/*.yaml), each against its own `source:`, "
                             "and gate each one")
    parser.add_argument("--category", metavar="NAME", action="append", default=[], dest="categories",
                        help=f"run only this category (repeatable): {', '.join(CATEGORIES)}")
    parser.add_argument("--limit", metavar="N", type=_positive_int, default=None,
                        help="run only the first N cases (after --category), for smoke tests")
    parser.add_argument("--out", metavar="DIR", type=Path, default=None,
                        help="run folder to write (default: eval/runs/<timestamp>)")
    parser.add_argument("--compare", metavar="RUN_DIR", type=Path, default=None,
                        help="an earlier run folder: print what got better and worse, case by case")
    parser.add_argument("--thresholds", metavar="FILE", type=Path, default=None,
                        help="YAML file of minimum metrics; exit 1 below any (default: the cases file's "
                             "`thresholds:` section, else eval/thresholds.yaml)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the naive baseline (faster; the report then has no baseline column)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--jobs", metavar="N", type=_positive_int, default=1,
                        help="with --fixtures: run the fixture files in N processes at once (each with its own "
                        "models and its own Chroma folder under the configured one)")


def _console(console: Console | None) -> Console:
    from rich.console import Console

    if console is not None:
        return console
    console = Console()
    return console if console.is_terminal else Console(width=160)


def run_from_args(
    args: argparse.Namespace,
    *,
    bot: Any = None,
    console: Console | None = None,
    embeddings: LocalEmbeddings | None = None,
) -> int:
    """Run the eval from parsed options, print the tables, and return the exit code.

    Args:
        args: options from a parser extended by `add_arguments`.
        bot: the product to evaluate (default: `build_bot(...)`, from AICITIES_* settings and `--source`).
        console: a rich Console for the report (default: stdout; 160 columns when not a terminal).
        embeddings: a loaded embedder for the bots this builds (default: each bot loads its own).

    Returns:
        0 all thresholds met; 1 a threshold missed or a case raised; 2 bad arguments or input files (the
        message is printed to stderr on one line).
    """
    if getattr(args, "fixtures", None) is not None:
        return run_fixtures_from_args(args, console=_console(console), embeddings=embeddings)
    try:
        settings = load_settings()
        cases_path = args.cases if args.cases is not None else DEFAULT_CASES_PATH
        plan = plan_run(cases_path, source=args.source, categories=args.categories, limit=args.limit,
                        thresholds_path=args.thresholds, settings=settings)
        if args.compare is not None:
            load_previous_run(args.compare)  # fail fast, before the long part
        if args.out is not None and args.out.exists() and not args.out.is_dir():
            raise EvalArgumentError(f"--out {args.out}: exists and is not a folder")
        if bot is None:
            bot = build_bot(plan.source, settings=settings, embeddings=embeddings)
    except AICitiesError as exc:  # DatasetError, EvalArgumentError, or SourceError (the article cannot be loaded)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    console = _console(console)
    out_dir = args.out if args.out is not None else default_out_dir()
    try:
        run = run_eval(
            plan.cases, bot,
            baseline=not args.no_baseline,
            out_dir=out_dir,
            thresholds=plan.thresholds,
            compare_to=args.compare,
            show_progress=not getattr(args, "no_progress", False),
            cases_path=plan.cases_path,
            categories=args.categories,
            limit=args.limit,
        )
    except EvalArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write the run folder {out_dir}: {exc}", file=sys.stderr)
        return 2
    print_summary(run, console)
    return run.exit_code


COMMAND = Command(help="run the evaluation benchmark", add_arguments=add_arguments, run=run_from_args)
"""`ai-cities eval`, registered in pyproject.toml under `ai_cities.commands`."""
