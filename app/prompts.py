"""Prompt templates of the LLM answerer, loaded from files and validated once at startup.

A prompt folder (default `prompts/`, or `Settings.prompts_dir`) holds three YAML files:

* `system.yaml`: the rules the model must follow (variables: `title`);
* `answer.yaml`: the question and the numbered evidence passages (variables: `question`, `evidence`);
* `condense.yaml`: rewrites a follow-up into a standalone question (variables: `history`, `question`).

Each file has `name`, an optional `description`, `variables` (the placeholders it uses) and `template`
(Python format syntax: `{question}`; `{{` and `}}` are literal braces). Loading checks that the template's
placeholders are exactly the declared variables, that every declared variable is one the app supplies, and
that the required ones are there; any problem is a `PromptError` naming the file and the variable.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.core.errors import ConfigurationError

#: Variables the app supplies to each prompt, and the ones a prompt must use.
SUPPLIED: dict[str, frozenset[str]] = {
    "system": frozenset({"title"}),
    "answer": frozenset({"question", "evidence", "title"}),
    "condense": frozenset({"history", "question", "title"}),
}
REQUIRED: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "answer": frozenset({"question", "evidence"}),
    "condense": frozenset({"history", "question"}),
}


class PromptError(ConfigurationError):
    """A prompt file is missing, malformed, or its placeholders don't match its declared variables."""


class PromptTemplate(BaseModel):
    """One prompt file: a format template and the variables it declares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Name of the prompt (system, answer or condense).")
    description: str = Field(default="", description="What the prompt is for.")
    variables: list[str] = Field(description="Placeholders the template uses, e.g. [question, evidence].")
    template: str = Field(min_length=1, description="Python format template, e.g. 'Question: {question}'.")

    def placeholders(self) -> set[str]:
        """The field names the template uses (raises ValueError on a malformed template)."""
        return {field for _, field, _, _ in string.Formatter().parse(self.template) if field is not None}

    def render(self, **values: Any) -> str:
        """Fill the template. Values are inserted as they are (braces inside them are not expanded)."""
        return self.template.format(**{k: values[k] for k in self.variables})


class PromptSet(BaseModel):
    """The three prompts of the LLM answerer."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    system: PromptTemplate
    answer: PromptTemplate
    condense: PromptTemplate


def load_prompt(path: Path, kind: str) -> PromptTemplate:
    """Load and validate one prompt file of kind `kind` ("system", "answer" or "condense").

    Raises:
        PromptError: missing or unreadable file, bad YAML, unknown keys, or placeholders that don't match
            the declared variables (the message names the file and the variable).
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PromptError(f"Prompt file {path} cannot be read ({exc.strerror or exc}). Every prompt folder "
                          f"needs system.yaml, answer.yaml and condense.yaml.") from exc
    except yaml.YAMLError as exc:
        raise PromptError(f"Prompt file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PromptError(f"Prompt file {path} must be a mapping with name, variables and template.")
    try:
        prompt = PromptTemplate.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
                             for e in exc.errors())
        raise PromptError(f"Prompt file {path} is invalid: {problems}") from exc
    try:
        used = prompt.placeholders()
    except ValueError as exc:
        raise PromptError(f"Prompt file {path}: malformed template ({exc}); write {{{{ and }}}} for literal "
                          "braces.") from exc
    for name in sorted(used):
        if not name.isidentifier():
            raise PromptError(f"Prompt file {path}: placeholder {{{name}}} is not a plain variable name "
                              "(no positional, attribute or index fields).")
    declared = set(prompt.variables)
    if len(declared) != len(prompt.variables):
        raise PromptError(f"Prompt file {path}: variables are listed more than once: {prompt.variables}")
    for name in sorted(used - declared):
        raise PromptError(f"Prompt file {path}: the template uses {{{name}}} but `variables` does not "
                          f"declare {name!r}.")
    for name in sorted(declared - used):
        raise PromptError(f"Prompt file {path}: variable {name!r} is declared but the template never uses "
                          f"{{{name}}}.")
    supplied = SUPPLIED[kind]
    for name in sorted(declared - supplied):
        raise PromptError(f"Prompt file {path}: unknown variable {name!r}; the {kind} prompt can use "
                          f"{', '.join(sorted(supplied))}.")
    for name in sorted(REQUIRED[kind] - declared):
        raise PromptError(f"Prompt file {path}: missing variable {name!r}; the {kind} prompt must use "
                          f"{{{name}}}.")
    return prompt


def load_prompts(folder: Path) -> PromptSet:
    """Load and validate `system.yaml`, `answer.yaml` and `condense.yaml` from a folder.

    Raises:
        PromptError: the folder or a file is missing or invalid.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise PromptError(f"Prompt folder {folder} does not exist (set AICITIES_PROMPTS_DIR to a folder with "
                          "system.yaml, answer.yaml and condense.yaml).")
    loaded = {kind: load_prompt(folder / f"{kind}.yaml", kind) for kind in SUPPLIED}
    return PromptSet(folder=folder, **loaded)
