"""What every command line of the project shares (`ai-cities`, `python -m ingest`): a quiet offline
environment, settings errors as one line, logging, and the guard that turns any failure into one line on
stderr and an exit code (never a traceback)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable

from ingest.core.errors import AICitiesError, ConfigurationError

logger = logging.getLogger("ingest.cli")

# Our own packages log at DEBUG under -v (the internal-error traceback among them); libraries stay at INFO.
_OWN_LOGGERS = ("app", "ingest", "eval")


def quiet_environment() -> None:
    """No hub, no telemetry, no progress bars from the model libraries (unless the caller set otherwise)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_settings():
    """`Settings()` from the environment; a bad `AICITIES_*` value is a one-line `ConfigurationError`."""
    from pydantic import ValidationError

    from ingest.core.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"invalid setting AICITIES_{field.upper()}: {first['msg']}") from exc


def configure_logging(verbose: bool) -> None:
    """-v: INFO for everything and DEBUG for our packages; otherwise the level of AICITIES_LOG_LEVEL."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        for name in _OWN_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        return
    level = getattr(logging, load_settings().log_level.upper(), logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def run_guarded(command: Callable[[], int | None], verbose: bool = False) -> int:
    """Configure logging and run `command`; every failure becomes one line on stderr.

    Returns:
        The command's exit code; 1 for an `AICitiesError` (its message) or an unexpected exception
        ("internal error", traceback logged at DEBUG: shown with -v); 130 on Ctrl-C.
    """
    try:
        configure_logging(verbose)
        return int(command() or 0)
    except AICitiesError as exc:
        _print_error(str(exc))
        return 1
    except KeyboardInterrupt:
        _print_error("interrupted", prefix="")
        return 130
    except BrokenPipeError:  # `ai-cities ask ... | head`: the reader left; nothing more to say
        _silence_stdout()
        return 1
    except Exception as exc:
        logger.debug("Internal error", exc_info=True)
        detail = " ".join(str(exc).split())[:300]
        _print_error(f"internal error: {type(exc).__name__}{': ' + detail if detail else ''}; "
                     "rerun with -v for details")
        return 1


def _print_error(message: str, prefix: str = "error: ") -> None:
    print(prefix + " ".join(message.split()), file=sys.stderr)


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
