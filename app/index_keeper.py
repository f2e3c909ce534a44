"""The index keeper of one article: it opens the article's Chroma index, checks it against its source, the code,
the model and the profile, and (re)builds it when needed, the multilingual index beside it. The `Chatbot` asks it
for an up-to-date index and answers; it never touches the store itself."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.articles import collection_for, shipped_article_id
from ingest.core.errors import ConfigurationError, SourceError, StoreUnavailableError
from ingest.core.settings import Settings, resolve_profile_dir
from ingest.embeddings import LocalEmbeddings
from ingest.multilingual import MultilingualEmbeddings, MultilingualIndex
from ingest.profile import profile_hash
from ingest.store import ArticleIndex, Manifest, make_client

if TYPE_CHECKING:  # indexing code loads only when an index is (re)built
    from ingest.pipeline import IngestReport
    from ingest.timing import Stages

logger = logging.getLogger(__name__)


class IndexKeeper:
    """Opens, checks and (re)builds the index of one article of the library.

    Args:
        settings: the typed settings.
        embeddings: the English embedder (its model id is part of what an index was built with).
        client: a Chroma client; opened from settings on first use when None.
        article_id: the library's id of the article (`ingest.articles`); None: the shipped one.
        multilingual_embeddings: the multilingual embedder; None when settings turn it off.
    """

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings, *, client: object | None = None,
                 article_id: str | None = None, multilingual_embeddings: MultilingualEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.article_id = article_id or shipped_article_id(settings)
        self.shipped = self.article_id == shipped_article_id(settings)
        self.collection = collection_for(settings, self.article_id)
        self._client = client
        self._multilingual = multilingual_embeddings
        self._lock = threading.RLock()

    def index(self) -> ArticleIndex:
        """The article's index (the store's client opens on first use)."""
        if self._client is None:
            self._client = make_client(self.settings)
        return ArticleIndex(self._client, self.collection, self.embeddings)

    @property
    def store_client(self) -> object | None:
        """The Chroma client this bot reads its index through (None until it is first opened)."""
        return self._client

    @property
    def multilingual_embeddings(self) -> MultilingualEmbeddings | None:
        """The multilingual embedder (None when settings turn it off)."""
        return self._multilingual

    def multilingual_index(self) -> MultilingualIndex | None:
        """The `<collection>_ml` index for questions in other languages; None when settings turn it off."""
        if self._multilingual is None:
            return None
        self.index()  # opens the client
        return MultilingualIndex(self._client, self.collection, self._multilingual)

    def open(self) -> ArticleIndex:
        """Open the index; an embedded database that cannot be opened is set aside and rebuilt from the
        source (nothing is deleted), or the error stands when there is no source to rebuild from."""
        import shutil

        try:
            index = self.index()
            index.manifest()
            return index
        except StoreUnavailableError:
            path = self.settings.chroma_path
            if self.settings.client_server or not path.exists() or not self.shipped or \
                    not self.settings.source_path.is_file():
                raise
            aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            logger.warning("The Chroma database in %s cannot be opened; moved it to %s and rebuilding the "
                           "index from %s.", path, aside, self.settings.source_path)
            shutil.move(str(path), str(aside))
            _forget_cached_clients()
            self._client = None
            return self.index()

    def ingest(self, source: Path | None = None, *, rebuild: bool = False,
               show_progress: bool | None = None, stages: Stages | None = None) -> IngestReport:
        """Index a source into this article (default: the one it was read from; the shipped article's is
        `Settings.source_path`).

        Args:
            stages: records the seconds of each stage (and shows progress, if it was given a display).

        Raises:
            ConfigurationError: `source` is another file than the shipped article, for the shipped article.
        """
        from ingest.pipeline import ingest_source

        if source is not None and self.shipped and not _same_file(source, self.settings.source_path):
            raise ConfigurationError(
                f"{source} is not the shipped article ({self.settings.source_path}): add it to the library as an "
                "article of its own (`ai-cities ingest FILE`, `ArticleLibrary.add`), or set AICITIES_SOURCE_PATH.")
        with self._lock:
            index = self.index()
            return ingest_source(index, self.embeddings, source or self.source_for(index.manifest()),
                                   rebuild=rebuild, max_bytes=self.settings.max_source_bytes,
                                   show_progress=show_progress, multilingual=self.multilingual_index(),
                                   profile_dir=self.settings.profile_dir, stages=stages, article_id=self.article_id)

    def source_for(self, manifest: Manifest | None) -> Path:
        """The file this article is read from: `Settings.source_path` for the shipped article, else the one
        its index was built from.

        Raises:
            UnknownArticleError: the article is not the shipped one and has no index.
        """
        if self.shipped:
            return self.settings.source_path
        if manifest is None or not manifest.source_path:
            from ingest.articles import UnknownArticleError

            raise UnknownArticleError(f"No article {self.article_id!r} in the library. `ai-cities articles` lists "
                                      "them; `ai-cities ingest FILE_OR_URL` adds one.")
        return Path(manifest.source_path)

    def ensure(self, index: ArticleIndex, stages: Stages | None = None) -> None:
        """Build the index when it is missing, incomplete or stale (another source, code, model or profile), and
        the multilingual one when it lags; a source that can no longer be read leaves an existing index in use."""
        from ingest.chunker import reader_version

        manifest = index.manifest()
        source = self.source_for(manifest)
        if manifest is not None and self.settings.client_server and not source.exists():
            return  # a server's index is usable without the source on this machine
        if manifest is not None and index.count() != manifest.chunk_count:
            logger.warning("Index %s is incomplete (%d of %d chunks): rebuilding it.", index.name, index.count(),
                           manifest.chunk_count)
            manifest = None
        same_code = manifest is not None and manifest.embedding_model == self.embeddings.model_id \
            and manifest.chunker_version == reader_version() and manifest.article_id == self.article_id
        if same_code and _source_unchanged(manifest, source) and manifest.profile_hash == profile_hash(
                resolve_profile_dir(source, self.settings.profile_dir)) and self.multilingual_current(manifest):
            return  # same file, size and mtime as when it was indexed: no need to read and hash it
        from ingest.loader import load_source

        try:
            current = load_source(source, max_bytes=self.settings.max_source_bytes)
        except SourceError:
            if manifest is not None:
                logger.warning("Source %s is unavailable; answering from the existing index.", source)
                return
            raise
        stale = not same_code or manifest is None or manifest.source_hash != current.sha256 or \
            manifest.profile_hash != profile_hash(resolve_profile_dir(current.path, self.settings.profile_dir))
        if stale:
            logger.info("Index %s is missing or stale: ingesting %s", index.name, source)
        if stale or not self.multilingual_current(manifest):
            from ingest.pipeline import ingest_source

            ingest_source(index, self.embeddings, source, rebuild=stale, max_bytes=self.settings.max_source_bytes,
                          show_progress=False, multilingual=self.multilingual_index(),
                          profile_dir=self.settings.profile_dir, stages=stages, article_id=self.article_id)

    def multilingual_current(self, manifest: Manifest | None) -> bool:
        """True when the multilingual index is off, or built from the same inputs as `manifest`."""
        multilingual = self.multilingual_index()
        return multilingual is None or (manifest is not None and multilingual.is_current(manifest))


def _same_file(one: Path, other: Path) -> bool:
    try:
        return Path(one).resolve() == Path(other).resolve()
    except OSError:
        return False


def _source_unchanged(manifest: Manifest, source: Path) -> bool:
    """True when the source still has the stat (path, identity, size, mtime) recorded when it was indexed."""
    if not manifest.source_stat:
        return False
    from ingest.loader import file_stat

    try:
        return file_stat(source) == manifest.source_stat
    except OSError:
        return False


def _forget_cached_clients() -> None:
    """Chroma caches one system per database path in-process; drop it so a moved folder is reopened fresh."""
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # an internal API: if it moved, a fresh client still works in most cases
        logger.debug("Could not clear Chroma's client cache", exc_info=True)
