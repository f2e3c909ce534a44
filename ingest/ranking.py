"""Ranking detection: one general algorithm over a `Document`'s blocks.

Candidates are runs of blocks of one kind that carry a rank: items of ordered lists (the number the list shows),
headings, paragraphs or terms whose text opens with a rank ("7.", "#7", "No. 7:", "7)", "Seventh:", "A07:2021 –"),
a heading that is only a rank ("#13") standing before or after the entry it labels, table rows (a rank column, or
the row order under a title that announces a count), and sibling headings or list items in the order a title
that announces a ranking gives them. Each candidate is scored: how many consecutive ranks it covers (ascending,
descending, ties allowed), whether it agrees with a count the title or intro announces ("Top 25", ranks 26–50 of
a top 50), and whether the entries have content under them; the best one is the ranking. When no structure
carries a ranking, sentences that give a named thing a rank are read with spaCy (`ingest/prose_ranks.py`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from ingest.core.lexicon import (
    GENERIC_SECTION_NAMES,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PLACE_LABELS,
    PLACE_NOUNS,
    RANKING_CUES,
    rank_value,
)
from ingest.core.text import cell_number
from ingest.document import Block, Document

_ORDINAL_SUFFIX = r"(?:st|nd|rd|th)?"
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_ORDINAL_WORD = "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
_PLACE_LABEL = "|".join(sorted(map(re.escape, PLACE_LABELS), key=len, reverse=True))
_SEPARATOR = r"(?:\s*[.):|]\s*|\s+[-–—]\s*|\s+(?=\S)|\s*$)"
_PLACE_NOUN = "|".join(sorted({*PLACE_NOUNS, "prize"} - {"rank", "ranked"}, key=len, reverse=True))
# What a place may carry in parentheses before its name: a prize or a score ("($500)", "(400 € & a licence)")
_PRIZE = r"(?:\s*\([^()\n]{1,60}\))?"
# A rank at the start of a block's text, in the forms ranking articles write it; the style names the form.
_RANK_PREFIXES: list[tuple[str, re.Pattern[str]]] = [
    ("code", re.compile(r"(?:Rank\s+)?(?P<prefix>[A-Z]{1,2})(?P<num>\d{1,3})(?::\d{2,4})?(?=\s*[:.)\-–—|]|\s)"
                        + _SEPARATOR)),
    ("hash", re.compile(r"#\s?(?P<num>\d{1,3})\b" + _SEPARATOR)),
    ("no", re.compile(r"(?:No|Nr|Number|№|Rank|Ranked)\.?\s*(?P<num>\d{1,3}|" + _NUMBER_WORD + r")\b" + _SEPARATOR,
                      re.I)),
    # "Top ten: Name" labels a place; "Top 10 Robot Towns" announces a count, so a separator must follow
    ("no", re.compile(r"Top\s*(?P<num>\d{1,3}|" + _NUMBER_WORD + r")\b(?:\s*[.):|]\s*|\s+[-–—]\s*)", re.I)),
    # "third place ($200): Name", "2nd (400 €) - Name", "second prize": a place, its prize or score in parentheses
    ("place", re.compile(r"(?P<num>\d{1,3})(?:st|nd|rd|th)(?:\s+(?:" + _PLACE_NOUN + r"))?" + _PRIZE
                         + r"(?:\s*[.):|]\s*|\s+[-–—]\s*|\s*$)", re.I)),
    ("num", re.compile(r"\(?(?P<num>\d{1,3})" + _ORDINAL_SUFFIX + r"(?:\s*\(tie\)|\s*\(tied\))?"
                       r"(?:\s*[.):|]\s*|\s+[-–—]\s*|\s*$)")),
    ("tie", re.compile(r"(?:T|=|T-)(?P<num>\d{1,3})\b" + _SEPARATOR)),
    ("ordinal", re.compile(r"(?:The\s+)?(?P<num>" + _ORDINAL_WORD + r"|" + _PLACE_LABEL + r")"
                           r"(?:\s+(?:" + _PLACE_NOUN + r"))?" + _PRIZE + r"\s*(?:[.):|]\s*|\s+[-–—]\s*|\s*$)",
                           re.I)),
]
_TIE_MARK = re.compile(r"\(\s*(?:tie|tied|ex aequo|=)\s*\)|\btied\b", re.I)
_NUMBER_SET_APART = re.compile(r"\s*(?:#|No\.?\s*)?(\d{1,3})\s*[.):]?\s*")
_TIE_AFTER_RANK = re.compile(r"\(\s*(?:tie|tied|=)\s*\)\s*(?:[.):|]\s*|[-–—]\s*)?", re.I)
_NUMBER_THEN_SEPARATOR = re.compile(r"\(?\d{1,3}" + _ORDINAL_SUFFIX + r"(?:\s*\(tied?\))?\s*[.):|—–-]")
_COUNT_IN_TITLE = re.compile(r"\b(?:top|best|worst|greatest|biggest|largest|leading)\s+(?P<n>\d{1,3}|" + _NUMBER_WORD
                             + r")\b|\b(?P<m>\d{1,3}|" + _NUMBER_WORD + r")\s+(?:best|top|greatest|biggest|largest|"
                             r"most|worst|leading|favou?rite|essential|must)\b|\b(?P<k>\d{1,3})\s+\w+", re.I)
_RANGE = re.compile(r"\b(?P<a>\d{1,3})\s*(?:-|–|—|to|through)\s*(?P<b>\d{1,3})\b")
WORDS_IN_NAME = 12  # the most words a name has; more are a sentence (or a byline's limit)
ENDS_SENTENCE = re.compile(r"[.!?…。！？]\s*[\"'”’)]?$")
_SUBTITLE = re.compile(r"\s+[-–—:|(]\s*|[(:]|\s*[—–]\s*")
_NAME_TRIM = " \t*_#\"'“”‘’`.,;:!?-–—|"
_INLINE_SEP = re.compile(r"\s+[-–—|]\s+|\s*[—–]\s*|:\s+")
_SENTENCE_END = re.compile(r"\.\s+(?=[\"“‘'(]?[A-Z])")
_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to vs with & de la le du des".split())


def entry_name(text: str, whole: bool = False) -> str:
    """The name of an entry from its heading text without the rank marker: "Lisbon – sun and fibre (LIS)." ->
    "Lisbon". Subtitles, parentheses, quotes and trailing punctuation are dropped, except from a title set apart
    (`whole`: a link's text, italics), which is a name as written, subtitle and final "!" or "?" included. Names
    made of quoted titles lose their quotes: '"Red Kite" / "Blue Heron"' -> "Red Kite / Blue Heron". Pictographs
    around a name (a medal, a flag, a star) are decoration, not part of it."""
    text = _unquote(_without_pictographs(text))
    if whole or _INNER_PARENTHESIS.fullmatch(text.strip()):
        # a title as a whole; or a name with a parenthesis inside it ("Ines (Kit) Varga"): the parenthesis is part of it
        return text.strip(_TITLE_TRIM).rstrip(".,;:") or text.strip(_NAME_TRIM)
    name = _SUBTITLE.split(text.strip(_NAME_TRIM), maxsplit=1)[0]
    return name.strip(_NAME_TRIM) or text.strip(_NAME_TRIM)


_INNER_PARENTHESIS = re.compile(r"[^\W\d_][^()]*\s\([^()]{1,30}\)(?:\s+[^\W\d_][\w.'’-]*){1,3}")
_TITLE_TRIM = " \t*_\"'“”‘’`,;:-–—|"
_QUOTED_PARTS = re.compile(r'\s*(?:"[^"]+"|“[^”]+”)(?:\s*(?:/|&|\+|,|and)\s*(?:"[^"]+"|“[^”]+”))+\s*')
_QUOTE_PAIR = re.compile(r'"([^"]+)"|“([^”]+)”')


def _without_pictographs(text: str) -> str:
    """The text without the symbols (Unicode "So": emoji, medals, stars, flags) and their joiners that stand at
    its start or end, as a cell's "🥇 Name" or a heading's "Name ★"."""
    def decoration(c: str) -> bool:
        return unicodedata.category(c) in {"So", "Sk", "Cf", "Mn"} or "\U0001f1e6" <= c <= "\U0001f1ff"

    start, end = 0, len(text)
    while start < end and (decoration(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (decoration(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end] if start < end else text


def _unquote(text: str) -> str:
    """A name written as quoted titles joined by "/", "&" or "and" ('"A" / "B"'), without its quotes."""
    if not _QUOTED_PARTS.fullmatch(text):
        return text
    return _QUOTE_PAIR.sub(lambda m: m.group(1) or m.group(2), text).strip()


@dataclass
class Entry:
    """One ranked entry found in the document."""

    rank: int
    name: str
    block: int
    """Index of the block that names the entry (a heading, item, row, term or paragraph)."""
    title: tuple[int, int]
    """Span of the entry's title in the reader's text ("7. Name", a heading, a row)."""
    body: tuple[int, int] | None = None
    """Span of text the naming block carries after the name ("7. **Name** — what the article says")."""
    cells: list[tuple[str | None, int, int]] = field(default_factory=list)
    """A table row's other cells: (column header, start, end)."""
    row: tuple[int, int] | None = None
    rank_block: int | None = None
    """Index of a separate block that holds the rank ("#13" under the entry), when there is one."""
    sentences: list[tuple[int, int]] = field(default_factory=list)
    """For a rank read from prose: the sentences that say it."""
    name_start: int | None = None
    """Where the name starts in the naming block, when text after it on the same line is its body."""


@dataclass
class Ranking:
    """The ranking a document carries: its entries in document order and the kind of run that carries it."""

    entries: list[Entry]
    kind: str
    score: float = 0.0

    @property
    def blocks(self) -> set[int]:
        return {e.block for e in self.entries} | {e.rank_block for e in self.entries if e.rank_block is not None}


@dataclass
class _Token:
    rank: int
    style: str
    rest: int
    """Where the text after the rank starts (a reader-text offset)."""
    alone: bool
    tied: bool = False


def rank_token(doc: Document, index: int) -> _Token | None:
    """The rank a block opens with, if any."""
    block = doc.blocks[index]
    if block.kind == "item" and block.ordered and block.number is not None:
        text = doc.block_text(block)
        # an HTML list shows a number twice only where its author set it so on the item: a tie
        repeated = block.set_number and any(
            b.group == block.group and b.number == block.number and b.depth == block.depth
            for b in doc.blocks[max(0, index - 40):index] + doc.blocks[index + 1:index + 40])
        return _Token(block.number, "ol", block.start, not text.strip(), repeated or bool(_TIE_MARK.search(text)))
    if block.kind not in ("heading", "paragraph", "term", "item", "definition"):
        return None
    text = doc.block_text(block)
    stripped = text.lstrip(" *_")
    offset = block.start + len(text) - len(stripped)
    if block.lead and block.lead[0] == block.start:
        number = _NUMBER_SET_APART.fullmatch(doc.text[block.lead[0]:block.lead[1]])
        if number and block.lead[1] < block.end:
            # "**10** Title — text": a number set apart in bold is a rank, whatever follows it
            return _Token(int(number.group(1)), "num", block.lead[1], False, bool(_TIE_MARK.search(text)))
    for style, pattern in _RANK_PREFIXES:
        match = pattern.match(stripped)
        if not match:
            continue
        rank = rank_value(match.group("num"))
        if rank is None or not 1 <= rank <= 500:
            return None
        end = match.end()
        tie_after = _TIE_AFTER_RANK.match(stripped, end)
        if tie_after:
            end = tie_after.end()  # "#4 (tie) – Name"
        rest = stripped[end:]
        if style == "code":
            style = f"code:{match.group('prefix')}"
        # "first place - $1500": a place whose heading gives only its prize names its entry elsewhere
        alone = not rest.strip(_NAME_TRIM) or (style in {"place", "ordinal"} and _is_quantity(rest))
        if style == "num" and not alone and not _NUMBER_THEN_SEPARATOR.match(stripped):
            return None  # "7 wonders of …" opens with a number, not a rank
        tied = style == "tie" or bool(_TIE_MARK.search(text))
        return _Token(rank, style, offset + end, alone, tied)
    return None


_UNIT_QUANTITY = re.compile(r"\d[\d,.]*\s+[a-z]{2,12}")  # "500 points", "12 votes": a lower-case unit, no name


def _is_quantity(text: str) -> bool:
    """Whether a text is only an amount: a prize or a score ("$1500", "(£150)", "500 points")."""
    text = text.strip(_NAME_TRIM + "()")
    return cell_number(text) is not None or bool(_UNIT_QUANTITY.fullmatch(text))


def announced_count(doc: Document, before: int) -> tuple[int | None, tuple[int, int] | None]:
    """The count a title or intro announces ("Top 25", "The 12 best …") and a rank range ("26–50"), if any."""
    count: int | None = None
    span: tuple[int, int] | None = None
    heads = [b for b in doc.blocks[:before] if b.kind in ("heading", "paragraph")][:6]
    titles = [doc.page_title or ""] + [doc.block_text(b) for b in heads]
    for text in titles:
        if count is None:
            count = count_in(text)
        ranged = _RANGE.search(text)
        if ranged and span is None:
            a, b = int(ranged.group("a")), int(ranged.group("b"))
            if 1 <= a < b <= 500:
                span = (a, b)
    return count, span


def count_in(text: str) -> int | None:
    """The first count a text gives in a ranking's forms ("top 12", "12 most …", "The 12 features …"): 2 to 500,
    and no year."""
    for match in _COUNT_IN_TITLE.finditer(text):
        word = match.group("n") or match.group("m") or match.group("k")
        value = rank_value(word) if word else None
        if value and 2 <= value <= 500 and not 1900 <= value <= 2100:
            return value
    return None


def _cues_a_ranking(text: str) -> bool:
    """Whether a text has a word that says a ranking follows ("Top 10", "best", "ranked")."""
    return any(w in RANKING_CUES for w in re.findall(r"[^\W_]+", text.lower()))


def _is_cued(doc: Document, before: int) -> bool:
    """Whether the text before a run says a ranking follows ("Top 10", "best", "ranked")."""
    if any(_cues_a_ranking(doc.block_text(block)) for block in doc.blocks[:before][-12:] + doc.blocks[:3]):
        return True
    return bool(doc.page_title and _cues_a_ranking(doc.page_title))


# --- names ---------------------------------------------------------------------------------------------


_Named = tuple[str, int, tuple[int, int] | None] | tuple[str, int, tuple[int, int], int]
"""(name, where it ends, the body after it[, where the name starts when it is not at the item's start])."""


def _name_at(doc: Document, block: Block, rest: int,
             cued: bool = False) -> _Named | None:
    """The entry name that starts at `rest` in a block: (name, where the name ends, the body after it)."""
    rest = _skip_marks(doc.text, rest, block.end)
    text = doc.text[rest:block.end]
    if not text.strip(_NAME_TRIM):
        return None
    words = len(text.split())
    lead = next(((a, b) for a, b in block.marked if a <= rest + 2 and b > rest), None)
    if lead and len(doc.text[rest:lead[1]].split()) <= WORDS_IN_NAME:
        body_start = _skip_separator(doc.text, lead[1], block.end)
        separated = body_start > lead[1] and doc.text[lead[1]:body_start].strip() != ""
        # the emphasis or link the item opens with is its name when a separator or a new sentence follows it; a
        # title set apart (a link, italics) is, whatever follows ("[Name: A Guide](…) by Ann Vey.")
        if body_start >= block.end or separated or doc.text[body_start:body_start + 1].isupper() \
                or _is_title(block, rest, lead):
            name = entry_name(doc.text[rest:lead[1]], whole=_is_title(block, rest, lead))
            return (name, lead[1], (body_start, block.end) if body_start < block.end else None) if name else None
    if block.kind == "heading" or block.kind == "term" or (words <= WORDS_IN_NAME and (not ENDS_SENTENCE.search(text)
                                                                                      or words <= 4)):
        name = entry_name(text)
        return (name, block.end, None) if name else None
    # a separator or full stop inside a title set apart ("*Kites: A History*", a link) is part of the title
    sep = next((m for m in _INLINE_SEP.finditer(text) if not _inside(block.titles, rest + m.start())), None)
    stop = next((m for m in _SENTENCE_END.finditer(text) if not _inside(block.titles, rest + m.start())), None)
    if stop and (sep is None or stop.start() < sep.start()) and _title_case(text[:stop.start()]):
        return entry_name(text[:stop.start()]), rest + stop.start(), (rest + stop.end(), block.end)
    if sep and 0 < len(text[:sep.start()].split()) <= 6:
        return entry_name(text[:sep.start()]), rest + sep.start(), (rest + sep.end(), block.end)
    inner = next(((a, b) for a, b in block.marked if a >= rest and len(doc.text[a:b].split()) <= WORDS_IN_NAME
                  and entry_name(doc.text[a:b])), None)
    if inner is not None and cued:
        # "In *How to Build a Kite*, the author …": the title the item sets apart inside its sentence names it
        return entry_name(doc.text[inner[0]:inner[1]], whole=inner in block.titles), inner[1], (rest, block.end), \
            inner[0]
    if block.kind == "item" and words <= 2 * WORDS_IN_NAME and not ENDS_SENTENCE.search(text) and sep is None:
        # a list item that is one long phrase, no sentence ("the need for a faster and more reliable build of …")
        name = entry_name(text)
        return (name, block.end, None) if name else None
    return None


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    return any(a < at < b for a, b in spans)


def _is_title(block: Block, rest: int, span: tuple[int, int]) -> bool:
    """Whether the span that opens an entry's name is a title set apart as a whole (a link, italics), starting
    where the name starts (not "**1. Name: subtitle**" in bold)."""
    return span in block.titles and span[0] >= rest - 1


def _skip_marks(text: str, start: int, end: int) -> int:
    """Where the text from `start` begins after spaces and emphasis marks."""
    while start < end and text[start] in " \t*_":
        start += 1
    return start


def _skip_separator(text: str, start: int, end: int) -> int:
    while start < end and text[start] in " \t:.-–—|*_,":
        start += 1
    return start


def _title_case(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 10 or len(words[-1].strip("\"”’')")) < 3:
        return False
    return all(w[0].isupper() or not w[0].isalpha() or w.lower() in _SMALL_WORDS for w in words)


# --- candidates --------------------------------------------------------------------------------------


def _best_run(items: list[tuple[int, int]], ties: bool | set[int] = False) -> list[tuple[int, int]]:
    """The longest run of (block, rank) pairs whose ranks step by one in one direction (a tie repeats a rank where
    `ties` allows: True, or the set of blocks marked as tied); a whole group whose ranks are a consecutive range
    in any order also counts, as written."""
    ranks = [r for _, r in items]
    if len(ranks) >= 2 and len(set(ranks)) == len(ranks) and max(ranks) - min(ranks) + 1 == len(ranks):
        return items

    def tie(item: tuple[int, int]) -> bool:
        return ties is True or (isinstance(ties, set) and item[0] in ties)

    def group_size(start: int, rank: int) -> int:
        size = 0
        while start + size < len(items) and items[start + size][1] == rank:
            size += 1
        return size

    best: list[tuple[int, int]] = []
    for direction in (1, -1):
        run: list[tuple[int, int]] = []
        for n, item in enumerate(items):
            step = item[1] - run[-1][1] if run else 0
            # competition ranking: after two entries tied at 3 comes 5 (counting up) and before them 5 (down)
            tied_before = sum(1 for x in run if x[1] == run[-1][1]) if run else 0
            tied_ahead = group_size(n, item[1]) if tie(item) else 1
            if run and ((step == direction) or (item[1] == run[-1][1] and tie(item))
                        or (direction == 1 and step == tied_before > 1)
                        or (direction == -1 and step == -tied_ahead and tied_ahead > 1)):
                run.append(item)
                continue
            if len(run) > len(best):
                best = run
            run = [item]
        if len(run) > len(best):
            best = run
    return best


def _complete_ranks(ranks: list[int]) -> bool:
    """Whether ranks, in any order, are a ranking: each rank follows the one before by one, or by the number of
    entries tied at it (competition ranking)."""
    ordered = sorted(ranks)
    return len(ordered) >= 2 and all(b in (a, a + 1, a + ordered.count(a)) for a, b in pairwise(ordered))


def _score(doc: Document, run_ranks: list[int], first_block: int, under: float, kind: str,
           explicit: bool) -> float:
    distinct = len(set(run_ranks))
    count, span = announced_count(doc, first_block)
    low, high = min(run_ranks), max(run_ranks)
    score = float(distinct)
    agrees = count and count in (high, distinct, len(run_ranks)) and (low == 1 or span is not None)
    if agrees or (span and (low, high) == span):
        score += 6 + distinct * 0.5
    elif low != 1:
        score -= 3 + (low - 1) * 0.1
    score += 2 * under
    if not explicit:
        score -= 2.5
    if kind.startswith("heading"):
        score += 0.5
    return score


def _under(doc: Document, blocks: list[int]) -> float:
    """Share of a run's blocks that have content of their own or under them."""
    if not blocks:
        return 0.0
    has = 0
    for index in blocks:
        block = doc.blocks[index]
        nxt = doc.blocks[index + 1] if index + 1 < len(doc.blocks) else None
        inline = len(doc.block_text(block).split()) > WORDS_IN_NAME
        if inline or (nxt is not None and nxt.kind in ("paragraph", "item", "definition", "quote", "row")
                      and nxt.start > block.start and (nxt.kind != "item" or nxt.group != block.group
                                                       or nxt.depth > block.depth)):
            has += 1
    return has / len(blocks)


def _alphabetical(names: list[str]) -> bool:
    """Five or more names in alphabetical order, by any usual collation: as written, without a leading "The", or
    without accents."""
    if len(names) < 5:
        return False
    plain = [n.casefold() for n in names]
    collations = [plain, [re.sub(r"^the\s+", "", n) for n in plain],
                  ["".join(c for c in unicodedata.normalize("NFKD", n) if not unicodedata.combining(c)) for n in plain]]
    return any(keys == sorted(keys) for keys in collations)


def _generic(names: list[str]) -> bool:
    return sum(n.lower() in GENERIC_SECTION_NAMES for n in names) * 2 >= len(names)


def find_ranking(doc: Document) -> Ranking | None:
    """The ranking the document carries, or None."""
    candidates: list[Ranking] = []
    candidates.extend(_marked_runs(doc))
    candidates.extend(_rank_alone_runs(doc))
    candidates.extend(_table_runs(doc))
    candidates.extend(_ordered_siblings(doc))
    candidates.extend(_restarted_lists(doc))
    candidates = [c for c in candidates if c.entries]
    candidates.extend(_joined_runs(doc, candidates))
    candidates = [c for c in candidates if not c.kind.endswith(":lone")]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.score, -c.entries[0].block))


def _joined_runs(doc: Document, candidates: list[Ranking]) -> list[Ranking]:
    """Runs of one kind of block at different levels that continue each other (entries 1-3 as larger headings,
    4-30 as smaller ones): one ranking, when their ranks meet and their entries do not interleave."""
    marked = sorted((c for c in candidates if c.kind.startswith(("heading:", "body:"))),
                    key=lambda c: c.entries[0].block)
    out: list[Ranking] = []
    for n, first in enumerate(marked):
        joined = first
        for other in marked[n + 1:]:
            same_kind = other.kind.split(":")[0] == joined.kind.split(":")[0]
            if not same_kind or other.entries[0].block < joined.entries[-1].block:
                continue
            ranks, more = [e.rank for e in joined.entries], [e.rank for e in other.entries]
            if _ranks_meet(ranks, more) or _ranks_meet(more, ranks):
                entries = joined.entries + other.entries
                score = _score(doc, [e.rank for e in entries], entries[0].block,
                               _under(doc, [e.block for e in entries]), joined.kind, True)
                joined = Ranking(entries, joined.kind.removesuffix(":lone") + "+", score)
        if joined is not first:
            out.append(joined)
    return out


def _ranks_meet(lower: list[int], higher: list[int]) -> bool:
    """Whether the ranks `higher` go on where `lower` end: by one, or past a tie at the last rank (competition
    ranking: after two entries tied at 4 comes 6)."""
    top = max(lower)
    return min(higher) - top in (1, lower.count(top))


def _marked_runs(doc: Document) -> list[Ranking]:
    groups: dict[tuple[object, ...], list[tuple[int, _Token]]] = {}
    for index, block in enumerate(doc.blocks):
        token = rank_token(doc, index)
        if token is None or (token.alone and token.style != "ol"):
            continue
        family = token.style if token.style.startswith("code:") else "rank"
        kind = "heading" if block.kind == "heading" else "body"
        key = (kind, block.level, block.depth, family)
        groups.setdefault(key, []).append((index, token))
    out: list[Ranking] = []
    for key, members in groups.items():
        tokens = dict(members)
        style = str(key[3])
        ranks = [t.rank for _, t in members]
        if style.startswith("code:") and sorted(ranks) != list(range(1, len(ranks) + 1)):
            continue  # a code such as "A4" is too often something else (a paper size) unless they count from 1
        run = _best_run([(i, t.rank) for i, t in members], {i for i, t in members if t.tied})
        single = len(run) == 1 and key[0] == "heading" and int(str(key[1])) >= 2 and _is_cued(doc, run[0][0]) \
            and _under(doc, [run[0][0]]) == 1
        lone = len(run) == 1 and not single and key[0] == "heading"  # may continue a run at another level
        if (len(run) < 2 or len({r for _, r in run}) < 2) and not (single or lone):
            continue  # one rank, however often it repeats, is no ranking
        styles = {tokens[i].style for i, _ in run}
        style = "ol" if styles == {"ol"} else style
        cued = _is_cued(doc, run[0][0]) or announced_count(doc, run[0][0])[0] in (len(run), len({r for _, r in run}))
        entries = []
        for index, rank in run:
            block = doc.blocks[index]
            named = _name_at(doc, block, tokens[index].rest, cued)
            if named is None:
                continue
            name, name_end, body = named[:3]
            title_start = named[3] if len(named) > 3 else block.marker[0] if block.marker else block.start
            while name_end > title_start and doc.text[name_end - 1] in " :|-–—*_":
                name_end -= 1
            name_start = named[3] if len(named) > 3 else _skip_marks(doc.text, tokens[index].rest, block.end)
            entries.append(Entry(rank, name, index, (title_start, name_end), body, name_start=name_start))
        if len(entries) < max(1 if single or lone else 2, len(run) // 2) or _generic([e.name for e in entries]):
            continue
        _drop_credits(entries)
        _drop_tails(doc, entries)
        explicit = styles != {"num"} or key[0] == "heading" or _is_cued(doc, run[0][0])
        score = _score(doc, [e.rank for e in entries], run[0][0], _under(doc, [e.block for e in entries]),
                       str(key[0]), explicit)
        if key[0] == "body" and style == "ol" and not _is_cued(doc, run[0][0]) and _under(
                doc, [e.block for e in entries]) < 0.5:
            score -= 4  # a numbered list of steps or points, not announced as a ranking
        if _alphabetical([e.name for e in entries]) and _under(doc, [e.block for e in entries]) < 0.5:
            score -= len(entries)  # names numbered in alphabetical order: an index of them, not a ranking
        out.append(Ranking(entries, f"{key[0]}:{style}" + (":lone" if lone else ""), score))
    return out


# A credit after a name ("Quill Quest by Tamsin Vale", "Osk Glider by @osk_dev"): the last " by " and up to four words
_CREDIT = re.compile(r"^(?P<name>.*\S)\s+by\s+(?P<credit>\S+(?:\s+\S+){0,3})$")


def _drop_credits(entries: list[Entry]) -> None:
    """Names that all end in a credit ("Game by Author", as contest results write their entries) are the names
    without it: a credit on every entry of a run is who made the entry, not its name. A single "by" is left alone
    ("Stand by Me")."""
    credits = [_CREDIT.match(e.name) for e in entries]
    if len(entries) < 2 or not all(credits):
        return
    for entry, credit in zip(entries, credits, strict=True):
        assert credit is not None
        entry.name = credit.group("name")


def _drop_tails(doc: Document, entries: list[Entry]) -> None:
    """Names that all end in an inline element of their own ("Name <small>Dir. Someone</small>", "Name *(2014)*")
    are the names without it: a detail set apart on every entry of a run (a credit, a year, a score) is not part of
    the names. Left alone when an entry has no such element or nothing named before it."""
    if len(entries) < 2:
        return
    cuts: list[tuple[str, str]] = []  # each entry's name before its tail, and the tail's text
    for entry in entries:
        tail = doc.blocks[entry.block].tail
        start = entry.name_start if entry.name_start is not None else entry.title[0]
        if tail is None or not start <= tail[0] or not re.search(r"[^\W\d_]", doc.text[start:tail[0]]):
            return
        cuts.append((entry_name(doc.text[start:tail[0]]), entry_name(doc.text[tail[0]:tail[1]])))
    for entry, (head, detail) in zip(entries, cuts, strict=True):
        if head and " ".join(entry.name.split()).endswith(" ".join(detail.split())):
            entry.name = head


def _rank_alone_runs(doc: Document) -> list[Ranking]:
    """Blocks that hold only a rank ("#13"), each labelling the named block just before or after it."""
    groups: dict[tuple[object, ...], list[tuple[int, int]]] = {}
    for index, block in enumerate(doc.blocks):
        token = rank_token(doc, index)
        if token is not None and token.alone and token.style != "ol":
            groups.setdefault((block.kind, block.level, token.style), []).append((index, token.rank))
    out: list[Ranking] = []
    for members in groups.values():
        run = _best_run(members, ties=True)  # a rank-only heading written twice is a tie
        if len(run) < 2:
            continue
        positions = [i for i, _ in run]
        for direction in ("before", "after"):
            segments = [_segment_names(doc, positions, n, direction) for n in range(len(run))]
            if not all(segments):
                continue
            # the entries' names are the most prominent headings of the segments (scores and years are smaller):
            # of a level every segment has, when there is one (the last segment runs on into the article's next
            # section, whose heading is no entry's)
            levels = [{doc.blocks[i].level or 7 for i in names} for names in segments[1:] or segments]
            common = set.intersection(*levels)
            level = min(common) if common else _mode([min(found) for found in levels])
            entries = []
            for (index, rank), names in zip(run, segments, strict=True):
                at_level = [i for i in names if (doc.blocks[i].level or 7) == level]
                if not at_level:
                    break
                pick = at_level[-1] if direction == "after" else at_level[0]
                block = doc.blocks[pick]
                entries.append(Entry(rank, entry_name(doc.block_text(block)), pick, (block.start, block.end),
                                     rank_block=index))
            else:
                # a rank below its entry's write-up is a smaller heading inside the entry's section; a rank before
                # it heads it, at the same level or above
                inside = sum((doc.blocks[e.rank_block or 0].level or 7) > (doc.blocks[e.block].level or 7)
                             if direction == "after" else
                             (doc.blocks[e.rank_block or 0].level or 7) <= (doc.blocks[e.block].level or 7)
                             for e in entries) / len(entries)
                score = _score(doc, [e.rank for e in entries], min(positions), 1.0, "heading", True) + 2 * inside
                out.append(Ranking(entries, f"alone:{direction}", score))
    return out


def _segment_names(doc: Document, positions: list[int], n: int, direction: str) -> list[int]:
    """The headings or terms (no rank of their own) between a rank-only block and its neighbour on one side."""
    if direction == "after":
        lo, hi = (positions[n - 1] + 1 if n else 0), positions[n]
    else:
        lo, hi = positions[n] + 1, (positions[n + 1] if n + 1 < len(positions) else len(doc.blocks))
    return [i for i in range(lo, hi) if doc.blocks[i].kind in ("heading", "term") and rank_token(doc, i) is None
            and not (doc.blocks[i].kind == "heading" and doc.blocks[i].level == 1)]


def _mode(values: list[int]) -> int:
    return max(sorted(set(values)), key=values.count)


_RANK_HEADERS = frozenset({"rank", "ranking", "#", "no", "no.", "nr", "nr.", "№", "position", "pos", "pos.", "place",
                           "rk", "rank.", "standing"})


_RANK_CELL = re.compile(r"\s*(?:#|No\.?\s*|T-?|=)?\s*(\d{1,3})(?:st|nd|rd|th)?\.?\s*(?:\(?tied?\)?|=)?\s*", re.I)


def _rank_cell(text: str) -> int | None:
    """The rank a table cell holds: "3", "3.", "#3", "3rd", "T-3", "=3", "3 (tie)"."""
    match = _RANK_CELL.fullmatch(text)
    return int(match.group(1)) if match else None


def _table_runs(doc: Document) -> list[Ranking]:
    """Tables whose rows rank their entries: by a rank column, or by row order under a title announcing them."""
    tables: dict[int, list[int]] = {}
    for index, block in enumerate(doc.blocks):
        if block.kind == "row":
            tables.setdefault(block.group, []).append(index)
    return [r for rows in tables.values() if (r := _table_ranking(doc, rows)) is not None]


@dataclass
class _Table:
    """A table's body rows and header cells, read from the document."""

    doc: Document
    rows: list[int]
    body: list[int]
    header: list[str]

    def cell(self, row: int, col: int) -> str:
        a, b = self.doc.blocks[row].cells[col]
        return self.doc.text[a:b]

    @property
    def width(self) -> int:
        return min(len(self.doc.blocks[r].cells) for r in self.body)

    def rank_column(self) -> int | None:
        """A column that holds the ranks: named so ("Rank", "#") and all ranks, else all ranks in order from 1."""
        columns = range(self.width)
        ranked = [c for c in columns if all(_rank_cell(self.cell(r, c)) for r in self.body)]
        named = next((c for c in ranked if c < len(self.header) and _is_rank_header(self.header[c])), None)
        if named is not None:
            return named
        starts = _first_ranks(self.doc, self.rows[0])
        for c in ranked:
            ranks = [(r, _rank_cell(self.cell(r, c)) or 0) for r in self.body]
            if min(v for _, v in ranks) in starts and len(_best_run(ranks, ties=True)) >= len(self.body) - 1:
                return c
        return None

    def name_column(self, rank_col: int | None) -> int | None:
        """The first column (other than the ranks) whose cells are mostly words."""
        return next((c for c in range(self.width) if c != rank_col
                     and sum(bool(re.search(r"[^\W\d_]", self.cell(r, c))) for r in self.body) * 2 >= len(self.body)),
                    None)


def _table_ranking(doc: Document, rows: list[int]) -> Ranking | None:
    header_row = rows[0] if doc.blocks[rows[0]].header or _has_rank_header(doc, rows[0]) else None
    body = [r for r in rows if r != header_row and not doc.blocks[r].header]
    if len(body) < 2:
        return None
    header = [doc.text[a:b] for a, b in doc.blocks[header_row].cells] if header_row is not None else []
    table = _Table(doc, rows, body, header)
    if table.width < 1:
        return None
    rank_col = table.rank_column()
    name_col = table.name_column(rank_col)
    if name_col is None:
        return None
    explicit = rank_col is not None
    coded = _coded_names(table, name_col) or (_numbered_names(table, name_col) if rank_col is None else None)
    by_value = _value_order(table, name_col) if rank_col is None and coded is None else None
    # the values (or the codes that number the names) state the order as a rank column would
    ranks: list[int | None] | None = by_value if by_value is not None else \
        [rank for rank, _ in coded] if coded and rank_col is None else _table_ranks(table, rank_col)
    explicit = explicit or by_value is not None or (coded is not None and rank_col is None)
    if ranks is None:
        return None
    skips = [skip for _, skip in coded] if coded else [0] * len(body)
    entries = [_row_entry(table, row, rank, rank_col, name_col, skip)
               for row, rank, skip in zip(body, ranks, skips, strict=True) if rank is not None]
    if len({e.rank for e in entries}) < 2:
        return None  # rows that all hold one rank are no ranking, however tied
    run = _best_run([(e.block, e.rank) for e in entries], ties=True)
    if len(run) < len(entries) - 1 and not (explicit and _complete_ranks([e.rank for e in entries])):
        return None  # a rank column may list its rows in another order (sorted by name): all its ranks count
    return Ranking(entries, "table", _score(doc, [e.rank for e in entries], rows[0], 1.0, "table", explicit))


def _table_ranks(table: _Table, rank_col: int | None) -> list[int | None] | None:
    """The rank of each body row: its rank cell, else its place in a table a title announces as a ranking."""
    if rank_col is not None:
        return [_rank_cell(table.cell(r, rank_col)) or 0 for r in table.body]
    count, span = announced_count(table.doc, table.rows[0])
    if not (_is_cued(table.doc, table.rows[0]) and count in (None, len(table.body))):
        return None
    if span and span[1] - span[0] + 1 == len(table.body):
        return list(range(span[0], span[1] + 1))
    return list(range(1, len(table.body) + 1))


_NO_VALUE = re.compile(r"[-–—?]?|n/?a|dn[fsq]|dsq|none|not (?:scored|submitted)", re.I)


def _value_order(table: _Table, name_col: int) -> list[int | None] | None:
    """Ranks by row order when the rows are sorted by a value column, highest first (votes, points, sales), or
    lowest first under a title that announces a ranking (fastest times); rows with equal values share a rank
    (competition ranking: 1, 2, 2, 4). Years and running numbers are no such values. Rows at the end with no value
    in that column ("-", "n/a", "DNF": entered, never scored) are listed, not ranked (None)."""
    if len(table.body) < 3:
        return None
    for col in range(table.width):
        if col == name_col or (col < len(table.header) and _is_rank_header(table.header[col])):
            continue
        cells = [table.cell(r, col) for r in table.body]
        scored = len(cells)
        while scored and _NO_VALUE.fullmatch(cells[scored - 1].strip()):
            scored -= 1
        values = [cell_number(c) for c in cells[:scored]]
        if scored < 3 or any(v is None for v in values):
            continue
        numbers = [float(v) for v in values if v is not None]
        if len(set(numbers)) * 2 < len(numbers) + 1 or all(1000 <= v <= 2100 and v.is_integer() for v in numbers):
            continue
        falling = all(a >= b for a, b in pairwise(numbers))
        rising = all(a <= b for a, b in pairwise(numbers)) and _is_cued(table.doc, table.rows[0])
        if numbers == sorted(numbers) and numbers == [float(n) for n in range(int(numbers[0]), int(numbers[0])
                                                                            + len(numbers))]:
            continue  # 1, 2, 3 …: a running number, not a value
        if falling or rising:
            ranks: list[int | None] = []
            for n, value in enumerate(numbers):
                ranks.append(ranks[-1] if n and value == numbers[n - 1] else n + 1)
            return ranks + [None] * (len(cells) - scored)
    return None


_CODE_IN_CELL = re.compile(r"\s*(?P<prefix>[A-Z]{1,4})(?P<num>\d{1,3})(?::\d{2,4})?(?:\s*[:.)|]\s*|\s+[-–—]\s*|\s+)"
                           r"(?=[^\W\d_])")


def _coded_names(table: _Table, name_col: int) -> list[tuple[int, int]] | None:
    """Names that open with a code numbering them ("KX3:2031 - Loose Wiring", "KX1 Wet Floors"), one prefix for
    every row and the numbers 1 to N in any order: each row's number and where its name starts after the code."""
    found = [_CODE_IN_CELL.match(table.cell(r, name_col)) for r in table.body]
    if not all(found) or len({m.group("prefix") for m in found if m}) != 1:
        return None
    numbers = [int(m.group("num")) for m in found if m]
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        return None
    return [(n, m.end()) for n, m in zip(numbers, found, strict=True) if m]


_RANK_IN_CELL = re.compile(r"\s*(?:(?:#\s?|No\.?\s*)(?P<hashed>\d{1,3})[.):]?|(?P<num>\d{1,3})(?:st|nd|rd|th)?\s*[.)])"
                           r"\s+(?=\S)")


def _numbered_names(table: _Table, name_col: int) -> list[tuple[int, int]] | None:
    """Names with their rank typed in front ("1) Name", "2. Name", "#3 Name"), in order, ties repeating a rank
    (1, 2, 2, 2, 5): each row's rank and where its name starts after it."""
    found = [_RANK_IN_CELL.match(table.cell(r, name_col)) for r in table.body]
    if not all(found):
        return None
    ranks = [int(m.group("hashed") or m.group("num")) for m in found if m]
    if ranks != sorted(ranks) or not _complete_ranks(ranks):
        return None
    return [(n, m.end()) for n, m in zip(ranks, found, strict=True) if m]


def _row_entry(table: _Table, row: int, rank: int, rank_col: int | None, name_col: int, skip: int = 0) -> Entry:
    block = table.doc.blocks[row]
    header = table.header
    others = [(header[c] if c < len(header) and header[c] else None, *block.cells[c])
              for c in range(len(block.cells))
              if c not in (rank_col, name_col) and block.cells[c][0] < block.cells[c][1]]
    filled = [(a, b) for a, b in block.cells if a < b]
    a, b = block.cells[name_col]
    lo, hi = (min(rank_col, name_col), max(rank_col, name_col)) if rank_col is not None else (name_col, name_col)
    return Entry(rank, entry_name(table.doc.text[a + skip:b]), row, (block.cells[lo][0], block.cells[hi][1]),
                 cells=others, row=(filled[0][0], filled[-1][1]))


def _first_ranks(doc: Document, before: int) -> set[int]:
    """The rank a ranking may start at: 1, or the start of a range the title announces (26 for "26–50")."""
    _, span = announced_count(doc, before)
    return {1} | ({span[0]} if span else set())


def _has_rank_header(doc: Document, row: int) -> bool:
    return any(_is_rank_header(doc.text[a:b]) for a, b in doc.blocks[row].cells)


def _is_rank_header(text: str) -> bool:
    """"Rank", "#", "Pos.", "Overall rank", "Position (2024)": a column header that names the rank."""
    words = re.findall(r"[#№]|[^\W\d_]+\.?", text.lower())
    return bool(words) and len(words) <= 3 and any(w in _RANK_HEADERS for w in words)


def _ordered_siblings(doc: Document) -> list[Ranking]:
    """Headings of one level (or items of one list) in document order under a title announcing a ranking."""
    out: list[Ranking] = []
    headings: dict[tuple[int, int], list[int]] = {}
    for index, block in enumerate(doc.blocks):
        if block.kind == "heading" and block.level > 1 and rank_token(doc, index) is None:
            headings.setdefault((block.level, 0), []).append(index)
        elif block.kind in ("item", "term") and rank_token(doc, index) is None and block.depth == 0:
            headings.setdefault((-block.group, 1), []).append(index)
    for (_, is_list), members in headings.items():
        if len(members) < 3 or not _is_cued(doc, members[0]):
            continue
        count, span = announced_count(doc, members[0])
        if is_list and count != len(members):
            count, span = _lead_in_count(doc, members[0]), None
        if count is None:
            continue
        if is_list and len(members) != count:
            continue
        chosen = _count_run(doc, members, count)
        if chosen is None:
            continue
        first = span[0] if span and span[1] - span[0] + 1 == len(chosen) else 1
        descending = bool(re.search(r"countdown|counting down", " ".join(doc.block_text(b) for b in doc.blocks[:6]),
                                    re.I))
        ranks = list(range(first, first + len(chosen)))
        if descending:
            ranks.reverse()
        entries = _entries_in_order(doc, chosen, ranks)
        if entries is None:
            continue
        names = [e.name for e in entries]
        if _generic(names) or len({n.casefold() for n in names}) < len(names):
            continue  # the same name twice ("Score", "Score"): each entry's stats, not the entries
        score = _score(doc, ranks, chosen[0], _under(doc, chosen), "heading" if not is_list else "item", False)
        out.append(Ranking(entries, "order", score))
    return out


def _entries_in_order(doc: Document, blocks: list[int], ranks: list[int], cued: bool = False) -> list[Entry] | None:
    """The entries of blocks whose ranks come from their order (no rank written on them), each named from its
    start; None when one of them holds no name."""
    entries = []
    for index, rank in zip(blocks, ranks, strict=True):
        block = doc.blocks[index]
        named = _name_at(doc, block, block.start, cued)
        if named is None:
            return None
        name, name_end, body = named[:3]
        entries.append(Entry(rank, name, index, (block.start, name_end), body))
    return entries


def _restarted_lists(doc: Document) -> list[Ranking]:
    """Items each typed "1." with a note between them that is not indented under the item (markdown numbers a list
    by itself, so authors type "1." for every item): such an item ends its list, and the next starts at 1 again. A
    run of three or more lists whose every item is typed "1.", with no heading between them, under a title
    announcing a ranking, is one ranking in the order of its items."""
    lists: dict[int, list[int]] = {}
    for index, block in enumerate(doc.blocks):
        if block.kind == "item" and block.ordered and block.depth == 0:
            lists.setdefault(block.group, []).append(index)
    runs: list[list[list[int]]] = [[]]
    for members in sorted(lists.values()):
        restarts = all(doc.blocks[i].typed == 1 for i in members)
        heading_between = runs[-1] and any(b.kind == "heading" for b in doc.blocks[runs[-1][-1][-1]:members[0]])
        if not restarts or heading_between:
            runs.append([])
        if restarts:
            runs[-1].append(members)
    out: list[Ranking] = []
    for run in runs:
        items = [i for members in run for i in members]
        if len(run) < 3 or not _is_cued(doc, items[0]):
            continue
        ranks = list(range(1, len(items) + 1))
        entries = _entries_in_order(doc, items, ranks, cued=True)
        if entries is None or _generic([e.name for e in entries]):
            continue
        out.append(Ranking(entries, "body:restarted", _score(doc, ranks, items[0], _under(doc, items), "body", True)))
    return out


def _lead_in_count(doc: Document, first: int) -> int | None:
    """The count that the paragraph (or heading) right before a list announces for it, as a long report leads
    into one ranking among its sections ("The 12 features readers asked for most were:"): a count of a ranking's
    form ("top 12", "12 most …") or a number of things ("The 12 features …"), in a lead-in with a word that cues
    a ranking; the caller holds it to the list's own length."""
    lead = doc.blocks[first - 1] if first else None
    if lead is None or lead.kind not in ("paragraph", "heading"):
        return None
    text = doc.block_text(lead)
    return count_in(text) if _cues_a_ranking(text) else None


def _count_run(doc: Document, members: list[int], count: int) -> list[int] | None:
    """`count` consecutive sibling headings: the run whose size is the announced count."""
    if len(members) == count:
        return members
    for start in range(len(members) - count + 1):
        window = members[start:start + count]
        if start + count == len(members) or start == 0:
            return window if _under(doc, window) >= 0.8 else None
    return None
