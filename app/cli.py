"""The `ai-cities` command line: a thin shell over the Python API (`ingest`, `ask`, `chat`, `bench`, `ui`,
`serve`, `eval`). Imports are lazy: `ai-cities ask` loads what one answer needs, nothing of the UI or the eval."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ingest.core.cli import load_settings, quiet_environment, run_guarded
from ingest.core.errors import AICitiesError

HISTORY_SHAPE = '[["question", "answer"], ...]'


def _chatbot():
    from app.compose import build_chatbot

    return build_chatbot(load_settings())


def ingest_and_load(bot, source: Path | None, rebuild: bool, stages):
    """What `ai-cities ingest` does: index `source`, then build the knowledge base and intent classifier of the
    new index once (so the next fresh process reads their vectors and weights back).

    Returns:
        The `IngestReport`, its `seconds` and `stages` covering both.
    """
    import dataclasses

    started = time.perf_counter()
    report = bot.ingest(source, rebuild=rebuild, stages=stages)
    bot.warm_up(everything=False, stages=stages, models=False)
    return dataclasses.replace(report, seconds=time.perf_counter() - started, stages=dict(stages.seconds))


def format_stages(stages: dict[str, float]) -> list[str]:
    """The lines `ai-cities ingest --timings` prints: one per stage, in the order they run (`read_stages`)."""
    from ingest.timing import STAGES

    order = [s for s in STAGES if s in stages] + [s for s in stages if s not in STAGES]
    return [f"  {name:<22}{stages[name]:8.2f}s" for name in order]


def read_stages(output: str) -> dict[str, float]:
    """The stages `format_stages` printed, read back from a command's output."""
    import re

    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(?m)^  (\S.*?)\s+(\d+\.\d+)s$", output)}


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.progress import terminal_bars
    from ingest.timing import Stages

    bot = _chatbot()
    source = Path(args.source) if args.source else None
    report = ingest_and_load(bot, source, args.rebuild, Stages(terminal_bars(None)))
    print(report.summary())
    if args.timings:
        print("\n".join(format_stages(report.stages)))
    return 0


def read_history(path: str) -> list[tuple[str, str]]:
    """The --history file: a JSON list of [question, answer] string pairs.

    Raises:
        AICitiesError: unreadable, not JSON, or not that shape; one line saying which, and the shape.
    """

    def bad(problem: str) -> AICitiesError:
        return AICitiesError(f"--history must be a JSON file of {HISTORY_SHAPE} pairs: {problem}")

    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad(f"cannot read {path} ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise bad(f"{path} is not UTF-8 text") from exc
    except ValueError as exc:
        raise bad(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(raw, list):
        raise bad(f"{path} holds a JSON {type(raw).__name__}, not a list")
    pairs = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, list) or len(item) != 2:
            what = f"a list of {len(item)}" if isinstance(item, list) else f"a {type(item).__name__}"
            raise bad(f"item {n} is {what}, not a [question, answer] pair")
        if not all(isinstance(part, str) for part in item):
            raise bad(f"item {n} has a part that is not a string")
        pairs.append((item[0], item[1]))
    return pairs


def render(answer, as_json: bool = False) -> str:
    """An answer as the CLI prints it: text, then numbered sources with their quotes (or JSON)."""
    if as_json:
        return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
    lines = [answer.text]
    if answer.notice:
        lines.insert(0, f"({answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append(f"Sources, from “{answer.article}”:" if answer.article else "Sources:")
        for c in answer.citations:
            lines.append(f"  [{c.marker}] {c.label} (chars {c.start}-{c.end}): \"{c.quote}\"")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    history = read_history(args.history) if args.history else []
    bot = _chatbot()
    answer = bot.ask(args.question, history=history)
    print(render(answer, args.json))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from app.repl import run_repl

    return run_repl(_chatbot())


def cmd_bench(args: argparse.Namespace) -> int:
    """Latency benchmark of warm questions (model loaded, index built), of fresh processes (--cold), or of
    ingest (--ingest [FILE])."""
    if args.ingest is not None:
        from eval.ingest_bench import run

        return run(Path(args.ingest) if args.ingest else None, args.runs)
    if args.cold:
        return _bench_cold(args.runs)
    from eval.load import QUESTIONS

    bot = _chatbot()
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


COLD_GOAL = 1.2


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


def cmd_ui(args: argparse.Namespace) -> int:
    from app.ui import launch

    launch(_chatbot(), host=args.host, port=args.port, share=args.share)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.server import serve

    settings = load_settings()
    base = f"http://{args.host or settings.api_host}:{args.port or settings.api_port}"
    print(f"starting: the UI at {base}/ and the OpenAI-compatible API at {base}/v1 (Ctrl+C stops)",
          file=sys.stderr, flush=True)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import run_from_args

    return run_from_args(args)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def build_parser(with_eval_options: bool = True) -> argparse.ArgumentParser:
    """The argument parser of `ai-cities` (also used by `python -m app`).

    Args:
        with_eval_options: add the options of `eval` (imports the eval package); `main` does so only when
            the command is `eval`.
    """
    parser = argparse.ArgumentParser(prog="ai-cities", description="Grounded, cited Q&A about a ranking "
                                     "article: by default the shipped one, or the last one you ingested.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log progress (INFO) and our own debug details, such as an internal error's traceback")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a source article into Chroma (skipped when already up to date)")
    p.add_argument("source", nargs="?", help="path to a .txt, .md or .html file (default: AICITIES_SOURCE_PATH)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    p.add_argument("--timings", action="store_true", help="print the seconds of each stage of the ingest")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the full answer as JSON")
    p.add_argument("--history", metavar="FILE", help=f"JSON file of earlier turns: {HISTORY_SHAPE}")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="chat in the terminal (follow-ups use the conversation; /help inside)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("bench", help="measure warm question latency, cold start with --cold, or ingest with "
                       "--ingest [FILE] (prints medians)")
    p.add_argument("--rounds", type=_positive, default=5, help="how many times to ask each benchmark question")
    p.add_argument("--cold", action="store_true", help="time fresh `ai-cities ask` processes against fresh "
                   "`python -c 'import sentence_transformers'` ones; print both medians and their ratio")
    p.add_argument("--ingest", nargs="?", const="", default=None, metavar="FILE",
                   help="time ingesting FILE (default: a made-up 15 KB ranking article) in fresh processes and in "
                   "this one, again and for the first time, in a temporary store: medians and the stages")
    p.add_argument("--runs", type=_positive, default=3, help="runs of each kind for --cold and --ingest")
    p.set_defaults(func=cmd_bench)

    # `ai-cities load ...` hands all its arguments to `python -m eval.load` (see main()).
    sub.add_parser("load", help="load benchmark: UI server on loopback + concurrent /ask clients "
                   "(ai-cities load --help)")

    p = sub.add_parser("ui", help="start the Gradio chat UI")
    p.add_argument("--host", default=None, help="address to bind (default: AICITIES_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: AICITIES_UI_PORT, 7860)")
    p.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("serve", help="serve the HTTP API (OpenAI-compatible /v1, /api/ask, /healthz, /metrics) "
                       "with the UI at /")
    p.add_argument("--host", default=None, help="address to bind (default: AICITIES_API_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: AICITIES_API_PORT, 8080)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="run the evaluation benchmark")
    if with_eval_options:
        try:
            from eval.run import add_arguments
        except ImportError:  # the eval package is optional at run time
            add_arguments = None
        if add_arguments is not None:
            add_arguments(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 an error, 2 bad arguments, 130 interrupted).

    No traceback ever reaches the user: errors are one line on stderr (`error: ...`); an unexpected one
    says "internal error" and its traceback is logged at DEBUG (shown with -v).
    """
    quiet_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "load":
        from eval.load import main as load_main

        rest = argv[argv.index("load") + 1:]
        return run_guarded(lambda: load_main(rest), verbose="-v" in argv or "--verbose" in argv)
    args = build_parser(with_eval_options=command == "eval").parse_args(argv)
    return run_guarded(lambda: args.func(args), verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
