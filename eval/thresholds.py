"""Quality gates of the eval: minimums and maximums on metrics, loaded from `eval/thresholds.yaml` (or a cases
file's own `thresholds:` section, or `--thresholds FILE`) and checked against a run summary.

File shape::

    version: 1                                         # optional
    min: {fact_accuracy: 0.6, quote_validity: 1.0}     # overall metric >= value
    max: {false_refusal_rate: 0.4, crashes: 0}         # overall metric <= value
    category_min: {injection: {accuracy: 0.7}}         # that category's metric >= value
    category_gate: {trap: enforce}                     # optional, per category: when_present | enforce

A category's minimums are checked only when the run has cases of it; otherwise they are "not measured" and
never fail the run (`when_present`, the default). `enforce` adds one rule: a full run (no `--category`, no
`--limit`) whose cases file has no case of that category fails, so a gated category cannot be dodged by
having no cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eval.dataset import CATEGORIES, EvalArgumentError
from eval.metrics import COUNT_METRICS, METRICS, RunSummary

EVAL_DIR = Path(__file__).resolve().parent
DEFAULT_THRESHOLDS_PATH = EVAL_DIR / "thresholds.yaml"
THRESHOLDS_VERSIONS = (1,)
THRESHOLD_KEYS = ("version", "min", "max", "category_min", "category_gate")
GATE_MODES = ("when_present", "enforce")
_EPS = 1e-9

_RANGES: dict[str, tuple[float, float]] = {
    "crag_score": (-1.0, 1.0),
    **{m: (0.0, math.inf) for m in METRICS if m.startswith("latency_") or m in COUNT_METRICS},
}
"""Valid threshold values per metric; every other metric is a rate in [0, 1]."""


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold and how the run did against it (`passed` is None when the metric was not measured)."""

    scope: str
    metric: str
    kind: str
    limit: float
    value: float | None
    note: str | None = None
    """Why the check failed without a value (an enforced category with no cases), else None."""

    @property
    def passed(self) -> bool | None:
        """True/False, or None when the metric did not apply to this run (e.g. a category not run)."""
        if self.note is not None:
            return False
        if self.value is None:
            return None
        if self.kind == "min":
            return self.value >= self.limit - _EPS
        return self.value <= self.limit + _EPS

    def describe(self) -> str:
        """One line, e.g. "overall fact_accuracy 0.612 < min 0.650"."""
        if self.note is not None:
            return f"{self.scope} {self.metric}: {self.note} (limit {self.kind} {self.limit:g})"
        if self.value is None:
            return f"{self.scope} {self.metric}: not measured in this run (limit {self.kind} {self.limit:g})"
        op = {"min": (">=", "<"), "max": ("<=", ">")}[self.kind][0 if self.passed else 1]
        value = f"{self.value:g}" if self.metric in COUNT_METRICS else f"{self.value:.3f}"
        return f"{self.scope} {self.metric} {value} {op} {self.kind} {self.limit:g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the check."""
        return {"scope": self.scope, "metric": self.metric, "kind": self.kind, "limit": self.limit,
                "value": self.value, "passed": self.passed, "note": self.note}


@dataclass(frozen=True)
class Thresholds:
    """Minimums/maximums on overall metrics and minimums per category."""

    path: str
    minimums: dict[str, float] = field(default_factory=dict)
    maximums: dict[str, float] = field(default_factory=dict)
    category_minimums: dict[str, dict[str, float]] = field(default_factory=dict)
    category_gates: dict[str, str] = field(default_factory=dict)
    """Category -> "when_present" or "enforce" (categories not listed: "when_present")."""

    def gate(self, category: str) -> str:
        """The gate mode of a category ("when_present" unless the file says "enforce")."""
        return self.category_gates.get(category, "when_present")

    def check(self, summary: RunSummary, *, full_run: bool = False) -> list[ThresholdCheck]:
        """Check a run summary against every threshold.

        Args:
            summary: the product's run summary.
            full_run: the run covered the whole cases file (no category filter, no limit); only then does
                an enforced category without cases fail.

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
            missing = group is None and full_run and self.gate(category) == "enforce"
            for metric, limit in limits.items():
                value = METRICS[metric](group, None) if group is not None else None
                note = "no cases of this enforced category in the cases file" if missing else None
                checks.append(ThresholdCheck(category, metric, "min", limit, value, note))
        return checks


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


def parse_thresholds(data: Any, where: str) -> Thresholds:
    """Validate already-loaded thresholds data (the shape of eval/thresholds.yaml).

    Args:
        data: the parsed YAML (None means "no thresholds").
        where: the file (or "file: thresholds" section) the data came from, for messages and `Thresholds.path`.

    Returns:
        The thresholds.

    Raises:
        EvalArgumentError: a bad shape, an unknown key, metric, category or gate mode, or a value out of range.
    """
    if data is None:
        data = {"version": 1}
    if not isinstance(data, dict):
        raise EvalArgumentError(f"{where}: expected a mapping with `version`, `min`, `max`, `category_min`")
    extra = sorted(set(data) - set(THRESHOLD_KEYS))
    if extra:
        raise EvalArgumentError(f"{where}: unknown key(s) {extra}; expected {', '.join(THRESHOLD_KEYS)}")
    if data.get("version", 1) not in THRESHOLDS_VERSIONS:
        raise EvalArgumentError(f"{where}: `version` must be one of {list(THRESHOLDS_VERSIONS)}")
    raw_categories = data.get("category_min") or {}
    if not isinstance(raw_categories, dict):
        raise EvalArgumentError(f"{where}: category_min must map category names to metric limits")
    categories: dict[str, dict[str, float]] = {}
    for category, limits in raw_categories.items():
        if category not in CATEGORIES:
            raise EvalArgumentError(f"{where}: category_min: unknown category {category!r}; "
                                    f"use one of {list(CATEGORIES)}")
        categories[category] = _limits(limits, f"{where}: category_min.{category}", allow_latency=False)
    raw_gates = data.get("category_gate") or {}
    if not isinstance(raw_gates, dict):
        raise EvalArgumentError(f"{where}: category_gate must map category names to one of {list(GATE_MODES)}")
    gates: dict[str, str] = {}
    for category, mode in raw_gates.items():
        if category not in CATEGORIES:
            raise EvalArgumentError(f"{where}: category_gate: unknown category {category!r}; "
                                    f"use one of {list(CATEGORIES)}")
        if mode not in GATE_MODES:
            raise EvalArgumentError(f"{where}: category_gate.{category}: {mode!r} is not one of {list(GATE_MODES)}")
        gates[str(category)] = str(mode)
    return Thresholds(
        path=where,
        minimums=_limits(data.get("min"), f"{where}: min"),
        maximums=_limits(data.get("max"), f"{where}: max"),
        category_minimums=categories,
        category_gates=gates,
    )


def load_thresholds(path: Path | str) -> Thresholds:
    """Load a thresholds file (see the module docstring for its shape).

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
    return parse_thresholds(data, str(path))


def resolve_thresholds(
    explicit: Path | str | None,
    section: dict[str, Any] | None,
    cases_path: Path | str,
    default: Path | str | Thresholds | None = DEFAULT_THRESHOLDS_PATH,
) -> Thresholds | None:
    """The thresholds of a run: `--thresholds FILE` when given, else the cases file's `thresholds:` section,
    else `default` (eval/thresholds.yaml, or a ready `Thresholds`).

    Args:
        explicit: the `--thresholds` file, or None.
        section: the cases file's `thresholds:` section, or None.
        cases_path: the cases file (named in messages).
        default: the fallback file or thresholds; None checks nothing.

    Returns:
        The thresholds, or None when there are none to check.

    Raises:
        EvalArgumentError: the chosen thresholds are invalid.
    """
    if explicit is not None:
        return load_thresholds(explicit)
    if section is not None:
        return parse_thresholds(section, f"{cases_path}: thresholds")
    if isinstance(default, Thresholds) or default is None:
        return default
    return load_thresholds(default)
