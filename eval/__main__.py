"""`python -m eval [options]`: run the eval benchmark; the same command as `ai-cities eval` (see `eval.run`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run `ai-cities eval` with these arguments.

    Args:
        argv: the arguments (default: sys.argv[1:]).

    Returns:
        The exit code: 0 thresholds met, 1 a threshold missed, 2 bad arguments or files.
    """
    from app.cli import main as cli_main

    return cli_main(["eval", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
