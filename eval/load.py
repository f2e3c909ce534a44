"""Load benchmark: start the UI server on loopback and drive its `/ask` API with concurrent clients.

    python -m eval.load --clients 20 --questions 10      # or: ai-cities load

Prints throughput, latency percentiles, the error count and the server's peak RSS. Traffic goes only to
127.0.0.1, bounded in count (clients x questions) and in time (--timeout).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

QUESTIONS = (
    "Which city is ranked 8th?",
    "Which city hosts Alibaba's DAMO Academy?",
    "What subsidies does Shenzhen offer for breakthroughs?",
    "What is the population of Hangzhou?",
    "Compare Shenzhen and Guangzhou",
    "Which cities does the article connect with Tencent?",
    "深圳排名第几?",
    "What share of China's AI patents come from Beijing?",
    "Why is Xiamen ranked first?",
    "What trends does the article observe?",
)


@dataclass
class LoadResult:
    """What one load run measured."""

    clients: int
    questions: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    peak_rss_mb: float | None = None

    def percentile(self, q: float) -> float:
        """The q-th percentile of request latency in ms (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    def report(self) -> str:
        """Human-readable summary lines."""
        done = len(self.latencies_ms)
        lines = [
            f"{self.clients} clients x {self.questions} questions = {self.clients * self.questions} requests "
            f"in {self.wall_s:.1f}s",
            f"completed {done}, errors {len(self.errors)}, throughput {done / self.wall_s:.1f} req/s"
            if self.wall_s else "no time measured",
        ]
        if done:
            lines.append(f"latency ms: p50 {self.percentile(50):.0f}  p95 {self.percentile(95):.0f}  "
                         f"p99 {self.percentile(99):.0f}  mean {statistics.mean(self.latencies_ms):.0f}")
        if self.peak_rss_mb is not None:
            lines.append(f"server peak RSS: {self.peak_rss_mb:.0f} MB")
        for error in self.errors[:5]:
            lines.append(f"error: {error}")
        return "\n".join(lines)


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a process, in MB; None where /proc has no such field."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _http_asker(url: str) -> Callable[[str], dict]:
    """Ask through Gradio's REST API (POST /gradio_api/call/ask, then read the event stream)."""
    import httpx

    client = httpx.Client(base_url=url, timeout=120)

    def ask(question: str) -> dict:
        started = client.post("/gradio_api/call/ask", json={"data": [question, []]})
        started.raise_for_status()
        event_id = started.json()["event_id"]
        event = None
        with client.stream("GET", f"/gradio_api/call/ask/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in {"complete", "error"}:
                    payload = json.loads(line.split(":", 1)[1])
                    if event == "error":
                        raise RuntimeError(f"server error: {payload}")
                    return payload[0]
        raise RuntimeError("event stream ended without a result")

    return ask


def _gradio_client_asker(url: str) -> Callable[[str], dict]:
    """Ask through `gradio_client` (heavier on the client side: it is the load generator that saturates)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda question: client.predict(question, [], api_name="/ask")


def drive(url: str, clients: int, questions: int, timeout: float, via: str = "http") -> LoadResult:
    """Run `clients` threads, each asking `questions` questions of the `/ask` endpoint, in parallel."""
    result = LoadResult(clients, questions)
    lock = threading.Lock()
    deadline = time.monotonic() + timeout
    start = threading.Barrier(clients)
    make = _http_asker if via == "http" else _gradio_client_asker

    def worker(n: int) -> None:
        try:
            ask = make(url)
        except Exception as exc:  # connection problems are results here, not crashes
            with lock:
                result.errors.append(f"client {n}: {type(exc).__name__}: {exc}")
            return
        finally:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=60)
        for i in range(questions):
            if time.monotonic() > deadline:
                with lock:
                    result.errors.append(f"client {n}: time budget exceeded")
                return
            question = QUESTIONS[(n + i) % len(QUESTIONS)]
            began = time.perf_counter()
            try:
                answer = ask(question)
                if not isinstance(answer, dict) or not answer.get("text"):
                    raise ValueError(f"bad answer {answer!r}")
            except Exception as exc:
                with lock:
                    result.errors.append(f"client {n} {question!r}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                result.latencies_ms.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + 5))
    result.wall_s = time.perf_counter() - began
    return result


def start_server(port: int, env: dict[str, str] | None = None, ready_timeout: float = 180) -> subprocess.Popen:
    """Start `python -m app ui` on 127.0.0.1:port and wait until it serves."""
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "app", "ui", "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"UI server exited early: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("UI server did not start in time")


def main(argv: list[str] | None = None) -> int:
    """Run the load benchmark; exits 1 when any request failed."""
    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--questions", type=int, default=10, help="questions per client (default 10)")
    parser.add_argument("--port", type=int, default=0, help="port for the server (default: a free one)")
    parser.add_argument("--timeout", type=float, default=300, help="time budget in seconds (default 300)")
    parser.add_argument("--via", choices=["http", "gradio_client"], default="http",
                        help="client: plain HTTP to the REST API (default) or gradio_client")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.questions < 1:
        parser.error("--clients and --questions must be at least 1")
    port = args.port or _free_port()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    print(f"starting the UI server on 127.0.0.1:{port} ...", flush=True)
    proc = start_server(port)
    try:
        result = drive(f"http://127.0.0.1:{port}/", args.clients, args.questions, args.timeout, via=args.via)
        result.peak_rss_mb = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(result.report())
    return 1 if result.errors else 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
