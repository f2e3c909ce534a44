"""Ranking vocabulary shared by ingest and app: number words, ordinals, place labels and ranking cues.

Data only, plus one lookup (`rank_value`). Nothing here is about one article: these are the words any
English ranking article uses to say where an entry stands.
"""

from __future__ import annotations

import re

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}

ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}

ORDINAL_SUFFIXED: dict[str, int] = {
    f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}": n
    for n in range(1, 21)
}
"""'1st' .. '20th'."""

PLACE_LABELS: dict[str, int] = {
    "winner": 1, "overall winner": 1, "champion": 1, "gold": 1, "gold medal": 1,
    "runner up": 2, "runner-up": 2, "first runner up": 2, "first runner-up": 2, "silver": 2,
    "second runner up": 3, "second runner-up": 3, "bronze": 3,
}
"""Labels that name a place without a number word."""

PLACE_NOUNS: tuple[str, ...] = ("place", "position", "spot", "rank", "ranked", "pick")
"""Words that may follow an ordinal in a label: "Second place", "3rd spot"."""

TOP_WORDS: tuple[str, ...] = ("top", "no.", "no", "number", "nr.", "rank", "#")
"""Words that may come before a number in a label: "Top ten:", "No. 3:", "Rank 4 -"."""

RANKING_CUES: frozenset[str] = frozenset(
    """top best worst leading greatest biggest largest smallest most least highest lowest fastest richest
    finest favourite favorite favourites favorites ranking rankings ranked rank ranks countdown""".split()
)
"""Title words that say the article is a ranking (with numbers and superlatives)."""

GENERIC_SECTION_NAMES: frozenset[str] = frozenset(
    """abstract introduction overview background summary conclusion conclusions discussion results
    methods method methodology references bibliography appendix acknowledgements acknowledgments faq
    contents preface foreword notes""".split()
)
"""Names of document sections: a numbered list of these is an outline, not a ranking."""

NON_ENTRY_NOUNS: frozenset[str] = frozenset(
    """ranking rankings list lists guide guides review reviews edition update overview analysis report
    year years time times world roundup countdown pick picks thing things option options results standings""".split()
)
"""Nouns a title uses about itself, never the ranked thing ("The Complete Ranking", "Our 2025 List")."""

_SUFFIXED = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$")


def rank_value(word: str) -> int | None:
    """The number a rank word stands for: '3', 'three', 'third', '3rd', 'winner' -> 3, 3, 3, 3, 1.

    Returns None for anything else. Case and surrounding spaces are ignored.
    """
    key = " ".join(word.lower().replace("’", "'").split())
    if key.isdigit():
        return int(key)
    suffixed = _SUFFIXED.match(key)
    if suffixed:
        return int(suffixed.group(1))
    for table in (NUMBER_WORDS, ORDINAL_WORDS, PLACE_LABELS):
        if key in table:
            return table[key]
    return None
