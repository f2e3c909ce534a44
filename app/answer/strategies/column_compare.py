"""Two or more named entries compared by a value of a ranking table's column: "Is Saltmere Spire taller than
Harbour One?", "Which has more floors, X or Y?", "Was X completed earlier than Y?". The column is the one the
comparative names ("floors") or means ("taller" -> "Height"); for an earlier or later date, the one date column.
A yes/no question is answered for the entry it names first."""

from __future__ import annotations

from app.answer.draft import Citable, Draft, name_list
from app.answer.evidence import Evidence
from app.answer.strategies.selection import ColumnFilter, _header_named
from app.knowledge import Cell, RankEntry
from app.retrieval import Retrieval
from app.understand.intent import Extreme, Intent
from ingest.core.lexicon import ordinal


class ColumnCompare(ColumnFilter):
    """Named entries side by side on the column their comparative is about."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence)
        self._compared: dict[Extreme, tuple[Extreme, str, bool] | None] = {}

    def compared_column(self, intent: Intent) -> tuple[Extreme, str, bool] | None:
        """The comparative, the column it is about and whether that column holds dates; None when the question
        compares no named entries by a column. Found once per comparative: routing and the answer both ask."""
        asked = intent.comparative
        if asked is None or len(intent.entries) < 2 or not any(e.cells for e in self.kb.ranking):
            return None
        if asked not in self._compared:
            if len(self._compared) > 512:
                self._compared.clear()
            self._compared[asked] = self._compared_column(asked)
        return self._compared[asked]

    def _compared_column(self, asked: Extreme) -> tuple[Extreme, str, bool] | None:
        numbers, dates = self._columns(False), self._columns(True)
        if asked.earliest or not asked.words:
            header = next(iter(dates), None) if len(dates) == 1 else None
            return (asked, header, True) if header else None
        header = _header_named(list(numbers), asked.words) or self._header_meant(list(numbers), asked.words)
        return (asked, header, False) if header else None

    def answer(self, intent: Intent, retrieval: Retrieval) -> Draft | None:
        found = self.compared_column(intent)
        if found is None:
            return None
        asked, header, dates = found
        column = self._columns(dates)[header]
        by_name = {entry.name: (entry, cell, value) for entry, cell, value in column}
        rows = [by_name.get(name) for name in intent.entries]
        if any(row is None for row in rows):
            return None  # a named entry has no value in that column
        named = [row for row in rows if row is not None]
        ordered = sorted(named, key=lambda row: row[2], reverse=not asked.lowest)
        first, *rest = ordered
        if first[2] == ordered[-1][2]:
            lead = "No. " if intent.polar else ""
            draft = Draft()
            draft.say(f"{lead}{name_list([row[0].name for row in named])} have the same {header}: {first[1].text}.",
                      *[self._row(row[0]) for row in named])
            return draft
        word = self._direction_word(asked, dates)
        lead = ("Yes. " if named[0][0] is first[0] else "No. ") if intent.polar else ""
        others = name_list([f"{self._value(cell)} for {entry.name}" for entry, cell, _ in rest])
        draft = Draft()
        draft.say(f"{lead}{first[0].name} ({ordinal(first[0].rank)}) has the {word} {header}: "
                  f"{self._value(first[1])}, against {others}.", *[self._row(row[0]) for row in ordered])
        return draft

    @staticmethod
    def _direction_word(asked: Extreme, dates: bool) -> str:
        if dates:
            return "earlier" if asked.earliest else "later"
        return "lower" if asked.lowest else "higher"

    @staticmethod
    def _value(cell: Cell) -> str:
        return cell.text.strip()

    def _row(self, entry: RankEntry) -> Citable:
        return self.kb.row_of(entry) or entry
