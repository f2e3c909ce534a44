"""`ai-cities chat`, driven like a person would: a real process fed through stdin (a pipe), and once through a
real pseudo-terminal (readline, Ctrl-D)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def chat_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "AICITIES_CHROMA_PATH": str(tmp_path / "chroma"),
            "AICITIES_CHAT_HISTORY_FILE": str(tmp_path / "history"), "PYTHONUNBUFFERED": "1"}


def chat(lines: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "chat"], input="".join(f"{x}\n" for x in lines),
                          capture_output=True, text=True, env=env, timeout=300)


def test_conversation_follow_ups_sources_reset_and_commands(chat_env: dict[str, str]) -> None:
    done = chat(["Tell me about Jinan.", "What rank does it have?", "/sources", "/reset", "/sources", "/help",
                 "/bogus", "", "/quit", "Never asked."], chat_env)
    assert done.returncode == 0, done.stderr
    err, out = done.stderr, done.stdout
    assert err.startswith("loading…\n") and "ready in " in err and err.rstrip().endswith("bye")
    assert "Traceback" not in err + out
    turns = out.split("\n> ")
    # each answer comes with its numbered sources
    assert "> Tell me about Jinan." in turns[0] and "[1]" in turns[0] and "  [1] " in turns[0]
    assert turns[1].startswith("What rank does it have?") and "8th" in turns[1] and "  [1] 8. Jinan" in turns[1]
    assert turns[2].startswith("/sources") and '    "8. Jinan"' in turns[2] and "(chars " in turns[2]
    assert "conversation cleared" in turns[3]
    assert "(no answer yet)" in turns[4]
    assert "/reset" in turns[5] and "/quit" in turns[5]
    assert "unknown command /bogus" in turns[6]
    assert "Never asked." not in out  # /quit ended the chat


def test_end_of_input_and_bad_questions_end_or_continue_cleanly(chat_env: dict[str, str]) -> None:
    done = chat(["   ", "x" * 5000, "Which city is ranked 8th?"], chat_env)  # then Ctrl-D (end of input)
    assert done.returncode == 0, done.stderr
    assert "error: The question is too long (5,000 characters" in done.stdout
    assert "Jinan" in done.stdout.split("Which city is ranked 8th?")[1]
    assert done.stderr.rstrip().endswith("bye") and "Traceback" not in done.stderr


def test_ctrl_c_leaves_cleanly(chat_env: dict[str, str]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "app", "chat"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=chat_env, text=True)
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 300
        seen = ""
        while "Ask about the article" not in seen and time.monotonic() < deadline:
            seen += process.stderr.readline()
        assert "Ask about the article" in seen
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "bye" in err and "Traceback" not in err + out


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    # a selector (epoll), not select.select: a long test session may hold more than 1,024 descriptors, and
    # select() refuses a descriptor numbered past that
    import selectors

    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while marker not in seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{marker!r} not seen; got {seen[-500:]!r}")
            if not selector.select(left):
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_on_a_terminal_with_readline_history(chat_env: dict[str, str], tmp_path: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "app", "chat"], stdin=terminal, stdout=terminal,
                               stderr=terminal, env={**chat_env, "TERM": "dumb"}, close_fds=True)
    os.close(terminal)
    try:
        _read_until(controller, b"> ", 300)
        os.write(controller, b"Which city is ranked 8th?\r")
        answer = _read_until(controller, b"\n> ", 120)
        assert b"Jinan" in answer and b"[1] 8. Jinan" in answer
        os.write(controller, b"\x04")  # Ctrl-D
        rest = _read_until(controller, b"bye", 60)
        assert process.wait(timeout=60) == 0 and b"Traceback" not in answer + rest
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert "Which city is ranked 8th?" in (tmp_path / "history").read_text()
