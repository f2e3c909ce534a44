"""Small text utilities shared by retrieval and answering: tokens, light stems, sentences, numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "dr.", "st.", "inc.", "co.", "ltd.", "no.", "u.s.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“'(\[]?[A-Z0-9$])")

STOPWORDS = frozenset(
    """a an the and or of to in on at by for from with about as into over under than then that this
        these those is are was were be been being am do does did doing have has had having it its it's
        they them their there here what which who whom whose when where why how whats whos wheres hows
        can could should would will shall may might must not no yes i me my we our you your he she his
        her us any some all each every more most much many very so such just also only own same too s t
        don doesn didn isn aren wasn weren tell say says said show explain describe list name give
        mention mentions mentioned mentioning please article articles text piece page report post
        according accord story writer author know let lets want like one ones get gets got make makes
        made thing things kind way ways does anything something run runs running operate operates live
        lives living offer offers offered provide provides use uses used using has play plays work works
        located locate situated home find happen happens happened become becomes go goes come comes take
        takes give gives see seen help helps bring keep seem look looks want need needs known called
        currently today now really actually exactly specifically anyone someone
    roughly approximately approx around besides apart anyway example examples instance big biggest large
    largest major main mainly primarily particular particularly notable notably wide wider broad overall
    various different certain specific type sort among within across else other another etc put together
    role part stuff generally basically quite still even already ever best-known well-known link linked
    links tie tied ties connect connected connection connects associate associated relate related relation
    cite cited cites name named feature featured features bring brings hold holds round question
    if i'm im i've i'd i'll you're we're they're that's what's who's whether unless whereas yet""".split()
)


def fold(text: str) -> str:
    """Lowercase, NFKC-normalise, and unify curly quotes and dashes, for matching only."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a folded word, so "reduce", "reduces" and "reduced" all match."""
    return _STEMMER.stemWord(word.removesuffix("'s"))


def words(text: str) -> list[str]:
    """Folded word tokens of a text."""
    return _WORD.findall(fold(text))


def terms(text: str, split_hyphens: bool = False) -> list[str]:
    """Stemmed content terms (no stopwords) of a text.

    Args:
        text: any text.
        split_hyphens: also count the parts of hyphenated words, so article text with "energy-efficient"
            matches a question about "energy" (questions keep compounds like "runner-up" whole).
    """
    out: list[str] = []
    for word in words(text):
        if word.removesuffix("'s") in STOPWORDS:
            continue
        out.append(stem(_american(word)))
        if split_hyphens and "-" in word:
            out += [stem(_american(part)) for part in word.split("-") if part and part not in STOPWORDS]
    return out


def _american(word: str) -> str:
    """British -isation/-ised/-ising spellings matched as the American -ization/-ized/-izing."""
    return re.sub(r"is(ation|ations|ed|ing|es|e)$", r"iz\1", word) if len(word) > 6 else word


def split_sentences(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence in `text`, shifted by `offset`; abbreviations don't split."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].lower()
        if before.endswith(ABBREVIATIONS):
            continue
        end = match.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            yield offset + start, offset + end
        start = match.end()
    end = len(text.rstrip())
    if end > start:
        yield offset + start, offset + end


SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
          "billion": 1e9, "t": 1e12, "trillion": 1e12}
NUMBER = re.compile(
    r"(?<![A-Za-z0-9-])(?:(?:over|up to|about|around|nearly|almost|more than|less than|roughly)\s+)?"
    r"(?:US\$|\$|¥|RMB\s?)?\s?\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|(?:k|m|mn|b|bn|t)\b|thousand\b|million\b|"
    r"billion\b|trillion\b)?",
    re.I,
)


def number_values(text: str) -> set[float]:
    """Numeric values mentioned in a text, with scale words applied: "$2.8M" and "2.8 million" -> 2.8e6."""
    values: set[float] = set()
    for match in re.finditer(r"(\d[\d,]*(?:\.\d+)?)\s?(k|m|mn|b|bn|t|thousand|million|billion|trillion)?\b",
                             fold(text)):
        try:
            value = float(match.group(1).replace(",", ""))
        except ValueError:
            continue
        values.add(value * SCALE.get(match.group(2) or "", 1.0))
    return values



_CELL_NUMBER = re.compile(r"[^\w\s-]{0,3}\s*(-?\d[\d,\u202f\u00a0]*(?:\.\d+)?)\s*"
                          r"(%|[KMBT]\b|bn\b|mn\b|thousand\b|million\b|billion\b|trillion\b|[a-z]{1,3}\b)?\.?")


def cell_number(text: str) -> float | None:
    """The value of a text that is one number, as a table cell gives it: "1,204", "-3.5", "96%", "$2.8M" (2.8e6),
    "4.5 km" (4.5: a lower-case unit is no scale), "12 bn". None for anything else ("n/a", "3 of 5", "1999–2004")."""
    match = _CELL_NUMBER.fullmatch(text.strip())
    if not match:
        return None
    value = float(re.sub(r"[,\u202f\u00a0]", "", match.group(1)))
    suffix = match.group(2) or ""
    scaled = suffix[:1].isupper() or (len(suffix) > 1 and suffix in SCALE)
    return value * SCALE.get(suffix.lower(), 1.0) if scaled else value


# Markdown inline markup, found by shape (no markdown library maps inline markers back to character offsets).
# Strong emphasis marks ("**", "__") at a word edge are markup even when unpaired: a chunk or sentence may begin
# after the opening mark ("Name** is a podcast"). A single "*" or "_" is markup only as a pair around words
# ("*really*"), or as the closer of a span whose opener the text begins after; never inside a word ("snake_case")
# nor between spaces ("5 * 3").
_STRONG_MARK = re.compile(r"(?:\*\*\*?|___?)(?=[^\s*_])|(?<=[^\s*_])(?:\*\*\*?|___?)")
_SINGLE_PAIR = re.compile(r"(?<![\w*])\*(?=[^\s*])(?:[^*\n]*?[^\s*])?\*(?![\w*])"
                          r"|(?<![\w_])_(?=[^\s_])(?:[^_\n]*?[^\s_])?_(?![\w_])")
_SINGLE_CLOSER = re.compile(r"[^\W_][^*_\n]{0,80}?(?<=[^\s*_])([*_])(?![\w*_])")
_CODE_MARK = re.compile(r"`+")
_LINK = re.compile(r"(!?\[)(?=[^\]\n]*[^\s\]\d])[^\]\n]*"  # "[1][2]" (citation markers) is no link
                   r"(\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)|\]\[[^\]\n]*\])")


def blank_markup(text: str) -> str:
    """`text` with markdown's inline markers (emphasis marks, backticks, a link's brackets and target) replaced
    by spaces, so that every character offset still points at the same place of the source:
    "**Acme Corp** is [a maker](http://x.io)." -> "  Acme Corp   is  a maker               ."."""
    blank = list(text)

    def spaces(start: int, end: int) -> None:
        blank[start:end] = " " * (end - start)

    for match in _LINK.finditer(text):
        spaces(match.start(1), match.end(1))
        spaces(match.start(2), match.end(2))
    for match in _CODE_MARK.finditer(text):
        spaces(match.start(), match.end())
    for match in _STRONG_MARK.finditer(text):
        spaces(match.start(), match.end())
    for match in _SINGLE_PAIR.finditer("".join(blank)):
        spaces(match.start(), match.start() + 1)
        spaces(match.end() - 1, match.end())
    partial = "".join(blank)
    lead = len(partial) - len(partial.lstrip())
    closer = _SINGLE_CLOSER.match(partial, lead)
    if closer:
        spaces(closer.start(1), closer.end(1))
    return "".join(blank)


def unmarked(text: str) -> str:
    """`text` as a reader should see it: markdown's inline markers dropped (`blank_markup`), and the spaces they
    leave folded into the text's own ("**Acme** is [here](x.io)." -> "Acme is here.")."""
    blanked = blank_markup(text)
    if blanked == text:
        return text
    kept = "".join(c for c, b in zip(text, blanked, strict=True) if c == b or c.isspace())
    return re.sub(r"(?<=\S)[ \t]+(?=[.,;:!?)\]])", "", re.sub(r"(?<=\S) {2,}(?=\S)", " ", kept)).strip(" \t")
