"""Load benchmark: start `ai-cities serve` on loopback and drive both its OpenAI endpoint and the UI's `/ask`.

    python -m eval.load --clients 20 --questions 25      # or: ai-cities load

One run starts one server, then drives `POST /v1/chat/completions` (non-streaming, plain HTTP) and the Gradio
UI's `/ask` API of that same server with the same concurrent clients, one endpoint after the other, and prints
throughput, latency percentiles and errors side by side, with the server's peak RSS and the load average.
Traffic goes only to 127.0.0.1 (or the --url you give), bounded in count (clients x questions) and in time
(--timeout).
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

from app.cli import Command

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
        # REST calls pass every parameter of /ask: question, history, article (None: the default article)
        started = client.post("/gradio_api/call/ask", json={"data": [question, [], None]})
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


def _openai_asker(url: str, api_key: str | None = None) -> Callable[[str], dict]:
    """Ask through the OpenAI endpoint (POST /v1/chat/completions, not streamed) with plain HTTP."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(base_url=url, timeout=120, headers=headers)

    def ask(question: str) -> dict:
        response = client.post("/v1/chat/completions", json={
            "model": "ai-cities-extractive", "messages": [{"role": "user", "content": question}]})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
        body = response.json()
        return {"text": body["choices"][0]["message"]["content"], "abstained": body.get("abstained")}

    return ask


def _gradio_client_asker(url: str) -> Callable[[str], dict]:
    """Ask through `gradio_client` (heavier on the client side: it is the load generator that saturates)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda question: client.predict(question, [], api_name="/ask")


VIAS = {
    "openai": "OpenAI /v1/chat/completions",
    "http": "Gradio /ask (REST)",
    "gradio_client": "Gradio /ask (gradio_client)",
}
"""How `drive` reaches the server: the OpenAI endpoint, or the UI's `/ask` by plain HTTP or gradio_client."""


def drive(url: str, clients: int, questions: int, timeout: float, via: str = "http",
          api_key: str | None = None) -> LoadResult:
    """Run `clients` threads, each asking `questions` questions in parallel, through `via` (see VIAS)."""
    result = LoadResult(clients, questions)
    lock = threading.Lock()
    deadline = time.monotonic() + timeout
    start = threading.Barrier(clients)
    if via not in VIAS:
        raise ValueError(f"via must be one of {sorted(VIAS)}")
    if via == "openai":
        def make(base: str) -> Callable[[str], dict]:
            return _openai_asker(base, api_key)
    else:
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
    """Start `python -m app serve` (API + UI) on 127.0.0.1:port and wait until /healthz says it is ready."""
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start in time")


def side_by_side(results: dict[str, LoadResult]) -> str:
    """A table with one column per endpoint: requests, errors, req/s and latency percentiles."""
    rows: list[tuple[str, Callable[[LoadResult], str]]] = [
        ("requests", lambda r: str(r.clients * r.questions)),
        ("completed", lambda r: str(len(r.latencies_ms))),
        ("errors", lambda r: str(len(r.errors))),
        ("wall s", lambda r: f"{r.wall_s:.1f}"),
        ("throughput req/s", lambda r: f"{len(r.latencies_ms) / r.wall_s:.1f}" if r.wall_s else "-"),
        ("latency p50 ms", lambda r: f"{r.percentile(50):.0f}"),
        ("latency p95 ms", lambda r: f"{r.percentile(95):.0f}"),
        ("latency p99 ms", lambda r: f"{r.percentile(99):.0f}"),
        ("latency mean ms", lambda r: f"{statistics.mean(r.latencies_ms):.0f}" if r.latencies_ms else "-"),
    ]
    names = [VIAS[v] for v in results]
    width = max(18, *(len(n) for n in names)) + 2
    lines = ["".ljust(18) + "".join(n.rjust(width) for n in names)]
    lines += [label.ljust(18) + "".join(fmt(r).rjust(width) for r in results.values()) for label, fmt in rows]
    for via, r in results.items():
        lines += [f"error ({via}): {e}" for e in r.errors[:5]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load benchmark; exits 1 when any request failed."""
    parser = argparse.ArgumentParser(prog="ai-cities load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--questions", type=int, default=25, help="questions per client and endpoint (default 25)")
    parser.add_argument("--port", type=int, default=0, help="port for the server (default: a free one)")
    parser.add_argument("--url", default=None,
                        help="drive an already running `ai-cities serve` at this URL instead of starting one")
    parser.add_argument("--timeout", type=float, default=300, help="time budget per endpoint in s (default 300)")
    parser.add_argument("--endpoints", default="openai,http",
                        help=f"comma-separated, in order, from {', '.join(VIAS)} (default openai,http)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed questions per client first (default 2)")
    args = parser.parse_args(argv)
    vias = [v.strip() for v in args.endpoints.split(",") if v.strip()]
    if args.clients < 1 or args.questions < 1:
        parser.error("--clients and --questions must be at least 1")
    if not vias or any(v not in VIAS for v in vias):
        parser.error(f"--endpoints takes {', '.join(VIAS)}")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    api_key = os.environ.get("AICITIES_API_KEY") or None
    proc = None
    if args.url:
        url = args.url.rstrip("/") + "/"
    else:
        port = args.port or _free_port()
        url = f"http://127.0.0.1:{port}/"
        print(f"starting `ai-cities serve` on 127.0.0.1:{port} ...", flush=True)
        proc = start_server(port)
    results: dict[str, LoadResult] = {}
    try:
        for via in vias:
            if args.warmup:
                drive(url, args.clients, args.warmup, args.timeout, via=via, api_key=api_key)
            print(f"driving {VIAS[via]}: {args.clients} clients x {args.questions} questions ...", flush=True)
            results[via] = drive(url, args.clients, args.questions, args.timeout, via=via, api_key=api_key)
    finally:
        rss = peak_rss_mb(proc.pid) if proc is not None else None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(side_by_side(results))
    if rss is not None:
        print(f"server peak RSS: {rss:.0f} MB")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"load average after the run (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"on {os.cpu_count()} cores")
    return 1 if any(r.errors for r in results.values()) else 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


COMMAND = Command(help="load benchmark: UI server on loopback + concurrent /ask clients (ai-cities load --help)",
                  main=main)
"""`ai-cities load`, registered in pyproject.toml under `ai_cities.commands`; it parses its own options."""


if __name__ == "__main__":
    sys.exit(main())
