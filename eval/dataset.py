"""The evaluation dataset: typed cases loaded from a versioned YAML file (`eval/cases.yaml`).

File shape::

    version: 1
    cases:
      - id: jinan-rank            # stable slug, unique
        category: ranking         # one of CATEGORIES
        question: "Where does Jinan rank?"   # or `turns: [...]` (the last turn is scored)
        expected_facts: [["8th", "eighth", "No. 8"]]   # every fact must appear; any of its forms will do
        expected_sections: ["8. Jinan"]                 # titles as they appear in citations
        must_abstain: false
        must_not: ['Jinan (is|ranks?) (ranked )?first']  # optional regexes, case-insensitive

`load_cases` validates the whole file and reports every problem at once, each with the file, the case id
and what is wrong, so a broken case is fixed in one pass.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.core.errors import AICitiesError

logger = logging.getLogger(__name__)

DEFAULT_CASES_PATH = Path(__file__).resolve().parent / "cases.yaml"
SUPPORTED_VERSIONS = (1,)

Category = Literal[
    "fact",
    "ranking",
    "multi_section",
    "follow_up",
    "unanswerable",
    "false_premise",
    "robustness",
    "chinese",
    "injection",
]
CATEGORIES: tuple[str, ...] = get_args(Category)

RANKED_SECTIONS: tuple[str, ...] = (
    "1. Beijing",
    "2. Hangzhou",
    "3. Shanghai",
    "4. Shenzhen",
    "5. Guangzhou",
    "6. Nanjing",
    "7. Chengdu",
    "8. Jinan",
    "9. Tianjin",
    "10. Xiamen",
)
KNOWN_SECTIONS: tuple[str, ...] = ("Introduction", *RANKED_SECTIONS, "Trends & Observations", "Methodology")
"""Section titles as the app cites them; `expected_sections` must use these exact strings."""

_ID = r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$"


class DatasetError(AICitiesError, ValueError):
    """The cases file is missing, not valid YAML, or has invalid cases (every problem is listed)."""


class Case(BaseModel):
    """One evaluation case: a question (or a conversation) and what a correct answer must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID, max_length=80, description="Stable slug, unique in the file.")
    category: Category
    question: str | None = Field(default=None, description="The question (exclusive with `turns`).")
    turns: list[str] | None = Field(
        default=None,
        description="User turns asked in order; the last one is scored (exclusive with `question`).",
    )
    expected_facts: list[list[str]] = Field(
        description="Facts that must all appear in the answer; each fact lists its acceptable surface forms."
    )
    expected_sections: list[str] = Field(description="Sections that support the answer (citation titles).")
    must_abstain: bool = Field(description="True when the article does not answer the question.")
    must_not: list[str] = Field(
        default_factory=list, description="Regexes (case-insensitive) that must not match the answer text."
    )
    notes: str | None = Field(default=None, description="Free text for the reader of the dataset.")

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("question is empty")
        return value

    @field_validator("turns")
    @classmethod
    def _turns_not_blank(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("turns is an empty list")
        for i, turn in enumerate(value):
            if not turn.strip():
                raise ValueError(f"turn {i + 1} is empty")
        return value

    @field_validator("expected_facts")
    @classmethod
    def _facts_well_formed(cls, value: list[list[str]]) -> list[list[str]]:
        for i, forms in enumerate(value):
            if not forms:
                raise ValueError(f'fact {i + 1} has no forms (write e.g. ["Jinan"])')
            if any(not form.strip() for form in forms):
                raise ValueError(f"fact {i + 1} has an empty form")
        return value

    @field_validator("expected_sections")
    @classmethod
    def _sections_known(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in KNOWN_SECTIONS]
        if unknown:
            raise ValueError(f"unknown section(s) {unknown}; use one of {list(KNOWN_SECTIONS)}")
        if len(set(value)) != len(value):
            raise ValueError("a section is listed twice")
        return value

    @field_validator("must_not")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern.strip():
                raise ValueError("empty must_not pattern")
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"must_not pattern {pattern!r} does not compile: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if (self.question is None) == (self.turns is None):
            raise ValueError("give exactly one of `question` or `turns`")
        if self.category == "follow_up" and (self.turns is None or len(self.turns) < 2):
            raise ValueError("a follow_up case needs `turns` with at least 2 questions")
        if self.must_abstain:
            if self.expected_facts or self.expected_sections:
                raise ValueError("a must_abstain case has expected_facts: [] and expected_sections: []")
        else:
            if not self.expected_facts:
                raise ValueError("expected_facts is empty (only must_abstain cases have no facts)")
            if not self.expected_sections:
                raise ValueError("expected_sections is empty (only must_abstain cases have no sections)")
        if self.category == "unanswerable" and not self.must_abstain:
            raise ValueError("an unanswerable case must have must_abstain: true")
        return self

    @property
    def questions(self) -> list[str]:
        """Every user turn in order (a single-question case has one)."""
        return list(self.turns) if self.turns is not None else [self.question or ""]

    @property
    def scored_question(self) -> str:
        """The question whose answer is scored (the last turn)."""
        return self.questions[-1]

    @property
    def history_questions(self) -> list[str]:
        """Turns asked before the scored one, in order (empty for a single question)."""
        return self.questions[:-1]


def _format_error(path: Path, index: int, case_id: str, err: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()) if part != "__root__")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    where = f"{loc}: " if loc else ""
    return f"{path}: case {case_id!r} (#{index + 1}): {where}{msg}"


def parse_cases(data: Any, path: Path | str = "<cases>") -> list[Case]:
    """Validate already-loaded YAML data (`{"version": 1, "cases": [...]}`) into cases.

    Args:
        data: the parsed YAML document.
        path: where the data came from, used in error messages only.

    Returns:
        The cases, in file order.

    Raises:
        DatasetError: listing every problem found (file, case id, what is wrong).
    """
    path = Path(path)
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise DatasetError(f"{path}: expected a mapping with `version` and `cases`, got {kind}")
    extra = sorted(set(data) - {"version", "cases"})
    if extra:
        raise DatasetError(f"{path}: unknown top-level key(s) {extra}; expected `version` and `cases`")
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise DatasetError(f"{path}: `version` must be one of {list(SUPPORTED_VERSIONS)}, got {version!r}")
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise DatasetError(f"{path}: `cases` must be a non-empty list")

    problems: list[str] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_cases):
        case_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
        if not isinstance(raw, dict):
            problems.append(f"{path}: case #{index + 1}: expected a mapping, got {type(raw).__name__}")
            continue
        if case_id in seen:
            first = seen[case_id] + 1
            problems.append(
                f"{path}: case {case_id!r} (#{index + 1}): duplicate id (first used by case #{first})"
            )
        else:
            seen[case_id] = index
        try:
            cases.append(Case.model_validate(raw))
        except ValidationError as exc:
            problems.extend(_format_error(path, index, case_id, err) for err in exc.errors())
    if problems:
        raise DatasetError(f"{len(problems)} problem(s) in {path}:\n" + "\n".join(problems))
    logger.debug("Loaded %d cases from %s", len(cases), path)
    return cases


def load_cases(path: Path | str = DEFAULT_CASES_PATH) -> list[Case]:
    """Load and validate the cases file.

    Args:
        path: the YAML file (defaults to `eval/cases.yaml`).

    Returns:
        The cases, in file order.

    Raises:
        DatasetError: the file is missing or unreadable, is not valid YAML, or has invalid cases; the message
            names the file, the case id and what is wrong, for every problem found.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: cases file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the cases file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML: {exc}") from exc
    return parse_cases(data, path)


def select_categories(cases: Iterable[Case], categories: Iterable[str] | None) -> list[Case]:
    """Keep the cases of the given categories (all cases when `categories` is empty or None).

    Args:
        cases: the loaded cases.
        categories: category names, e.g. from a repeatable `--category` option.

    Returns:
        The matching cases, in their original order.

    Raises:
        DatasetError: a category name is not one of CATEGORIES.
    """
    wanted = set(categories or ())
    unknown = sorted(wanted - set(CATEGORIES))
    if unknown:
        raise DatasetError(f"unknown category {unknown}; use one of {list(CATEGORIES)}")
    return [c for c in cases if not wanted or c.category in wanted]
