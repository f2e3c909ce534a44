"""`python -m eval [options]`: run the eval benchmark; the same command as `ai-cities eval` (see `eval.cli`)."""

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
    from eval.cli import COMMAND

    return cli_main(["eval", *(sys.argv[1:] if argv is None else argv)], commands={"eval": COMMAND})


if __name__ == "__main__":
    sys.exit(main())
