"""The eval runner: ask every case of a cases file to the product and to the naive baseline, score both, gate on
thresholds, and write a run folder. Thresholds live in `eval.thresholds`, what a run produced in `eval.results`,
the comparison with an earlier run in `eval.compare`, the report and tables in `eval.report`, fixture articles
in `eval.fixtures`, and the command line (`ai-cities eval`, `python -m eval`) in `eval.cli`.

`run_eval(cases, bot, ...)` (programmatic) returns an `EvalRun` and, given `out_dir`, writes the folder;
`plan_run` and `build_bot` decide, before anything slow, what a run will ask and of which bot.

Which article. By default the product is the bot the CLI builds (`Settings()`, the user's index). With
`--source FILE` (or a cases file whose header says `source: FILE`), FILE is indexed into its own Chroma
collection, named after the hash of its text (`eval-<16 hex>`), so the user's main index is never touched and
a second run reuses the collection. The cases' `expected_sections` are checked against that article's sections.

How a case is asked. The product gets every turn of a conversation in order, each earlier turn with the bot's
own answers as history, and only the last turn is scored (its timings are the ones reported). The baseline
(`eval.baseline.NaiveBaseline`, the LangChain tutorial recipe) has no memory: it gets the last question
alone, so a follow-up that needs the earlier turns is expected to fail there. A question the product rejects
with a user-facing error (`AICitiesError`, e.g. too long) counts as a refusal (abstained); an unexpected
exception is a crash: recorded as a wrong answer, counted in `crashes`, listed under `errors`, and any crash
fails the run.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from eval.compare import compare_runs, load_previous_run
from eval.dataset import Case, EvalArgumentError, load_cases_file, select_categories
from eval.markup import first_questions, markup_shown
from eval.metrics import evaluate_case, summarize
from eval.report import write_run
from eval.results import CaseRecord, EvalRun, ProbeRecord, System
from eval.thresholds import DEFAULT_THRESHOLDS_PATH, Thresholds, resolve_thresholds
from ingest.core.errors import AICitiesError
from ingest.core.models import Answer

if TYPE_CHECKING:
    from app.chatbot import Chatbot
    from ingest.core.settings import Settings
    from ingest.embeddings import LocalEmbeddings

logger = logging.getLogger(__name__)

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_RUNS_DIR = EVAL_DIR / "runs"
BASELINE_COLLECTION = "eval-naive-baseline"
BASELINE_HISTORY_POLICY = "last question only (the tutorial recipe has no memory; earlier turns are not sent)"
SOURCE_COLLECTION_PREFIX = "eval-"


# --------------------------------------------------------------------------------------------------------
# Running the cases
# --------------------------------------------------------------------------------------------------------


def _refusal(question: str, exc: AICitiesError) -> Answer:
    return Answer(text=f"(rejected: {exc})", abstained=True, question=question, mode="abstain",
                  notice=f"rejected: {type(exc).__name__}")


def _crash(question: str, exc: Exception) -> Answer:
    return Answer(text="", abstained=False, question=question, notice=f"error: {type(exc).__name__}: {exc}")


def ask_case(system: System, case: Case, source_text: str, *, with_history: bool = True) -> CaseRecord:
    """Ask one case to one system and score the last turn.

    Args:
        system: the product (`Chatbot`) or the baseline.
        case: the case.
        source_text: the indexed article text (for quote validity).
        with_history: ask earlier turns first and pass (question, answer text) pairs as history; when False
            only the last turn is asked, with no history (the baseline, which has no memory).

    Returns:
        The record. A user-facing rejection (`AICitiesError`) counts as an abstention; any other exception
        is recorded in `error`, scored as a wrong answer and counted as a crash.
    """
    history: list[tuple[str, str]] = []
    error: str | None = None
    if with_history:
        for turn in case.history_questions:
            try:
                reply = system.ask(turn, history=list(history)).text
            except AICitiesError as exc:
                reply = f"(rejected: {exc})"
            except Exception as exc:
                logger.exception("Case %s: an earlier turn raised", case.id)
                error = f"turn {len(history) + 1} raised {type(exc).__name__}: {exc}"
                reply = ""
            history.append((turn, reply))
    question = case.scored_question
    try:
        answer = system.ask(question, history=list(history))
    except AICitiesError as exc:
        answer = _refusal(question, exc)
    except Exception as exc:
        logger.exception("Case %s raised", case.id)
        error = f"raised {type(exc).__name__}: {exc}"
        answer = _crash(question, exc)
    result = evaluate_case(case, answer, source_text, error=error)
    return CaseRecord(case, answer, result, history, error)


def ask_first_questions(system: System, source_text: str, raw: str, *, html: bool = False) -> list[ProbeRecord]:
    """Ask the questions users start with (`eval.markup.first_questions`) and record any markup the answers
    show and any unexpected exception; a rejection (`AICitiesError`) is an answer like any other."""
    records = []
    for question in first_questions(source_text):
        try:
            answer = system.ask(question)
        except AICitiesError as exc:
            answer = _refusal(question, exc)
        except Exception as exc:
            logger.exception("First question %r raised", question)
            records.append(ProbeRecord(question, "", error=f"raised {type(exc).__name__}: {exc}"))
            continue
        records.append(ProbeRecord(question, answer.text, markup_shown(answer, raw, html=html)))
    return records


def _raw_source(bot: Any) -> str:
    """The article's source file as written (markup and all), which tells markup from an article that writes
    about markup; empty when the bot has no readable source file."""
    source = _source_of(bot)
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace") if source else ""
    except OSError:
        return ""


def _settings_used(bot: Any, records: Sequence[CaseRecord]) -> dict[str, Any]:
    modes = Counter(r.answer.mode for r in records)
    bot_settings = getattr(bot, "settings", None)
    llm = getattr(bot_settings, "llm", None)
    backend = llm if llm else "extractive"
    settings: dict[str, Any] = {"backend": backend, "answer_modes": dict(sorted(modes.items()))}
    if llm:
        llm_answers = [r.answer for r in records if r.answer.mode in ("llm", "llm-partial")]
        settings["verification"] = {
            "llm_answers": len(llm_answers),
            "sentences_kept": sum(len(re.findall(r"[^.!?\n]*\[\d+\][^.!?\n]*", a.text)) for a in llm_answers),
            "sentences_dropped": sum(r.answer.dropped_sentences for r in records),
            "fallbacks": modes.get("extractive-fallback", 0),
        }
    if bot_settings is not None and hasattr(bot_settings, "model_dump"):
        settings["product"] = bot_settings.model_dump(mode="json", exclude={"ui_auth"})
    embeddings = getattr(bot, "embeddings", None)
    model_id = getattr(embeddings, "model_id", None)
    if model_id is not None:
        settings["embedding_model"] = str(model_id)
    return settings


def _source_of(bot: Any) -> str | None:
    source = getattr(getattr(bot, "settings", None), "source_path", None)
    return str(source) if source is not None else None


def _unnumbered_headings(source_text: str) -> tuple[str, ...]:
    """Titles of the article's sections that are not ranked (e.g. "Trends & Observations"), for the baseline."""
    from ingest.parser import parse_article

    return tuple(s.title.text for s in parse_article(source_text).sections if s.rank is None and s.title.text)


def default_out_dir(runs_dir: Path = DEFAULT_RUNS_DIR, now: datetime | None = None) -> Path:
    """A fresh timestamped run folder path under `runs_dir` (not created), e.g. eval/runs/2026-11-30T05-30-00.

    Args:
        runs_dir: the parent folder.
        now: the timestamp (default: now, local time).

    Returns:
        A path that does not exist yet (a "-2", "-3"... suffix is added on a clash).
    """
    stamp = (now or datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")
    candidate = runs_dir / stamp
    n = 2
    while candidate.exists():
        candidate = runs_dir / f"{stamp}-{n}"
        n += 1
    return candidate


def run_eval(
    cases: Sequence[Case],
    bot: Chatbot | Any,
    *,
    baseline: bool = True,
    out_dir: Path | str | None = None,
    thresholds: Thresholds | None = None,
    compare_to: Path | str | None = None,
    show_progress: bool = True,
    cases_path: Path | str | None = None,
    categories: Sequence[str] = (),
    limit: int | None = None,
    baseline_client: Any = None,
    check_first_questions: bool = True,
) -> EvalRun:
    """Run the eval: every case on the product and (optionally) on the naive baseline, in one run.

    Args:
        cases: the cases to run (already filtered/limited).
        bot: a `Chatbot` (anything with `ask`, `warm_up`, `source_text` and `embeddings`).
        baseline: also score the naive baseline (built on `bot.embeddings` and an in-memory Chroma client).
        out_dir: write results.json, report.md and the chart there (created); None writes nothing.
        thresholds: check the product's summary against these.
        compare_to: an earlier run folder (or its results.json) to compare with, case by case.
        show_progress: show a tqdm progress bar over cases on stderr.
        cases_path: where the cases came from (recorded only).
        categories: the categories selected (recorded only).
        limit: the --limit used. With no `categories` and no `limit` the run counts as a full run of its
            cases file, so a category the thresholds enforce must have cases (see `eval.thresholds`).
        baseline_client: a chromadb client for the baseline (default: a new in-memory one).
        check_first_questions: also ask the questions users start with (`eval.markup.first_questions`), which
            only fail the run by crashing or showing markup. Every product answer is checked for markup.

    Returns:
        The run. Its `exit_code` is 1 when a threshold was missed, or a case or first question raised or showed
        markup.

    Raises:
        EvalArgumentError: `compare_to` is not a readable earlier run (checked before anything runs).
    """
    from tqdm import tqdm

    previous = load_previous_run(compare_to) if compare_to is not None else None
    started_at = datetime.now()
    t0 = time.perf_counter()
    bot.warm_up()
    source_text = bot.source_text()
    t_warm = time.perf_counter()
    naive = None
    baseline_info = None
    if baseline:
        from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE, TOP_K, NaiveBaseline, make_client

        naive = NaiveBaseline(source_text, bot.embeddings, baseline_client or make_client(),
                              collection_name=BASELINE_COLLECTION, headings=_unnumbered_headings(source_text))
        baseline_info = {
            "recipe": "RecursiveCharacterTextSplitter on the raw text -> Chroma -> top-k similarity search; "
                      "answer = top chunk text",
            "chunk_size": CHUNK_SIZE, "chunk_overlap": CHUNK_OVERLAP, "top_k": TOP_K,
            "chunks": len(naive.chunks), "history": BASELINE_HISTORY_POLICY,
        }
    t_base = time.perf_counter()
    product: list[CaseRecord] = []
    naive_records: list[CaseRecord] = []
    try:
        with tqdm(total=len(cases), desc="eval", unit="case", file=sys.stderr, disable=not show_progress,
                  dynamic_ncols=True) as bar:
            for case in cases:
                product.append(ask_case(bot, case, source_text))
                if naive is not None:
                    naive_records.append(ask_case(naive, case, source_text, with_history=False))
                bar.update(1)
    finally:
        if naive is not None:
            naive.drop()
    raw = _raw_source(bot)
    html = Path(_source_of(bot) or "").suffix.lower() in {".html", ".htm"}
    for record in product:
        record.markup = markup_shown(record.answer, raw, html=html)
    probes = ask_first_questions(bot, source_text, raw, html=html) if check_first_questions else []
    t_cases = time.perf_counter()
    summary = summarize([r.result for r in product])
    baseline_summary = summarize([r.result for r in naive_records]) if naive is not None else None
    run = EvalRun(
        cases=list(cases),
        product=product,
        baseline=naive_records if naive is not None else None,
        summary=summary,
        baseline_summary=baseline_summary,
        started_at=started_at,
        seconds={},
        settings=_settings_used(bot, product),
        cases_path=str(cases_path) if cases_path is not None else None,
        categories=list(categories),
        limit=limit,
        baseline_info=baseline_info,
        thresholds=thresholds,
        checks=thresholds.check(summary, full_run=not categories and limit is None) if thresholds else [],
        source=_source_of(bot),
        probes=probes,
    )
    if previous is not None:
        run.comparison = compare_runs(run.to_json(), previous, str(compare_to))
    # "total" covers warm-up, baseline index, cases and scoring; writing the folder comes after it.
    run.seconds = {"warm_up": t_warm - t0, "baseline_build": t_base - t_warm, "cases": t_cases - t_base,
                   "total": time.perf_counter() - t0}
    if out_dir is not None:
        write_run(run, Path(out_dir))
    logger.info("Eval of %d cases done in %.1fs", len(cases), run.seconds["total"])
    return run


def load_settings() -> Settings:
    """The product's settings from AICITIES_* variables (and .env).

    Returns:
        The settings.

    Raises:
        EvalArgumentError: an AICITIES_* setting is invalid.
    """
    from ingest.core.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        raise EvalArgumentError(f"invalid setting AICITIES_{name}: {first['msg']}") from exc


def source_collection(source: Path | str, max_bytes: int = 5_000_000) -> str:
    """The Chroma collection an evaluated article is indexed into: "eval-" + 16 hex digits of its text hash.

    Args:
        source: the article.
        max_bytes: largest accepted file.

    Returns:
        The collection name (a valid `AICITIES_COLLECTION`).

    Raises:
        SourceError: the article cannot be loaded.
    """
    from ingest.loader import load_source

    return SOURCE_COLLECTION_PREFIX + load_source(source, max_bytes=max_bytes).sha256[:16]


def _same_file(a: Path | str, b: Path | str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def build_bot(
    source: Path | str | None = None,
    *,
    settings: Settings | None = None,
    embeddings: LocalEmbeddings | None = None,
) -> Chatbot:
    """The product to evaluate: `Chatbot(Settings())` as the CLI builds it (AICITIES_* variables apply), or,
    for another article, the same settings pointed at that article and at its own collection.

    Args:
        source: the article to evaluate; None (or the configured article itself) uses the main index.
        settings: the settings to start from (default: `load_settings()`).
        embeddings: a loaded embedder to share (default: the bot loads its own, lazily).

    Returns:
        A (not yet warmed-up) Chatbot; nothing is indexed before its `warm_up()`.

    Raises:
        EvalArgumentError: an AICITIES_* setting is invalid.
        SourceError: `source` cannot be loaded.
    """
    from app.compose import build_chatbot

    settings = settings if settings is not None else load_settings()
    if source is not None and not _same_file(source, settings.source_path):
        collection = source_collection(source, settings.max_source_bytes)
        settings = settings.model_copy(update={"source_path": Path(source).resolve(), "collection": collection})
        logger.info("Evaluating %s in its own collection %r", source, collection)
    return build_chatbot(settings, embeddings=embeddings)


@dataclass(frozen=True)
class EvalPlan:
    """What one eval run will do, decided (and validated) before anything slow happens."""

    cases: list[Case]
    cases_path: Path
    source: Path | None
    """The article to evaluate in its own collection (`--source` or the file's header), or None (main index)."""
    thresholds: Thresholds | None


def plan_run(
    cases_path: Path,
    *,
    source: Path | None,
    categories: Sequence[str],
    limit: int | None,
    thresholds_path: Path | None,
    settings: Settings,
    default_thresholds: Path | Thresholds | None = DEFAULT_THRESHOLDS_PATH,
) -> EvalPlan:
    """Load the cases (checked against the evaluated article's sections), pick them, and resolve thresholds.

    Args:
        cases_path: the cases file.
        source: `--source`, overriding the file's `source:` header.
        categories: `--category` values.
        limit: `--limit`.
        thresholds_path: `--thresholds`.
        settings: the product settings (their `source_path` is the article when nothing else names one).
        default_thresholds: thresholds when neither `--thresholds` nor the file's section gives any.

    Returns:
        The plan.

    Raises:
        DatasetError: bad cases file or category.
        EvalArgumentError: bad thresholds, or no case left after filtering.
        SourceError: the article cannot be loaded.
    """
    loaded = load_cases_file(cases_path, source=source, default_source=settings.source_path,
                             max_bytes=settings.max_source_bytes)
    cases = select_categories(loaded.cases, categories)
    if not cases:
        raise EvalArgumentError(f"{cases_path}: no case in categories {list(categories)}")
    if limit is not None:
        cases = cases[:limit]
    thresholds = resolve_thresholds(thresholds_path, loaded.thresholds, cases_path, default_thresholds)
    article = source if source is not None else loaded.source
    return EvalPlan(cases, cases_path, article, thresholds)
