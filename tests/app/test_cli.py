"""The `ai-cities` command line: success paths and one-line errors with non-zero exits."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app.cli import COMMANDS_GROUP, Command, main, registered_commands
from ingest.cli import main as ingest_main
from ingest.core.settings import PROJECT_ROOT
from tests.conftest import Page, PageServer, free_port


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AICITIES_CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.delenv("AICITIES_CHROMA_HOST", raising=False)
    return tmp_path


def test_ingest_then_ask_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest"]) == 0
    assert "Indexed" in capsys.readouterr().out
    assert main(["ingest"]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert main(["ask", "Which city is ranked 8th?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "Jinan" in data["text"] and data["citations"][0]["section"] == "8. Jinan"
    assert data["abstained"] is False and data["source_url"] is None  # read from a file, not fetched
    assert set(data["timings_ms"]) == {"retrieval_ms", "answer_ms", "total_ms"}


def test_ingest_url_then_ask_cites_it(cli_env: Path, page_server: PageServer, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AICITIES_SOURCES_DIR", str(cli_env / "sources"))
    monkeypatch.setenv("AICITIES_MULTILINGUAL", "false")
    page = (PROJECT_ROOT / "data" / "fixtures" / "usgs-largest-earthquakes.html").read_bytes()
    url = page_server.add("/cli/largest-earthquakes", Page(page))
    assert ingest_main([url]) == 0  # python -m ingest URL
    fetched, indexed, named = capsys.readouterr().out.strip().splitlines()
    assert fetched.startswith(f"Fetched {url}: text/html, {len(page):,} bytes, kept as {cli_env / 'sources'}")
    assert indexed.startswith("Indexed ") and ".html: " in indexed
    article = named.split("'")[1]
    assert article.startswith("127-0-0-1-") and "cli-largest-earthquakes" in article
    assert main(["ingest", url]) == 0  # ai-cities ingest URL: the same page again leaves the index as it is
    fetched, indexed, named = capsys.readouterr().out.strip().splitlines()
    assert fetched.endswith("; unchanged since the last fetch") and "already up to date" in indexed
    assert named.startswith(f"article {article!r}: “20 Largest Earthquakes in the World”, 20 ")
    question = "Which is the biggest earthquake on this list, and how strong was it?"
    assert main(["ask", question, "--article", article]) == 0
    out = capsys.readouterr().out
    assert "Bio-Bio" in out and f"Sources, from “20 Largest Earthquakes in the World” ({url}):" in out
    assert main(["ask", question, "--article", article, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source_url"] == url
    assert main(["ask", question, "--json"]) == 0  # without --article: the shipped article, which doesn't say
    assert json.loads(capsys.readouterr().out)["source_url"] is None


@pytest.mark.parametrize("entry", [main, ingest_main], ids=["ai-cities", "python -m ingest"])
@pytest.mark.parametrize(
    ("page", "message"),
    [
        (None, "the server answered HTTP 404 Not Found."),
        (Page(b"%PDF-1.4", "application/pdf"), "it is application/pdf, not an HTML page"),
        ("closed", "connection refused by 127.0.0.1:"),
        ("gopher", "only http:// and https:// URLs can be ingested, not gopher://"),
    ],
    ids=["404", "pdf", "refused", "scheme"],
)
def test_ingest_url_errors_are_one_line_and_exit_1(cli_env: Path, page_server: PageServer,
                                                   capsys: pytest.CaptureFixture[str], entry, page,
                                                   message: str) -> None:
    if page == "closed":
        url = f"http://127.0.0.1:{free_port()}/article.html"
    elif page == "gopher":
        url = "gopher://127.0.0.1/article"
    else:
        url = page_server.url("/cli/error")
        page_server.pages.pop("/cli/error", None)
        if page is not None:
            page_server.add("/cli/error", page)
    argv = ["ingest", url] if entry is main else [url]
    assert entry(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err and captured.err.count("\n") == 1
    assert captured.out == ""


def test_ask_prints_sources(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What is the population of Hangzhou?"]) == 0
    out = capsys.readouterr().out
    assert "doesn't" in out and "Sources" not in out
    assert main(["ask", "Which city hosts Alibaba's DAMO Academy?"]) == 0
    out = capsys.readouterr().out
    assert "Sources, from “China’s Top 10 AI Cities in 2025: The Complete Ranking”:" in out
    assert "2. Hangzhou › E-commerce & Open-Source Innovation" in out


def test_follow_up_history_file(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = cli_env / "history.json"
    history.write_text(json.dumps([["Tell me about Jinan.", "Jinan is ranked 8th of the 10 cities."]]))
    assert main(["ask", "What rank does it have?", "--history", str(history)]) == 0
    assert "8th" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "   "], "The question is empty"),
        (["ingest", "/nonexistent/article.txt"], "Source not found"),
        (["ask", "Which city is 8th?", "--history", "/nonexistent.json"], "--history must be"),
    ],
)
def test_errors_are_one_line_and_exit_1(cli_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                        message: str) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('[["Tell me about it."]]', "item 1 is a list of 1, not a [question, answer] pair"),
        ('[["q", "a"], "q2"]', "item 2 is a str, not a [question, answer] pair"),
        ('{"q": "a"}', "holds a JSON dict, not a list"),
        ('[["q", 3]]', "item 1 has a part that is not a string"),
        ("[[\"q\", \"a\"", "is not valid JSON"),
    ],
)
def test_malformed_history_says_what_shape_is_expected(cli_env: Path, capsys: pytest.CaptureFixture[str],
                                                       content: str, problem: str) -> None:
    history = cli_env / "history.json"
    history.write_text(content, encoding="utf-8")
    assert main(["ask", "What rank does it have?", "--history", str(history)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --history must be a JSON file of ")
    assert '[["question", "answer"], ...]' in err and problem in err and "unpack" not in err


def test_internal_error_is_one_line_and_verbose_shows_the_traceback(cli_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from app.chatbot import Chatbot

    def broken(self, question, history=None):
        raise RuntimeError("index exploded\n  on two lines")

    monkeypatch.setattr(Chatbot, "ask", broken)
    assert main(["ask", "Which city is ranked 8th?"]) == 1
    err = capsys.readouterr().err
    assert err == ("error: internal error: RuntimeError: index exploded on two lines; "
                   "rerun with -v for details\n")
    # -v in a real process (logging is configured once per process): the traceback is logged first.
    code = ("import sys, app.chatbot\n"
            "def broken(self, question, history=None):\n"
            "    raise RuntimeError('index exploded')\n"
            "app.chatbot.Chatbot.ask = broken\n"
            "from app.cli import main\n"
            "sys.exit(main(['-v', 'ask', 'Which city is ranked 8th?']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AICITIES_CHROMA_PATH": str(cli_env / "chroma")})
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr and "in broken" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == ("error: internal error: RuntimeError: index exploded; "
                                                     "rerun with -v for details")


def _modules_after(code: str, env: dict[str, str]) -> list[str]:
    """Run `code` in a fresh interpreter, then list the top-level packages it imported."""
    script = code + "\nimport sys\nprint(sorted({m.split('.')[0] for m in sys.modules} | " \
                    "{m for m in sys.modules if m.startswith(('app.', 'eval.'))}))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


@pytest.mark.slow
def test_ask_and_ingest_import_only_what_they_need(cli_env: Path) -> None:
    env = {**os.environ, "AICITIES_CHROMA_PATH": str(cli_env / "chroma")}
    ingest = _modules_after("from ingest.cli import main; assert main([]) == 0", env)
    assert "app" not in ingest  # python -m ingest never imports the app
    ask = _modules_after("from app.cli import main; assert main(['ask', 'Which city is ranked 8th?']) == 0", env)
    for heavy in ("gradio", "fastapi", "langchain_huggingface", "langchain_openai", "torch", "sentence_transformers",
                  "transformers", "eval", "eval.run", "app.ui", "app.llm"):
        assert heavy not in ask, heavy
    assert "chromadb" in ask and "app.chatbot" in ask  # (the check itself works)


def test_unreachable_server_is_exit_1(cli_env: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AICITIES_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("AICITIES_CHROMA_PATH", str(cli_env / "unused"))
    monkeypatch.setenv("AICITIES_CHROMA_PORT", str(free_port()))
    assert main(["ask", "Which city is ranked 8th?"]) == 1
    assert "Vector store unavailable" in capsys.readouterr().err


def test_invalid_setting_is_exit_1(cli_env: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AICITIES_TOP_K", "0")
    assert main(["ask", "Which city is ranked 8th?"]) == 1
    assert "AICITIES_TOP_K" in capsys.readouterr().err


@pytest.mark.slow
def test_console_script_and_module_entry_points(cli_env: Path) -> None:
    env = {**os.environ, "AICITIES_CHROMA_PATH": str(cli_env / "chroma")}
    exe = Path(sys.executable).with_name("ai-cities")
    done = subprocess.run([str(exe), "ask", "Which city is ranked 8th?"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0 and "Jinan" in done.stdout and "8. Jinan" in done.stdout
    done = subprocess.run([sys.executable, "-m", "ingest", "--rebuild"], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0 and "Rebuilt" in done.stdout
    done = subprocess.run([sys.executable, "-m", "app", "ask", ""], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 1 and done.stderr.startswith("error: The question is empty")
    done = subprocess.run([sys.executable, "-m", "app", "nonsense"], capture_output=True, text=True, env=env)
    assert done.returncode == 2


@pytest.mark.slow
def test_bench_cold_prints_both_medians_and_their_ratio(cli_env: Path) -> None:
    env = {**os.environ, "AICITIES_CHROMA_PATH": str(cli_env / "chroma")}
    done = subprocess.run([sys.executable, "-m", "app", "bench", "--cold", "--runs", "1"], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    ask, reference, ratio = done.stdout.strip().splitlines()[-3:]
    assert ask.startswith("ai-cities ask") and "median" in ask
    assert reference.startswith("python -c 'import sentence_transformers'") and "median" in reference
    medians = [float(line.split("median")[1].split("s")[0]) for line in (ask, reference)]
    assert ratio.startswith("ratio ask / import: ")
    assert float(ratio.split(":")[1].split()[0]) == pytest.approx(medians[0] / medians[1], abs=0.02)


# --- commands other packages register (the eval's `eval`, `load`, `bench`) ---------------------------------------

def _greet(args: argparse.Namespace) -> int:
    print(f"hello {args.name}")
    return 0


GREET = Command(help="say hello", add_arguments=lambda p: p.add_argument("--name", default="world"), run=_greet)
ECHO = Command(help="print the arguments it was given", main=lambda argv: print(json.dumps(argv)) or 3)
NOT_A_COMMAND = object()


def test_the_eval_registers_its_commands_in_pyproject() -> None:
    declared = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    points = declared["project"]["entry-points"][COMMANDS_GROUP]
    assert set(points) == {"eval", "load", "bench"}
    for name, value in points.items():
        command = importlib.metadata.EntryPoint(name, value, COMMANDS_GROUP).load()
        assert isinstance(command, Command) and command.help
        assert (command.run is None) != (command.main is None), name


def test_commands_are_found_through_their_entry_points(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def point(name: str, value: str) -> importlib.metadata.EntryPoint:
        return importlib.metadata.EntryPoint(name, value, COMMANDS_GROUP)

    points = [point("greet", f"{__name__}:GREET"), point("echo", f"{__name__}:ECHO"),
              point("ask", f"{__name__}:GREET"),  # a built-in command cannot be replaced
              point("broken", "tests.app.no_such_module:COMMAND"), point("odd", f"{__name__}:NOT_A_COMMAND")]
    asked: list[str] = []

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        asked.append(group)
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert list(registered_commands()) == ["echo", "greet"]
    assert "broken" in caplog.text and "odd" in caplog.text
    assert list(registered_commands("greet")) == ["greet"]  # only the command given is imported
    assert main(["greet", "--name", "Ada"]) == 0 and capsys.readouterr().out == "hello Ada\n"
    # a command that parses its own arguments gets everything after its name, --help included
    assert main(["-v", "echo", "--help", "x"]) == 3 and json.loads(capsys.readouterr().out) == ["--help", "x"]
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert "greet" in listed and "say hello" in listed and "print the arguments" in listed
    asked.clear()
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    assert asked == []  # a built-in command never looks for the others


def test_commands_can_be_given_without_entry_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["greet"], commands={"greet": GREET}) == 0 and capsys.readouterr().out == "hello world\n"
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"], commands={"greet": GREET})
    assert exit_info.value.code == 2 and "greet" in capsys.readouterr().err
