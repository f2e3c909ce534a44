"""`python -m eval [options]`: run the eval benchmark, the same as `ai-cities eval` (see `eval.run`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m eval`: `-v/--verbose` plus the options of `eval.run.add_arguments`.

    Returns:
        The argument parser.
    """
    from eval.run import add_arguments

    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description="Score the chatbot (and a naive baseline) on the eval cases; exit 1 below a threshold.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, build the bot from `Settings()` (AICITIES_* variables apply) and run the eval.

    Args:
        argv: the arguments (default: sys.argv[1:]).

    Returns:
        The exit code: 0 thresholds met, 1 a threshold missed, 2 bad arguments or files.
    """
    from app.cli import _quiet_environment
    from app.errors import AICitiesError
    from eval.run import run_from_args

    _quiet_environment()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return run_from_args(args)
    except AICitiesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
