"""Progress bars on stderr for the stages of a long ingest (the command line's display of `ingest.timing.Stages`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ingest.timing import Advance, ProgressFactory

# A stage that finishes sooner than this never shows a bar: a short article ingests without flicker.
BAR_DELAY_SECONDS = 0.5


def terminal_bars(show: bool | None = None, delay: float = BAR_DELAY_SECONDS) -> ProgressFactory | None:
    """A progress factory drawing one tqdm bar per long stage on stderr.

    Args:
        show: True always, None only when stderr is a terminal, False never (returns None).
        delay: seconds a stage runs before its bar appears.
    """
    if show is False:
        return None

    @contextmanager
    def bar(name: str, total: int) -> Iterator[Advance]:
        from tqdm.auto import tqdm

        with tqdm(total=total, desc=name, unit="item", leave=False, delay=delay,
                  disable=None if show is None else False) as progress:
            yield progress.update

    return bar
