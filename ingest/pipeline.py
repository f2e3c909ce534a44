"""Ingest: load a source, parse and clean it, chunk, embed and store it in Chroma (only when needed)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ingest.annotate import annotate_chunks
from ingest.chunker import INTRO_SECTION, METHODOLOGY_SECTION, Chunk, chunk_article, reader_version, section_label
from ingest.core.settings import resolve_profile_dir
from ingest.embeddings import LocalEmbeddings
from ingest.loader import load_source
from ingest.nlp import english_pipeline
from ingest.parser import parse_article
from ingest.profile import ArticleProfile, ProfileData, build_profile, load_profile_dir, profile_hash
from ingest.store import ArticleIndex, Manifest
from ingest.structure import Article
from ingest.timing import ANNOTATE, EMBED, LOAD_PARSE, MODELS, MULTILINGUAL, PROFILE, STORE, Stages

if TYPE_CHECKING:
    from ingest.multilingual import MultilingualIndex

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
    multilingual: IngestStatus | None = None  # the `<collection>_ml` index; None when it is turned off
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage (`ingest.timing`)
    article_id: str = ""  # the library's id of the article (`ingest.articles`)

    def summary(self) -> str:
        """One line for people."""
        verb = {"created": "Indexed", "rebuilt": "Rebuilt index of", "unchanged": "Index already up to date for"}
        extra = "" if self.multilingual is None else f", multilingual index {self.multilingual}"
        return (f"{verb[self.status]} {self.source}: {self.chunks} chunks, {self.ranked_sections} ranked "
                f"sections, {self.boilerplate_lines} boilerplate lines left out "
                f"(collection {self.collection!r}{extra}, {self.seconds:.1f}s)")


def structure_of(article: Article, profile: ArticleProfile | None = None,
                 profile_data: ProfileData | None = None) -> dict[str, Any]:
    """A JSON-able outline of the article (title, intro, sections with offsets and topics, methodology), with
    its derived profile under "profile" and its profile folder's data under "profile_data" (None if absent).

    Each section has "name" (the entry's name; None for unranked sections) and "city", the same value under
    its former key; "section" is the name the section is cited by. A table row's section lists its "cells"
    (column header and offsets of each cell other than its rank and name).
    """

    def span(s: Any) -> dict[str, Any] | None:
        return None if s is None else {"text": s.text, "start": s.start, "end": s.end}

    return {
        "title": span(article.title),
        "intro": span(article.intro) | {"section": INTRO_SECTION} if article.intro else None,
        "methodology": span(article.methodology) | {"section": METHODOLOGY_SECTION}
        if article.methodology else None,
        "sections": [
            {"title": span(s.title), "section": section_label(article, s), "rank": s.rank, "name": s.name,
             "city": s.name, "start": s.start, "end": s.end, "topics": [b.topic for b in s.bullets if b.topic],
             "cells": [{"header": b.topic, "start": b.start, "end": b.end} for b in s.bullets] if s.row else []}
            for s in article.sections
        ],
        "boilerplate": [asdict(b) for b in article.boilerplate],
        "profile": profile.to_dict() if profile else None,
        "profile_data": profile_data.to_dict() if profile_data else None,
    }


def _build_multilingual(multilingual: MultilingualIndex | None, chunks: list[Chunk] | None, article: Article,
                        wanted: Manifest, rebuild: bool, stages: Stages) -> IngestStatus | None:
    """Bring the `<collection>_ml` index in line with the main one (built beside, then swapped in)."""
    if multilingual is None:
        return None
    existed = multilingual.manifest() is not None
    if existed and not rebuild and multilingual.is_current(wanted):
        return "unchanged"
    from ingest.multilingual import indexable

    chunks = chunks if chunks is not None else chunk_article(article)
    with stages.stage(MULTILINGUAL, total=len(indexable(chunks))) as advance:
        vectors = multilingual.embed(chunks, advance,
                                     before_model=lambda: stages.run(MODELS, multilingual.embedder.warm_up))
    with stages.stage(STORE):
        multilingual.store(chunks, wanted, vectors)
    return "rebuilt" if existed else "created"


def ingest_source(index: ArticleIndex, embeddings: LocalEmbeddings, source: Path, *, rebuild: bool = False,
                  max_bytes: int = 5_000_000, show_progress: bool | None = None,
                  multilingual: MultilingualIndex | None = None, profile_dir: Path | None = None,
                  stages: Stages | None = None, article_id: str = "") -> IngestReport:
    """Index `source` into `index` unless the index was already built from the same inputs.

    The article's profile is derived and stored with the index; its profile folder (`profile_dir`, else
    `<source stem>.profile/` beside the source when it exists) is validated and stored too. Chunk vectors are
    kept beside the index by model and text (`ArticleIndex.embed_chunks`): a rebuild runs the models on new
    text only.

    Args:
        index: the Chroma collection to fill.
        embeddings: the embedder (its model id goes into the manifest).
        source: path of the article (.txt, .md, .html).
        rebuild: rebuild even when the manifest matches.
        max_bytes: largest accepted source file.
        show_progress: progress bars on stderr for long stages; None shows them only on a terminal. Ignored
            when `stages` is given (its own progress display, if any, is used).
        multilingual: also keep this `<collection>_ml` index of the same chunks up to date (built when it
            is missing or stale, even when the main index is up to date).
        profile_dir: the article's profile folder (`Settings.profile_dir`); None looks beside the source.
        stages: records the seconds of each stage (`IngestReport.stages`); a new one when None.
        article_id: the library's id of the article (`ingest.articles`), kept in the manifest.

    Returns:
        An `IngestReport`. A failed build raises and leaves the previous index in place.

    Raises:
        SourceError: the source cannot be loaded or has no text.
        ConfigurationError: the profile folder is missing (when given) or invalid.
    """
    started = time.perf_counter()
    if stages is None:
        from ingest.progress import terminal_bars

        stages = Stages(terminal_bars(show_progress))
    with stages.stage(LOAD_PARSE):
        loaded = load_source(source, max_bytes=max_bytes)
        folder = resolve_profile_dir(loaded.path, profile_dir)
        profile_data = load_profile_dir(folder) if folder is not None else None
    wanted = Manifest(source_hash=loaded.sha256, source_name=loaded.path.name, source_path=str(loaded.path.resolve()),
                      embedding_model=embeddings.model_id, chunker_version=reader_version(),
                      profile_hash=profile_hash(folder), source_stat=loaded.stat, article_id=article_id)
    current = index.manifest()
    if current is not None and current.same_inputs(wanted) and current.article_id == article_id and not rebuild:
        logger.info("Index %s is up to date (source %s)", index.name, loaded.sha256[:12])
        stored = index.read()  # the counts come from the stored outline: no re-parse
        outline = stored.structure if stored is not None else {}
        ranked_count = sum(1 for s in outline.get("sections", []) if s.get("rank"))
        ml_status: IngestStatus | None = None
        if multilingual is not None:
            ml_status = "unchanged" if multilingual.manifest() is not None and multilingual.is_current(wanted) \
                else _build_multilingual(multilingual, None, parse_article(loaded.document or loaded.text), wanted,
                                         False, stages)
        return IngestReport("unchanged", str(loaded.path), index.name, current.chunk_count, ranked_count,
                            len(outline.get("boilerplate", [])), time.perf_counter() - started, ml_status,
                            dict(stages.seconds), article_id)
    with stages.stage(LOAD_PARSE):
        article = parse_article(loaded.document or loaded.text)
        chunks = chunk_article(article)
    ranked = len(article.ranked)
    if not article.has_ranking:
        logger.warning("%s has no recognisable ranking: indexed as plain chunks, ranking questions will "
                       "not be routed.", loaded.path)
    if not chunks:
        from ingest.core.errors import SourceError

        raise SourceError(f"Source has no indexable text after cleaning: {loaded.path}")
    with stages.stage(MODELS):
        english_pipeline()  # profile and annotation share it; the embedders load only if some text is new
    with stages.stage(PROFILE):
        profile = build_profile(article)
    logger.info("Profile of %s: %d %s, order %s", loaded.path.name, profile.count, profile.noun_plural,
                profile.order)
    with stages.stage(ANNOTATE, total=len(chunks)) as advance:
        chunks = annotate_chunks(chunks, advance, [(s.start, s.end) for s in article.emphasis])
    with stages.stage(EMBED, total=len(chunks)) as advance:
        vectors = index.embed_chunks(chunks, progress=advance,
                                     before_model=lambda: stages.run(MODELS, embeddings.warm_up))
    with stages.stage(STORE):
        described = wanted.model_copy(update={"title": article.title.text.strip() if article.title else "",
                                              "noun": profile.noun_plural, "entry_count": len(article.ranked)})
        index.build(chunks, described, loaded.text, structure_of(article, profile, profile_data), vectors=vectors)
    ml_status = _build_multilingual(multilingual, chunks, article, wanted, True, stages)
    status: IngestStatus = "created" if current is None else "rebuilt"
    if current is not None and not current.same_inputs(wanted):
        logger.info("Rebuilt %s: inputs changed (%s -> %s)", index.name, current.source_hash[:12],
                    wanted.source_hash[:12])
    return IngestReport(status, str(loaded.path), index.name, len(chunks), ranked, len(article.boilerplate),
                        time.perf_counter() - started, ml_status, dict(stages.seconds), article_id)
