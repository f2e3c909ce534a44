"""Compare a run with an earlier one (`--compare RUN_DIR`): which cases got better or worse, case by case, and
how the headline metrics moved.

Cases are matched by id; "better" means a higher CRAG score (wrong -> abstained -> correct), "worse" a lower
one. The earlier run is read from its `results.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.dataset import EvalArgumentError
from eval.formatting import RESULTS_FILE, format_delta, format_metric
from eval.metrics import SCORES

_EPS = 1e-9


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
                           f"({format_delta(name, after, before)})")
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
    for name, key in (("abstention_precision", "precision"), ("abstention_recall", "recall"),
                      ("false_refusal_rate", "false_refusal_rate")):
        metrics[name] = ((old_overall.get("abstention") or {}).get(key),
                         (new_overall.get("abstention") or {}).get(key))
    metrics["crashes"] = (old_overall.get("crashes"), new_overall.get("crashes"))
    return Comparison(
        previous=previous_label,
        better=better,
        worse=worse,
        unchanged=unchanged,
        added=sorted(set(now) - set(before)),
        removed=sorted(set(before) - set(now)),
        metrics=metrics,
    )
