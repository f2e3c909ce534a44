"""Load a source article (.txt, .md or .html) into the document model (`ingest.document`), with clear errors for
anything that is not one; `LoadedSource.text` is the document's reader text, which all offsets refer to."""

from __future__ import annotations

import hashlib
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.core.errors import SourceError
from ingest.document import Document, SourceKind, read_document

SUPPORTED_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                      ".html": "html", ".htm": "html"}
_REMEMBERED = 8
_DOCUMENTS: OrderedDict[str, Document] = OrderedDict()
# A file whose mtime is this close to the moment it was read may still change within the same mtime tick
# (coarse-timestamp filesystems): its size+mtime is not trusted to stand for its content ("racily clean").
RACY_SECONDS = 2.0


@dataclass(frozen=True)
class LoadedSource:
    """The text of a source, which all offsets refer to, and where it came from."""

    path: Path
    kind: str
    text: str
    stat: str = ""
    """`file_stat(path)` as read, when it can stand for the content later (see `file_stat`); else empty."""
    document: Document | None = field(default=None, repr=False, compare=False)
    """The source read into the document model; `text` is its reader text."""

    @property
    def sha256(self) -> str:
        """Content hash of the text; a changed hash means the index must be rebuilt."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def file_stat(path: Path | str) -> str:
    """Where the file is, which file it is (device, inode), its size and its mtime (ns), as one string.

    While a file has the same stat string it has the same content, unless someone rewrote it in place to
    the same size and then set its old mtime back: `ai-cities ingest` always hashes, so it catches even
    that. Raises OSError when the file can't be stat'ed.
    """
    path = Path(path).expanduser()
    st = path.stat()
    return f"{path.resolve()}|{st.st_dev}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}"


def _trusted_stat(path: Path, before: os.stat_result) -> str:
    """The stat string of a file just read, or "" when it changed while being read or is racily new."""
    try:
        after = path.stat()
    except OSError:
        return ""
    same = (before.st_ino, before.st_size, before.st_mtime_ns) == (after.st_ino, after.st_size, after.st_mtime_ns)
    if not same or time.time_ns() - after.st_mtime_ns < RACY_SECONDS * 1e9:
        return ""
    return file_stat(path)


def document_of(text: str) -> Document | None:
    """The document a source loaded in this process was read into, by its reader text (None if unknown)."""
    return _DOCUMENTS.get(text)


def read_text(text: str, kind: SourceKind) -> Document:
    """Read decoded source text of a kind into its `Document`, remembered so `document_of(reader text)` finds it."""
    document = read_document(text, kind)
    _DOCUMENTS[document.text] = document
    while len(_DOCUMENTS) > _REMEMBERED:
        _DOCUMENTS.pop(next(iter(_DOCUMENTS)))
    return document


def load_source(path: Path | str, max_bytes: int = 5_000_000) -> LoadedSource:
    """Read a source file as text.

    Args:
        path: a .txt, .md or .html file.
        max_bytes: largest accepted file size.

    Returns:
        The loaded source; for HTML, `text` is the extracted text (the offsets of citations refer to it).

    Raises:
        SourceError: missing, not a file, unreadable, too large, binary, not UTF-8, empty, or an
            unsupported type. The message says which.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceError(f"Source not found: {path}. Pass a path to a .txt, .md or .html file.")
    if not path.is_file():
        raise SourceError(f"Source is not a file: {path}. Pass a path to a .txt, .md or .html file.")
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SourceError(
            f"Unsupported source type {path.suffix or '(no extension)'!r}: {path}. "
            f"Use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    try:
        before = path.stat()
        size = before.st_size
        if size > max_bytes:
            raise SourceError(
                f"Source is too large: {size:,} bytes > {max_bytes:,} (AICITIES_MAX_SOURCE_BYTES): {path}"
            )
        data = path.read_bytes()
    except PermissionError as exc:
        raise SourceError(f"Source is not readable (permission denied): {path}") from exc
    except OSError as exc:
        raise SourceError(f"Source could not be read: {path}: {exc.strerror or exc}") from exc
    if b"\x00" in data:
        raise SourceError(f"Source looks binary (it contains NUL bytes), not text: {path}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"Source is not UTF-8 text (bad byte at position {exc.start}): {path}. Convert it to UTF-8."
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    document = read_text(text, kind)  # type: ignore[arg-type]
    if not document.text.strip():
        raise SourceError(f"Source is empty (no readable text): {path}")
    return LoadedSource(path=path, kind=kind, text=document.text, stat=_trusted_stat(path, before),
                        document=document)
