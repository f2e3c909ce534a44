"""The evaluation dataset: typed cases loaded from a versioned YAML file (`eval/cases.yaml`, or any cases file
written for another ranking article).

File shape::

    version: 1                    # optional (1 is the only version)
    source: data/fixtures/x.txt   # optional: the article the cases were written from
    thresholds: {min: {...}}      # optional: this file's own thresholds (shape of eval/thresholds.yaml)
    cases:
      - id: jinan-rank            # stable slug, unique
        category: ranking         # one of CATEGORIES
        question: "Where does Jinan rank?"   # or `turns: [...]` (the last turn is scored)
        expected_facts: [["8th", "eighth", "No. 8"]]   # every fact must appear; any of its forms will do
        min_facts: 2                                    # optional: at least this many of the facts will do
        expected_lead: ["Yes"]                          # optional: the answer must start with one of these
        expected_sections: ["8. Jinan"]                 # titles as they appear in citations
        must_abstain: false
        must_not: ['Jinan (is|ranks?) (ranked )?first']  # optional regexes, case-insensitive

Section names are checked against the article being evaluated: `source_sections` parses it with
`ingest.parser` and lists the names the app cites, by `ingest.chunker.section_label` ("Introduction" and
"Methodology" for the untitled intro and methodology note, "<rank>. <name>" for a table row, the heading text of
every other section). `load_cases_file` validates the whole file and
reports every problem at once, each with the file, the case id and what is wrong, so a broken case is fixed in
one pass.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ingest.core.errors import AICitiesError
from ingest.core.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEFAULT_CASES_PATH = Path(__file__).resolve().parent / "cases.yaml"
SUPPORTED_VERSIONS = (1,)
TOP_LEVEL_KEYS = ("version", "source", "check_sections", "thresholds", "cases")

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
    "summary",
    "recommend",
    "list",
    "yes_no",
    "explain",
    "trap",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
ABSTAIN_CATEGORIES: tuple[str, ...] = ("unanswerable", "trap")
"""Categories whose cases are all must_abstain (the article does not answer them)."""

_ID = r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$"


class DatasetError(AICitiesError, ValueError):
    """The cases file is missing, not valid YAML, or has invalid cases (every problem is listed)."""


class EvalArgumentError(AICitiesError, ValueError):
    """A bad option or input file of the eval (exit code 2): thresholds, an earlier run, a source."""


def source_sections(source_text: str) -> tuple[str, ...]:
    """The section names the app cites for an article, in article order.

    Args:
        source_text: the article text as indexed (`ingest.loader.load_source(...).text`).

    Returns:
        "Introduction" when the article has an intro, the name of every section as `ingest.chunker.section_label`
        cites it (a heading as written, a table row as "<rank>. <name>", untitled prose as "Introduction" or
        "Notes"), and "Methodology" when the article has a methodology note.
    """
    from ingest.chunker import INTRO_SECTION, METHODOLOGY_SECTION, section_label
    from ingest.parser import parse_article

    article = parse_article(source_text)
    names: list[str] = [INTRO_SECTION] if article.intro is not None else []
    for section in article.sections:
        label = section_label(article, section)
        if label not in names:
            names.append(label)
    if article.methodology is not None and METHODOLOGY_SECTION not in names:
        names.append(METHODOLOGY_SECTION)
    return tuple(names)


class Case(BaseModel):
    """One evaluation case: a question (or a conversation) and what a correct answer must contain.

    Validated with `context={"sections": [...]}`, `expected_sections` must name sections of that article;
    without a context the titles are not checked (the article is unknown).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID, max_length=80, description="Stable slug, unique in the file.")
    category: Category
    question: str | None = Field(default=None, description="The question (exclusive with `turns`).")
    turns: list[str] | None = Field(
        default=None,
        description="User turns asked in order; the last one is scored (exclusive with `question`).",
    )
    expected_facts: list[list[str]] = Field(
        description="Facts that must appear in the answer; each fact lists its acceptable surface forms."
    )
    min_facts: int | None = Field(
        default=None,
        ge=1,
        description="When set, the answer needs only this many of the expected facts (lists, summaries).",
    )
    expected_lead: list[str] | None = Field(
        default=None,
        description='The answer must start with one of these forms (yes/no questions: ["Yes"], ["No"]).',
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

    @field_validator("expected_lead")
    @classmethod
    def _lead_well_formed(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        if not value:
            raise ValueError('expected_lead is an empty list (write e.g. ["Yes"], or leave it out)')
        if any(not form.strip() for form in value):
            raise ValueError("expected_lead has an empty form")
        return value

    @field_validator("expected_sections")
    @classmethod
    def _sections_known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a section is listed twice")
        known = (info.context or {}).get("sections")
        if known is not None:
            unknown = [s for s in value if s not in known]
            if unknown:
                where = (info.context or {}).get("source") or "the source"
                raise ValueError(f"unknown section(s) {unknown} (not a section of {where}); "
                                 f"use one of {list(known)}")
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
            if self.min_facts is not None:
                raise ValueError("a must_abstain case has no facts, so no min_facts")
        elif not (self.expected_lead and not self.expected_facts and not self.expected_sections):
            # a yes/no whose lead is the whole answer ("Is X one of the ten?" -> "No") may have neither
            if not self.expected_facts:
                raise ValueError("expected_facts is empty (only must_abstain cases, and yes/no cases with an "
                                 "expected_lead and no sections, have no facts)")
            if not self.expected_sections:
                raise ValueError("expected_sections is empty (only must_abstain cases, and yes/no cases with an "
                                 "expected_lead and no facts, have no sections)")
        if self.min_facts is not None and self.min_facts > len(self.expected_facts):
            raise ValueError(f"min_facts {self.min_facts} is more than the {len(self.expected_facts)} "
                             "expected_facts listed")
        if self.category in ABSTAIN_CATEGORIES and not self.must_abstain:
            raise ValueError(f"a {self.category} case must have must_abstain: true")
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

    @property
    def required_facts(self) -> int:
        """How many expected facts a correct answer needs (`min_facts`, or all of them)."""
        return self.min_facts if self.min_facts is not None else len(self.expected_facts)


@dataclass(frozen=True)
class CasesFile:
    """A loaded cases file: its cases, the article they were written from, and its own thresholds."""

    path: Path
    cases: list[Case]
    source: Path | None
    """The `source:` header resolved to a path (None when the file has none)."""
    thresholds: dict[str, Any] | None
    """The `thresholds:` section as written (checked by `eval.thresholds.parse_thresholds`), or None."""


def _format_error(path: Path, index: int, case_id: str, err: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()) if part != "__root__")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    where = f"{loc}: " if loc else ""
    return f"{path}: case {case_id!r} (#{index + 1}): {where}{msg}"


def _check_document(data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise DatasetError(f"{path}: expected a mapping with `version` and `cases`, got {kind}")
    extra = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if extra:
        raise DatasetError(f"{path}: unknown top-level key(s) {extra}; expected {', '.join(TOP_LEVEL_KEYS)}")
    version = data.get("version", 1)
    if version not in SUPPORTED_VERSIONS:
        raise DatasetError(f"{path}: `version` must be one of {list(SUPPORTED_VERSIONS)}, got {version!r}")
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise DatasetError(f"{path}: `cases` must be a non-empty list")
    source = data.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise DatasetError(f"{path}: `source` must be a file path, got {source!r}")
    if data.get("check_sections", True) not in (True, False):
        raise DatasetError(f"{path}: `check_sections` must be true or false")
    thresholds = data.get("thresholds")
    if thresholds is not None and not isinstance(thresholds, dict):
        raise DatasetError(f"{path}: `thresholds` must be a mapping like eval/thresholds.yaml")


def parse_cases(
    data: Any,
    path: Path | str = "<cases>",
    *,
    sections: Sequence[str] | None = None,
    source_label: str | None = None,
) -> list[Case]:
    """Validate already-loaded YAML data (`{"version": 1, "cases": [...]}`) into cases.

    Args:
        data: the parsed YAML document.
        path: where the data came from, used in error messages only.
        sections: the section titles of the article being evaluated (see `source_sections`); every
            `expected_sections` entry must be one of them. None skips that check.
        source_label: how to name the article in messages (e.g. its path).

    Returns:
        The cases, in file order.

    Raises:
        DatasetError: listing every problem found (file, case id, what is wrong).
    """
    path = Path(path)
    _check_document(data, path)
    if data.get("check_sections") is False and sections is not None:
        # cases written blind, before any parse of their article: a section name the parse does not produce is
        # not a mistake of the file but a citation the product cannot make, counted as missed in the metrics
        unknown = sorted({s for raw in data["cases"] if isinstance(raw, dict)
                          for s in raw.get("expected_sections") or [] if s not in sections})
        if unknown:
            logger.warning("%s: %d expected section(s) are not sections of %s (counted as missed citations): %s",
                           path, len(unknown), source_label or "the source", unknown)
        sections = None
    context = {"sections": tuple(sections) if sections is not None else None, "source": source_label}
    problems: list[str] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["cases"]):
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
            cases.append(Case.model_validate(raw, context=context))
        except ValidationError as exc:
            problems.extend(_format_error(path, index, case_id, err) for err in exc.errors())
    if problems:
        raise DatasetError(f"{len(problems)} problem(s) in {path}:\n" + "\n".join(problems))
    logger.debug("Loaded %d cases from %s", len(cases), path)
    return cases


def read_cases_document(path: Path | str) -> dict[str, Any]:
    """Read a cases file as YAML and check its top-level shape (not the cases themselves).

    Args:
        path: the YAML file.

    Returns:
        The parsed document.

    Raises:
        DatasetError: the file is missing or unreadable, is not valid YAML, or has a bad top level.
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
    _check_document(data, path)
    return data


def resolve_source(declared: str, cases_path: Path) -> Path:
    """Where a cases file's `source:` points: absolute as written, else relative to the project root (the
    convention, e.g. `data/fixtures/x.txt`), else relative to the cases file's folder.

    Args:
        declared: the `source:` value.
        cases_path: the cases file.

    Returns:
        The path (the project-root reading when neither exists, so the error names the expected place).
    """
    path = Path(declared).expanduser()
    if path.is_absolute():
        return path
    for base in (PROJECT_ROOT, cases_path.resolve().parent):
        if (base / path).exists():
            return base / path
    return PROJECT_ROOT / path


def read_source_sections(source: Path | str, max_bytes: int = 5_000_000) -> tuple[str, ...]:
    """Load an article the way ingest does and list the section titles the app cites for it.

    Args:
        source: a .txt, .md or .html article.
        max_bytes: largest accepted file (AICITIES_MAX_SOURCE_BYTES).

    Returns:
        The titles (see `source_sections`).

    Raises:
        SourceError: the article cannot be loaded (the message says why).
    """
    from ingest.loader import load_source

    return source_sections(load_source(source, max_bytes=max_bytes).text)


def load_cases_file(
    path: Path | str = DEFAULT_CASES_PATH,
    *,
    source: Path | str | None = None,
    default_source: Path | str | None = None,
    max_bytes: int = 5_000_000,
) -> CasesFile:
    """Load and validate a cases file against the sections of the article it is evaluated on.

    The article is `source` when given (e.g. `--source`), else the file's `source:` header, else
    `default_source` (the product's configured article); with none of them, titles are not checked.

    Args:
        path: the YAML file (defaults to `eval/cases.yaml`).
        source: the article to evaluate, overriding the file's header.
        default_source: the article when neither `source` nor the header names one.
        max_bytes: largest accepted article file.

    Returns:
        The loaded file; its `source` is the file's own (resolved) header, not the override.

    Raises:
        DatasetError: the file or one of its cases is invalid (every problem is listed).
        SourceError: the article cannot be loaded.
    """
    path = Path(path)
    data = read_cases_document(path)
    declared = resolve_source(data["source"], path) if data.get("source") else None
    article = source if source is not None else declared if declared is not None else default_source
    sections = read_source_sections(article, max_bytes) if article is not None else None
    cases = parse_cases(data, path, sections=sections, source_label=str(article) if article else None)
    return CasesFile(path=path, cases=cases, source=declared, thresholds=data.get("thresholds"))


def load_cases(
    path: Path | str = DEFAULT_CASES_PATH, *, source: Path | str | None = None
) -> list[Case]:
    """Load and validate the cases of a file.

    Args:
        path: the YAML file (defaults to `eval/cases.yaml`).
        source: the article whose section titles `expected_sections` must use (default: the file's
            `source:` header; without one, titles are not checked).

    Returns:
        The cases, in file order.

    Raises:
        DatasetError: the file is missing or unreadable, is not valid YAML, or has invalid cases; the message
            names the file, the case id and what is wrong, for every problem found.
        SourceError: the article cannot be loaded.
    """
    return load_cases_file(path, source=source).cases


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
