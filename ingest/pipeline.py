"""Ingest: load a source, parse and clean it, chunk, embed and store it in Chroma (only when needed)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm.auto import tqdm

from ingest.chunker import CHUNKER_VERSION, INTRO_SECTION, METHODOLOGY_SECTION, chunk_article
from ingest.embeddings import LocalEmbeddings
from ingest.loader import load_source
from ingest.parser import parse_article
from ingest.store import ArticleIndex, Manifest
from ingest.structure import Article

logger = logging.getLogger(__name__)

IngestStatus = Literal["created", "rebuilt", "unchanged"]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    status: IngestStatus
    source: str
    collection: str
    chunks: int
    ranked_sections: int
    boilerplate_lines: int
    seconds: float

    def summary(self) -> str:
        """One line for people."""
        verb = {"created": "Indexed", "rebuilt": "Rebuilt index of", "unchanged": "Index already up to date for"}
        return (f"{verb[self.status]} {self.source}: {self.chunks} chunks, {self.ranked_sections} ranked "
                f"sections, {self.boilerplate_lines} boilerplate lines left out "
                f"(collection {self.collection!r}, {self.seconds:.1f}s)")


def structure_of(article: Article) -> dict[str, Any]:
    """A JSON-able outline of the article (title, intro, sections with offsets and topics, methodology)."""

    def span(s: Any) -> dict[str, Any] | None:
        return None if s is None else {"text": s.text, "start": s.start, "end": s.end}

    return {
        "title": span(article.title),
        "intro": span(article.intro) | {"section": INTRO_SECTION} if article.intro else None,
        "methodology": span(article.methodology) | {"section": METHODOLOGY_SECTION}
        if article.methodology else None,
        "sections": [
            {"title": span(s.title), "rank": s.rank, "city": s.city, "start": s.start, "end": s.end,
             "topics": [b.topic for b in s.bullets if b.topic]}
            for s in article.sections
        ],
        "boilerplate": [asdict(b) for b in article.boilerplate],
    }


def ingest_source(index: ArticleIndex, embeddings: LocalEmbeddings, source: Path, *, rebuild: bool = False,
                  max_bytes: int = 5_000_000, show_progress: bool | None = None) -> IngestReport:
    """Index `source` into `index` unless the index was already built from the same inputs.

    Args:
        index: the Chroma collection to fill.
        embeddings: the embedder (its model id goes into the manifest).
        source: path of the article (.txt, .md, .html).
        rebuild: rebuild even when the manifest matches.
        max_bytes: largest accepted source file.
        show_progress: progress bar on stderr; None shows it only on a terminal.

    Returns:
        An `IngestReport`. A failed build raises and leaves the previous index in place.
    """
    started = time.perf_counter()
    loaded = load_source(source, max_bytes=max_bytes)
    wanted = Manifest(source_hash=loaded.sha256, source_name=loaded.path.name,
                      embedding_model=embeddings.model_id, chunker_version=CHUNKER_VERSION,
                      source_stat=loaded.stat)
    current = index.manifest()
    if current is not None and current.same_inputs(wanted) and not rebuild:
        logger.info("Index %s is up to date (source %s)", index.name, loaded.sha256[:12])
        stored = index.read()  # the counts come from the stored outline: no re-parse
        outline = stored.structure if stored is not None else {}
        ranked_count = sum(1 for s in outline.get("sections", []) if s.get("rank"))
        return IngestReport("unchanged", str(loaded.path), index.name, current.chunk_count, ranked_count,
                            len(outline.get("boilerplate", [])), time.perf_counter() - started)
    article = parse_article(loaded.text)
    ranked = len(article.ranked)
    if not article.has_ranking:
        logger.warning("%s has no recognisable ranking: indexed as plain chunks, ranking questions will "
                       "not be routed.", loaded.path)
    chunks = chunk_article(article)
    if not chunks:
        from ingest.core.errors import SourceError

        raise SourceError(f"Source has no indexable text after cleaning: {loaded.path}")
    embeddings.warm_up()
    with tqdm(total=len(chunks), desc="Embedding chunks", unit="chunk", disable=show_progress is False
              if show_progress is not None else None, leave=False) as bar:
        index.build(chunks, wanted, loaded.text, structure_of(article), progress=bar.update)
    status: IngestStatus = "created" if current is None else "rebuilt"
    if current is not None and not current.same_inputs(wanted):
        logger.info("Rebuilt %s: inputs changed (%s -> %s)", index.name, current.source_hash[:12],
                    wanted.source_hash[:12])
    return IngestReport(status, str(loaded.path), index.name, len(chunks), ranked, len(article.boilerplate),
                        time.perf_counter() - started)
