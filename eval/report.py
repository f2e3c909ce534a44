"""The readable side of an eval run: the run folder (`results.json`, `report.md`, the chart) and the rich tables
printed in the terminal. File names and the formatting of metric values come from `eval.formatting`.

Run folder (default `eval/runs/<YYYY-MM-DDTHH-MM-SS>/`, kept out of git):

* `results.json`: every case for both systems (questions, answer text, citations, abstained, verdict, why,
  metrics), the summaries, settings, threshold checks, the comparison and run times;
* `report.md`: the readable report (headline numbers, table by category, latency, failing cases);
* `accuracy_by_category.png`: share of correct verdicts per category, product vs baseline.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.formatting import (
    CHART_FILE,
    HEADLINE_METRICS,
    METRIC_LABELS,
    REPORT_FILE,
    RESULTS_FILE,
    escape_cell,
    format_delta,
    format_metric,
    markdown_table,
)
from eval.metrics import METRICS, GroupSummary, RunSummary

if TYPE_CHECKING:
    from rich.console import Console

    from eval.results import EvalRun

logger = logging.getLogger(__name__)

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
        "- Baseline: " + ("naive tutorial RAG, " + (run.baseline_info or {}).get("history", "") if b
                          else "not run (--no-baseline)"),
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
                     format_delta(name, p, q) if b else ""])
    o = s.overall
    rows.append(["verdicts (correct / abstained / wrong)", f"{o.correct} / {o.abstained} / {o.wrong}",
                 f"{b.overall.correct} / {b.overall.abstained} / {b.overall.wrong}" if b else "", ""])
    lines += markdown_table(["metric", "product", "baseline", "Δ"], rows)
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
            format_metric("trap_refusal_rate", g.trap_refusal_rate),
            format_metric("false_refusal_rate", g.abstention.false_refusal_rate),
            g.crashes,
        ])
    lines += markdown_table(["category", "n", "accuracy", "fact acc.", "CRAG", "cite acc.", "cite prec.",
                             "quotes", "hit@1", "hit@3", "MRR", "abst. P", "traps refused", "false ref.", "crashes"],
                            rows)
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
    lines += markdown_table(["stage", "product p50", "product p95", "baseline p50", "baseline p95"], rows)
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
    lines += route_lines(run)
    failing = [r for r in run.product if r.result.verdict != "correct"]
    lines += ["", f"## Product cases not correct ({len(failing)})", ""]
    if not failing:
        lines.append("None.")
    for r in failing:
        lines += [f"### `{r.case.id}` ({r.case.category}): {r.result.verdict}", ""]
        for q, answer in r.history:
            lines += [f"- earlier turn: {escape_cell(q)}", f"  - answer: {escape_cell(_excerpt(answer, 200))}"]
        lines += [f"- question: {escape_cell(r.case.scored_question)}",
                  f"- why: {escape_cell(r.result.why)}",
                  *([f"- crashed: {escape_cell(r.result.error)}"] if r.result.crashed else []),
                  f"- answer ({r.answer.mode}, route `{r.answer.route or '-'}`): "
                  f"{escape_cell(_excerpt(r.answer.text))}",
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
        "- *abstention P*: refusals that were due; *traps refused* (trap refusal rate, the abstention "
        "recall): must-abstain cases refused; *false ref.*: answerable cases refused.",
        "- *crashes*: cases whose answer raised an unexpected exception (scored wrong, listed above).",
        "- A case with `min_facts` needs only that many of its listed facts; one with `expected_lead` must "
        "open with one of its forms (e.g. \"Yes\").",
        "",
    ]
    return "\n".join(lines)


def route_lines(run: EvalRun) -> list[str]:
    """The report's routes: how many cases each route of the answer engine served (a route that serves one case
    shows), and the route of every case.

    Args:
        run: the finished run.

    Returns:
        Markdown lines: a table of routes by cases served (with their correct share), then one row per case.
    """
    by_route: dict[str, list[Any]] = {}
    for r in run.product:
        by_route.setdefault(r.answer.route or "-", []).append(r)
    lines = ["", "## Cases per route", "",
             "The answer engine's route that served each case (`app/answer/routes.py`; `refused_*`: refused "
             "before routing; `-`: no route, e.g. a rejected question).", ""]
    rows = []
    for name, records in sorted(by_route.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        correct = sum(r.result.verdict == "correct" for r in records)
        cases = ", ".join(f"`{r.case.id}`" for r in records) if len(records) <= 2 else ""
        rows.append([f"`{name}`", len(records), f"{correct}/{len(records)}", cases])
    lines += markdown_table(["route", "cases", "correct", "cases (when 2 or fewer)"], rows)
    lines += ["", "## Route per case", ""]
    lines += markdown_table(["case", "category", "verdict", "route"],
                            [[f"`{r.case.id}`", r.case.category, r.result.verdict, f"`{r.answer.route or '-'}`"]
                             for r in run.product])
    return lines


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
                         format_delta(name, p, q))
        else:
            head.add_row(METRIC_LABELS[name], format_metric(name, p))
    console.print(head)

    table = Table(title="By category" + (" (base = naive baseline)" if b else ""), title_justify="left")
    base = ["base"] if b else []
    columns = ["category", "n", "acc", *base, "facts", "cite acc", "cite prec", "quotes", "hit@1", "hit@3",
               "MRR", "abst P", "traps", "false ref", "crashes", "CRAG", *base]
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right", style="dim" if col == "base" else None)
    base_groups = dict(_category_rows(b)) if b else {}
    for name, g in _category_rows(s):
        bg = base_groups.get(name)
        row = [name, str(g.n), format_metric("accuracy", g.accuracy)]
        if b:
            row.append(format_metric("accuracy", bg.accuracy if bg else None))
        row += [format_metric(m, METRICS[m](g, None)) for m in
                ("fact_accuracy", "citation_accuracy", "citation_precision", "quote_validity", "hit_at_1",
                 "hit_at_3", "mrr", "abstention_precision", "trap_refusal_rate", "false_refusal_rate", "crashes",
                 "crag_score")]
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


