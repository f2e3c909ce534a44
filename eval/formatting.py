"""What the eval's outputs share: the file names of a run folder and the formatting of metric values and Markdown
tables, so the report, the comparison with an earlier run and the fixtures summary show them alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eval.metrics import COUNT_METRICS

RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
CHART_FILE = "accuracy_by_category.png"


# --------------------------------------------------------------------------------------------------------
# Metric labels and formatting
# --------------------------------------------------------------------------------------------------------

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
    "trap_refusal_rate": "trap refusal rate (abstention recall)",
    "false_refusal_rate": "false-refusal rate",
    "crashes": "crashes (exceptions while answering)",
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
    if name in COUNT_METRICS:
        return f"{value:.0f}"
    return f"{100 * value:.1f}%"


def format_delta(name: str, after: float | None, before: float | None) -> str:
    """Format the change of a metric between two runs ("+3.1 pts", "+0.05", "+2"); "" when either is None.

    Args:
        name: metric name (a key of METRICS).
        after: the newer value.
        before: the older value.

    Returns:
        The signed difference, formatted like the metric.
    """
    if after is None or before is None:
        return ""
    diff = after - before
    if name in _PLAIN_NUMBER:
        return f"{diff:+.2f}"
    if name in COUNT_METRICS:
        return f"{diff:+.0f}"
    return f"{100 * diff:+.1f} pts"


def escape_cell(text: Any) -> str:
    """A table cell's text: "|" escaped and line breaks made spaces, so it cannot break a Markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table as lines (cells escaped: "|" and line breaks cannot break the table).

    Args:
        header: the column titles.
        rows: the cells, row by row.

    Returns:
        The table's lines.
    """
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(escape_cell(c) for c in row) + " |" for row in rows]
    return out
