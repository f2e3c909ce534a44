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
    """One bullet (or paragraph) of a section: an optional topic label and its body text."""

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
    """A titled part of the article; ranked sections carry their rank and city."""

    title: Span
    bullets: list[Bullet]
    rank: int | None = None
    city: str | None = None
    end: int = 0

    @property
    def start(self) -> int:
        return self.title.start


@dataclass
class Article:
    """The article as parsed: what will be indexed, and what was left out as page boilerplate."""

    source_text: str
    title: Span | None = None
    intro: Span | None = None
    sections: list[Section] = field(default_factory=list)
    methodology: Span | None = None
    boilerplate: list[Span] = field(default_factory=list)

    @property
    def ranked(self) -> list[Section]:
        """Ranked sections, in rank order."""
        return sorted((s for s in self.sections if s.rank is not None), key=lambda s: s.rank or 0)

    @property
    def has_ranking(self) -> bool:
        return bool(self.ranked)
