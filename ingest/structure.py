"""Typed structure of a parsed article: ranked sections, bullets, trends, with offsets into the source text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A verbatim piece of the source text: `text == source[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Bullet:
    """One bullet (or paragraph, or table cell) of a section: an optional topic label and its body text."""

    topic: str | None
    body: Span

    @property
    def start(self) -> int:
        return self.body.start

    @property
    def end(self) -> int:
        return self.body.end


@dataclass(frozen=True)
class Section:
    """A titled part of the article; ranked sections (entries) carry their rank and entry name.

    `title` is the heading as written (without markdown `#` markers), e.g. "1. Lisbon"; `name` is the
    entry's name: the heading without its rank marker, subtitle, parenthesis and trailing punctuation.
    `row` is set when the entry is a row of a table: the row verbatim, from its first to its last non-empty
    cell (its other cells are also its bullets, topic = column header).
    """

    title: Span
    bullets: list[Bullet]
    rank: int | None = None
    name: str | None = None
    end: int = 0
    row: Span | None = None

    @property
    def start(self) -> int:
        return self.title.start

    @property
    def city(self) -> str | None:
        """Former name of `name`, kept while callers move over."""
        return self.name


@dataclass
class Article:
    """The article as parsed: what will be indexed, and what was left out as page boilerplate."""

    source_text: str
    title: Span | None = None
    intro: Span | None = None
    sections: list[Section] = field(default_factory=list)
    methodology: Span | None = None
    boilerplate: list[Span] = field(default_factory=list)
    emphasis: list[Span] = field(default_factory=list)
    """Text the source set in bold or italics (names often are); markup itself never reaches `source_text`."""

    @property
    def ranked(self) -> list[Section]:
        """Ranked sections, in rank order (whatever their order in the document)."""
        return sorted((s for s in self.sections if s.rank is not None), key=lambda s: s.rank or 0)

    @property
    def has_ranking(self) -> bool:
        return bool(self.ranked)

    @property
    def order(self) -> str:
        """How the document lists its entries: "ascending" (1 first), "descending" (a countdown), "mixed" or
        "none" (no ranking)."""
        ranks = [s.rank for s in self.sections if s.rank is not None]
        if len(ranks) < 2:
            return "ascending" if ranks else "none"
        if ranks == sorted(ranks):
            return "ascending"
        if ranks == sorted(ranks, reverse=True):
            return "descending"
        return "mixed"
