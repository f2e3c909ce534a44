"""Where an ingest spends its time: seconds per stage, and the progress of long stages.

`Stages` is handed down the ingest (and the app's warm-up after it): each step runs inside
`with stages.stage("annotate", total=n) as advance:` so its seconds are recorded (`Stages.seconds`, logged at
INFO) and, when the caller asked for progress (the CLI on a terminal), a bar advances with `advance(k)`.
Library code only records and logs; the command line decides whether and how to show anything
(`ingest.progress.terminal_bars`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

logger = logging.getLogger(__name__)

# The stages of an ingest, in the order they run (the app adds the last three when it loads the new index).
LOAD_PARSE = "load+parse"
MODELS = "load models"
PROFILE = "profile"
ANNOTATE = "annotate (spaCy)"
EMBED = "embed chunks"
MULTILINGUAL = "multilingual embed"
STORE = "store"
KNOWLEDGE = "knowledge base"  # the app reading the new index back: BM25, names, question analyzer
SENTENCES = "embed sentences"  # the knowledge base's sentence vectors, plain and with their heading
CLASSIFIER = "intent classifier"  # fitting it to the article's names (or reading the fitted one back)
STAGES = (LOAD_PARSE, MODELS, PROFILE, ANNOTATE, EMBED, STORE, MULTILINGUAL, KNOWLEDGE, SENTENCES, CLASSIFIER)

Advance = Callable[[int], None]
# A progress display for one stage: called with the stage's name and its total units, returns a context manager
# that yields the function to call with each batch of units done.
ProgressFactory = Callable[[str, int], AbstractContextManager[Advance]]


def _ignore(_: int) -> None:
    return None


class Stages:
    """Seconds spent per stage (summed when a stage runs more than once), and optional progress bars.

    A stage opened inside another (a model loading in the middle of the embedding that needs it) counts for
    itself only: the outer stage's seconds leave it out, so the stages add up to the time they took together.

    Args:
        progress: shows the progress of stages that say how much work they have (None: nothing is shown).
    """

    def __init__(self, progress: ProgressFactory | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = progress
        self._lock = threading.Lock()
        self._open = threading.local()  # per thread: the seconds of stages nested in each open stage

    def add(self, name: str, seconds: float) -> None:
        """Record `seconds` more for the stage `name`."""
        with self._lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        """Time the block as stage `name`; yields `advance(units)` for a progress bar of `total` units."""
        nested: list[float] = getattr(self._open, "nested", None) or []
        self._open.nested = nested
        nested.append(0.0)
        started = time.perf_counter()
        bar: AbstractContextManager[Advance] = nullcontext(_ignore)
        if self._progress is not None and total:
            bar = self._progress(name, total)
        try:
            with bar as advance:
                yield advance
        finally:
            elapsed = time.perf_counter() - started
            inner = nested.pop()
            if nested:
                nested[-1] += elapsed
            self.add(name, elapsed - inner)
            logger.info("Ingest stage %s: %.2fs", name, elapsed - inner)

    def run(self, name: str, call: Callable[[], object]) -> None:
        """Run `call()` as stage `name` (a hook: `before_model=lambda: stages.run(MODELS, model.warm_up)`)."""
        with self.stage(name):
            call()

    def ordered(self) -> list[tuple[str, float]]:
        """(stage, seconds) in `STAGES` order, then any other stage in the order it first ran."""
        known = [(s, self.seconds[s]) for s in STAGES if s in self.seconds]
        return known + [(s, v) for s, v in self.seconds.items() if s not in STAGES]
