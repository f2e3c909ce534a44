"""The eval runner: ask every case of the dataset to the product and to the naive baseline, score both, gate
on thresholds, compare with an earlier run, and write a run folder.

Entry points:

* `run_eval(cases, bot, ...)` (programmatic) returns an `EvalRun` and, given `out_dir`, writes the folder;
* `add_arguments(parser)` / `run_from_args(args)` back `ai-cities eval` and `python -m eval`.

How a case is asked. The product gets every turn of a conversation in order, each earlier turn with the bot's
own answers as history, and only the last turn is scored (its timings are the ones reported). The baseline
(`eval.baseline.NaiveBaseline`, the LangChain tutorial recipe) has no memory: it gets the last question
alone, so a follow-up that needs the earlier turns is expected to fail there. A question the product rejects
with a user-facing error (`AICitiesError`, e.g. too long) counts as a refusal (abstained); an unexpected
exception is recorded as a wrong answer and listed under `errors`, and any error fails the run.

Run folder (default `eval/runs/<YYYY-MM-DDTHH-MM-SS>/`, kept out of git):

* `results.json`: every case for both systems (questions, answer text, citations, abstained, verdict, why,
  metrics), the summaries, settings, threshold checks, the comparison and run times;
* `report.md`: the readable report (headline numbers, table by category, latency, failing cases);
* `accuracy_by_category.png`: share of correct verdicts per category, product vs baseline.

Exit codes of `run_from_args`: 0 every threshold met, 1 a threshold missed (or a case raised), 2 bad
arguments or files (cases, thresholds, compare folder).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from pydantic import ValidationError

from eval.dataset import CATEGORIES, DEFAULT_CASES_PATH, Case, DatasetError, load_cases, select_categories
from eval.metrics import SCORES, CaseResult, GroupSummary, LatencyStats, RunSummary, evaluate_case, summarize
from ingest.core.errors import AICitiesError
from ingest.core.models import Answer

if TYPE_CHECKING:
    from rich.console import Console

    from app.chatbot import Chatbot

logger = logging.getLogger(__name__)

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_RUNS_DIR = EVAL_DIR / "runs"
DEFAULT_THRESHOLDS_PATH = EVAL_DIR / "thresholds.yaml"
RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
CHART_FILE = "accuracy_by_category.png"
RESULTS_SCHEMA_VERSION = 1
THRESHOLDS_VERSIONS = (1,)
BASELINE_COLLECTION = "eval-naive-baseline"
BASELINE_HISTORY_POLICY = "last question only (the tutorial recipe has no memory; earlier turns are not sent)"
_EPS = 1e-9


class EvalArgumentError(AICitiesError, ValueError):
    """A bad option or input file of the eval (exit code 2)."""


class System(Protocol):
    """Anything that answers like `Chatbot.ask` (the product, the baseline, a test double)."""

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        """Answer one question given earlier (question, answer text) pairs."""
        ...


# --------------------------------------------------------------------------------------------------------
# Metrics that thresholds, tables and comparisons refer to by name
# --------------------------------------------------------------------------------------------------------


def _latency(stage: str, stat: str) -> Callable[[GroupSummary, dict[str, LatencyStats] | None], float | None]:
    def get(_: GroupSummary, latency: dict[str, LatencyStats] | None) -> float | None:
        if latency is None or stage not in latency:
            return None
        return getattr(latency[stage], stat)

    return get


METRICS: dict[str, Callable[[GroupSummary, dict[str, LatencyStats] | None], float | None]] = {
    "accuracy": lambda g, _: g.accuracy,
    "crag_score": lambda g, _: g.crag_score,
    "fact_accuracy": lambda g, _: g.fact_accuracy,
    "citation_accuracy": lambda g, _: g.citation_accuracy,
    "citation_precision": lambda g, _: g.citation_precision,
    "quote_validity": lambda g, _: g.quote_validity,
    "hit_at_1": lambda g, _: g.hit_at_1,
    "hit_at_3": lambda g, _: g.hit_at_3,
    "mrr": lambda g, _: g.mrr,
    "abstention_precision": lambda g, _: g.abstention.precision,
    "abstention_recall": lambda g, _: g.abstention.recall,
    "false_refusal_rate": lambda g, _: g.abstention.false_refusal_rate,
    **{
        f"latency_{stage}_{stat}_ms": _latency(stage, stat)
        for stage in ("retrieval", "answer", "total")
        for stat in ("p50", "p95")
    },
}
"""Metric name -> getter over (group summary, latency stats). Latency exists only for the whole run."""

METRIC_LABELS: dict[str, str] = {
    "accuracy": "accuracy (verdict correct)",
    "crag_score": "CRAG score (+1/0/-1)",
    "fact_accuracy": "fact accuracy",
    "citation_accuracy": "citation accuracy",
    "citation_precision": "citation precision",
    "quote_validity": "quote validity",
    "hit_at_1": "retrieval hit@1",
    "hit_at_3": "retrieval hit@3",
    "mrr": "retrieval MRR",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "false_refusal_rate": "false-refusal rate",
}
HEADLINE_METRICS: tuple[str, ...] = tuple(METRIC_LABELS)
_PLAIN_NUMBER = {"crag_score", "mrr"}  # shown as a signed/plain number, the rest as a percentage


def format_metric(name: str, value: float | None) -> str:
    """Format a metric value for tables: rates as percentages, CRAG as a signed number, MRR plain.

    Args:
        name: metric name (a key of METRICS).
        value: the value, or None when the metric does not apply.

    Returns:
        The formatted value ("n/a" for None).
    """
    if value is None:
        return "n/a"
    if name.startswith("latency_"):
        return f"{value:.1f} ms"
    if name == "crag_score":
        return f"{value:+.2f}"
    if name in _PLAIN_NUMBER:
        return f"{value:.2f}"
    return f"{100 * value:.1f}%"


def _delta(name: str, after: float | None, before: float | None) -> str:
    if after is None or before is None:
        return ""
    diff = after - before
    if name in _PLAIN_NUMBER:
        return f"{diff:+.2f}"
    return f"{100 * diff:+.1f} pts"


# --------------------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold and how the run did against it (`passed` is None when the metric was not measured)."""

    scope: str
    metric: str
    kind: str
    limit: float
    value: float | None

    @property
    def passed(self) -> bool | None:
        """True/False, or None when the metric did not apply to this run (e.g. a category not run)."""
        if self.value is None:
            return None
        if self.kind == "min":
            return self.value >= self.limit - _EPS
        return self.value <= self.limit + _EPS

    def describe(self) -> str:
        """One line, e.g. "overall fact_accuracy 0.612 < min 0.650"."""
        if self.value is None:
            return f"{self.scope} {self.metric}: not measured in this run (limit {self.kind} {self.limit:g})"
        op = {"min": (">=", "<"), "max": ("<=", ">")}[self.kind][0 if self.passed else 1]
        return f"{self.scope} {self.metric} {self.value:.3f} {op} {self.kind} {self.limit:g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the check."""
        return {"scope": self.scope, "metric": self.metric, "kind": self.kind, "limit": self.limit,
                "value": self.value, "passed": self.passed}


@dataclass(frozen=True)
class Thresholds:
    """Minimums/maximums on overall metrics and minimums per category, loaded from a YAML file."""

    path: str
    minimums: dict[str, float] = field(default_factory=dict)
    maximums: dict[str, float] = field(default_factory=dict)
    category_minimums: dict[str, dict[str, float]] = field(default_factory=dict)

    def check(self, summary: RunSummary) -> list[ThresholdCheck]:
        """Check a run summary against every threshold.

        Args:
            summary: the product's run summary.

        Returns:
            One check per threshold, in file order (overall min, overall max, then categories).
        """
        checks = []
        for kind, limits in (("min", self.minimums), ("max", self.maximums)):
            for metric, limit in limits.items():
                value = METRICS[metric](summary.overall, summary.latency_ms)
                checks.append(ThresholdCheck("overall", metric, kind, limit, value))
        for category, limits in self.category_minimums.items():
            group = summary.by_category.get(category)
            for metric, limit in limits.items():
                value = METRICS[metric](group, None) if group is not None else None
                checks.append(ThresholdCheck(category, metric, "min", limit, value))
        return checks


_RANGES: dict[str, tuple[float, float]] = {
    "crag_score": (-1.0, 1.0),
    **{m: (0.0, math.inf) for m in METRICS if m.startswith("latency_")},
}
"""Valid threshold values per metric; every other metric is a rate in [0, 1]."""


def _limits(raw: Any, where: str, *, allow_latency: bool = True) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise EvalArgumentError(f"{where}: expected a mapping of metric: value, got {type(raw).__name__}")
    out: dict[str, float] = {}
    for metric, value in raw.items():
        if metric not in METRICS or (not allow_latency and str(metric).startswith("latency_")):
            names = [m for m in METRICS if allow_latency or not m.startswith("latency_")]
            raise EvalArgumentError(f"{where}: unknown metric {metric!r}; use one of {names}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise EvalArgumentError(f"{where}.{metric}: expected a number, got {value!r}")
        low, high = _RANGES.get(str(metric), (0.0, 1.0))
        if not low <= value <= high:
            raise EvalArgumentError(f"{where}.{metric}: {value!r} is outside [{low:g}, {high:g}] "
                                    "(rates are fractions: write 0.65, not 65)")
        out[str(metric)] = float(value)
    return out


def load_thresholds(path: Path | str) -> Thresholds:
    """Load a thresholds file.

    File shape::

        version: 1
        min: {fact_accuracy: 0.6, quote_validity: 1.0}   # overall metric >= value
        max: {false_refusal_rate: 0.4}                     # overall metric <= value
        category_min: {injection: {accuracy: 0.7}}         # that category's metric >= value

    Args:
        path: the YAML file.

    Returns:
        The thresholds.

    Raises:
        EvalArgumentError: the file is missing, not YAML, or names an unknown metric/category.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalArgumentError(f"{path}: thresholds file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalArgumentError(f"{path}: cannot read the thresholds file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise EvalArgumentError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        data = {"version": 1}
    if not isinstance(data, dict):
        raise EvalArgumentError(f"{path}: expected a mapping with `version`, `min`, `max`, `category_min`")
    extra = sorted(set(data) - {"version", "min", "max", "category_min"})
    if extra:
        raise EvalArgumentError(f"{path}: unknown key(s) {extra}; expected version, min, max, category_min")
    if data.get("version") not in THRESHOLDS_VERSIONS:
        raise EvalArgumentError(f"{path}: `version` must be one of {list(THRESHOLDS_VERSIONS)}")
    raw_categories = data.get("category_min") or {}
    if not isinstance(raw_categories, dict):
        raise EvalArgumentError(f"{path}: category_min must map category names to metric limits")
    categories: dict[str, dict[str, float]] = {}
    for category, limits in raw_categories.items():
        if category not in CATEGORIES:
            raise EvalArgumentError(f"{path}: category_min: unknown category {category!r}; "
                                    f"use one of {list(CATEGORIES)}")
        categories[category] = _limits(limits, f"{path}: category_min.{category}", allow_latency=False)
    return Thresholds(
        path=str(path),
        minimums=_limits(data.get("min"), f"{path}: min"),
        maximums=_limits(data.get("max"), f"{path}: max"),
        category_minimums=categories,
    )


# --------------------------------------------------------------------------------------------------------
# Comparison with an earlier run
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseChange:
    """A case whose product verdict changed between two runs."""

    case_id: str
    category: str
    question: str
    before: str
    after: str
    why_before: str
    why_after: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict of the change."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Comparison:
    """What got better and worse, case by case (product verdicts), plus headline metric deltas."""

    previous: str
    better: list[CaseChange]
    worse: list[CaseChange]
    unchanged: int
    added: list[str]
    removed: list[str]
    metrics: dict[str, tuple[float | None, float | None]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the comparison."""
        return {
            "previous": self.previous,
            "better": [c.to_dict() for c in self.better],
            "worse": [c.to_dict() for c in self.worse],
            "unchanged": self.unchanged,
            "added": self.added,
            "removed": self.removed,
            "metrics": {k: {"before": b, "after": a} for k, (b, a) in self.metrics.items()},
        }

    def lines(self) -> list[str]:
        """Plain-text lines of the comparison (headline deltas, then better and worse cases)."""
        out = [f"Compared with {self.previous}: {len(self.better)} better, {len(self.worse)} worse, "
               f"{self.unchanged} unchanged, {len(self.added)} new, {len(self.removed)} no longer run"]
        for name, (before, after) in self.metrics.items():
            if before is not None and after is not None and abs(after - before) > _EPS:
                out.append(f"  {name}: {format_metric(name, before)} -> {format_metric(name, after)} "
                           f"({_delta(name, after, before)})")
        for title, changes in (("better", self.better), ("worse", self.worse)):
            for c in changes:
                out.append(f"  {title}: {c.case_id} [{c.category}] {c.before} -> {c.after}: {c.why_after}")
        return out


def load_previous_run(path: Path | str) -> dict[str, Any]:
    """Load the results.json of an earlier run.

    Args:
        path: a run folder, or its results.json.

    Returns:
        The parsed results.

    Raises:
        EvalArgumentError: not found, not JSON, or not an eval results file.
    """
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalArgumentError(f"{file}: no earlier run to compare with (expected a run folder with "
                                f"{RESULTS_FILE})") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise EvalArgumentError(f"{file}: cannot read the earlier run: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalArgumentError(f"{file}: not an eval results file (no `cases` list)")
    return data


def compare_runs(current: dict[str, Any], previous: dict[str, Any], previous_label: str) -> Comparison:
    """Compare the product's verdicts of two runs, case by case (matched by case id).

    Better means a higher CRAG score (wrong -> abstained -> correct), worse a lower one.

    Args:
        current: this run's results (as written to results.json).
        previous: the earlier run's results.
        previous_label: how to name the earlier run in messages (its folder).

    Returns:
        The comparison.
    """
    def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in data.get("cases", []) if isinstance(c, dict) and "id" in c}

    now, before = by_id(current), by_id(previous)
    better: list[CaseChange] = []
    worse: list[CaseChange] = []
    unchanged = 0
    for case_id, case in now.items():
        old = before.get(case_id)
        if old is None:
            continue
        v_now = case["product"]["verdict"]
        v_old = (old.get("product") or {}).get("verdict", "wrong")
        delta = SCORES.get(v_now, -1) - SCORES.get(v_old, -1)
        if delta == 0:
            unchanged += 1
            continue
        change = CaseChange(case_id, case["category"], case["scored_question"], v_old, v_now,
                            (old.get("product") or {}).get("why", ""), case["product"]["why"])
        (better if delta > 0 else worse).append(change)
    metrics: dict[str, tuple[float | None, float | None]] = {}
    old_overall = ((previous.get("summary") or {}).get("product") or {}).get("overall") or {}
    new_overall = current["summary"]["product"]["overall"]
    for name in ("accuracy", "crag_score", "fact_accuracy", "citation_accuracy", "quote_validity",
                 "hit_at_1", "mrr"):
        metrics[name] = (old_overall.get(name), new_overall.get(name))
    for name, key in (("abstention_precision", "precision"), ("abstention_recall", "recall")):
        metrics[name] = ((old_overall.get("abstention") or {}).get(key),
                         (new_overall.get("abstention") or {}).get(key))
    return Comparison(
        previous=previous_label,
        better=better,
        worse=worse,
        unchanged=unchanged,
        added=sorted(set(now) - set(before)),
        removed=sorted(set(before) - set(now)),
        metrics=metrics,
    )


# --------------------------------------------------------------------------------------------------------
# Running the cases
# --------------------------------------------------------------------------------------------------------


@dataclass
class CaseRecord:
    """One system's go at one case: the scored answer, the earlier turns, and the metrics."""

    case: Case
    answer: Answer
    result: CaseResult
    history: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: answer, citations, verdict, why and metrics."""
        a = self.answer
        return {
            "answer": a.text,
            "standalone_question": a.standalone_question,
            "abstained": a.abstained,
            "mode": a.mode,
            "notice": a.notice,
            "dropped_sentences": a.dropped_sentences,
            "citations": [c.model_dump(mode="json") for c in a.citations],
            "retrieved": [r.section for r in a.retrieved],
            "history": [{"question": q, "answer": t} for q, t in self.history],
            "timings_ms": dict(a.timings_ms),
            "verdict": self.result.verdict,
            "score": self.result.score,
            "why": self.result.why,
            "error": self.error,
            "metrics": self.result.model_dump(mode="json", exclude={"case_id", "category", "question", "why",
                                                                    "verdict", "score", "timings_ms"}),
        }


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
        is recorded in `error` and scored as a wrong answer.
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
    result = evaluate_case(case, answer, source_text)
    if error is not None:
        result = result.model_copy(update={"verdict": "wrong", "score": SCORES["wrong"],
                                           "why": f"{error} ({result.why})"})
    return CaseRecord(case, answer, result, history, error)


@dataclass
class EvalRun:
    """Everything one eval run produced (see `to_json` for the file layout)."""

    cases: list[Case]
    product: list[CaseRecord]
    baseline: list[CaseRecord] | None
    summary: RunSummary
    baseline_summary: RunSummary | None
    started_at: datetime
    seconds: dict[str, float]
    settings: dict[str, Any]
    cases_path: str | None = None
    categories: list[str] = field(default_factory=list)
    limit: int | None = None
    baseline_info: dict[str, Any] | None = None
    thresholds: Thresholds | None = None
    checks: list[ThresholdCheck] = field(default_factory=list)
    comparison: Comparison | None = None
    out_dir: Path | None = None

    @property
    def failed_checks(self) -> list[ThresholdCheck]:
        """Threshold checks that were measured and missed."""
        return [c for c in self.checks if c.passed is False]

    @property
    def errors(self) -> list[str]:
        """One line per product case that raised an unexpected exception."""
        return [f"{r.case.id}: {r.error}" for r in self.product if r.error]

    @property
    def passed(self) -> bool:
        """True when every measured threshold is met and no case raised."""
        return not self.failed_checks and not self.errors

    @property
    def exit_code(self) -> int:
        """0 when passed, 1 otherwise."""
        return 0 if self.passed else 1

    def to_json(self) -> dict[str, Any]:
        """The content of results.json."""
        baseline = {r.case.id: r for r in self.baseline or []}
        cases = []
        for rec in self.product:
            c = rec.case
            cases.append({
                "id": c.id,
                "category": c.category,
                "questions": c.questions,
                "scored_question": c.scored_question,
                "must_abstain": c.must_abstain,
                "expected_facts": c.expected_facts,
                "expected_sections": c.expected_sections,
                "must_not": c.must_not,
                "product": rec.to_dict(),
                "baseline": baseline[c.id].to_dict() if c.id in baseline else None,
            })
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "run_seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "cases_file": self.cases_path,
            "categories": self.categories,
            "limit": self.limit,
            "n_cases": len(self.product),
            "settings": self.settings,
            "baseline": self.baseline_info,
            "summary": {
                "product": self.summary.model_dump(mode="json"),
                "baseline": self.baseline_summary.model_dump(mode="json") if self.baseline_summary else None,
            },
            "thresholds": {
                "file": self.thresholds.path if self.thresholds else None,
                "passed": self.passed,
                "checks": [c.to_dict() for c in self.checks],
                "errors": self.errors,
            },
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "cases": cases,
        }


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
        limit: the --limit used (recorded only).
        baseline_client: a chromadb client for the baseline (default: a new in-memory one).

    Returns:
        The run. Its `exit_code` is 1 when a threshold was missed or a case raised.

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
                              collection_name=BASELINE_COLLECTION)
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
        checks=thresholds.check(summary) if thresholds else [],
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


# --------------------------------------------------------------------------------------------------------
# Writing the run folder
# --------------------------------------------------------------------------------------------------------


def write_run(run: EvalRun, out_dir: Path) -> None:
    """Write results.json, report.md and accuracy_by_category.png into `out_dir` (created if needed).

    Args:
        run: the finished run.
        out_dir: the run folder.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    run.out_dir = out_dir
    (out_dir / RESULTS_FILE).write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    write_chart(run, out_dir / CHART_FILE)
    (out_dir / REPORT_FILE).write_text(render_report(run), encoding="utf-8")
    logger.info("Wrote the run folder %s", out_dir)


def _category_rows(summary: RunSummary) -> list[tuple[str, GroupSummary]]:
    return [*summary.by_category.items(), ("overall", summary.overall)]


def write_chart(run: EvalRun, path: Path) -> None:
    """Grouped bars of accuracy (share of correct verdicts) per category and overall, product vs baseline.

    Args:
        run: the finished run.
        path: the PNG to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _category_rows(run.summary)
    labels = [name for name, _ in rows]
    product = [(g.accuracy or 0.0) * 100 for _, g in rows]
    base_groups = dict(_category_rows(run.baseline_summary)) if run.baseline_summary else {}
    width = 0.4 if base_groups else 0.6
    xs = list(range(len(labels)))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.0 * len(labels) + 2), 4.5), dpi=110)
    offset = width / 2 if base_groups else 0.0
    bars = ax.bar([x - offset for x in xs], product, width, label="product", color="#2b6cb0")
    ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
    if base_groups:
        baseline = [(base_groups[name].accuracy or 0.0) * 100 if name in base_groups else 0.0
                    for name in labels]
        bars = ax.bar([x + offset for x in xs], baseline, width, label="naive baseline", color="#a0aec0")
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
    ax.set_xticks(xs, [name.replace("_", " ") for name in labels], rotation=30, ha="right")
    ax.set_ylim(0, 108)
    ax.set_ylabel("correct verdicts (%)")
    ax.set_title(f"Accuracy by category ({len(run.product)} cases)", loc="left")
    ax.axvline(len(labels) - 1.5, color="#cbd5e0", linewidth=1)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _pair(name: str, product: GroupSummary, baseline: GroupSummary | None) -> str:
    value = format_metric(name, METRICS[name](product, None))
    if baseline is None:
        return value
    return f"{value} / {format_metric(name, METRICS[name](baseline, None))}"


def _excerpt(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_report(run: EvalRun) -> str:
    """The Markdown report of a run.

    Args:
        run: the finished run.

    Returns:
        Markdown text: headline product vs baseline, table by category, latency, thresholds, comparison,
        failing cases with why, and the chart.
    """
    s, b, sec = run.summary, run.baseline_summary, run.seconds
    lines = [f"# Eval run {run.started_at.isoformat(timespec='seconds')}", ""]
    status = "PASSED" if run.passed else "FAILED"
    lines += [
        f"- **Thresholds: {status}**"
        + (f" ({run.thresholds.path})" if run.thresholds else " (none checked)"),
        f"- Cases: {len(run.product)} from `{run.cases_path or '(given)'}`"
        + (f", categories {', '.join(run.categories)}" if run.categories else "")
        + (f", first {run.limit}" if run.limit else ""),
        f"- Product backend: `{run.settings.get('backend')}` (answer modes: "
        + ", ".join(f"{k} {v}" for k, v in run.settings.get("answer_modes", {}).items()) + ")"
        + (f", embedder `{run.settings['embedding_model']}`" if "embedding_model" in run.settings else ""),
        *([f"- LLM verification: {v['llm_answers']} LLM answers, {v['sentences_kept']} sentences kept, "
           f"{v['sentences_dropped']} dropped as unsupported, {v['fallbacks']} extractive fallbacks"]
          if (v := run.settings.get("verification")) else []),
        f"- Baseline: {'naive tutorial RAG, ' + BASELINE_HISTORY_POLICY if b else 'not run (--no-baseline)'}",
        f"- Run time: {sec.get('total', 0):.1f} s (warm-up {sec.get('warm_up', 0):.1f} s, "
        f"baseline index {sec.get('baseline_build', 0):.1f} s, cases {sec.get('cases', 0):.1f} s)",
        "",
        "## Headline: product vs baseline",
        "",
    ]
    rows = []
    for name in HEADLINE_METRICS:
        p = METRICS[name](s.overall, None)
        q = METRICS[name](b.overall, None) if b else None
        rows.append([METRIC_LABELS[name], format_metric(name, p), format_metric(name, q) if b else "",
                     _delta(name, p, q) if b else ""])
    o = s.overall
    rows.append(["verdicts (correct / abstained / wrong)", f"{o.correct} / {o.abstained} / {o.wrong}",
                 f"{b.overall.correct} / {b.overall.abstained} / {b.overall.wrong}" if b else "", ""])
    lines += _table(["metric", "product", "baseline", "Δ"], rows)
    lines += ["", "## By category", "",
              "Cells with two values are *product / baseline*. Citation, quote, hit@k, MRR and abstention "
              "columns are the product's (the baseline cites nothing and never abstains).", ""]
    base_groups = dict(_category_rows(b)) if b else {}
    rows = []
    for name, g in _category_rows(s):
        bg = base_groups.get(name)
        rows.append([
            f"**{name}**" if name == "overall" else name, g.n,
            _pair("accuracy", g, bg), _pair("fact_accuracy", g, bg), _pair("crag_score", g, bg),
            format_metric("citation_accuracy", g.citation_accuracy),
            format_metric("citation_precision", g.citation_precision),
            format_metric("quote_validity", g.quote_validity),
            format_metric("hit_at_1", g.hit_at_1), format_metric("hit_at_3", g.hit_at_3),
            format_metric("mrr", g.mrr),
            format_metric("abstention_precision", g.abstention.precision),
            format_metric("abstention_recall", g.abstention.recall),
        ])
    lines += _table(["category", "n", "accuracy", "fact acc.", "CRAG", "cite acc.", "cite prec.", "quotes",
                     "hit@1", "hit@3", "MRR", "abst. P", "abst. R"], rows)
    lines += ["", f"![Accuracy by category, product vs baseline]({CHART_FILE})", "", "## Latency", "",
              "Per scored question, in milliseconds (earlier turns of a conversation are not timed).", ""]
    rows = []
    for stage in ("retrieval", "answer", "total"):
        p = s.latency_ms.get(stage)
        q = b.latency_ms.get(stage) if b else None
        rows.append([stage, format_metric("latency_", p.p50 if p else None),
                     format_metric("latency_", p.p95 if p else None),
                     format_metric("latency_", q.p50 if q else None) if b else "",
                     format_metric("latency_", q.p95 if q else None) if b else ""])
    lines += _table(["stage", "product p50", "product p95", "baseline p50", "baseline p95"], rows)
    lines += ["", "## Thresholds", ""]
    if not run.checks and not run.errors:
        lines.append("No thresholds checked.")
    for c in run.checks:
        mark = {True: "✅", False: "❌", None: "➖"}[c.passed]
        lines.append(f"- {mark} {c.describe()}")
    for e in run.errors:
        lines.append(f"- ❌ case error: {e}")
    if run.comparison is not None:
        lines += ["", "## Compared with the earlier run", "", "```", *run.comparison.lines(), "```"]
    failing = [r for r in run.product if r.result.verdict != "correct"]
    lines += ["", f"## Product cases not correct ({len(failing)})", ""]
    if not failing:
        lines.append("None.")
    for r in failing:
        lines += [f"### `{r.case.id}` ({r.case.category}): {r.result.verdict}", ""]
        for q, answer in r.history:
            lines += [f"- earlier turn: {_cell(q)}", f"  - answer: {_cell(_excerpt(answer, 200))}"]
        lines += [f"- question: {_cell(r.case.scored_question)}",
                  f"- why: {_cell(r.result.why)}",
                  f"- answer ({r.answer.mode}): {_cell(_excerpt(r.answer.text))}",
                  f"- cited: {', '.join(c.label for c in r.answer.citations) or 'nothing'}; "
                  f"expected sections: {', '.join(r.case.expected_sections) or 'none (must abstain)'}", ""]
    lines += [
        "## How to read this", "",
        "- *accuracy*: share of cases whose verdict is correct (a must-abstain case is correct when it "
        "abstains); *fact accuracy*: answerable cases whose answer holds every expected fact.",
        "- *CRAG score*: +1 correct, 0 abstained, -1 wrong, averaged: a confident wrong answer costs.",
        "- *citation accuracy*: cited sections that are expected ones; *citation precision*: citations whose "
        "quote supports an expected fact; *quote validity*: quotes verbatim at their offsets.",
        "- *hit@k / MRR*: where the first expected section ranks among retrieved sections.",
        "- *abstention P/R*: precision and recall of refusals against must-abstain cases.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------
# Terminal output
# --------------------------------------------------------------------------------------------------------


def print_summary(run: EvalRun, console: Console) -> None:
    """Print the rich tables (headline product vs baseline, metrics by category), latency and thresholds.

    Args:
        run: the finished run.
        console: where to print.
    """
    from rich.table import Table

    s, b = run.summary, run.baseline_summary
    head = Table(title="Headline: product vs baseline", title_justify="left")
    head.add_column("metric")
    head.add_column("product", justify="right")
    if b:
        head.add_column("baseline", justify="right")
        head.add_column("Δ", justify="right")
    for name in HEADLINE_METRICS:
        p = METRICS[name](s.overall, None)
        if b:
            q = METRICS[name](b.overall, None)
            head.add_row(METRIC_LABELS[name], format_metric(name, p), format_metric(name, q),
                         _delta(name, p, q))
        else:
            head.add_row(METRIC_LABELS[name], format_metric(name, p))
    console.print(head)

    table = Table(title="By category" + (" (base = naive baseline)" if b else ""), title_justify="left")
    base = ["base"] if b else []
    columns = ["category", "n", "facts", *base, "cite acc", "cite prec", "quotes", "hit@1", "hit@3", "MRR",
               "abst P", "abst R", "CRAG", *base]
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right", style="dim" if col == "base" else None)
    base_groups = dict(_category_rows(b)) if b else {}
    for name, g in _category_rows(s):
        bg = base_groups.get(name)
        row = [name, str(g.n), format_metric("fact_accuracy", g.fact_accuracy)]
        if b:
            row.append(format_metric("fact_accuracy", bg.fact_accuracy if bg else None))
        row += [format_metric(m, METRICS[m](g, None)) for m in
                ("citation_accuracy", "citation_precision", "quote_validity", "hit_at_1", "hit_at_3", "mrr",
                 "abstention_precision", "abstention_recall", "crag_score")]
        if b:
            row.append(format_metric("crag_score", bg.crag_score if bg else None))
        table.add_row(*row, end_section=name == list(s.by_category)[-1])
    console.print(table)

    for label, summary in (("product", s), ("baseline", b)):
        if summary is None:
            continue
        parts = []
        for stage in ("retrieval", "answer", "total"):
            st = summary.latency_ms.get(stage)
            if st and st.n:
                parts.append(f"{stage} p50 {st.p50:.1f} / p95 {st.p95:.1f}")
        console.print(f"Latency ms ({label}): " + ", ".join(parts))
    sec = run.seconds
    console.print(f"Run time: {sec.get('total', 0):.1f} s (warm-up {sec.get('warm_up', 0):.1f} s, "
                  f"cases {sec.get('cases', 0):.1f} s) for {len(run.product)} cases")
    if run.comparison is not None:
        for line in run.comparison.lines():
            style = "green" if line.lstrip().startswith("better") else "red" if "worse:" in line else None
            console.print(line, style=style, markup=False, highlight=False)
    failed = run.failed_checks
    for c in failed:
        console.print(f"Below threshold: {c.describe()}", style="bold red", markup=False, highlight=False)
    for e in run.errors:
        console.print(f"Case error: {e}", style="bold red", markup=False, highlight=False)
    if run.thresholds is not None and run.passed:
        console.print(f"All thresholds met ({run.thresholds.path}).", style="green", markup=False)
    if run.out_dir is not None:
        console.print(f"Run folder: {run.out_dir}", markup=False, highlight=False)


# --------------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------------


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
    parser.add_argument("--cases", metavar="FILE", type=Path, default=DEFAULT_CASES_PATH,
                        help="YAML file of eval cases (default: eval/cases.yaml)")
    parser.add_argument("--category", metavar="NAME", action="append", default=[], dest="categories",
                        help=f"run only this category (repeatable): {', '.join(CATEGORIES)}")
    parser.add_argument("--limit", metavar="N", type=_positive_int, default=None,
                        help="run only the first N cases (after --category), for smoke tests")
    parser.add_argument("--out", metavar="DIR", type=Path, default=None,
                        help="run folder to write (default: eval/runs/<timestamp>)")
    parser.add_argument("--compare", metavar="RUN_DIR", type=Path, default=None,
                        help="an earlier run folder: print what got better and worse, case by case")
    parser.add_argument("--thresholds", metavar="FILE", type=Path, default=DEFAULT_THRESHOLDS_PATH,
                        help="YAML file of minimum metrics; exit 1 below any (default: eval/thresholds.yaml)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the naive baseline (faster; the report then has no baseline column)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def build_bot() -> Chatbot:
    """The product as the CLI builds it: `Chatbot(Settings())`, so AICITIES_* variables apply.

    Returns:
        A (not yet warmed-up) Chatbot.

    Raises:
        EvalArgumentError: an AICITIES_* setting is invalid.
    """
    from app.chatbot import Chatbot
    from ingest.core.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        raise EvalArgumentError(f"invalid setting AICITIES_{name}: {first['msg']}") from exc
    return Chatbot(settings)


def _prepare(args: argparse.Namespace) -> tuple[list[Case], Thresholds | None]:
    cases = select_categories(load_cases(args.cases), args.categories)
    if not cases:
        raise EvalArgumentError(f"{args.cases}: no case in categories {args.categories}")
    if args.limit is not None:
        cases = cases[: args.limit]
    thresholds = load_thresholds(args.thresholds) if args.thresholds is not None else None
    if args.compare is not None:
        load_previous_run(args.compare)  # fail fast, before the long part
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise EvalArgumentError(f"--out {args.out}: exists and is not a folder")
    return cases, thresholds


def run_from_args(args: argparse.Namespace, *, bot: Any = None, console: Console | None = None) -> int:
    """Run the eval from parsed options, print the tables, and return the exit code.

    Args:
        args: options from a parser extended by `add_arguments`.
        bot: the product to evaluate (default: `build_bot()`, from AICITIES_* settings).
        console: a rich Console for the report (default: stdout; 160 columns when not a terminal).

    Returns:
        0 all thresholds met; 1 a threshold missed or a case raised; 2 bad arguments or input files (the
        message is printed to stderr on one line).
    """
    from rich.console import Console

    try:
        cases, thresholds = _prepare(args)
        if bot is None:
            bot = build_bot()
    except (DatasetError, EvalArgumentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=160)
    out_dir = args.out if args.out is not None else default_out_dir()
    try:
        run = run_eval(
            cases, bot,
            baseline=not args.no_baseline,
            out_dir=out_dir,
            thresholds=thresholds,
            compare_to=args.compare,
            show_progress=not getattr(args, "no_progress", False),
            cases_path=args.cases,
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
