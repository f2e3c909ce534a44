"""What question understanding knows of one article: its ranked entries, their other names and its words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class ArticleTerms:
    """The article's names, for recognising them in questions.

    Attributes:
        entries: the ranked entries' names, in rank order.
        noun: what the article ranks ("city"), so "that city" can be resolved.
        noun_plural: its plural ("cities").
        aliases: other forms of a name (any language), from the profile folder: canonical -> forms.
        names: the other names the article mentions (organisations, products, places), as written.
        synonyms: everyday words mapped to the article's words, from the profile folder.
        translations: words of other languages mapped to the article's words, from the profile folder.
        vocabulary: folded words and stems the article uses.
        owners: a name (as in `names`) -> the ranked entries whose sections or table rows mention it.
        dated: a year -> the ranked entries whose sections or table rows mention it.
        cells: another name a ranking table's row gives its entry (an alternative-name cell) -> that entry.
        criterion: the lines that say what the ranking orders by (its title, the lines that open it and lead into
            the list), read for their superlatives ("the 50 longest-serving mayors").
    """

    entries: Sequence[str]
    noun: str = "entry"
    noun_plural: str = ""
    aliases: dict[str, list[str]] = field(default_factory=dict)
    names: Sequence[str] = ()
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    translations: dict[str, str] = field(default_factory=dict)
    vocabulary: Iterable[str] = ()
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    criterion: Sequence[str] = ()
    ranks: Sequence[int] = ()  # the entries' ranks, in the order of `entries` (default: 1, 2, 3 …)
    texts: Sequence[str] = ()  # the article's sentences, where a question's abbreviation is looked for
