"""The Chroma index of the article: client creation (embedded or client-server), a manifest that says
what the index was built from, atomic rebuilds, and reading everything back for the app.

The manifest (source hash, embedding model, chunker version, profile hash; the URL of a source fetched from
the web) and the parsed structure (with the article profile and the profile folder's data) live in the
collection's metadata, so an index is self-contained: the app can answer from a Chroma server without the
source file on its own disk.

Beside it, a second collection (`<name>-vectors`) keeps vectors the app computed from the index (the
sentence vectors of its knowledge base), keyed by model and text, so a fresh process reads them instead
of running the model over every sentence again (`load_vectors` / `save_vectors`, or `CachedEmbeddings`). The
chunks' vectors are kept there too (`embed_chunks`), and a rebuild keeps them all: only new text goes through
the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from ingest.chunker import Chunk
from ingest.core.errors import StoreUnavailableError
from ingest.core.settings import Settings
from ingest.fetch import source_url_of
from ingest.profile import ArticleProfile, ProfileData

if TYPE_CHECKING:
    from langchain_chroma import Chroma  # only `vector_store()` uses langchain-chroma

logger = logging.getLogger(__name__)

MANIFEST_KEY = "aicities_manifest"
SOURCE_KEY = "aicities_source_text"
STRUCTURE_KEY = "aicities_structure"
_SWAP_RETRIES = 6
EMBED_BATCH = 16  # chunks per embedding call (as langchain-chroma's add_texts had them): the same vectors as ever
STORE_BATCH = 1000  # chunks per Chroma call (below its maximum batch size)
# Kept vectors are forgotten when there are more than this many, or this many per chunk of the index (a chunk's
# sentences, plain and with their heading, over two or three builds).
VECTOR_CACHE_MIN = 20_000
VECTORS_PER_CHUNK = 16


class Manifest(BaseModel):
    """What an index was built from; any difference from the current inputs means a rebuild."""

    source_hash: str
    source_name: str
    source_path: str = ""  # where the article was read from: the app keeps answering from it
    source_url: str = ""  # the http(s) URL the article was fetched from (`ai-cities ingest URL`); "" for a file
    embedding_model: str
    chunker_version: str
    profile_hash: str = ""
    chunk_count: int = 0
    built_at: str = ""
    source_stat: str = ""
    """Path, file identity, size and mtime of the source when it was read (`LoadedSource.stat`); when the
    file still has them, the app skips reading and hashing it. Empty: always hash."""
    article_id: str = ""  # the library's id of the article (`ingest.articles`); "" for an index built before ids
    title: str = ""  # the article's title, as the library lists it
    noun: str = ""  # what the article ranks, plural
    entry_count: int = 0  # entries of its ranking

    def same_inputs(self, other: Manifest) -> bool:
        return (self.source_hash, self.embedding_model, self.chunker_version, self.profile_hash) == (
            other.source_hash,
            other.embedding_model,
            other.chunker_version,
            other.profile_hash,
        )


@dataclass(frozen=True)
class StoredIndex:
    """Everything the app needs from the store, read once at warm-up."""

    manifest: Manifest
    source_text: str
    structure: dict[str, Any]
    ids: list[str]
    documents: list[str]
    metadatas: list[dict[str, Any]]

    @property
    def profile(self) -> ArticleProfile | None:
        """The article profile derived at ingest (None for an index built before profiles existed)."""
        data = self.structure.get("profile")
        return ArticleProfile.from_dict(data) if data else None

    @property
    def profile_data(self) -> ProfileData | None:
        """The article's profile folder as it was at ingest (None when the article has none)."""
        data = self.structure.get("profile_data")
        return ProfileData.from_dict(data) if data else None


def make_client(settings: Settings) -> Any:
    """Open the Chroma client that settings describe: a server when `chroma_host` is set, else embedded.

    Raises:
        StoreUnavailableError: the server cannot be reached or the folder cannot be opened.
    """
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.client_server:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         settings=chroma_settings)
            client.heartbeat()
            return client
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:
        where = (f"Chroma server at {settings.chroma_host}:{settings.chroma_port}" if settings.client_server
                 else f"Chroma database in {settings.chroma_path}")
        raise StoreUnavailableError(
            f"Vector store unavailable: cannot open the {where} ({type(exc).__name__}: {exc}). "
            "Check that the server is running (chroma run --path DIR --port PORT) or that the folder is "
            "writable."
        ) from exc


class ArticleIndex:
    """One named collection holding the article's chunks and their vectors, built and read through the Chroma
    client (`vector_store()` gives the langchain-chroma view of it)."""

    def __init__(self, client: Any, collection_name: str, embeddings: Embeddings) -> None:
        self._client = client
        self._name = collection_name
        self._embeddings = embeddings

    @property
    def name(self) -> str:
        return self._name

    def _guard(self, action: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except StoreUnavailableError:
            raise
        except Exception as exc:
            if _is_not_found(exc) or not _is_store_failure(exc):
                raise
            raise StoreUnavailableError(
                f"Vector store unavailable while trying to {action} ({type(exc).__name__}: {exc})."
            ) from exc

    def _collection(self) -> Any | None:
        try:
            return self._guard("open the collection", lambda: self._client.get_collection(self._name))
        except Exception as exc:
            if _is_not_found(exc):
                return None
            raise

    def manifest(self) -> Manifest | None:
        """The manifest of the current index, or None when there is no (valid) index."""
        collection = self._collection()
        if collection is None:
            return None
        raw = (collection.metadata or {}).get(MANIFEST_KEY)
        if not raw:
            return None
        try:
            return Manifest.model_validate_json(raw)
        except ValueError:
            logger.warning("Collection %s has an unreadable manifest; it will be rebuilt.", self._name)
            return None

    def vector_store(self) -> Chroma:
        """The LangChain vector store over the current collection (queries embed with our model)."""
        from langchain_chroma import Chroma

        return Chroma(client=self._client, collection_name=self._name, embedding_function=self._embeddings,
                      create_collection_if_not_exists=False)

    def build(self, chunks: Sequence[Chunk], manifest: Manifest, source_text: str,
              structure: dict[str, Any], progress: Callable[[int], None] | None = None,
              vectors: Sequence[Sequence[float]] | None = None) -> None:
        """Build a new collection beside the current one, then switch to it.

        A failure while building leaves the current index untouched. The switch renames collections,
        so readers see either the old or the new index, never a half-built one. Vectors kept for the old index
        (`load_vectors`) stay: they are keyed by model and exact text, so they are right for any index.

        Args:
            vectors: each chunk's vector, already computed (`embed_chunks`); None embeds the chunks here, in
                batches of `EMBED_BATCH`.
            progress: called with the number of chunks embedded (or stored) after each batch.
        """
        building = f"{self._name}-build-{uuid.uuid4().hex[:8]}"
        manifest = manifest.model_copy(update={
            "chunk_count": len(chunks), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_url": manifest.source_url or source_url_of(manifest.source_path)})
        metadata = {MANIFEST_KEY: manifest.model_dump_json(), SOURCE_KEY: source_text,
                    STRUCTURE_KEY: json.dumps(structure, ensure_ascii=False)}
        if vectors is None:
            vectors = self.embed_chunks(chunks, progress=progress)
            progress = None
        if len(vectors) != len(chunks):
            raise ValueError(f"{len(vectors)} vectors for {len(chunks)} chunks")
        # What langchain-chroma's Chroma(...).add_texts did, straight on the client (no langchain-chroma import).
        collection = self._guard("create a collection", lambda: self._client.get_or_create_collection(
            name=building, embedding_function=None, metadata=metadata,
            configuration={"hnsw": {"space": "cosine"}}))
        try:
            for i in range(0, len(chunks), STORE_BATCH):
                part = chunks[i : i + STORE_BATCH]
                self._guard("add chunks", lambda part=part, i=i: collection.upsert(
                    ids=[c.id for c in part], documents=[c.embed_text for c in part],
                    metadatas=[c.metadata(manifest.source_hash) for c in part],
                    embeddings=[list(v) for v in vectors[i : i + len(part)]]))
                if progress:
                    progress(len(part))
            self._swap(building)
            self._trim_vectors(len(chunks))
        except BaseException:
            try:
                self._client.delete_collection(building)
            except Exception:  # the build already failed; keep the original error
                logger.debug("Could not delete half-built collection %s", building, exc_info=True)
            raise

    def embed_chunks(self, chunks: Sequence[Chunk], progress: Callable[[int], None] | None = None,
                     reuse: bool = True, before_model: Callable[[], None] | None = None) -> list[list[float]]:
        """Each chunk's vector for a new build: the vector kept for its embedded text (`load_vectors`, same
        model) when there is one, else the model's, in batches of `EMBED_BATCH` chunks in document order (as
        langchain-chroma's `add_texts` embedded them before), which are then kept for the next build.

        The model's own vectors are kept, not the ones the index returns: a cosine collection normalises what it
        stores again, and reusing its copies would drift by a few 1e-9 per rebuild.

        Args:
            progress: called with the number of chunks done after each batch.
            reuse: take kept vectors (False: embed every chunk).
            before_model: called once before the model embeds anything (not at all when every vector is kept).
        """
        model_id = getattr(self._embeddings, "model_id", "")
        texts = [c.embed_text for c in chunks]
        kept = self.load_vectors(model_id, texts) if reuse and model_id else {}
        missing = [t for t in texts if t not in kept]
        if kept and progress:
            progress(len(texts) - len(missing))
        if missing and before_model is not None:
            before_model()
        computed: dict[str, list[float]] = {}
        for i in range(0, len(missing), EMBED_BATCH):
            part = missing[i : i + EMBED_BATCH]
            computed.update(zip(part, self._embeddings.embed_documents(part), strict=True))
            if progress:
                progress(len(part))
        if computed and model_id:
            self.save_vectors(model_id, list(computed), list(computed.values()))
        logger.info("Chunk vectors of %s: %d kept, %d computed", self._name, len(texts) - len(missing),
                    len(missing))
        return [kept[t] if t in kept else computed[t] for t in texts]

    def _swap(self, building: str) -> None:
        old = self._collection()
        retired = f"{self._name}-old-{uuid.uuid4().hex[:8]}"
        if old is not None:
            self._guard("retire the old index", lambda: old.modify(name=retired))
        new = self._guard("open the new index", lambda: self._client.get_collection(building))
        self._guard("switch to the new index", lambda: new.modify(name=self._name))
        if old is not None:
            try:
                self._client.delete_collection(retired)
            except Exception:
                logger.warning("Could not delete the retired collection %s", retired, exc_info=True)

    def read(self) -> StoredIndex | None:
        """Read the whole index back (documents, metadata, manifest, source text, structure)."""
        collection = self._collection()
        if collection is None:
            return None
        meta = collection.metadata or {}
        if MANIFEST_KEY not in meta or SOURCE_KEY not in meta:
            return None
        got = self._guard("read the index", lambda: collection.get(include=["documents", "metadatas"]))
        return StoredIndex(
            manifest=Manifest.model_validate_json(meta[MANIFEST_KEY]),
            source_text=meta[SOURCE_KEY],
            structure=json.loads(meta.get(STRUCTURE_KEY) or "{}"),
            ids=list(got["ids"]),
            documents=list(got["documents"] or []),
            metadatas=[dict(m) for m in got["metadatas"] or []],
        )

    # -- vectors computed from the index, kept for the next process ---------------------------------------
    @property
    def vectors_name(self) -> str:
        """Name of the collection that keeps computed vectors beside the index."""
        return self.vectors_name_of(self._name)

    @staticmethod
    def vectors_name_of(collection_name: str) -> str:
        """Name of the collection that keeps computed vectors beside the index `collection_name`."""
        return f"{collection_name}-vectors"

    @staticmethod
    def _vector_id(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()

    def load_vectors(self, model_id: str, texts: Sequence[str]) -> dict[str, list[float]]:
        """Vectors saved earlier for these texts under this embedding model (text -> vector); texts never
        saved are missing. An unreadable cache is an empty one."""
        ids = {self._vector_id(model_id, t): t for t in texts}
        if not ids:
            return {}
        found: dict[str, list[float]] = {}
        try:
            collection = self._client.get_collection(self.vectors_name)
            wanted = list(ids)
            for start in range(0, len(wanted), STORE_BATCH):  # Chroma caps the ids of one call
                got = collection.get(ids=wanted[start : start + STORE_BATCH], include=["embeddings"])
                vectors = got.get("embeddings")
                if vectors is not None:
                    found.update((ids[i], [float(x) for x in v]) for i, v in zip(got["ids"], vectors, strict=True)
                                 if i in ids)
        except Exception as exc:
            if not _is_not_found(exc):
                logger.debug("Could not read cached vectors from %s", self.vectors_name, exc_info=True)
            return {}
        return found

    def save_vectors(self, model_id: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        """Keep these vectors for `load_vectors`; best effort (a read-only store just doesn't keep them)."""
        if not texts:
            return
        try:
            collection = self._client.get_or_create_collection(
                self.vectors_name, metadata={"aicities_role": "vector cache of " + self._name},
                embedding_function=None)
            ids = [self._vector_id(model_id, t) for t in texts]
            for start in range(0, len(ids), STORE_BATCH):  # Chroma caps the records of one call
                collection.upsert(ids=ids[start : start + STORE_BATCH],
                                  embeddings=[[float(x) for x in v] for v in vectors[start : start + STORE_BATCH]])
        except Exception:
            logger.debug("Could not save vectors to %s", self.vectors_name, exc_info=True)

    def drop_vectors(self) -> None:
        """Forget every kept vector (after a rebuild they may be for texts the index no longer has)."""
        try:
            self._client.delete_collection(self.vectors_name)
        except Exception as exc:
            if not _is_not_found(exc):
                logger.debug("Could not delete %s", self.vectors_name, exc_info=True)

    def _trim_vectors(self, chunk_count: int) -> None:
        """Bound the kept vectors: a rebuild keeps them (they are keyed by text, and most texts of an edited
        article are unchanged), so once they outgrow what a few builds of an index this size need they are
        all forgotten and computed again as needed."""
        limit = max(VECTOR_CACHE_MIN, VECTORS_PER_CHUNK * chunk_count)
        try:
            kept = self._client.get_collection(self.vectors_name).count()
        except Exception:
            return
        if kept > limit:
            logger.info("Forgetting %d kept vectors of %s (more than %d)", kept, self._name, limit)
            self.drop_vectors()

    def count(self) -> int:
        """Number of chunks in the current index (0 when there is none)."""
        collection = self._collection()
        return 0 if collection is None else self._guard("count chunks", collection.count)

    def search(self, query_vector: list[float], k: int) -> tuple[list[tuple[str, float]], str]:
        """Dense search.

        Returns:
            ((chunk id, cosine similarity) best first, fingerprint of the index that answered). The
            fingerprint changes when the index is rebuilt from other inputs, so callers can refresh.

        A rebuild switches collections by renaming them; a search that lands in that instant retries
        briefly instead of failing.
        """
        for attempt in range(_SWAP_RETRIES):
            collection = self._collection()
            if collection is not None:
                try:
                    result = self._guard("search", lambda c=collection: c.query(
                        query_embeddings=[query_vector], n_results=k, include=["distances"]))
                except Exception as exc:
                    if not _is_not_found(exc):
                        raise
                else:
                    pairs = [(cid, 1.0 - float(d))
                             for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)]
                    return pairs, fingerprint((collection.metadata or {}).get(MANIFEST_KEY, ""))
            time.sleep(0.05 * (attempt + 1))
        raise StoreUnavailableError(
            f"Vector store unavailable: collection {self._name!r} is missing. Run `ai-cities ingest`.")


def fingerprint(manifest_json: str) -> str:
    """What identifies an index's inputs (source hash, model, chunker version), from its manifest JSON."""
    try:
        m = Manifest.model_validate_json(manifest_json)
    except ValueError:
        return ""
    return f"{m.source_hash}:{m.embedding_model}:{m.chunker_version}"


def _is_not_found(exc: Exception) -> bool:
    name = type(exc).__name__
    text = str(exc).lower()
    return name in {"NotFoundError", "InvalidCollectionException"} or ((
        "does not exist" in text or "not found" in text
    ) and "collection" in text)


def _is_store_failure(exc: BaseException) -> bool:
    """True for errors raised by Chroma or its transport, not by our own code (e.g. the embedder)."""
    module = type(exc).__module__.split(".")[0]
    return module in {"chromadb", "httpx", "httpcore", "sqlite3", "requests", "urllib3"} or isinstance(
        exc, (ConnectionError, TimeoutError, OSError))
