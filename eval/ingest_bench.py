"""Ingest benchmark (`ai-cities bench --ingest [FILE] [--runs N]`): how long `ai-cities ingest FILE --rebuild`
takes in a fresh process and inside a process whose models are loaded, again and for the first time, with the
seconds of every stage. Everything happens in a temporary store and cache, never in the configured ones.

Four measurements, each the median of N runs:

- cold rebuild: `python -m app ingest FILE --rebuild` in a fresh process, over the index, kept vectors and
  fitted intent classifier an earlier ingest of FILE left (one untimed run first makes them, and warms the
  file cache);
- cold first: the same command into an empty store and cache (nothing of FILE was ever computed);
- warm rebuild: `ingest FILE --rebuild` again inside this process, models loaded (one untimed run first);
- warm first: FILE into an empty store and cache inside this process, models loaded.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest.core.errors import AICitiesError

GOAL_COLD_S = 6.0
GOAL_WARM_S = 2.0
DEFAULT_SIZE = 15_000
KINDS = ("cold rebuild", "cold first", "warm rebuild", "warm first")
_DESCRIPTIONS = {
    "cold rebuild": "fresh process; index, vectors and classifier of an earlier ingest on disk",
    "cold first": "fresh process; empty store and cache",
    "warm rebuild": "this process, models loaded",
    "warm first": "this process, models loaded; empty store and cache",
}
OTHER = "startup, imports, other"


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AICITIES_CHROMA_HOST", "AICITIES_CHROMA_PORT")}
    env.update(AICITIES_CHROMA_PATH=str(root / "chroma"), AICITIES_CACHE_DIR=str(root / "cache"),
               AICITIES_FEEDBACK_PATH=str(root / "feedback.jsonl"))
    return env


def _cold(source: Path, root: Path) -> tuple[float, dict[str, float]]:
    """One fresh `python -m app ingest SOURCE --rebuild --timings` into the store under `root`."""
    from app.cli import read_stages

    command = [sys.executable, "-m", "app", "ingest", str(source), "--rebuild", "--timings"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=_environment(root))
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise AICitiesError(f"`ai-cities ingest {source} --rebuild` failed with exit code {done.returncode}: {tail}")
    stages = read_stages(done.stdout)
    stages[OTHER] = max(0.0, seconds - sum(stages.values()))
    return seconds, stages


def _warm(library, source: Path) -> tuple[float, dict[str, float]]:
    """One ingest of SOURCE into `library` (as the UI's upload does, with the knowledge base and classifier)."""
    from ingest.timing import Stages

    started = time.perf_counter()
    _, report = library.add(source, rebuild=True, stages=Stages())
    seconds = time.perf_counter() - started
    stages = dict(report.stages)
    stages[OTHER] = max(0.0, seconds - sum(stages.values()))
    return seconds, stages


def _library(root: Path, embeddings=None):
    from app.compose import build_library
    from ingest.core.cli import load_settings

    settings = load_settings().model_copy(update={
        "chroma_path": root / "chroma", "cache_dir": root / "cache", "feedback_path": root / "feedback.jsonl",
        "chroma_host": None})
    return build_library(settings, **({"embeddings": embeddings} if embeddings is not None else {}))


def _forget_in_process_vectors() -> None:
    """Drop the sentence vectors bots of this process share, so a "first" run computes them like a new process."""
    from app import knowledge

    with knowledge._CACHE_LOCK:
        knowledge._SENTENCE_VECTORS.clear()


def _describe(source: Path) -> str:
    from ingest.chunker import chunk_article
    from ingest.loader import load_source
    from ingest.parser import parse_article

    loaded = load_source(source)
    chunks = chunk_article(parse_article(loaded.text))
    return f"{source} ({source.stat().st_size / 1000:.1f} KB, {len(chunks)} chunks)"


def run(source: Path | None, runs: int) -> int:
    """Run the benchmark and print medians (and each run) per kind, then the median seconds of every stage."""
    root = Path(tempfile.mkdtemp(prefix="ai-cities-ingest-bench-"))
    try:
        if source is None:
            from eval.bigdoc import ranking_article

            source = root / "article-15k.md"
            source.write_text(ranking_article(DEFAULT_SIZE), encoding="utf-8")
        elif not source.is_file():
            raise AICitiesError(f"no such file: {source}")
        source = source.resolve()
        print(f"ingest benchmark: {_describe(source)}, {runs} runs of each kind, in {root}", flush=True)
        results: dict[str, list[tuple[float, dict[str, float]]]] = {k: [] for k in KINDS}

        print("cold: one untimed ingest first (the index, vectors and classifier that later rebuilds find)",
              flush=True)
        _cold(source, root / "cold")
        for n in range(runs):
            results["cold rebuild"].append(_cold(source, root / "cold"))
            results["cold first"].append(_cold(source, root / f"cold-first-{n}"))
            print(f"  run {n + 1}: rebuild {results['cold rebuild'][-1][0]:.2f}s, "
                  f"first {results['cold first'][-1][0]:.2f}s", flush=True)

        print("warm: one untimed ingest in this process first (loads the models)", flush=True)
        library = _library(root / "warm")
        _warm(library, source)
        for n in range(runs):
            results["warm rebuild"].append(_warm(library, source))
            _forget_in_process_vectors()
            results["warm first"].append(_warm(_library(root / f"warm-first-{n}", library.embeddings), source))
            print(f"  run {n + 1}: rebuild {results['warm rebuild'][-1][0]:.2f}s, "
                  f"first {results['warm first'][-1][0]:.2f}s", flush=True)
        _report(results)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _report(results: dict[str, list[tuple[float, dict[str, float]]]]) -> None:
    from ingest.timing import STAGES

    print()
    print(f"{'':14}{'median':>9}   runs")
    for kind in KINDS:
        times = [t for t, _ in results[kind]]
        print(f"{kind:14}{statistics.median(times):8.2f}s   {' '.join(f'{t:.2f}' for t in times):<30} "
              f"{_DESCRIPTIONS[kind]}")
    names = [s for s in (*STAGES, OTHER) if any(s in st for r in results.values() for _, st in r)]
    print()
    print(f"{'stage, median seconds':26}" + "".join(f"{k:>14}" for k in KINDS))
    for name in names:
        cells = [statistics.median([st.get(name, 0.0) for _, st in results[k]]) for k in KINDS]
        print(f"{name:26}" + "".join(f"{c:14.2f}" for c in cells))
    cold, warm = (statistics.median([t for t, _ in results[k]]) for k in ("cold rebuild", "warm rebuild"))
    print()
    print(f"goals: cold `ai-cities ingest FILE --rebuild` <= {GOAL_COLD_S:.0f} s ({cold:.2f} s: "
          f"{'met' if cold <= GOAL_COLD_S else 'NOT met'}), warm re-ingest <= {GOAL_WARM_S:.0f} s ({warm:.2f} s: "
          f"{'met' if warm <= GOAL_WARM_S else 'NOT met'})")
