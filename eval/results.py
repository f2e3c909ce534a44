"""What an eval run produced: each system's record of each case (`CaseRecord`) and the run as a whole (`EvalRun`,
whose `to_json` is the run folder's results.json). Shared by the runner, the report and the fixtures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from eval.dataset import Case
from eval.metrics import CaseResult, RunSummary
from eval.thresholds import ThresholdCheck, Thresholds
from ingest.core.models import Answer

if TYPE_CHECKING:
    from eval.compare import Comparison

RESULTS_SCHEMA_VERSION = 1


class System(Protocol):
    """Anything that answers like `Chatbot.ask` (the product, the baseline, a test double)."""

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        """Answer one question given earlier (question, answer text) pairs."""
        ...


@dataclass
class CaseRecord:
    """One system's go at one case: the scored answer, the earlier turns, and the metrics."""

    case: Case
    answer: Answer
    result: CaseResult
    history: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    markup: list[str] = field(default_factory=list)
    """Markup the answer showed a user (`eval.markup.markup_shown`); checked for the product only."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: answer, citations, verdict, why and metrics."""
        a = self.answer
        return {
            "answer": a.text,
            "standalone_question": a.standalone_question,
            "abstained": a.abstained,
            "mode": a.mode,
            "route": a.route,
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
            "markup": self.markup,
            "metrics": self.result.model_dump(mode="json", exclude={"case_id", "category", "question", "why",
                                                                    "verdict", "score", "timings_ms"}),
        }


@dataclass
class ProbeRecord:
    """One of the first questions users ask (`eval.markup.first_questions`), asked of the product on every run and
    checked for markup and crashes only (it has no expected facts)."""

    question: str
    answer: str
    markup: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"question": self.question, "answer": self.answer, "markup": self.markup, "error": self.error}


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
    source: str | None = None
    categories: list[str] = field(default_factory=list)
    limit: int | None = None
    baseline_info: dict[str, Any] | None = None
    thresholds: Thresholds | None = None
    checks: list[ThresholdCheck] = field(default_factory=list)
    comparison: Comparison | None = None
    out_dir: Path | None = None
    probes: list[ProbeRecord] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[ThresholdCheck]:
        """Threshold checks that were measured and missed."""
        return [c for c in self.checks if c.passed is False]

    @property
    def errors(self) -> list[str]:
        """One line per product case or first question that raised an unexpected exception or showed markup."""
        lines = [f"{r.case.id}: {r.error}" for r in self.product if r.error]
        lines += [f"{r.case.id}: markup shown: {r.markup}" for r in self.product if r.markup]
        lines += [f"first question {p.question!r}: {p.error}" for p in self.probes if p.error]
        lines += [f"first question {p.question!r}: markup shown: {p.markup}" for p in self.probes if p.markup]
        return lines

    @property
    def passed(self) -> bool:
        """True when every measured threshold is met and no case raised or showed markup."""
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
                "min_facts": c.min_facts,
                "expected_lead": c.expected_lead,
                "product": rec.to_dict(),
                "baseline": baseline[c.id].to_dict() if c.id in baseline else None,
            })
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "run_seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "cases_file": self.cases_path,
            "source": self.source,
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
            "first_questions": [p.to_dict() for p in self.probes],
        }
