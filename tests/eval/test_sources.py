"""The eval on other articles: `--source FILE` (its own Chroma collection, the main index untouched) and
`--fixtures DIR` (every fixture file against its own article, each gated). Real model, real Chroma in tmp_path."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from eval.cli import add_arguments, run_from_args
from eval.fixtures import DEFAULT_FIXTURE_THRESHOLDS, FIXTURES_SUMMARY_FILE, uncovered_articles
from eval.formatting import REPORT_FILE, RESULTS_FILE
from eval.run import source_collection
from ingest.core.settings import Settings
from ingest.store import make_client

ARTICLE = """Top 3 Robot Towns in 2030: The Short Ranking

This short ranking looks at three towns that build robots, judged on factories, research and local support.

1. Alphaville

Key Strengths:

  \u2022 Factories: Alphaville makes 40% of the country's warehouse robots.
  \u2022 Research: Home to the Alpha Robotics Institute, which trains most of the region's engineers.

2. Betatown

Key Strengths:

  \u2022 Ports: Betatown's harbour robots unload container ships in half the usual time.

3. Gammaford

Key Strengths:

  \u2022 Farming: Gammaford's fruit-picking robots work through the night during the harvest.

Outlook

  \u2022 Consolidation: Smaller towns are expected to merge their robot programmes by 2032.

For methodology details, refer to the Robot Census 2030.
"""
SECTIONS = {"Introduction", "1. Alphaville", "2. Betatown", "3. Gammaford", "Outlook", "Methodology"}
CASES = [
    {"id": "robots-first", "category": "ranking", "question": "Which town is ranked first?",
     "expected_facts": [["Alphaville"]], "expected_sections": ["1. Alphaville"], "must_abstain": False},
    {"id": "robots-share", "category": "fact", "question": "What share of warehouse robots come from Alphaville?",
     "expected_facts": [["40%"]], "expected_sections": ["1. Alphaville"], "must_abstain": False},
    {"id": "robots-mayor", "category": "trap", "question": "Who is the mayor of Betatown?",
     "expected_facts": [], "expected_sections": [], "must_abstain": True},
]
LENIENT = {"min": {"quote_validity": 1.0}}  # every quote verbatim; nothing about how good the answers are

pytestmark = pytest.mark.slow


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def run_cli(argv: Sequence[str], embeddings: object) -> tuple[int, str]:
    buffer = io.StringIO()
    code = run_from_args(parse(argv), console=Console(file=buffer, width=200), embeddings=embeddings)
    return code, buffer.getvalue()


def write_yaml(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp folder with the tiny article; the product's Chroma database and feedback file live there too."""
    monkeypatch.setenv("AICITIES_CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("AICITIES_FEEDBACK_PATH", str(tmp_path / "feedback.jsonl"))
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "robots.txt").write_text(ARTICLE, encoding="utf-8")
    return tmp_path


def collections(root: Path) -> set[str]:
    return {c.name for c in make_client(Settings(chroma_path=root / "chroma")).list_collections()}


def test_source_runs_the_cases_against_that_article_in_its_own_collection(workspace: Path, embeddings) -> None:
    article = workspace / "articles" / "robots.txt"
    cases = write_yaml(workspace / "robots-cases.yaml", {"version": 1, "cases": CASES})
    thresholds = write_yaml(workspace / "lenient.yaml", LENIENT)
    argv = ["--source", str(article), "--cases", str(cases), "--thresholds", str(thresholds), "--no-progress",
            "--no-baseline"]
    code, text = run_cli([*argv, "--out", str(workspace / "run")], embeddings)
    assert code == 0, text

    data = json.loads((workspace / "run" / RESULTS_FILE).read_text(encoding="utf-8"))
    assert data["source"] == str(article.resolve()) and data["n_cases"] == 3
    assert data["settings"]["product"]["collection"] == source_collection(article)
    assert source_collection(article).startswith("eval-") and len(source_collection(article)) == 21
    cited = {c["section"] for case in data["cases"] for c in case["product"]["citations"]}
    assert cited and cited <= SECTIONS  # answered from the tiny article, not from the main index
    first = next(c for c in data["cases"] if c["id"] == "robots-first")
    assert "Alphaville" in first["product"]["answer"]
    assert data["thresholds"]["file"] == str(thresholds)
    name = source_collection(article)
    # the main collection was never created: only the article's own index (with its multilingual index and the
    # vectors kept beside each)
    own = {name, f"{name}_ml", f"{name}-vectors", f"{name}_ml-vectors"}
    assert collections(workspace) <= own and name in collections(workspace)

    code, _ = run_cli([*argv, "--out", str(workspace / "again")], embeddings)  # reuses the collection
    assert code == 0 and collections(workspace) == own


def test_source_checks_the_cases_sections_against_that_article(workspace: Path, embeddings,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    shipped = Path(__file__).resolve().parents[2] / "eval" / "cases.yaml"
    code, text = run_cli(["--source", str(workspace / "articles" / "robots.txt"), "--cases", str(shipped),
                          "--out", str(workspace / "run")], embeddings)
    err = capsys.readouterr().err
    assert code == 2 and text == "" and "unknown section(s) ['1. Beijing']" in err
    assert "'1. Alphaville'" in err and not (workspace / "run").exists()
    code, _ = run_cli(["--source", str(workspace / "nope.txt"), "--out", str(workspace / "run")], embeddings)
    assert code == 2 and "Source not found" in capsys.readouterr().err


def test_cases_file_header_names_the_source_and_its_thresholds(workspace: Path, embeddings) -> None:
    cases = write_yaml(workspace / "cases" / "robots.yaml",
                       {"source": "../articles/robots.txt", "thresholds": {"max": {"latency_total_p50_ms": 0}},
                        "cases": CASES[:1]})
    code, text = run_cli(["--cases", str(cases), "--no-progress", "--no-baseline", "--out",
                          str(workspace / "run")], embeddings)
    assert code == 1 and "Below threshold: overall latency_total_p50_ms" in text  # the file's own thresholds
    data = json.loads((workspace / "run" / RESULTS_FILE).read_text(encoding="utf-8"))
    assert data["source"] == str((workspace / "articles" / "robots.txt").resolve())
    assert data["thresholds"]["file"] == f"{cases}: thresholds"


def test_fixtures_each_run_against_their_own_article_and_are_gated(workspace: Path, embeddings) -> None:
    fixtures = workspace / "fixtures"
    write_yaml(fixtures / "robots.yaml", {"source": "../articles/robots.txt", "thresholds": LENIENT,
                                          "cases": CASES})
    write_yaml(fixtures / "zeppelin.yaml", {"source": str(workspace / "articles" / "robots.txt"), "cases": [
        {"id": "robots-airships", "category": "fact", "question": "Which airship maker does Alphaville host?",
         "expected_facts": [["Zeppelin"]], "expected_sections": ["1. Alphaville"], "must_abstain": False}]})
    out = workspace / "runs"
    code, text = run_cli(["--fixtures", str(fixtures), "--no-progress", "--out", str(out)], embeddings)
    assert code == 1, text  # zeppelin.yaml cannot reach the default accuracy >= 0.85
    assert "robots.yaml" in text and "zeppelin.yaml" in text and "1 fixture problem(s)" in text
    assert "FAILED: overall accuracy 0.000 < min 0.85" in text
    assert {p.name for p in out.iterdir()} == {"robots", "zeppelin", FIXTURES_SUMMARY_FILE}
    robots = json.loads((out / "robots" / RESULTS_FILE).read_text(encoding="utf-8"))
    zeppelin = json.loads((out / "zeppelin" / RESULTS_FILE).read_text(encoding="utf-8"))
    assert robots["thresholds"]["passed"] is True and robots["summary"]["baseline"] is not None
    assert zeppelin["thresholds"]["file"] == DEFAULT_FIXTURE_THRESHOLDS.path
    assert {c["metric"] for c in zeppelin["thresholds"]["checks"]} == {"accuracy", "crashes"}
    assert (out / "zeppelin" / REPORT_FILE).exists()
    assert "| zeppelin.yaml |" in (out / FIXTURES_SUMMARY_FILE).read_text(encoding="utf-8")

    code, text = run_cli(["--fixtures", str(fixtures), "--category", "ranking", "--no-progress", "--no-baseline",
                          "--out", str(workspace / "ranking")], embeddings)
    assert code == 0 and "skipped" in text  # zeppelin.yaml has no ranking case: not run, not a failure


def test_fixtures_in_two_processes_give_the_same_outcomes_in_the_same_order(workspace: Path, embeddings) -> None:
    fixtures = workspace / "fixtures"
    for name in ("a-robots", "b-robots", "c-robots"):
        write_yaml(fixtures / f"{name}.yaml", {"source": "../articles/robots.txt", "thresholds": LENIENT,
                                               "cases": CASES[:2]})
    write_yaml(fixtures / "d-zeppelin.yaml", {"source": "../articles/robots.txt", "cases": [
        {"id": "robots-airships", "category": "fact", "question": "Which airship maker does Alphaville host?",
         "expected_facts": [["Zeppelin"]], "expected_sections": ["1. Alphaville"], "must_abstain": False}]})
    out = workspace / "runs"
    code, text = run_cli(["--fixtures", str(fixtures), "--jobs", "2", "--no-progress", "--no-baseline",
                          "--out", str(out)], embeddings)
    assert code == 1 and "1 fixture problem(s)" in text, text  # d-zeppelin.yaml misses the default gate
    rows = [line for line in text.splitlines() if "robots.yaml" in line or "zeppelin.yaml" in line]
    assert [r.split()[1] for r in rows] == ["a-robots.yaml", "b-robots.yaml", "c-robots.yaml", "d-zeppelin.yaml"]
    assert {p.name for p in out.iterdir()} == {"a-robots", "b-robots", "c-robots", "d-zeppelin",
                                               FIXTURES_SUMMARY_FILE}
    # each process keeps its indexes in its own Chroma folder: one folder is not safe to write from two processes
    assert {p.name for p in (workspace / "chroma").iterdir() if p.is_dir()} >= {"fixtures-job0", "fixtures-job1"}


def test_bad_fixture_files_exit_2_listing_every_problem(workspace: Path, embeddings,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = workspace / "fixtures"
    write_yaml(fixtures / "a-no-source.yaml", {"cases": CASES})
    write_yaml(fixtures / "b-wrong-section.yaml", {"source": "../articles/robots.txt", "cases": [
        {**CASES[0], "expected_sections": ["1. Beijing"]}]})
    code, text = run_cli(["--fixtures", str(fixtures), "--out", str(workspace / "run")], embeddings)
    err = capsys.readouterr().err
    assert code == 2 and text == "" and not (workspace / "run").exists()
    assert "a-no-source.yaml: a fixture file needs a `source:` header" in err
    assert "b-wrong-section.yaml" in err and "unknown section(s) ['1. Beijing']" in err

    code, _ = run_cli(["--fixtures", str(fixtures), "--source", "x.txt"], embeddings)
    assert code == 2 and "--source cannot be combined with --fixtures" in capsys.readouterr().err
    empty = workspace / "empty"
    empty.mkdir()
    code, text = run_cli(["--fixtures", str(empty)], embeddings)
    assert code == 0 and "No fixture files" in text
    code, _ = run_cli(["--fixtures", str(workspace / "missing")], embeddings)
    assert code == 2 and "not a folder" in capsys.readouterr().err


def test_articles_without_a_fixture_file_are_reported(tmp_path: Path) -> None:
    articles = tmp_path / "data" / "fixtures"
    articles.mkdir(parents=True)
    for name in ("a.txt", "b.md", "c.html", "notes.json"):
        (articles / name).write_text("x", encoding="utf-8")
    assert [p.name for p in uncovered_articles([articles / "b.md"], articles)] == ["a.txt", "c.html"]
    assert uncovered_articles([], tmp_path / "none") == []
