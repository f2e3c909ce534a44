"""No eval case in code: no run of 6 consecutive words of any question of the eval (every cases file under eval/:
cases.yaml, the blind sets, the holdout, the multilingual questions, the fixture articles' cases) appears in any
file under app/ or ingest/, comments, docstrings and data files included (app/intents.yaml is the intent
classifier's training set: an eval question there would be scored on what it was trained on).

Words are compared case-insensitively with punctuation ignored ("China's" and "chinas" are one word); each CJK
character counts as a word, since Chinese is written without spaces. Examples in code must be made up: other
wording, invented names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml

from ingest.core.settings import PROJECT_ROOT

RUN = 6
CODE_DIRS = ("app", "ingest")
EVAL_DIR = PROJECT_ROOT / "eval"
SKIPPED_PARTS = {"__pycache__", "runs"}  # eval/runs holds run outputs, not cases
QUESTION_KEYS = ("question", "turns")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’](?=\w)")


def words(text: str) -> list[str]:
    """The words of a text, lower case, punctuation ignored; each CJK character is one word."""
    return _WORD.findall(_APOSTROPHES.sub("", text).casefold())


def runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    """Every run of `n` consecutive words of a text."""
    ws = words(text)
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def _strings_under_question_keys(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in QUESTION_KEYS:
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):
                    yield from (v for v in value if isinstance(v, str))
            yield from _strings_under_question_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings_under_question_keys(item)


def case_files() -> list[Path]:
    """Every YAML file of the eval (cases files and question sets; files without questions add nothing)."""
    return sorted(p for p in EVAL_DIR.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and not SKIPPED_PARTS & set(p.relative_to(EVAL_DIR).parts))


@cache
def eval_questions() -> dict[str, str]:
    """Each question (every turn of a conversation) of every eval file -> where it comes from."""
    found: dict[str, str] = {}
    for path in case_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in _strings_under_question_keys(document):
            found.setdefault(question, str(path.relative_to(PROJECT_ROOT)))
    return found


@cache
def question_runs() -> dict[tuple[str, ...], tuple[str, str]]:
    """Each run of words of an eval question -> (the question, its file)."""
    found: dict[tuple[str, ...], tuple[str, str]] = {}
    for question, source in eval_questions().items():
        for run in runs(question):
            found.setdefault(run, (question, source))
    return found


def code_files() -> list[Path]:
    """Every text file under app/ and ingest/ (code, prompts, training data)."""
    files = []
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".so"):
                files.append(path)
    return files


def test_the_scan_reads_words_and_runs_as_promised() -> None:
    assert words("Which city's AI-cluster is #1? 深圳排名") == ["which", "citys", "ai", "cluster", "is", "1",
                                                               "深", "圳", "排", "名"]
    assert ("what", "does", "the", "list", "say", "about") in runs("# What does the\n# list say about it?")


def test_the_eval_has_questions_to_check() -> None:
    questions = eval_questions()
    sources = set(questions.values())
    assert len(questions) > 500
    assert {"eval/cases.yaml", "eval/holdout.yaml", "eval/multilingual.yaml"} <= sources
    assert any(s.startswith("eval/fixtures/") for s in sources) and any(s.startswith("eval/blind") for s in sources)


@pytest.mark.parametrize("path", code_files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_eval_question_in_code(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return  # not a text file
    known = question_runs()
    offenders = sorted({f"{known[run][1]}: {known[run][0]!r} (shares {' '.join(run)!r})"
                        for run in runs(text) if run in known})
    assert not offenders, f"{path.relative_to(PROJECT_ROOT)} holds words of eval questions:\n" + "\n".join(offenders)
