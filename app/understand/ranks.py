"""Ranks in a question: the ranks it names, top-N and bottom-N, the direction of a relation ("above"), how many
places a relation spans, and the end of the ranking a superlative of the ranking's own criterion points to. The
words come from the shared lexicon (`ingest.core.lexicon`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

import numpy as np

from app.understand.article import ArticleTerms
from app.understand.parse import Degree, degrees
from ingest.core.lexicon import (
    ANALYTIC_DEGREES,
    BOTTOM_SUPERLATIVES,
    BOTTOM_WORDS,
    HIGHER_WORDS,
    LOWER_WORDS,
    MEASURE_AFTER,
    NUMBER_WORDS,
    RANK_NOUNS,
    RANK_PHRASES,
    TOP_WORDS,
    number_value,
    ordinal_value,
    rank_phrase_value,
)
from ingest.core.settings import default_of
from ingest.core.text import fold, stem

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"#\d{1,3}\b|\bno\.\s*\d{1,3}\b|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER_PATTERN = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")(?:st|nd|rd|th)?"
_RANK_STEMS = frozenset(stem(noun) for noun in RANK_NOUNS)
_RANGE = re.compile(rf"\b(?:places?|ranks?|positions?|spots?|numbers?|from)\s+{_NUMBER_PATTERN}\s*(?:through|thru|to|"
                    rf"until|-|–)\s*{_NUMBER_PATTERN}\b")


class RankReader:
    """Reads ranks and the ranking's criterion in a question.

    Args:
        article: the article's entries (their count is the last rank) and its criterion lines.
        embed_query: text -> embedding, to compare a question's superlative with the criterion's.
        criterion_similarity: a question's superlative is the ranking's criterion when it is at least this
            similar (cosine) to a superlative of the article's criterion lines.
    """

    def __init__(self, article: ArticleTerms, embed_query: Callable[[str], np.ndarray], *,
                 criterion_similarity: float = default_of("criterion_similarity")) -> None:
        self._article = article
        self._embed = embed_query
        self._criterion_similarity = criterion_similarity
        self._criteria: list[tuple[Degree, np.ndarray]] | None = None
        self.last = len(article.entries)  # the last rank

    def read_ranks(self, text: str) -> tuple[list[int], int | None, int | None, str | None]:
        """Ranks, top-N, bottom-N and the rank direction ("up"/"down"/"between") a question refers to."""
        folded = fold(text)
        ranks, top_n, bottom_n, direction = _read_tokens(_TOKEN.findall(folded))
        for match in _RANGE.finditer(folded):
            low, high = number_value(match.group(1)), number_value(match.group(2))
            if low and high and low < high <= max(self.last, high) and high - low < 50:
                ranks.extend(r for r in range(low, high + 1) if r not in ranks)
        ranks += [r for r in self._phrase_ranks(folded, top_n, bottom_n) if r not in ranks]
        return list(dict.fromkeys(ranks)), top_n, bottom_n, direction

    def _phrase_ranks(self, folded: str, top_n: int | None, bottom_n: int | None) -> list[int]:
        """The ranks the lexicon's rank phrases name ("runner-up", "last", "number one")."""
        out: list[int] = []
        for phrase in RANK_PHRASES:
            match = re.search(rf"(?<![a-z0-9-]){re.escape(phrase)}(?![a-z0-9-])", folded)
            if match is None:
                continue
            tail = folded[match.end():match.end() + 12]
            if phrase == "last" and re.match(r"\s+(year|month|week|decade|time|one|\d)", tail):
                continue
            value = rank_phrase_value(phrase, self.last)
            if (bottom_n and value == self.last) or (top_n and value == 1):
                continue  # "the three lowest ranked" is a bottom-3, not the last rank
            if value is not None and value not in out:
                out.append(value)
        return out

    def read_offset(self, text: str) -> int | None:
        """How many places a relation spans: "two spots below X" -> 2, "one place higher than X" -> 1."""
        tokens = _TOKEN.findall(fold(text))
        for i, token in enumerate(tokens[:-2]):
            value = number_value(token)
            if value and tokens[i + 1].rstrip("s") in RANK_NOUNS and \
                    tokens[i + 2] in HIGHER_WORDS | LOWER_WORDS | {"up", "down", "before"}:
                return value
        return None

    def criterion_end(self, degree: Degree) -> int | None:
        """The end of the ranking a superlative or comparative points to when it grades by the ranking's own
        criterion (1, or the last rank for the opposite degree: "least visited" of a "most visited" list); None
        when it grades something else ("the most AI startups" of a ranking of the top AI cities).

        Words that grade the ranking itself ("best", "worst", "highest") said of the ranked things need no
        criterion; any other degree must be close in meaning to a superlative of the article's criterion lines.
        """
        if not self.last:
            return None
        if degree.of_entry and degree.word in TOP_WORDS | BOTTOM_WORDS:
            return self.last if degree.word in BOTTOM_WORDS else 1
        criteria = self._criterion_degrees()
        if not criteria:
            return None
        vectors = [_unit(self._embed(form)) for form in _graded_forms(degree.quality, degree.word)]
        score, best = max(((float(u @ v), d) for d, v in criteria for u in vectors), key=lambda x: x[0])
        logger.debug("degree %r vs criterion %r: %.2f", degree.quality, best.graded, score)
        if score < self._criterion_similarity:
            return None
        opposite = (degree.word in BOTTOM_SUPERLATIVES) != (best.word in BOTTOM_SUPERLATIVES)
        return self.last if opposite else 1

    def _criterion_degrees(self) -> list[tuple[Degree, np.ndarray]]:
        """The superlatives of the article's criterion lines, with their embeddings (computed once)."""
        if self._criteria is None:
            nouns = frozenset({self._article.noun.lower(), self._noun_plural()})
            found = [d for line in self._article.criterion for d in degrees(line, nouns)]
            unique = list({d.graded.lower(): d for d in found}.values())
            self._criteria = [(d, _unit(self._embed(form))) for d in unique for form in _graded_forms(d.graded, d.word)]
        return self._criteria

    def _noun_plural(self) -> str:
        noun = self._article.noun.lower()
        return self._article.noun_plural.lower() if self._article.noun_plural else noun + "s"


def _read_tokens(tokens: list[str]) -> tuple[list[int], int | None, int | None, str | None]:
    """Ranks, top-N, bottom-N and direction read token by token ("top 5", "5 best", "3rd", "rank 4", "above")."""
    ranks: list[int] = []
    counts: dict[str, int] = {}
    direction = None
    for i, token in enumerate(tokens):
        counted = _count_at(tokens, i)
        if counted is not None:
            counts[counted[0]] = counted[1]
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        after_value = number_value(after) if after else None
        following = tokens[i + 2] if i + 2 < len(tokens) else ""
        rank = ordinal_value(token) if "-" not in token else _ranked_compound(token)
        if rank is not None and not (after_value and token in TOP_WORDS | BOTTOM_WORDS):
            if not (after_value and after not in MEASURE_AFTER and rank and token.isalpha() and after.isalpha()):
                ranks.append(rank)
            continue
        if token in RANK_NOUNS and after_value and following not in MEASURE_AFTER and \
                following.rstrip("s") not in RANK_NOUNS:  # "ranked one place higher" is an offset, no rank
            ranks.append(after_value)
        direction = _direction(token, direction)
    return ranks, counts.get("top"), counts.get("bottom"), direction


def _ranked_compound(token: str) -> int | None:
    """The rank of an ordinal joined to a word of placing ("5th-placed", "third-ranked", "2nd-place"): the
    second part is a rank noun or made from one."""
    first, _, rest = token.partition("-")
    rank = ordinal_value(first)
    return rank if rank is not None and stem(rest) in _RANK_STEMS else None


def _count_at(tokens: list[str], i: int) -> tuple[str, int] | None:
    """("top", N) or ("bottom", N) when the token at `i` opens a top-N or bottom-N ("top 5", "5 best")."""
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    after_value = number_value(after) if after else None
    measured = (tokens[i + 2] if i + 2 < len(tokens) else "") in MEASURE_AFTER
    if after_value and not measured and token in TOP_WORDS | BOTTOM_WORDS:
        return ("top" if token in TOP_WORDS else "bottom"), after_value
    value = number_value(token)
    rank_noun_before = i > 0 and tokens[i - 1] in RANK_NOUNS
    if value and after in TOP_WORDS and not measured and not rank_noun_before:
        return "top", value
    if value and after in BOTTOM_WORDS and not rank_noun_before:
        return "bottom", value
    return None


def _direction(token: str, direction: str | None) -> str | None:
    """The direction a token gives a relation: "up" (higher), "down" (lower) or "between"; the first one stays."""
    if token in HIGHER_WORDS:
        return direction or "up"
    if token in LOWER_WORDS:
        return direction or "down"
    return "between" if token == "between" else direction


def _graded_forms(quality: str, word: str) -> list[str]:
    """A graded phrase, and without its degree adverb when the degree is analytic ("least visited" ->
    "visited"): the adjective alone carries the quality, whichever end of it is asked for."""
    rest = quality.split(" ", 1)[1] if word in ANALYTIC_DEGREES and " " in quality else ""
    return [quality, rest] if rest else [quality]


def _unit(vector: Iterable[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array
