"""An answer under construction: text parts with [n] citation markers and the citations behind them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from ingest.core.models import AnswerMode, Citation


class Citable(Protocol):
    """Anything that can be cited: an article sentence or a ranking row."""

    def citation(self, marker: int) -> Citation: ...


@dataclass
class Draft:
    """Text pieces with citation markers, and the citations behind them, in marker order."""

    parts: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    mode: AnswerMode = "extractive"
    notice: str | None = None
    dropped: int = 0
    route: str = ""  # the route (or the check before routing) that produced it

    def cite(self, source: Citable) -> int:
        """Add (or reuse) a citation and return its marker number."""
        probe = source.citation(0)
        for c in self.citations:
            if (c.start, c.end) == (probe.start, probe.end):
                return c.marker
        citation = source.citation(len(self.citations) + 1)
        self.citations.append(citation)
        return citation.marker

    def say(self, text: str, *sources: Citable) -> None:
        """Add one line, cited by `sources`."""
        markers = "".join(f"[{self.cite(s)}]" for s in sources)
        self.parts.append(f"{text} {markers}".rstrip())

    def note(self, text: str) -> None:
        """Add a line that states no fact of the article (a lead-in such as "In order:")."""
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.parts)

    @property
    def empty(self) -> bool:
        return not self.citations and not self.abstained


def abstention(message: str) -> Draft:
    """A plain "the article doesn't say" reply: no citations are offered as support."""
    return Draft(parts=[message], abstained=True, mode="abstain")


def joined(first: Draft, then: Draft) -> Draft:
    """Two drafts one after the other, the second one's citations renumbered after the first one's."""
    out = Draft(parts=list(first.parts), citations=list(first.citations), mode=then.mode, notice=then.notice,
                abstained=first.abstained and then.abstained, route=then.route or first.route)
    shift = {}
    for c in then.citations:
        existing = next((e for e in out.citations if (e.start, e.end) == (c.start, c.end)), None)
        if existing is None:
            existing = c.model_copy(update={"marker": len(out.citations) + 1})
            out.citations.append(existing)
        shift[c.marker] = existing.marker
    for part in then.parts:
        renumbered = re.sub(r"\[(\d+)\]", lambda m: f"[{shift.get(int(m.group(1)), int(m.group(1)))}]", part)
        if renumbered not in out.parts:  # a sentence both answers quote is said once
            out.parts.append(renumbered)
    return out


def growing_text(text: str) -> Iterator[str]:
    """The text as it forms, a word at a time: each prefix ends after a word and its trailing space."""
    shown = ""
    for piece in re.findall(r"\S+\s*", text):
        shown += piece
        yield shown


def name_list(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"; "A, X; B, Y and C" when a name has a comma of its own."""
    if len(names) <= 1:
        return "".join(names)
    separator = "; " if any("," in n for n in names) else ", "
    return separator.join(names[:-1]) + " and " + names[-1]
