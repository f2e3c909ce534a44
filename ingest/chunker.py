"""Turn a parsed `Article` into chunks: one per bullet, one per table row, plus title, intro and methodology.

Each chunk is embedded with its heading path as context ("4. Fedora (rank 4) › Community: …"),
which measured better than whole sections for MiniLM, and carries the metadata the app routes on. A table row
is one chunk, its text the row verbatim, embedded with its column headers ("… (rank 4): Magnitude: 9.1; …"),
so a row is found and quoted whole rather than cell by cell.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ingest.parser import entry_name
from ingest.structure import Article, Bullet, Section, Span

# 4: profile stored with the index; 5: sentences and entities per chunk; 6: "$" kept; 7: table rows cited by their
# name cell as written, letter-coded entries ("A01:2021 – …"), titles of HTML list items on their own line;
# 8: a table row is one "row" chunk, not one chunk per cell; 9: common words the article also writes in lower
# case are no entities; 10: an entity widened over the proper nouns before it; 11: emphasis dropped from cited
# section names, entries of the shape "3. **Name**—text"; 12: a table row's cells (header, offsets) stored in the
# structure; 13: entities found in the text with its markdown markers blanked, emphasised names added
CHUNKER_VERSION = "14"


@cache
def reader_version() -> str:
    """The version of the code that reads an article into chunks, as an index records it: `CHUNKER_VERSION` and a
    fingerprint of the ingest package's code and data files, so that an index built by other reading code (a
    parser that now reads a shape it missed) is rebuilt without anyone having to remember to bump a number."""
    return f"{CHUNKER_VERSION}+{code_fingerprint(Path(__file__).resolve().parent)}"


def code_fingerprint(folder: Path) -> str:
    """A hash of the names and contents of the code and data files (.py, .yaml) under `folder`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


INTRO_SECTION = "Introduction"
NOTES_SECTION = "Notes"
METHODOLOGY_SECTION = "Methodology"
TITLE_SECTION = "Title"
ROW_KIND = "row"
_MAX_CHARS = 1200
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of the article: `text` is verbatim source, `embed_text` adds its heading path."""

    id: str
    text: str
    embed_text: str
    kind: str
    section: str
    topic: str | None
    rank: int | None
    city: str | None
    start: int
    end: int
    section_start: int
    section_end: int
    annotations: str = ""

    def metadata(self, source_hash: str) -> dict[str, Any]:
        """Chroma metadata (no None values allowed there: empty string and 0 stand for none). "name" is the
        entry's name; "city" is its former key, kept while the app moves over."""
        return {
            "kind": self.kind,
            "section": self.section,
            "topic": self.topic or "",
            "rank": self.rank or 0,
            "city": self.city or "",
            "name": self.city or "",
            "start": self.start,
            "end": self.end,
            "section_start": self.section_start,
            "section_end": self.section_end,
            "source_hash": source_hash,
            "annotations": self.annotations,
        }


def chunk_id(kind: str, start: int, end: int, text: str) -> str:
    """Deterministic id: the same text at the same place always gets the same id."""
    digest = hashlib.sha1(f"{kind}:{start}:{end}:{text}".encode()).hexdigest()[:16]
    return f"{kind}-{start}-{end}-{digest}"


def _pieces(span: Span) -> list[Span]:
    """Split a long span at paragraph breaks, then at sentence ends, so no chunk exceeds _MAX_CHARS."""
    if len(span.text) <= _MAX_CHARS:
        return [span]
    out: list[Span] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", span.text):
        start = span.start + para.start()
        text = para.group()
        while len(text) > _MAX_CHARS:
            cut = max(text.rfind(". ", 0, _MAX_CHARS), text.rfind("\n", 0, _MAX_CHARS))
            cut = cut + 1 if cut > 0 else _MAX_CHARS
            out.append(Span(text[:cut], start, start + cut))
            rest = text[cut:]
            lead = len(rest) - len(rest.lstrip())
            start, text = start + cut + lead, rest.lstrip()
        if text.strip():
            out.append(Span(text, start, start + len(text)))
    return out


def section_label(article: Article, section: Section) -> str:
    """The name a section is cited by: its title, a table row's rank and name cell ("9. Ahoy Matey!"), or for
    untitled prose "Introduction" before the first entry and "Notes" after it (e.g. a remark under a table)."""
    if section.title.text:
        if section.rank is not None and section.name and section.row is not None:
            return f"{section.rank}. {_name_cell(section)}"  # a table row is cited by rank and name, not its cells
        return _EMPHASIS.sub(r"\2", section.title.text)  # "5. **Name**" is cited as "5. Name"
    first_entry = min((s.start for s in article.sections if s.rank is not None), default=None)
    return NOTES_SECTION if first_entry is not None and section.start > first_entry else INTRO_SECTION


def _name_cell(section: Section) -> str:
    """The cell of a table row its entry name was read from, as written less emphasis: the name keeps what
    a heading's name would lose ("Ahoy Matey!", not "Ahoy Matey"), since a cell holds a name, not a sentence."""
    for cell in section.title.text.split("\t"):
        cell = cell.strip().strip("*_").strip()
        if cell and entry_name(cell) == section.name:
            return cell
    return section.name or ""


def _cells_text(cells: list[Bullet], piece: Span) -> str:
    """What a table row's piece says, cell by cell with its column header: "Mag: 9.5; Date (UTC): 1960-05-22"."""
    inside = [c for c in cells if piece.start <= c.start and c.end <= piece.end]
    return "; ".join(f"{c.topic}: {c.body.text}" if c.topic else c.body.text for c in inside) or piece.text


def chunk_article(article: Article) -> list[Chunk]:
    """Build the chunks of an article, in document order.

    Args:
        article: the parsed article.

    Returns:
        Chunks whose `text` equals `article.source_text[start:end]`.
    """
    title = article.title.text if article.title else ""
    chunks: list[Chunk] = []
    used: set[str] = set()

    def add(kind: str, span: Span, section: str, context: str, topic: str | None = None,
            rank: int | None = None, city: str | None = None, bounds: tuple[int, int] | None = None,
            cells: list[Bullet] | None = None) -> None:
        lo, hi = bounds or (span.start, span.end)
        for piece in _pieces(span):
            label = f"{context} › {topic}: " if topic else f"{context}: "
            body = _cells_text(cells, piece) if cells else piece.text
            ident = chunk_id(kind, piece.start, piece.end, piece.text)
            if ident in used:
                # one sentence under two entries (a prose ranking's "X came 3rd, followed by Y"): one chunk each
                ident = f"{ident}-{sum(1 for u in used if u.startswith(ident))}"
            used.add(ident)
            chunks.append(Chunk(ident, piece.text, label + body, kind, section, topic, rank, city,
                                piece.start, piece.end, lo, hi))

    if article.title:
        add("title", article.title, TITLE_SECTION, "Article title")
    if article.intro:
        add("intro", article.intro, INTRO_SECTION, f"{title} › Introduction" if title else "Introduction")
    for section in article.sections:
        name = section_label(article, section)
        context = f"{name} (rank {section.rank})" if section.rank else name
        bounds = (section.start, section.end)
        if section.row is not None:
            add(ROW_KIND, section.row, name, context, None, section.rank, section.name, bounds, section.bullets)
            continue
        for bullet in section.bullets:
            add("bullet", bullet.body, name, context, bullet.topic, section.rank, section.name, bounds)
    if article.methodology:
        add("methodology", article.methodology, METHODOLOGY_SECTION, "Methodology")
    return chunks
