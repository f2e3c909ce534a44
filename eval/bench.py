"""`ai-cities bench`: latency of warm questions (model loaded, index built), of fresh processes (`--cold`), or of
ingest (`--ingest`).

A command of the benchmark, not of the product: eval registers it with `ai-cities` through the entry point group
`ai_cities.commands` (see `app.cli.Command`); its questions are the load benchmark's (`eval.load.QUESTIONS`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from app.cli import Command
from ingest.core.errors import AICitiesError

COLD_GOAL = 1.2


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `ai-cities bench`."""
    parser.add_argument("--rounds", type=_positive, default=5,
                        help="how many times to ask each benchmark question")
    parser.add_argument("--cold", action="store_true", help="time fresh `ai-cities ask` processes against fresh "
                        "`python -c 'import sentence_transformers'` ones; print both medians and their ratio")
    parser.add_argument("--ingest", nargs="?", const="", default=None, metavar="FILE",
                        help="time ingesting FILE (default: a made-up 15 KB ranking article) in fresh processes and "
                        "in this one, again and for the first time, in a temporary store: medians and the stages")
    parser.add_argument("--runs", type=_positive, default=3, help="runs of each kind for --cold and --ingest")


def run(args: argparse.Namespace) -> int:
    """Latency benchmark of warm questions (model loaded, index built), of fresh processes (--cold), or of
    ingest (--ingest [FILE])."""
    if args.ingest is not None:
        from pathlib import Path

        from eval.ingest_bench import run as run_ingest

        return run_ingest(Path(args.ingest) if args.ingest else None, args.runs)
    if args.cold:
        return _bench_cold(args.runs)
    from app.compose import build_chatbot
    from eval.load import QUESTIONS
    from ingest.core.cli import load_settings

    bot = build_chatbot(load_settings())
    started = time.perf_counter()
    bot.warm_up()
    print(f"warm-up (model load + index check + knowledge base): {time.perf_counter() - started:.2f}s")
    totals: list[float] = []
    retrieval: list[float] = []
    answering: list[float] = []
    for question in QUESTIONS:  # one untimed pass: first calls of each code path (BLAS, caches) are not "warm"
        bot.ask(question)
    for _ in range(args.rounds):
        for question in QUESTIONS:
            answer = bot.ask(question)
            totals.append(answer.timings_ms["total_ms"])
            retrieval.append(answer.timings_ms["retrieval_ms"])
            answering.append(answer.timings_ms["answer_ms"])

    def q(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]

    print(f"{len(totals)} questions ({len(QUESTIONS)} distinct x {args.rounds} rounds)")
    print(f"total ms      median {statistics.median(totals):7.1f}   p95 {q(totals, 95):7.1f}")
    print(f"retrieval ms  median {statistics.median(retrieval):7.1f}   p95 {q(retrieval, 95):7.1f}")
    print(f"answer ms     median {statistics.median(answering):7.1f}   p95 {q(answering, 95):7.1f}")
    return 0


def _timed_run(command: list[str]) -> float:
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or (command[-2:-1] == ["ask"] and not done.stdout.strip()):
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise AICitiesError(f"`{' '.join(command[1:])}` failed with exit code {done.returncode}: {tail}")
    return seconds


def _bench_cold(runs: int) -> int:
    """Fresh `ai-cities ask` processes against fresh `python -c "import sentence_transformers"` ones."""
    from eval.load import QUESTIONS

    ask = [sys.executable, "-m", "app", "ask", QUESTIONS[0]]
    reference = [sys.executable, "-c", "import sentence_transformers"]
    print(f"cold start: {runs} fresh processes each, alternating; a first untimed pair builds the index if "
          "needed and warms the file cache", flush=True)
    _timed_run(ask)
    _timed_run(reference)
    ask_s: list[float] = []
    reference_s: list[float] = []
    for _ in range(runs):
        ask_s.append(_timed_run(ask))
        reference_s.append(_timed_run(reference))
    ask_median, reference_median = statistics.median(ask_s), statistics.median(reference_s)
    ratio = ask_median / reference_median
    print(f"ai-cities ask {QUESTIONS[0]!r}:  median {ask_median:6.2f}s  "
          f"(runs {' '.join(f'{s:.2f}' for s in ask_s)})")
    print(f"python -c 'import sentence_transformers':  median {reference_median:6.2f}s  "
          f"(runs {' '.join(f'{s:.2f}' for s in reference_s)})")
    print(f"ratio ask / import: {ratio:.2f}  (goal <= {COLD_GOAL})")
    return 0


COMMAND = Command(help="measure warm question latency, or cold start with --cold (prints medians)",
                  add_arguments=add_arguments, run=run)
"""`ai-cities bench`, registered in pyproject.toml under `ai_cities.commands`."""
