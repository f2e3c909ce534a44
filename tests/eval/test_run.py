"""Tests of the eval runner (eval/run.py, eval/cli.py, eval/thresholds.py, eval/compare.py, eval/report.py,
eval/__main__.py).

Thresholds, comparison and case handling run on a fake bot (fast); smoke runs, exit codes and `ai-cities eval`
run on the real bot (session fixture `bot`).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from rich.console import Console

import eval.cli as cli_module
import eval.run as run_module
from eval.cli import add_arguments, run_from_args
from eval.compare import compare_runs, load_previous_run
from eval.dataset import CATEGORIES, DEFAULT_CASES_PATH, Case, EvalArgumentError
from eval.fixtures import DEFAULT_FIXTURE_THRESHOLDS
from eval.formatting import CHART_FILE, REPORT_FILE, RESULTS_FILE, format_metric
from eval.run import ask_case, default_out_dir, run_eval
from eval.thresholds import load_thresholds, parse_thresholds, resolve_thresholds
from ingest.core.errors import InvalidQuestionError
from ingest.core.models import Answer, Citation

SOURCE = (Path(__file__).resolve().parents[2] / "data" / "china-ai-cities-2025.txt").read_text(
    encoding="utf-8"
)
PERMISSIVE = "version: 1\nmin: {quote_validity: 1.0}\n"
IMPOSSIBLE = "version: 1\nmin: {quote_validity: 1.0}\nmax: {latency_total_p50_ms: 0.0}\n"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse eval options the way `python -m eval` does."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(argv: Sequence[str], bot: object) -> tuple[int, str]:
    """run_from_args with the given bot; returns (exit code, what the terminal report printed)."""
    buffer = io.StringIO()
    code = run_from_args(parse(argv), bot=bot, console=Console(file=buffer, width=200))
    return code, buffer.getvalue()


# --------------------------------------------------------------------------------------------------------
# Fast: a fake bot, no model
# --------------------------------------------------------------------------------------------------------


class FakeBot:
    """Answers from a dict of question -> Answer; records the history it was given."""

    def __init__(self, replies: dict[str, Answer | Exception]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def warm_up(self) -> None:
        pass

    def source_text(self) -> str:
        return SOURCE

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        self.calls.append((question, list(history or [])))
        reply = self.replies.get(question, Answer(text="I don't know.", abstained=True, mode="abstain"))
        if isinstance(reply, Exception):
            raise reply
        return reply


def jinan_citation() -> Citation:
    start = SOURCE.index("8. Jinan")
    return Citation(marker=1, section="8. Jinan", quote="8. Jinan", start=start, end=start + len("8. Jinan"),
                    rank=8, city="Jinan")


def make_case(**overrides: object) -> Case:
    values: dict[str, object] = {
        "id": "jinan-rank", "category": "ranking", "question": "Where does Jinan rank?",
        "expected_facts": [["8th", "eighth"]], "expected_sections": ["8. Jinan"], "must_abstain": False,
    }
    values.update(overrides)
    return Case.model_validate(values)


def test_follow_up_gets_the_bots_own_answers_as_history() -> None:
    case = make_case(id="fu", category="follow_up", question=None,
                     turns=["Which city is eighth?", "Where does it rank?"])
    bot = FakeBot({
        "Which city is eighth?": Answer(text="Jinan [1].", citations=[jinan_citation()]),
        "Where does it rank?": Answer(text="It ranks 8th [1].", citations=[jinan_citation()]),
    })
    record = ask_case(bot, case, SOURCE)
    assert bot.calls == [("Which city is eighth?", []), ("Where does it rank?", [("Which city is eighth?",
                                                                                 "Jinan [1].")])]
    assert record.result.verdict == "correct" and record.history == [("Which city is eighth?", "Jinan [1].")]
    alone = FakeBot({})
    ask_case(alone, case, SOURCE, with_history=False)
    assert alone.calls == [("Where does it rank?", [])]


def test_rejected_question_counts_as_abstention_and_a_crash_fails_the_run(tmp_path: Path) -> None:
    rejected = ask_case(FakeBot({"Where does Jinan rank?": InvalidQuestionError("too long")}), make_case(),
                        SOURCE)
    assert rejected.answer.abstained and rejected.result.verdict == "abstained" and rejected.error is None

    bot = FakeBot({"Where does Jinan rank?": RuntimeError("boom")})
    run = run_eval([make_case()], bot, baseline=False, show_progress=False)
    assert run.product[0].result.verdict == "wrong" and "RuntimeError: boom" in run.product[0].result.why
    assert run.errors == ["jinan-rank: raised RuntimeError: boom"] and run.exit_code == 1
    assert run.summary.overall.crashes == 1 and run.summary.by_category["ranking"].crashes == 1
    assert run.product[0].result.crashed and run.to_json()["cases"][0]["product"]["metrics"]["crashed"] is True


@pytest.mark.parametrize("shown", [
    {"text": "Jinan is **8th** [1]."},
    {"text": "Jinan is 8th [1].", "section": "<h2>8. Jinan</h2>"},
    {"text": "Jinan is 8th [1].", "quote": "| 8 | Jinan | 2025 |"},
])
def test_markup_in_an_answer_its_label_or_its_quote_fails_the_run(shown: dict[str, str]) -> None:
    citation = jinan_citation().model_copy(update={k: v for k, v in shown.items() if k != "text"})
    bot = FakeBot({"Where does Jinan rank?": Answer(text=shown["text"], citations=[citation])})
    run = run_eval([make_case()], bot, baseline=False, show_progress=False)
    assert run.product[0].markup and run.exit_code == 1
    assert run.errors[0].startswith("jinan-rank: markup shown:")
    assert run.to_json()["cases"][0]["product"]["markup"] == run.product[0].markup


def test_the_first_questions_users_ask_are_checked_too() -> None:
    from eval.markup import first_questions

    questions = first_questions(SOURCE)
    assert questions[:3] == ["What is this article about?", "Which one is ranked first?", "Give me the top 3."]
    assert len(questions) == 9 and all(q.endswith(("?", ".")) for q in questions)
    good = Answer(text="Jinan is 8th [1].", citations=[jinan_citation()])
    clean = run_eval([make_case()], FakeBot({"Where does Jinan rank?": good}), baseline=False, show_progress=False)
    assert clean.passed and [p.question for p in clean.probes] == questions
    assert clean.to_json()["first_questions"][0]["question"] == questions[0]

    marked = FakeBot({"Where does Jinan rank?": good, questions[1]: Answer(text="The first is __Beijing__.")})
    run = run_eval([make_case()], marked, baseline=False, show_progress=False)
    assert run.exit_code == 1 and run.errors == [f"first question {questions[1]!r}: markup shown: ['__', '__']"]
    crashing = FakeBot({"Where does Jinan rank?": good, questions[0]: RuntimeError("boom")})
    run = run_eval([make_case()], crashing, baseline=False, show_progress=False)
    assert run.errors == [f"first question {questions[0]!r}: raised RuntimeError: boom"]
    skipped = run_eval([make_case()], crashing, baseline=False, show_progress=False, check_first_questions=False)
    assert skipped.passed and not skipped.probes


def test_markup_an_article_writes_about_is_not_markup() -> None:
    from eval.markup import markup_in

    raw = "Put `<title>` in the head, and write &lt;br&gt; for a break.\n\n```\n# a comment\n```\n"
    assert markup_in("Put <title> in the head and <br> for a break.", raw) == []
    assert markup_in("# a comment", raw) == []
    assert markup_in("Use <em>this</em>.", raw) == ["<em>", "</em>"]
    assert markup_in("see [docs](https://example.org)") == ["](https://"]


def test_a_crash_in_an_earlier_turn_counts_too() -> None:
    case = make_case(id="fu", category="follow_up", question=None, turns=["Which city is eighth?", "Its rank?"])
    bot = FakeBot({"Which city is eighth?": KeyError("kb"),
                   "Its rank?": Answer(text="It ranks 8th [1].", citations=[jinan_citation()])})
    record = ask_case(bot, case, SOURCE)
    assert record.result.verdict == "wrong" and record.result.crashed
    assert record.result.why == "crashed: turn 1 raised KeyError: 'kb'"


def test_thresholds_checks_and_validation(tmp_path: Path) -> None:
    cases = [make_case(), make_case(id="mars", category="unanswerable", question="Population of Mars?",
                                    expected_facts=[], expected_sections=[], must_abstain=True)]
    good = Answer(text="Jinan ranks 8th [1].", citations=[jinan_citation()])
    bot = FakeBot({"Where does Jinan rank?": good})
    ok = load_thresholds(write(tmp_path / "ok.yaml",
                               "version: 1\nmin: {fact_accuracy: 1.0, crag_score: 1.0}\n"
                               "category_min: {unanswerable: {accuracy: 1.0}, chinese: {accuracy: 0.9}}\n"))
    run = run_eval(cases, bot, baseline=False, thresholds=ok, show_progress=False)
    assert run.exit_code == 0
    assert [c.passed for c in run.checks] == [True, True, True, None]  # chinese: not run, not a failure

    strict = load_thresholds(write(tmp_path / "strict.yaml", "version: 1\nmax: {false_refusal_rate: 0.0}\n"
                                   "min: {abstention_precision: 1.0}\n"))
    bot.replies["Where does Jinan rank?"] = Answer(text="No idea.", abstained=True, mode="abstain")
    run = run_eval(cases, bot, baseline=False, thresholds=strict, show_progress=False)
    assert run.exit_code == 1
    assert sorted(c.metric for c in run.failed_checks) == ["abstention_precision", "false_refusal_rate"]
    assert "abstention_precision 0.500 < min 1" in run.failed_checks[0].describe()

    for text, message in [
        ("version: 1\nmin: {fact_acuracy: 0.5}\n", "unknown metric 'fact_acuracy'"),
        ("version: 1\nmin: {fact_accuracy: 65}\n", "outside [0, 1]"),
        ("version: 1\nmin: {fact_accuracy: high}\n", "expected a number"),
        ("version: 2\n", "`version` must be"),
        ("version: 1\ncategory_min: {poetry: {accuracy: 0.5}}\n", "unknown category 'poetry'"),
        ("version: 1\ncategory_min: {fact: {latency_total_p95_ms: 5}}\n", "unknown metric"),
        ("version: 1\nminimum: {}\n", "unknown key(s) ['minimum']"),
        ("version: [1\n", "not valid YAML"),
    ]:
        with pytest.raises(EvalArgumentError, match=re.escape(message)) as raised:
            load_thresholds(write(tmp_path / "bad.yaml", text))
        assert str(tmp_path / "bad.yaml") in str(raised.value)
    with pytest.raises(EvalArgumentError, match="thresholds file not found"):
        load_thresholds(tmp_path / "missing.yaml")


def test_category_gates_when_present_and_enforce(tmp_path: Path) -> None:
    cases = [make_case()]
    bot = FakeBot({"Where does Jinan rank?": Answer(text="Jinan ranks 8th [1].", citations=[jinan_citation()])})
    gated = load_thresholds(write(tmp_path / "t.yaml", "min: {accuracy: 0.9}\nmax: {crashes: 0}\n"
                                  "category_min: {trap: {trap_refusal_rate: 0.95}, yes_no: {accuracy: 0.9},"
                                  " ranking: {accuracy: 1.0}}\n"
                                  "category_gate: {trap: enforce, ranking: enforce}\n"))
    assert (gated.gate("trap"), gated.gate("yes_no"), gated.gate("fact")) == ("enforce", "when_present",
                                                                            "when_present")
    full = run_eval(cases, bot, baseline=False, thresholds=gated, show_progress=False)
    by_scope = {c.scope: c for c in full.checks}
    assert by_scope["yes_no"].passed is None  # when_present: no cases, not measured, not a failure
    assert by_scope["trap"].passed is False and "no cases of this enforced category" in by_scope["trap"].describe()
    assert by_scope["ranking"].passed is True and full.exit_code == 1
    filtered = run_eval(cases, bot, baseline=False, thresholds=gated, show_progress=False, categories=["ranking"])
    assert {c.scope: c.passed for c in filtered.checks}["trap"] is None and filtered.exit_code == 0
    limited = run_eval(cases, bot, baseline=False, thresholds=gated, show_progress=False, limit=1)
    assert limited.exit_code == 0
    written = {c["scope"]: c for c in full.to_json()["thresholds"]["checks"]}
    assert written["trap"]["note"].startswith("no cases") and written["trap"]["passed"] is False

    for text, message in [
        ("category_gate: {trap: always}\n", "'always' is not one of ['when_present', 'enforce']"),
        ("category_gate: {poetry: enforce}\n", "unknown category 'poetry'"),
        ("max: {crashes: -1}\n", "outside [0, inf]"),
    ]:
        with pytest.raises(EvalArgumentError, match=re.escape(message)):
            load_thresholds(write(tmp_path / "bad.yaml", text))
    assert load_thresholds(write(tmp_path / "n.yaml", "max: {crashes: 3}\n")).maximums == {"crashes": 3.0}


def test_thresholds_come_from_the_option_then_the_cases_file_then_the_default(tmp_path: Path) -> None:
    explicit = write(tmp_path / "x.yaml", "min: {accuracy: 0.1}\n")
    section = {"min": {"accuracy": 0.2}}
    assert resolve_thresholds(explicit, section, "c.yaml").minimums == {"accuracy": 0.1}
    from_file = resolve_thresholds(None, section, "c.yaml")
    assert from_file.minimums == {"accuracy": 0.2} and from_file.path == "c.yaml: thresholds"
    assert resolve_thresholds(None, None, "c.yaml").path.endswith("eval/thresholds.yaml")
    assert resolve_thresholds(None, None, "c.yaml", DEFAULT_FIXTURE_THRESHOLDS) is DEFAULT_FIXTURE_THRESHOLDS
    with pytest.raises(EvalArgumentError, match=re.escape("c.yaml: thresholds: min: unknown metric 'acc'")):
        parse_thresholds({"min": {"acc": 0.5}}, "c.yaml: thresholds")


def test_compare_runs_lists_better_and_worse() -> None:
    def results(verdicts: dict[str, str], accuracy: float) -> dict:
        return {
            "summary": {"product": {"overall": {"accuracy": accuracy, "abstention": {"precision": 1.0}}}},
            "cases": [{"id": i, "category": "fact", "scored_question": f"q {i}",
                       "product": {"verdict": v, "why": f"why {v}"}} for i, v in verdicts.items()],
        }

    before = results({"a": "wrong", "b": "correct", "c": "abstained", "gone": "correct"}, 0.5)
    after = results({"a": "correct", "b": "abstained", "c": "abstained", "new": "wrong"}, 0.25)
    cmp = compare_runs(after, before, "runs/old")
    assert [c.case_id for c in cmp.better] == ["a"] and [c.case_id for c in cmp.worse] == ["b"]
    assert (cmp.unchanged, cmp.added, cmp.removed) == (1, ["new"], ["gone"])
    text = "\n".join(cmp.lines())
    assert "1 better, 1 worse, 1 unchanged, 1 new, 1 no longer run" in text
    assert "better: a [fact] wrong -> correct" in text and "worse: b [fact] correct -> abstained" in text
    assert "accuracy: 50.0% -> 25.0% (-25.0 pts)" in text


def test_small_helpers(tmp_path: Path) -> None:
    assert format_metric("fact_accuracy", 0.6612) == "66.1%"
    assert format_metric("crag_score", -0.17) == "-0.17" and format_metric("mrr", None) == "n/a"
    now = datetime(2026, 11, 30, 5, 30, 0)
    first = default_out_dir(tmp_path, now)
    assert first.name == "2026-11-30T05-30-00" and not first.exists()
    first.mkdir()
    assert default_out_dir(tmp_path, now).name == "2026-11-30T05-30-00-2"
    with pytest.raises(EvalArgumentError, match="no earlier run"):
        load_previous_run(tmp_path)
    with pytest.raises(SystemExit):
        parse(["--limit", "0"])
    assert parse(["--category", "fact", "--category", "chinese"]).categories == ["fact", "chinese"]


# --------------------------------------------------------------------------------------------------------
# Real bot: smoke runs and exit codes
# --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cases file with the first case of five categories (a conversation among them)."""
    data = yaml.safe_load(DEFAULT_CASES_PATH.read_text(encoding="utf-8"))
    picked: dict[str, dict] = {}
    for case in data["cases"]:
        if case["category"] in ("fact", "ranking", "follow_up", "unanswerable", "chinese"):
            picked.setdefault(case["category"], case)
    path = tmp_path_factory.mktemp("cases") / "small.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "cases": list(picked.values())}, allow_unicode=True),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def smoke(bot, small_cases: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """One real run (product + baseline) of the small cases file: (exit code, terminal output, folder)."""
    root = tmp_path_factory.mktemp("smoke")
    thresholds = write(root / "thresholds.yaml", PERMISSIVE)
    out = root / "run"
    code, text = run_cli(["--cases", str(small_cases), "--out", str(out), "--thresholds", str(thresholds),
                          "--no-progress"], bot)
    return code, text, out


def test_smoke_run_writes_the_run_folder(smoke: tuple[int, str, Path]) -> None:
    code, text, out = smoke
    assert code == 0
    assert {RESULTS_FILE, REPORT_FILE, CHART_FILE} <= {p.name for p in out.iterdir()}
    assert (out / CHART_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    data = json.loads((out / RESULTS_FILE).read_text(encoding="utf-8"))
    assert data["n_cases"] == 5 and data["settings"]["backend"] == "extractive"
    assert data["thresholds"]["passed"] is True and data["run_seconds"]["total"] > 0
    assert set(data["summary"]) == {"product", "baseline"}
    assert data["summary"]["product"]["overall"]["quote_validity"] in (None, 1.0)
    for case in data["cases"]:
        for system in ("product", "baseline"):
            entry = case[system]
            assert {"answer", "citations", "abstained", "verdict", "why", "metrics"} <= set(entry)
            assert entry["verdict"] in ("correct", "abstained", "wrong")
        assert case["baseline"]["citations"] == [] and case["baseline"]["abstained"] is False
        assert case["product"]["route"]  # the answer engine's route that served it
    follow_up = next(c for c in data["cases"] if c["category"] == "follow_up")
    assert len(follow_up["product"]["history"]) == len(follow_up["questions"]) - 1 >= 1
    assert follow_up["baseline"]["history"] == []

    report = (out / REPORT_FILE).read_text(encoding="utf-8")
    for heading in ("## Headline: product vs baseline", "## By category", "## Latency", "## Thresholds",
                    "cases not correct", f"]({CHART_FILE})", "## Cases per route", "## Route per case"):
        assert heading in report
    for case in data["cases"]:  # every case's route shows in the report
        product = case["product"]
        assert f"| `{case['id']}` | {case['category']} | {product['verdict']} | `{product['route']}` |" in report
    assert "Headline: product vs baseline" in text and "By category" in text
    assert "Latency ms (product)" in text
    assert "All thresholds met" in text


def test_threshold_miss_exits_1(bot, small_cases: Path, tmp_path: Path) -> None:
    thresholds = write(tmp_path / "impossible.yaml", IMPOSSIBLE)
    code, text = run_cli(["--cases", str(small_cases), "--limit", "2", "--no-baseline", "--no-progress",
                          "--out", str(tmp_path / "run"), "--thresholds", str(thresholds)], bot)
    assert code == 1
    assert "Below threshold: overall latency_total_p50_ms" in text and "quote_validity" not in text
    data = json.loads((tmp_path / "run" / RESULTS_FILE).read_text(encoding="utf-8"))
    assert data["thresholds"]["passed"] is False and data["summary"]["baseline"] is None
    assert "FAILED" in (tmp_path / "run" / REPORT_FILE).read_text(encoding="utf-8")


def test_compare_prints_better_and_worse(bot, smoke: tuple[int, str, Path], small_cases: Path,
                                         tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    shutil.copytree(smoke[2], earlier)
    data = json.loads((earlier / RESULTS_FILE).read_text(encoding="utf-8"))
    verdicts = {c["id"]: c["product"]["verdict"] for c in data["cases"]}
    first, second = data["cases"][0], data["cases"][1]
    # Rewrite history: the first case was worse before (so now it is better), the second was better.
    first["product"]["verdict"] = "wrong" if verdicts[first["id"]] != "wrong" else "correct"
    second["product"]["verdict"] = "correct" if verdicts[second["id"]] != "correct" else "wrong"
    (earlier / RESULTS_FILE).write_text(json.dumps(data), encoding="utf-8")

    thresholds = write(tmp_path / "t.yaml", PERMISSIVE)
    code, text = run_cli(["--cases", str(small_cases), "--no-baseline", "--no-progress", "--compare",
                          str(earlier), "--out", str(tmp_path / "now"), "--thresholds", str(thresholds)], bot)
    assert code == 0
    assert f"Compared with {earlier}" in text
    assert f"{'better' if verdicts[first['id']] != 'wrong' else 'worse'}: {first['id']} [" in text
    assert f"{'worse' if verdicts[second['id']] != 'correct' else 'better'}: {second['id']} [" in text
    results = json.loads((tmp_path / "now" / RESULTS_FILE).read_text(encoding="utf-8"))
    assert results["comparison"]["previous"] == str(earlier)
    assert "## Compared with the earlier run" in (tmp_path / "now" / REPORT_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cases", "{tmp}/nope.yaml"], "cases file not found"),
        (["--category", "poetry"], "unknown category"),
        (["--thresholds", "{tmp}/nope.yaml"], "thresholds file not found"),
        (["--compare", "{tmp}"], "no earlier run to compare with"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, text = run_cli([*argv, "--out", str(tmp_path / "run")], bot=FakeBot({}))
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1 and text == ""
    assert not (tmp_path / "run").exists()


def test_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AICITIES_TOP_K", "0")
    assert run_from_args(parse(["--no-progress"])) == 2
    assert "invalid setting AICITIES_TOP_K" in capsys.readouterr().err


def test_build_bot_reads_aicities_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AICITIES_TOP_K", "3")
    monkeypatch.setenv("AICITIES_CHROMA_PATH", str(tmp_path / "chroma"))
    built = run_module.build_bot()  # nothing heavy happens before warm_up
    assert built.settings.top_k == 3 and built.settings.chroma_path == tmp_path / "chroma"


@pytest.mark.parametrize("entry", ["ai-cities", "python -m eval"])
def test_eval_command_exit_codes(entry: str, bot, small_cases: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main as cli_main
    from eval.__main__ import main as module_main

    monkeypatch.setattr(cli_module, "build_bot", lambda *args, **kwargs: bot)
    permissive = write(tmp_path / "ok.yaml", PERMISSIVE)
    impossible = write(tmp_path / "no.yaml", IMPOSSIBLE)

    def call(*argv: str) -> int:
        if entry == "ai-cities":
            return cli_main(["eval", *argv])
        return module_main(list(argv))

    common = ["--cases", str(small_cases), "--limit", "3", "--no-progress"]
    assert call(*common, "--out", str(tmp_path / "a"), "--thresholds", str(permissive)) == 0
    assert call(*common, "--out", str(tmp_path / "b"), "--thresholds", str(impossible), "--no-baseline") == 1
    assert call("--cases", str(tmp_path / "missing.yaml")) == 2
    out = capsys.readouterr().out
    assert "Headline: product vs baseline" in out and "Below threshold" in out
    assert (tmp_path / "a" / RESULTS_FILE).exists() and (tmp_path / "b" / CHART_FILE).exists()


def test_every_category_can_be_selected() -> None:
    for category in CATEGORIES:
        assert parse(["--category", category]).categories == [category]


def test_in_an_html_page_only_tags_and_entities_are_markup() -> None:
    from eval.markup import markup_in

    shown = "# Player Score\n1 Ann Vale 9 | 10"  # a "#" column header and a pipe the page shows as text
    assert markup_in(shown, html=True) == []
    assert "# P" in markup_in(shown)  # in a markdown source a line opening with "# " is a heading mark
    assert markup_in("<td>Ann</td> &amp;", html=True) == ["<td>", "</td>", "&amp;"]


def test_escaped_pipes_and_emphasis_around_nothing_are_text() -> None:
    from eval.markup import markup_in

    raw = "| Kite | About |\n|---|---|\n| Sky Ribbon | light \\| fast \\| cheap |\n\nSelect **** to go on.\n"
    assert markup_in("Sky Ribbon: light | fast | cheap", raw) == []
    assert markup_in("Select **** to go on.", raw) == []
    assert markup_in("a | b | c") and markup_in("**bold**") == ["**", "**"]
