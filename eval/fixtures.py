"""Fixture articles: the eval over other ranking articles than the shipped one, so every article the product
claims to handle is gated.

Convention: each `eval/fixtures/*.yaml` is a cases file (the shape of eval/cases.yaml) whose header names its
article, `source: data/fixtures/<file>` (relative to the project root), and may carry its own `thresholds:`
section. `ai-cities eval --fixtures` runs every such file against its own article (indexed into its own
collection, see `eval.run.build_bot`) and gates each one: by its `thresholds:` section, else `--thresholds
FILE`, else the fixture default (accuracy >= 0.85 and no crash). An article in `data/fixtures/` that no
fixture file names fails the run too, so no fixture article goes ungated.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eval.dataset import DatasetError, EvalArgumentError, read_cases_document
from eval.formatting import format_metric, markdown_table
from eval.thresholds import Thresholds
from ingest.core.errors import AICitiesError
from ingest.core.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from rich.console import Console

    from eval.results import EvalRun
    from eval.run import EvalPlan
    from ingest.core.settings import Settings
    from ingest.embeddings import LocalEmbeddings

logger = logging.getLogger(__name__)

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
FIXTURE_ARTICLES_DIR = PROJECT_ROOT / "data" / "fixtures"
FIXTURES_SUMMARY_FILE = "fixtures.md"
DEFAULT_FIXTURE_THRESHOLDS = Thresholds(
    path="fixture default (accuracy >= 0.85, no crash)",
    minimums={"accuracy": 0.85},
    maximums={"crashes": 0.0},
)
"""Gate of a fixture file without a `thresholds:` section (unless `--thresholds` is given)."""


def fixture_files(directory: Path) -> list[Path]:
    """The fixture cases files of a folder, sorted by name.

    Args:
        directory: the folder (eval/fixtures by default).

    Returns:
        Every *.yaml and *.yml file in it (not recursive); empty when the folder does not exist.
    """
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))


def uncovered_articles(sources: Iterable[Path], articles_dir: Path = FIXTURE_ARTICLES_DIR) -> list[Path]:
    """Articles of `articles_dir` that no fixture file names as its source.

    Args:
        sources: the (resolved) sources of the fixture files.
        articles_dir: the folder of fixture articles (data/fixtures).

    Returns:
        The articles (.txt, .md, .html...) without a fixture file, sorted.
    """
    from ingest.loader import SUPPORTED_SUFFIXES

    if not articles_dir.is_dir():
        return []
    covered = {p.resolve() for p in sources}
    return sorted(p for p in articles_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.resolve() not in covered)


@dataclass
class FixtureOutcome:
    """How one fixture file did."""

    path: Path
    source: Path
    run: EvalRun | None = None
    problem: str | None = None
    """Why the fixture could not run (e.g. its article could not be indexed): it then fails."""
    skipped: bool = False
    """No case of the selected categories: not run, not a failure."""

    @property
    def passed(self) -> bool:
        """True when the run met its thresholds (or was skipped)."""
        if self.skipped:
            return True
        return self.problem is None and self.run is not None and self.run.passed


def _plan_all(args: argparse.Namespace, files: list[Path], settings: Settings) -> list[tuple[Path, EvalPlan | None]]:
    """Validate every fixture file before anything runs; every problem of every file is reported at once."""
    from eval.run import plan_run

    plans: list[tuple[Path, EvalPlan | None]] = []
    problems: list[str] = []
    for path in files:
        try:
            if not read_cases_document(path).get("source"):
                raise DatasetError(f"{path}: a fixture file needs a `source:` header (e.g. source: "
                                   "data/fixtures/<article>.txt)")
            plans.append((path, plan_run(path, source=None, categories=args.categories, limit=args.limit,
                                         thresholds_path=args.thresholds, settings=settings,
                                         default_thresholds=DEFAULT_FIXTURE_THRESHOLDS)))
        except EvalArgumentError as exc:
            if args.categories and "no case in categories" in str(exc):
                plans.append((path, None))
            else:
                problems.append(str(exc))
        except AICitiesError as exc:  # DatasetError, or the article cannot be loaded
            problems.append(f"{path}: {exc}" if str(path) not in str(exc) else str(exc))
    if problems:
        raise DatasetError("\n".join(problems))
    return plans


def run_fixtures_from_args(
    args: argparse.Namespace, *, console: Console, embeddings: LocalEmbeddings | None = None
) -> int:
    """`ai-cities eval --fixtures [DIR]`: run and gate every fixture file, each against its own article.

    Args:
        args: options from a parser extended by `eval.cli.add_arguments` (`--fixtures` set).
        console: where to print the summary.
        embeddings: a loaded embedder shared by every fixture's bot (default: one is built from settings and
            loaded once, by the first fixture).

    Returns:
        0 every fixture met its thresholds (or there are none); 1 a fixture missed a threshold, crashed, could
        not be indexed, or an article of data/fixtures has no fixture file; 2 bad options or fixture files
        (every problem is printed).
    """
    from eval.run import default_out_dir, load_settings

    directory: Path = args.fixtures
    try:
        for option, flag in ((args.source, "--source"), (args.cases, "--cases"), (args.compare, "--compare")):
            if option is not None:
                raise EvalArgumentError(f"{flag} cannot be combined with --fixtures (each fixture file names "
                                        "its own article and cases)")
        if not directory.is_dir() and directory.resolve() != FIXTURES_DIR:
            raise EvalArgumentError(f"--fixtures {directory}: not a folder")
        if args.out is not None and args.out.exists() and not args.out.is_dir():
            raise EvalArgumentError(f"--out {args.out}: exists and is not a folder")
        settings = load_settings()
        plans = _plan_all(args, fixture_files(directory), settings)
    except (DatasetError, EvalArgumentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    check_coverage = directory.resolve() == FIXTURES_DIR
    uncovered = uncovered_articles([p.source for _, p in plans if p is not None and p.source]
                                   + [_declared_source(path) for path, p in plans if p is None]) \
        if check_coverage else []
    if not plans and not uncovered:
        console.print(f"No fixture files in {directory}: nothing to gate.", markup=False, highlight=False)
        return 0
    out_root = args.out if args.out is not None else default_out_dir()
    jobs = min(getattr(args, "jobs", 1) or 1, max(1, sum(p is not None for _, p in plans)))
    try:
        if jobs > 1:
            outcomes = _run_in_processes(args, plans, jobs, out_root)
        else:
            if embeddings is None:
                from ingest.embeddings import LocalEmbeddings

                embeddings = LocalEmbeddings(settings.embedding_model_path, torch_threads=settings.torch_threads)
            outcomes = _run_plans(args, plans, settings, embeddings, out_root)
    except OSError as exc:
        print(f"error: cannot write a run folder under {out_root}: {exc}", file=sys.stderr)
        return 2
    print_fixtures(outcomes, uncovered, console)
    _write_summary(outcomes, uncovered, out_root)
    console.print(f"Run folders: {out_root}", markup=False, highlight=False)
    return 0 if all(o.passed for o in outcomes) and not uncovered else 1


def _run_plans(args: argparse.Namespace, plans: list[tuple[Path, EvalPlan | None]], settings: Settings,
               embeddings: LocalEmbeddings | None, out_root: Path) -> list[FixtureOutcome]:
    """Run planned fixture files one after another in this process (OSError: a run folder cannot be written)."""
    from eval.run import build_bot, run_eval

    outcomes: list[FixtureOutcome] = []
    for path, plan in plans:
        if plan is None:
            outcomes.append(FixtureOutcome(path, _declared_source(path), skipped=True))
            continue
        assert plan.source is not None
        outcome = FixtureOutcome(path, plan.source)
        try:
            bot = build_bot(plan.source, settings=settings, embeddings=embeddings)
            outcome.run = run_eval(plan.cases, bot, baseline=not args.no_baseline, out_dir=out_root / path.stem,
                                   thresholds=plan.thresholds, show_progress=not args.no_progress,
                                   cases_path=path, categories=args.categories, limit=args.limit)
        except AICitiesError as exc:  # the article cannot be indexed or answered from at all
            outcome.problem = f"{type(exc).__name__}: {exc}"
            logger.warning("Fixture %s could not run: %s", path, exc)
        outcomes.append(outcome)
    return outcomes


def _run_in_processes(args: argparse.Namespace, plans: list[tuple[Path, EvalPlan | None]], jobs: int,
                      out_root: Path) -> list[FixtureOutcome]:
    """Run the fixture files in `jobs` fresh processes, file i in process i mod jobs (so a file keeps its index
    folder from one run to the next); each process loads its own models and keeps its indexes in its own Chroma
    folder, `<chroma_path>/fixtures-job<k>`, since one Chroma folder is not safe to write from two processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    shares = [[i for i in range(len(plans)) if i % jobs == k] for k in range(jobs)]
    options = {"no_baseline": args.no_baseline, "categories": args.categories, "limit": args.limit,
               "thresholds": args.thresholds}
    by_index: dict[int, FixtureOutcome] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_job, k, [plans[i][0] for i in share], options, out_root)
                   for k, share in enumerate(shares) if share]
        for future, share in zip(futures, [s for s in shares if s], strict=True):
            for i, outcome in zip(share, future.result(), strict=True):
                by_index[i] = outcome
    return [by_index[i] for i in range(len(plans))]


def _job(number: int, paths: list[Path], options: dict[str, object], out_root: Path) -> list[FixtureOutcome]:
    """One process of `--jobs`: plan and run its fixture files (progress bars off: the processes share a
    terminal)."""
    from eval.run import load_settings

    settings = load_settings()
    settings = settings.model_copy(update={"chroma_path": settings.chroma_path / f"fixtures-job{number}"})
    args = argparse.Namespace(no_progress=True, **options)
    return _run_plans(args, _plan_all(args, paths, settings), settings, None, out_root)


def _declared_source(path: Path) -> Path:
    from eval.dataset import resolve_source

    return resolve_source(str(read_cases_document(path)["source"]), path)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _rows(outcomes: list[FixtureOutcome]) -> list[list[str]]:
    rows = []
    for o in outcomes:
        if o.run is None:
            status = "skipped (no case in the categories)" if o.skipped else f"FAILED: {o.problem}"
            rows.append([o.path.name, _rel(o.source), "", "", "", "", "", status])
            continue
        g = o.run.summary.overall
        misses = [c.describe() for c in o.run.failed_checks] + [f"case error: {e}" for e in o.run.errors]
        rows.append([o.path.name, _rel(o.source), str(g.n), format_metric("accuracy", g.accuracy),
                     format_metric("false_refusal_rate", g.abstention.false_refusal_rate),
                     format_metric("trap_refusal_rate", g.trap_refusal_rate), str(g.crashes),
                     "passed" if o.passed else "FAILED: " + "; ".join(misses)])
    return rows


_HEADER = ["fixture", "article", "cases", "accuracy", "false ref.", "traps refused", "crashes", "gate"]


def print_fixtures(outcomes: list[FixtureOutcome], uncovered: list[Path], console: Console) -> None:
    """Print one row per fixture file (its headline metrics and gate) and the articles without a fixture.

    Args:
        outcomes: the fixtures' outcomes.
        uncovered: articles of data/fixtures no fixture file names.
        console: where to print.
    """
    from rich.table import Table

    table = Table(title="Fixture articles", title_justify="left")
    for i, col in enumerate(_HEADER):
        table.add_column(col, justify="right" if 2 <= i <= 6 else "left", overflow="fold")
    for row in _rows(outcomes):
        style = None if row[-1] == "passed" or row[-1].startswith("skipped") else "red"
        table.add_row(*row, style=style)
    console.print(table)
    for article in uncovered:
        console.print(f"Not gated: {_rel(article)} has no eval/fixtures/*.yaml naming it as `source:`",
                      style="bold red", markup=False, highlight=False)
    failed = sum(not o.passed for o in outcomes) + len(uncovered)
    if failed:
        console.print(f"{failed} fixture problem(s).", style="bold red", markup=False)
    else:
        console.print(f"All {len(outcomes)} fixture file(s) met their thresholds.", style="green", markup=False)


def _write_summary(outcomes: list[FixtureOutcome], uncovered: list[Path], out_root: Path) -> None:
    out_root.mkdir(parents=True, exist_ok=True)
    lines = ["# Fixture articles", "", *markdown_table(_HEADER, _rows(outcomes)), ""]
    lines += [f"- Not gated: `{_rel(a)}` has no fixture file" for a in uncovered]
    lines += ["", "Each fixture's own report is in its folder (`<fixture name>/report.md`).", ""]
    (out_root / FIXTURES_SUMMARY_FILE).write_text("\n".join(lines), encoding="utf-8")
