"""The `ai-cities` command line: a thin shell over the Python API (`ingest`, `ask`, `bench`, `ui`, `serve`,
`eval`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from ingest.core.errors import AICitiesError

logger = logging.getLogger("app.cli")



def _quiet_environment() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _settings():
    from ingest.core.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise AICitiesError(f"invalid setting AICITIES_{field.upper()}: {first['msg']}") from exc


def _chatbot():
    from app.chatbot import Chatbot

    return Chatbot(_settings())


def cmd_ingest(args: argparse.Namespace) -> int:
    bot = _chatbot()
    source = Path(args.source) if args.source else None
    report = bot.ingest(source, rebuild=args.rebuild, show_progress=None)
    print(report.summary())
    return 0


def _render(answer, as_json: bool) -> str:
    if as_json:
        return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
    lines = [answer.text]
    if answer.notice:
        lines.insert(0, f"({answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"  [{c.marker}] {c.label} (chars {c.start}-{c.end}): \"{c.quote}\"")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _chatbot()
    history: list[tuple[str, str]] = []
    if args.history:
        try:
            raw = json.loads(Path(args.history).read_text(encoding="utf-8"))
            history = [(str(q), str(a)) for q, a in raw]
        except (OSError, ValueError, TypeError) as exc:
            raise AICitiesError(f"--history must be a JSON file of [question, answer] pairs: {exc}") from exc
    answer = bot.ask(args.question, history=history)
    print(_render(answer, args.json))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Latency benchmark of warm questions (model loaded, index built)."""
    from eval.load import QUESTIONS

    bot = _chatbot()
    started = time.perf_counter()
    bot.warm_up()
    print(f"warm-up (model load + index check + knowledge base): {time.perf_counter() - started:.2f}s")
    totals: list[float] = []
    retrieval: list[float] = []
    answering: list[float] = []
    for _ in range(args.rounds):
        for question in QUESTIONS:
            answer = bot.ask(question)
            totals.append(answer.timings_ms["total"])
            retrieval.append(answer.timings_ms["retrieval"])
            answering.append(answer.timings_ms["answer"])
    def q(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]

    print(f"{len(totals)} questions ({len(QUESTIONS)} distinct x {args.rounds} rounds)")
    print(f"total ms      median {statistics.median(totals):7.1f}   p95 {q(totals, 95):7.1f}")
    print(f"retrieval ms  median {statistics.median(retrieval):7.1f}   p95 {q(retrieval, 95):7.1f}")
    print(f"answer ms     median {statistics.median(answering):7.1f}   p95 {q(answering, 95):7.1f}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from app.ui import launch

    launch(_chatbot(), host=args.host, port=args.port, share=args.share)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.server import serve

    settings = _settings()
    base = f"http://{args.host or settings.api_host}:{args.port or settings.api_port}"
    print(f"starting: the UI at {base}/ and the OpenAI-compatible API at {base}/v1 (Ctrl+C stops)",
          file=sys.stderr, flush=True)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import run_from_args

    return run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `ai-cities` (also used by `python -m app` and `python -m ingest`)."""
    parser = argparse.ArgumentParser(prog="ai-cities", description="Grounded, cited Q&A about a ranking "
                                     "article: by default the shipped one, or the last one you ingested.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a source article into Chroma (skipped when already up to date)")
    p.add_argument("source", nargs="?", help="path to a .txt, .md or .html file (default: AICITIES_SOURCE_PATH)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the full answer as JSON")
    p.add_argument("--history", metavar="FILE", help="JSON file of earlier [question, answer] pairs")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("bench", help="measure warm question latency (prints medians)")
    p.add_argument("--rounds", type=int, default=5, help="how many times to ask each benchmark question")
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
    try:
        from eval.run import add_arguments
    except ImportError:  # the eval package is optional at run time
        add_arguments = None
    if add_arguments is not None:
        add_arguments(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 a user-facing error, 2 bad arguments)."""
    _quiet_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["load"]:
        from eval.load import main as load_main

        return load_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.INFO if args.verbose else None
    try:
        if level is None:
            level = getattr(logging, _settings().log_level.upper(), logging.WARNING)
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        return int(args.func(args) or 0)
    except AICitiesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
