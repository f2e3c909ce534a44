"""The `ai-cities` command line: success paths and one-line errors with non-zero exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import free_port


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
    assert data["abstained"] is False


def test_ask_prints_sources(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What is the population of Hangzhou?"]) == 0
    out = capsys.readouterr().out
    assert "doesn't" in out and "Sources:" not in out
    assert main(["ask", "Which city hosts Alibaba's DAMO Academy?"]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out and "2. Hangzhou › E-commerce & Open-Source Innovation" in out


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
