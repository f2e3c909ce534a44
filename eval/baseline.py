"""The naive baseline scored side by side with the product: the LangChain tutorial RAG recipe.

`RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` on the RAW page text (captions and
share widgets included) -> a Chroma collection -> top-4 similarity search. Its "answer" is the top chunk's
text: no citations, no abstention, no memory (earlier turns of a conversation are ignored).

The caller passes the LangChain `Embeddings` (the same embedder as the product) and, optionally, a chromadb
client; this module never creates a model. Its answers are `ingest.core.models.Answer` objects so the metrics treat
both pipelines alike. For retrieval metrics, each retrieved chunk is mapped to article sections by offset:
first the section whose span contains the chunk's start, then any later section the chunk runs into (see
`section_spans` for how the raw text is cut into sections).

chromadb and LangChain are imported lazily, so importing this module (and testing the section mapping) is
cheap.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.core.models import Answer, RetrievedSection

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
DEFAULT_COLLECTION = "naive-baseline"
INTRO_TITLE = "Introduction"
METHODOLOGY_TITLE = "Methodology"
DEFAULT_HEADINGS: tuple[str, ...] = ("Trends & Observations",)

_RANKED_HEADING = re.compile(r"^(\d{1,2})\.\s+\S.{0,58}$")
_TERMINAL = re.compile(r"[.!?:]$")
_METHODOLOGY = re.compile(r"\bmethodolog", re.IGNORECASE)


@dataclass(frozen=True)
class SectionSpan:
    """A section of the raw text: `title` as cited by the app, covering source[start:end]."""

    title: str
    start: int
    end: int


def section_spans(source_text: str, headings: Sequence[str] = DEFAULT_HEADINGS) -> list[SectionSpan]:
    """Cut the raw article into sections, by offsets, the small and explicit way.

    A section starts at a ranked heading line ("1. Beijing": a number, a dot, at most five words, no final
    punctuation), at a line equal to one of `headings`, or at the first line mentioning "methodology"
    (titled "Methodology"); it runs to the next start. Everything before the first start is
    "Introduction" (title and captions included); page boilerplate after the methodology line belongs to
    "Methodology".

    Args:
        source_text: the raw article text.
        headings: titles of unnumbered headings to recognise (exact line match after stripping).

    Returns:
        Contiguous spans covering the whole text, in text order.
    """
    starts: list[tuple[int, str]] = []
    wanted = set(headings)
    methodology_seen = False
    offset = 0
    for raw in source_text.splitlines(keepends=True):
        line = raw.strip()
        line_start = offset + (len(raw) - len(raw.lstrip()))
        offset += len(raw)
        if not line:
            continue
        if (_RANKED_HEADING.match(line) and len(line.split()) <= 6 and not _TERMINAL.search(line)) or (
            line in wanted
        ):
            starts.append((line_start, line))
        elif not methodology_seen and _METHODOLOGY.search(line):
            starts.append((line_start, METHODOLOGY_TITLE))
            methodology_seen = True
    spans: list[SectionSpan] = []
    if not starts or starts[0][0] > 0:
        spans.append(SectionSpan(INTRO_TITLE, 0, starts[0][0] if starts else len(source_text)))
    for i, (start, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(source_text)
        spans.append(SectionSpan(title, start, end))
    return spans


def sections_for_chunk(spans: Sequence[SectionSpan], start: int, end: int) -> list[str]:
    """The sections a chunk source[start:end] overlaps: the one containing `start` first, then the rest.

    Args:
        spans: contiguous section spans in text order (from `section_spans`).
        start: chunk start offset.
        end: chunk end offset (exclusive).

    Returns:
        Section titles in text order beginning with the one containing `start` (empty if no span does).
    """
    if not spans:
        return []
    starts = [s.start for s in spans]
    first = max(0, bisect.bisect_right(starts, start) - 1)
    out = []
    for span in spans[first:]:
        if span.start >= max(end, start + 1):
            break
        if span.end > start:
            out.append(span.title)
    return out


def make_client() -> chromadb.ClientAPI:
    """An in-memory chromadb client with telemetry off (for callers that have no client of their own).

    Returns:
        A `chromadb.EphemeralClient`.
    """
    import chromadb
    from chromadb.config import Settings

    return chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))


@dataclass(frozen=True)
class _Chunk:
    text: str
    start: int
    end: int
    sections: tuple[str, ...]


class NaiveBaseline:
    """The tutorial pipeline; `ask(question, history)` mirrors the product's `Chatbot.ask`."""

    def __init__(
        self,
        source_text: str,
        embeddings: Embeddings,
        client: chromadb.ClientAPI | None = None,
        *,
        collection_name: str = DEFAULT_COLLECTION,
        k: int = TOP_K,
        chunk_size: int = CHUNK_SIZE,
        chunk_overlap: int = CHUNK_OVERLAP,
        headings: Sequence[str] = DEFAULT_HEADINGS,
    ) -> None:
        """Split the raw text and index it in a fresh Chroma collection (an existing one is replaced).

        Args:
            source_text: the RAW page text (not cleaned, not parsed).
            embeddings: the LangChain embedder, the same one the product uses.
            client: a chromadb client; defaults to `make_client()` (in-memory, telemetry off).
            collection_name: Chroma collection to (re)create; 3-63 characters [a-zA-Z0-9._-].
            k: chunks returned by the similarity search.
            chunk_size: splitter chunk size, in characters.
            chunk_overlap: splitter overlap, in characters.
            headings: titles of the article's unnumbered sections, to map chunks to sections (see
                `section_spans`); the eval passes the ones the parser finds in the article it evaluates.
        """
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.k = k
        self.client = client if client is not None else make_client()
        self.collection_name = collection_name
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
        )
        spans = section_spans(source_text, headings)
        self.chunks: list[_Chunk] = []
        for doc in splitter.create_documents([source_text]):
            start = int(doc.metadata["start_index"])
            end = start + len(doc.page_content)
            self.chunks.append(
                _Chunk(doc.page_content, start, end, tuple(sections_for_chunk(spans, start, end)))
            )
        with contextlib.suppress(Exception):  # not there yet: nothing to replace
            self.client.delete_collection(collection_name)
        self.store = Chroma(
            collection_name=collection_name, embedding_function=embeddings, client=self.client
        )
        if self.chunks:
            self.store.add_texts(
                [c.text for c in self.chunks],
                metadatas=[{"chunk": i, "start": c.start, "end": c.end} for i, c in enumerate(self.chunks)],
                ids=[f"chunk-{i}" for i in range(len(self.chunks))],
            )
        logger.info("Naive baseline: %d chunks in collection %r", len(self.chunks), collection_name)

    def ask(self, question: str, history: Sequence[Any] | None = None) -> Answer:
        """Answer with the top chunk's text.

        Args:
            question: the user question.
            history: ignored (the tutorial recipe has no memory); accepted to mirror `Chatbot.ask`.

        Returns:
            An `Answer` with the top chunk as text, no citations, never abstained, `retrieved` holding the
            sections of the top-k chunks (best first; a chunk spanning several sections lists each), and
            timings for "retrieval", "answer" and "total" in milliseconds.
        """
        t0 = time.perf_counter()
        hits = (
            self.store.similarity_search_with_score(question, k=min(self.k, len(self.chunks)))
            if self.chunks
            else []
        )
        t1 = time.perf_counter()
        retrieved: list[RetrievedSection] = []
        for doc, distance in hits:
            chunk = self.chunks[int(doc.metadata["chunk"])]
            score = 1.0 / (1.0 + float(distance))  # Chroma returns a distance: map to higher-is-better
            retrieved.extend(RetrievedSection(section=title, score=score) for title in chunk.sections)
        text = hits[0][0].page_content if hits else ""
        t2 = time.perf_counter()
        return Answer(
            text=text,
            citations=[],
            abstained=False,
            question=question,
            standalone_question=question,
            mode="extractive",
            retrieved=retrieved,
            timings_ms={
                "retrieval_ms": (t1 - t0) * 1000,
                "answer_ms": (t2 - t1) * 1000,
                "total_ms": (t2 - t0) * 1000,
            },
            notice="naive baseline: top chunk of a 1000/200 character split, no citations",
        )

    def drop(self) -> None:
        """Delete the baseline's Chroma collection."""
        with contextlib.suppress(Exception):
            self.client.delete_collection(self.collection_name)
