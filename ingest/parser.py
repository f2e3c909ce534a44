"""Parse article text into an `Article`: title, intro, ranked entries with what sits under them, other sections
(e.g. a closing "Trends" section) and the methodology note, keeping exact offsets into the source text.

Ranked entries are recognised in the shapes ranking articles use:

- numbered lines or markdown headings of any level: "3. Name", "3) Name", "3: Name", "3 - Name", "#3 Name",
  "No. 3: Name", "Top 3: Name", "## 3. Name", "### 3) Name"; in any order (countdowns included);
- ordinal labels: "First: Name", "Winner: Name", "Runner-up: Name", "Third place – Name", "Top ten: Name";
- codes of a short capital-letter prefix and a number: "A01:2021 – Name", "P1. Name", "Rank A3: Name", only when
  the lines of one prefix and level number consecutively from 1 (a stray "A4: paper sizes" is no ranking);
- list items that carry their text inline: "3. Name: what the article says about it", "3. **Name**—what the
  article says about it" (an emphasised name, whatever separates it), or after a title-case name that ends as a
  sentence does: "3. Name of the Entry. What the article says about it";
- tables (markdown pipes, tabs, or aligned columns) with a rank column: "| 3 | Name | ... |".

Under an entry sit bullets ("• Label: text", optionally grouped under a label such as "Key Strengths:"),
sub-headings, or plain paragraphs. One marker style forms the ranking: the style whose numbers make a clean
ranking (distinct, starting near 1), preferring headings over list items, so numbered lists inside entries
stay content.

Cleaning is part of parsing: page boilerplate (image captions, the comment form, share widgets) is
recognised by its shape and its place in the structure, recorded in `Article.boilerplate`, and never
becomes content. The source text itself is never rewritten, so every span stays verbatim.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import Enum

from ingest.core.lexicon import (
    GENERIC_SECTION_NAMES,
    NUMBER_WORDS,
    ORDINAL_SUFFIXED,
    ORDINAL_WORDS,
    PLACE_LABELS,
    PLACE_NOUNS,
    RANKING_CUES,
    rank_value,
)
from ingest.structure import Article, Bullet, Section, Span

logger = logging.getLogger(__name__)

_BULLET = re.compile(r"^(?:[•·▪‣●◦\-*+]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_TOPIC = re.compile(r"(?:\*\*|__)?(?P<topic>[^:.!?*_|]{2,60}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+(?=\S)")
_TERMINAL = re.compile(r"[.!?…。！？]\s*[\"'”’)]?$")
_METHODOLOGY = re.compile(r"\bmethodolog|\bsources?\s*:|\brefer to (?:the )?reports?\b", re.I)
_BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"^leave a (comment|reply)\b",
        r"^(post|submit) comment$",
        r"your email address will not be published",
        r"required fields are marked",
        r"save my name, email",
        r"social share plugin|powered by \w+",
        r"^(rss|share|shares|follow by email|linkedin|facebook|twitter|x|pinterest|whatsapp|telegram|reddit"
        r"|email|print|tweet|like this:?|related( posts)?|cancel reply|comment|name\s*\*?|website)$",
        r"^(previous|next) (post|article)\b",
        r"^(click|tap) to share\b",
    )
]
_SHORT_WORDS = 8
# headings of page furniture: everything under them, up to the next heading or entry, is boilerplate
_FURNITURE = re.compile(
    r"^(?:related(?: posts| articles| stories| reading)?|you (?:may|might) also like|about the author"
    r"|read (?:more|next)|more from .{1,40}|popular posts|recent posts|tags|leave a (?:comment|reply)|comments?"
    r"|share this(?: article| post)?)$", re.I)

# --- entry markers (matched on a line without its markdown '#' marker and leading emphasis) ---------------
_SEP = r"(?:\s*[:|]|\s*[.)](?=\s)|\s+[-–—])"  # what ends a label: ":", "|", ". ", ") ", " - "
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_ORDINAL = "|".join(sorted(map(re.escape, [*ORDINAL_WORDS, *ORDINAL_SUFFIXED]), key=len, reverse=True))
_PLACE_LABEL = "|".join(sorted(map(re.escape, PLACE_LABELS), key=len, reverse=True))
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("num.", re.compile(r"(?P<num>\d{1,3})\.\s+(?=\S)")),
    ("num)", re.compile(r"(?P<num>\d{1,3})\)\s+(?=\S)")),
    ("num:", re.compile(r"(?P<num>\d{1,3}):\s+(?=\S)")),
    ("num-", re.compile(r"(?P<num>\d{1,3})\s+[-–—]\s+(?=\S)")),
    ("hash", re.compile(r"#\s?(?P<num>\d{1,3})\b" + _SEP + r"?\s+(?=\S)")),
    ("no", re.compile(r"(?:No\.|Nr\.|№)\s*(?P<num>\d{1,3})\b" + _SEP + r"?\s+(?=\S)", re.I)),
    ("label", re.compile(rf"(?:Top|Number|Rank)\s*(?P<num>\d{{1,3}}|{_NUMBER_WORD})\b{_SEP}\s*(?=\S)", re.I)),
    ("ordinal", re.compile(rf"(?:The\s+)?(?P<num>(?:{_ORDINAL})(?:\s+(?:{'|'.join(PLACE_NOUNS)}))?|{_PLACE_LABEL})"
                           rf"\b{_SEP}\s*(?=\S)", re.I)),
    # "A01:2021 – Name": a letter prefix and a number, optionally qualified by an edition (":2021")
    ("code", re.compile(r"(?:Rank\s+)?(?P<prefix>[A-Z]{1,2})(?P<num>\d{1,3})(?::\d{2,4})?\b" + _SEP + r"\s*(?=\S)")),
]
_INLINE_SEP = re.compile(r"(?:\*\*|__)?(?:\s+[-–—|]\s+|:(?:\*\*|__)?\s+)")
# an emphasised name opening a line's text, then its separator (a dash, a colon or a full stop, spaced or not)
_EMPHASISED_NAME = re.compile(r"(?P<mark>\*\*|__)(?P<name>[^*_\n]{2,80}?)(?P=mark)\s*(?:[-–—:.|]\s*)?(?=\S)")
_SENTENCE_END = re.compile(r"\.\s+(?=[\"“‘'(]?[A-Z])")
_TITLE_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to vs with &".split())
_SUBTITLE = re.compile(r"\s+[-–—:|(]\s*|[(:]")
_NAME_TRIM = " \t*_#\"'“”‘’`.,;:!?-–—"
_HEADING_WORDS = 10
_INLINE_NAME_WORDS = 6

# --- tables -----------------------------------------------------------------------------------------
_RULE_ROW = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?$|^\|\s*:?-{2,}:?\s*\|$")
_RANK_HEADERS = {"rank", "ranking", "#", "no", "no.", "nr", "nr.", "№", "position", "pos", "pos.", "place", "rk"}
_ALIGNED = re.compile(r"\s{2,}|\t")


class _Kind(Enum):
    BLANK = "blank"
    BOILERPLATE = "boilerplate"
    MD_HEADING = "md_heading"
    BULLET = "bullet"
    TABLE = "table"
    TABLE_RULE = "table_rule"
    LABEL = "label"
    SHORT = "short"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True)
class _Line:
    kind: _Kind
    start: int
    end: int
    text: str
    content_start: int  # where the text after a bullet or heading marker begins
    indent: int = 0
    level: int = 0  # markdown heading level, 0 for other lines


@dataclass(frozen=True)
class _Entry:
    """A line that may open a ranked entry."""

    line: int
    style: tuple[str, int, bool, int]  # marker kind, heading level, indented, table number
    rank: int
    title: tuple[int, int]
    name: str
    heading_like: bool
    inline_body: tuple[int, int] | None = None
    cells: tuple[tuple[str | None, int, int], ...] = ()  # table cells other than rank and name
    row: tuple[int, int] | None = None  # a table row: from its first to its last non-empty cell


@dataclass
class _Table:
    number: int
    block: list[int]  # line indices of every row: header, rule and data
    rows: list[int]  # line indices of data rows
    header: list[str] | None
    cells: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def _classify(text: str) -> _Kind:
    if not text:
        return _Kind.BLANK
    if any(p.search(text) for p in _BOILERPLATE):
        return _Kind.BOILERPLATE
    if _MD_HEADING.match(text):
        return _Kind.MD_HEADING
    if _RULE_ROW.match(text):
        return _Kind.TABLE_RULE
    if text.startswith("|") and text.count("|") >= 2:
        return _Kind.TABLE
    if _BULLET.match(text):
        return _Kind.BULLET
    words = len(text.split())
    if text.endswith(":") and words <= 5:
        return _Kind.LABEL
    if words <= _SHORT_WORDS and not _TERMINAL.search(text):
        return _Kind.SHORT
    return _Kind.PARAGRAPH


def _lines(source: str) -> list[_Line]:
    out: list[_Line] = []
    offset = 0
    for raw in source.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        lead = len(body) - len(body.lstrip())
        start = offset + lead
        end = start + len(stripped)
        kind = _classify(stripped)
        level = 0
        content_start = start
        if kind is _Kind.MD_HEADING:
            marker = _MD_HEADING.match(stripped)
            assert marker is not None
            level, content_start = len(marker.group(1)), start + marker.end()
            closing = re.search(r"\s+#+$", stripped)  # "## Title ##"
            if closing:
                end = start + closing.start()
        elif kind is _Kind.BULLET:
            marker = _BULLET.match(stripped)
            assert marker is not None
            content_start = start + marker.end()
        out.append(_Line(kind, start, end, stripped, content_start, lead, level))
        offset += len(raw)
    return out


def _span(source: str, start: int, end: int) -> Span:
    return Span(source[start:end], start, end)


def _strip_emphasis(source: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a span so it does not begin or end with markdown emphasis markers."""
    while start < end and source[start] in "*_#":
        start += 1
    while end > start and source[end - 1] in "*_":
        end -= 1
    while start < end and source[start].isspace():
        start += 1
    return start, end


def _unwrap(source: str, start: int, end: int) -> tuple[int, int]:
    """Drop emphasis that wraps a whole span ("**1. Name**") or opens it ("**1. Name:** text"), keeping the
    emphasis inside ("1. **Name**")."""
    while start < end:
        for mark in ("**", "__", "*", "_"):
            if source.startswith(mark, start) and end - start > 2 * len(mark) and source[end - len(mark):end] == mark:
                start, end = start + len(mark), end - len(mark)
                break
        else:
            break
    for mark in ("**", "__"):
        if source.startswith(mark, start) and source.find(mark, start + len(mark), end) > 0:
            start += len(mark)
            break
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


def entry_name(heading: str) -> str:
    """The name of an entry from its heading text without the rank marker: "Lisbon – sun and fibre (LIS)." ->
    "Lisbon". Subtitles, parentheses, emphasis, quotes and trailing punctuation are dropped."""
    name = _SUBTITLE.split(heading.strip(_NAME_TRIM), maxsplit=1)[0]
    return name.strip(_NAME_TRIM) or heading.strip(_NAME_TRIM)


def _bullet(source: str, line: _Line, label: str | None = None) -> Bullet:
    start = line.content_start
    match = _TOPIC.match(source, start, line.end) if start < line.end and line.kind is not _Kind.TABLE else None
    if match and line.kind is _Kind.PARAGRAPH and not _label_like(match.group(), match.group("topic")):
        match = None  # "Python leads because of AI: every tutorial..." is a sentence, not a labelled paragraph
    if match and len(match.group("topic").split()) <= 8:
        topic: str | None = match.group("topic").strip()
        start = match.end()
    else:
        topic = label
    start, end = _strip_emphasis(source, start, line.end)
    return Bullet(topic, _span(source, start, end))


def _label_like(matched: str, topic: str) -> bool:
    """A paragraph's lead-in is a label when emphasised ("**Verdict:**") or short and in title case."""
    words = topic.split()
    return matched.startswith(("**", "__")) or (len(words) <= 4 and all(w[0].isupper() or not w[0].isalpha()
                                                                          or w in ("and", "of", "&") for w in words))


# --- finding the entries ------------------------------------------------------------------------------


def _entry_at(source: str, line: _Line, index: int) -> _Entry | None:
    """The entry a line would open, if its text starts with a rank marker."""
    if line.kind in (_Kind.BLANK, _Kind.BOILERPLATE, _Kind.TABLE, _Kind.TABLE_RULE):
        return None
    start, end = _unwrap(source, line.content_start if line.level else line.start, line.end)
    for style, pattern in _MARKERS:
        match = pattern.match(source, start, end)
        if not match:
            continue
        rank = rank_value(_rank_word(match.group("num")))
        if rank is None or not 1 <= rank <= 200:
            return None
        rest_start = match.end()
        rest = source[rest_start:end]
        words = len(rest.split())
        # codes of different prefixes are different lists ("A1, A2" and "B1, B2")
        marker = f"code:{match.group('prefix')}" if style == "code" else style
        key = (marker, line.level, line.indent > 0, -1)
        if words <= _HEADING_WORDS and (not _TERMINAL.search(rest) or words <= 4):
            return _Entry(index, key, rank, (start, end), entry_name(rest), True)
        emphasised = _EMPHASISED_NAME.match(rest)
        if emphasised and len(emphasised.group("name").split()) <= _HEADING_WORDS:
            # "3. **Name**—what the article says": the emphasised span is the name, whatever separates the text
            name_end = rest_start + emphasised.end("name") + len(emphasised.group("mark"))
            body = _strip_emphasis(source, rest_start + emphasised.end(), end)
            return _Entry(index, key, rank, (start, name_end), entry_name(emphasised.group("name")), False, body)
        sep = _INLINE_SEP.search(rest)
        full_stop = _SENTENCE_END.search(rest)
        if full_stop and (sep is None or full_stop.start() < sep.start()) and _title_name(rest[: full_stop.start()]):
            body = _strip_emphasis(source, rest_start + full_stop.end(), end)
            name_end = rest_start + full_stop.start()
            return _Entry(index, key, rank, (start, name_end), entry_name(rest[: full_stop.start()]), False, body)
        if sep and 0 < len(rest[: sep.start()].split()) <= _INLINE_NAME_WORDS:
            name_end = rest_start + sep.start()
            if source[name_end:name_end + 2] in ("**", "__"):
                name_end += 2
            body = _strip_emphasis(source, rest_start + sep.end(), end)
            return _Entry(index, key, rank, (start, name_end), entry_name(rest[: sep.start()]), False, body)
        return None
    return None


def _title_name(text: str) -> bool:
    """Whether the words before a full stop are a name in title case ("FedRAMP Results of the High Baseline
    Pilot"), not a sentence ("Use strong passwords") or an abbreviation ("Dr")."""
    words = text.strip(" *_").split()
    if not 2 <= len(words) <= _HEADING_WORDS or len(words[-1].strip("*_\"”’')")) < 3:
        return False
    return all(w[0].isupper() or not w[0].isalpha() or w.lower() in _TITLE_SMALL_WORDS for w in words[1:]) \
        and not words[0][0].islower()


def _rank_word(word: str) -> str:
    """'third place' -> 'third'; labels such as 'runner up' stay whole."""
    first, _, tail = word.partition(" ")
    return first if tail.lower() in PLACE_NOUNS else word


def _cells(source: str, line: _Line, aligned: bool) -> list[tuple[int, int]]:
    """Cell spans of a table row (pipes, tabs or runs of spaces), each trimmed."""
    text, base = source[line.start:line.end], line.start
    if aligned:
        bounds, pos = [], 0
        for gap in _ALIGNED.finditer(text):
            bounds.append((pos, gap.start()))
            pos = gap.end()
        bounds.append((pos, len(text)))
    else:
        inner_start = 1 if text.startswith("|") else 0
        inner_end = len(text) - 1 if text.endswith("|") and len(text) > 1 else len(text)
        bounds, pos = [], inner_start
        for bar in re.finditer(r"(?<!\\)\|", text[inner_start:inner_end]):
            bounds.append((pos, inner_start + bar.start()))
            pos = inner_start + bar.end()
        bounds.append((pos, inner_end))
    out = []
    for a, b in bounds:
        cell = text[a:b]
        lead = len(cell) - len(cell.lstrip())
        out.append((base + a + lead, base + a + len(cell.rstrip())))
    return out


def _tables(source: str, lines: list[_Line]) -> list[_Table]:
    """Blocks of table rows: pipe rows, or three or more lines split alike by tabs or aligned spaces."""
    tables: list[_Table] = []
    i = 0
    while i < len(lines):
        if lines[i].kind in (_Kind.TABLE, _Kind.TABLE_RULE):
            j = i
            while j < len(lines) and lines[j].kind in (_Kind.TABLE, _Kind.TABLE_RULE):
                j += 1
            block = list(range(i, j))
            tables.append(_table(source, lines, block, aligned=False, number=len(tables)))
            i = j
            continue
        counts = []
        j = i
        while j < len(lines) and lines[j].kind not in (_Kind.BLANK, _Kind.MD_HEADING, _Kind.BOILERPLATE):
            parts = _ALIGNED.split(lines[j].text)
            if len(parts) < 2 or (counts and len(parts) != counts[0]):
                break
            counts.append(len(parts))
            j += 1
        if j - i >= 3:
            tables.append(_table(source, lines, list(range(i, j)), aligned=True, number=len(tables)))
            i = j
            continue
        i += 1
    return [t for t in tables if t.rows]


def _table(source: str, lines: list[_Line], block: list[int], aligned: bool, number: int) -> _Table:
    rows = [i for i in block if lines[i].kind is not _Kind.TABLE_RULE]
    cells = {i: _cells(source, lines[i], aligned) for i in rows}
    header: list[str] | None = None
    if rows:
        first = [source[a:b] for a, b in cells[rows[0]]]
        ruled = len(block) > 1 and lines[block[1]].kind is _Kind.TABLE_RULE
        if ruled or any(c.strip("*_ ").lower() in _RANK_HEADERS for c in first):
            header = [c.strip("*_ ") for c in first]
            rows = rows[1:]
    return _Table(number, block, rows, header, cells)


def _table_entries(source: str, table: _Table) -> list[_Entry]:
    """Entries of a table that has a rank column: a header such as "Rank" or "#", or a column of rank numbers."""
    rows = table.rows
    if len(rows) < 2:
        return []
    width = min(len(table.cells[r]) for r in rows)
    if width < 2:
        return []

    def cell(row: int, col: int) -> str:
        a, b = table.cells[row][col]
        return source[a:b].strip("*_ ")

    def rank_of(text: str) -> int | None:
        return rank_value(re.sub(r"^(?:#|No\.?\s*)|\.$", "", text.strip(), flags=re.I))

    header = table.header or []
    rank_col = next((c for c in range(width) if c < len(header) and header[c].lower() in _RANK_HEADERS), None)
    if rank_col is None:
        rank_col = next((c for c in range(width) if all(rank_of(cell(r, c)) for r in rows)), None)
    if rank_col is None:
        return []
    name_col = next((c for c in range(width) if c != rank_col
                     and sum(bool(re.search(r"[^\W\d_]", cell(r, c))) for r in rows) * 2 >= len(rows)), None)
    if name_col is None:
        return []
    entries = []
    for r in rows:
        rank = rank_of(cell(r, rank_col))
        if rank is None:
            return []
        spans = table.cells[r]
        lo, hi = min(rank_col, name_col), max(rank_col, name_col)
        others = tuple((header[c] if c < len(header) and header[c] else None, *spans[c])
                       for c in range(len(spans)) if c not in (rank_col, name_col) and spans[c][0] < spans[c][1])
        filled = [(a, b) for a, b in spans if a < b]
        entries.append(_Entry(r, ("table", 0, False, table.number), rank, (spans[lo][0], spans[hi][1]),
                              entry_name(cell(r, name_col)), True, None, others,
                              (filled[0][0], filled[-1][1])))
    return entries


def _is_ranking(ranks: list[int]) -> bool:
    if ranks == [1]:
        return True  # a one-entry list counts only when headed and announced (see _choose_ranking)
    return (len(ranks) >= 2 and len(set(ranks)) == len(ranks) and max(ranks) - min(ranks) + 1 <= 2 * len(ranks)
            and min(ranks) <= len(ranks))


def _is_code_ranking(ranks: list[int]) -> bool:
    """Codes ("A01", "P1") rank only when they number consecutively from 1, in order or counting down: a code
    such as "A4" is too often something else (a paper size, a grid cell) to trust on its own."""
    return len(ranks) >= 2 and ranks in (list(range(1, len(ranks) + 1)), list(range(len(ranks), 0, -1)))


def _runs(entries: list[_Entry]) -> list[list[_Entry]]:
    """Split a style's entries into runs wherever a rank repeats (a second list in the same style)."""
    runs: list[list[_Entry]] = [[]]
    for entry in entries:
        if any(e.rank == entry.rank for e in runs[-1]):
            runs.append([])
        runs[-1].append(entry)
    return runs


def _has_content_below(lines: list[_Line], entry: _Entry, stop: int) -> bool:
    if entry.inline_body or entry.cells:
        return True
    for line in lines[entry.line + 1 : stop]:
        if line.kind in (_Kind.BULLET, _Kind.PARAGRAPH, _Kind.TABLE):
            return True
        if line.kind is _Kind.MD_HEADING and line.level <= entry.style[1]:
            return False
    return False


def _choose_ranking(source: str, lines: list[_Line], tables: list[_Table]) -> dict[int, _Entry]:
    """Pick the one marker style that forms the article's ranking; {} when there is none."""
    by_style: dict[tuple[str, int, bool, int], list[_Entry]] = {}
    for i, line in enumerate(lines):
        entry = _entry_at(source, line, i)
        if entry:
            by_style.setdefault(entry.style, []).append(entry)
    for table in tables:
        for entry in _table_entries(source, table):
            by_style.setdefault(entry.style, []).append(entry)

    options = []
    for style, entries in by_style.items():
        run = max(_runs(entries), key=len)
        if not _is_ranking([e.rank for e in run]):
            continue
        if style[0].startswith("code:") and not _is_code_ranking([e.rank for e in run]):
            continue
        names = [e.name.lower() for e in run]
        if sum(n in GENERIC_SECTION_NAMES for n in names) * 2 >= len(names):
            continue  # "1. Introduction, 2. Methods": an outline, not a ranking
        stops = [e.line for e in run[1:]] + [len(lines)]
        headed = sum(_has_content_below(lines, e, stop) for e, stop in zip(run, stops, strict=True)) * 2 >= len(run)
        countdown = [e.rank for e in run] == sorted((e.rank for e in run), reverse=True)
        intrinsic = style[0] in ("ordinal", "label", "hash", "no", "table") or style[0].startswith("code:")
        cued = _cued(lines[: run[0].line])
        if len(run) == 1 and not (headed and cued):
            continue
        if not (headed or intrinsic or countdown or cued):
            continue
        kind = 0 if style[1] else 1 if headed and style[0] != "table" else 2 if style[0] == "table" else 3
        options.append(((kind, style[1], -len(run), run[0].line), run))
    if not options:
        return {}
    _, run = min(options, key=lambda o: o[0])
    return {e.line: e for e in run}


def _cued(lines: list[_Line]) -> bool:
    """True when the text before the list says it is a ranking ("Top 10", "best", "ranked")."""
    for line in lines:
        words = re.findall(r"[^\W_]+", line.text.lower())
        if any(w in RANKING_CUES or (w.isdigit() and 1 < int(w) <= 200) for w in words):
            return True
    return False


# --- the article ----------------------------------------------------------------------------------------


def _next_content(lines: list[_Line], i: int) -> _Line | None:
    for line in lines[i + 1 :]:
        if line.kind not in (_Kind.BLANK, _Kind.LABEL, _Kind.BOILERPLATE):
            return line
    return None


def _is_heading(lines: list[_Line], i: int, entries: dict[int, _Entry]) -> bool:
    """A short line is a heading when content (bullets or prose) follows it; otherwise it is a caption."""
    line = lines[i]
    if line.kind is _Kind.MD_HEADING:
        return True
    numbered = line.kind is _Kind.BULLET and line.text[:1].isdigit() and len(line.text.split()) <= _SHORT_WORDS \
        and not _TERMINAL.search(line.text)
    if line.kind is not _Kind.SHORT and not numbered:
        return False
    j = next((k for k in range(i + 1, len(lines)) if lines[k].kind not in (_Kind.BLANK, _Kind.LABEL,
                                                                             _Kind.BOILERPLATE)), None)
    followers = (_Kind.PARAGRAPH,) if numbered else (_Kind.BULLET, _Kind.PARAGRAPH, _Kind.TABLE)
    return j is not None and j not in entries and lines[j].kind in followers  # "1. Introduction" over prose


@dataclass
class _Open:
    """The section being filled while walking the lines."""

    title: Span
    rank: int | None = None
    name: str | None = None
    level: int = 0
    end: int = 0
    bullets: list[Bullet] = field(default_factory=list)
    label: str | None = None
    label_kind: _Kind | None = None
    row: Span | None = None


def parse_article(source: str) -> Article:
    """Parse article text into an `Article`.

    Args:
        source: the article text (already decoded; HTML already turned into text by the loader).

    Returns:
        The parsed article. An article without a recognisable ranking still parses: its paragraphs and
        bullets become plain sections (a warning is logged), so ingest can index it without ranking routing.
    """
    lines = _lines(source)
    tables = _tables(source, lines)
    entries = _choose_ranking(source, lines, tables)
    article = Article(source_text=source)
    if not entries:
        logger.warning("No ranked sections found: indexing the text as plain sections, without ranking.")
    first_entry = min(entries, default=len(lines))
    last_entry = max(entries, default=-1)
    entry_level = entries[first_entry].style[1] if entries else 0
    ranking_tables = {e.style[3] for e in entries.values() if e.style[0] == "table"}
    table_lines = {i for t in tables if t.number in ranking_tables for i in t.block}
    body_start = _parse_preamble(source, lines, first_entry, entries, article, table_lines)

    current: _Open | None = None
    furniture = False
    sub_labels: set[str] = set()  # sub-headings seen inside entries ("Pros", "Verdict")

    def close() -> None:
        nonlocal current
        if current is not None and (current.bullets or current.rank is not None):
            article.sections.append(Section(current.title, current.bullets, current.rank, current.name,
                                            end=current.end, row=current.row))
        current = None

    for i in range(body_start, len(lines)):
        line = lines[i]
        if line.kind is _Kind.BLANK:
            continue
        opens_furniture = line.kind in (_Kind.MD_HEADING, _Kind.SHORT, _Kind.LABEL, _Kind.BOILERPLATE) and bool(
            _FURNITURE.match(source[line.content_start:line.end].strip(" *_:")))
        if (furniture and i not in entries and line.kind is not _Kind.MD_HEADING) or opens_furniture:
            if opens_furniture:
                close()
            furniture = True
            article.boilerplate.append(_span(source, line.start, line.end))
            continue
        furniture = False
        if line.kind is _Kind.BOILERPLATE:
            article.boilerplate.append(_span(source, line.start, line.end))
            continue
        if i in entries:
            close()
            entry = entries[i]
            current = _Open(_span(source, *entry.title), entry.rank, entry.name, entry_level, entry.title[1])
            if entry.row:
                current.row = _span(source, *entry.row)
                current.end = max(current.end, entry.row[1])
            if entry.inline_body and entry.inline_body[0] < entry.inline_body[1]:
                current.bullets.append(Bullet(None, _span(source, *entry.inline_body)))
                current.end = entry.inline_body[1]
            for topic, a, b in entry.cells:
                a, b = _strip_emphasis(source, a, b)
                if a < b:
                    current.bullets.append(Bullet(topic, _span(source, a, b)))
                    current.end = max(current.end, b)
            continue
        if i in table_lines:
            continue
        if ranking_tables and i > last_entry and current is not None and current.rank is not None:
            close()  # the ranking table has ended: what follows is not part of its last row
        if line.kind is _Kind.LABEL:
            if current is not None:
                current.label, current.label_kind = line.text.rstrip(":").strip(" *_"), None
            continue
        if _is_heading(lines, i, entries):
            start, end = _strip_emphasis(source, line.content_start if line.level else line.start, line.end)
            label = source[start:end].rstrip(":")
            if current is not None and _is_sub_heading(line, current, i, first_entry, last_entry, entry_level,
                                                       fold_label(label) in sub_labels):
                current.label, current.label_kind = label, None
                if current.rank is not None:
                    sub_labels.add(fold_label(label))
                continue
            close()
            start, end = _unwrap(source, line.content_start if line.level else line.start, line.end)
            current = _Open(_span(source, start, end), level=line.level, end=line.end)
            continue
        if line.kind in (_Kind.SHORT, _Kind.MD_HEADING, _Kind.TABLE_RULE):
            article.boilerplate.append(_span(source, line.start, line.end))
            continue
        if line.kind is _Kind.PARAGRAPH and _METHODOLOGY.search(line.text) and article.methodology is None:
            start, end = _strip_emphasis(source, line.start, line.end)
            article.methodology = _span(source, start, end)
            continue
        if current is None:
            # Prose after the preamble and before any heading: it belongs to an untitled section.
            current = _Open(_span(source, line.start, line.start), end=line.end)
        kind = line.kind if line.kind is not _Kind.SHORT else _Kind.PARAGRAPH
        if current.label is not None and current.label_kind not in (None, kind):
            current.label = None  # a label heads the run of lines right after it, not everything below
        current.label_kind = kind
        prose = line if line.kind in (_Kind.BULLET, _Kind.TABLE) else _as_prose(line)
        bullet = _bullet(source, prose, current.label)
        if bullet.body.text:
            current.bullets.append(bullet)
            current.end = max(current.end, line.end)
    close()
    _check_ranking(article)
    return article


def fold_label(text: str) -> str:
    """A label compared loosely: case, spaces and emphasis ignored."""
    return " ".join(text.strip(" *_:#").lower().split())


def _is_sub_heading(line: _Line, current: _Open, i: int, first_entry: int, last_entry: int, entry_level: int,
                    seen_in_entries: bool) -> bool:
    """Whether a heading is part of the section above it (a label for what follows) rather than a new section.

    A markdown heading deeper than its section's heading is always part of it. Between the first and the last
    entry, every heading not at or above the entries' own level belongs to the entry above. After the last
    entry, only a heading that earlier entries also used ("Pros", "Verdict") does; any other one starts a
    section such as a closing summary.
    """
    if line.level and current.level and line.level > current.level:
        return True
    if current.rank is None:
        return False
    below_entries = not line.level or entry_level == 0 or line.level > entry_level
    if first_entry < i < last_entry:
        return below_entries
    return below_entries and seen_in_entries


def _as_prose(line: _Line) -> _Line:
    return _Line(_Kind.PARAGRAPH, line.start, line.end, line.text, line.start)


def _parse_preamble(source: str, lines: list[_Line], first_entry: int, entries: dict[int, _Entry],
                    article: Article, structure_lines: set[int]) -> int:
    """Title and intro come before the first heading or entry; lines before the title are captions.

    Returns:
        The index of the first line after the preamble.
    """
    head = lines[:first_entry]
    title_idx = _title_index(lines, first_entry, entries)
    after_title = (title_idx + 1) if title_idx is not None else 0
    end = first_entry
    for i in range(after_title, first_entry):
        seen_content = any(lines[k].kind in (_Kind.PARAGRAPH, _Kind.BULLET) for k in range(after_title, i))
        # a short line right under the title is a caption; once the intro has begun, it opens a section
        if _is_heading(lines, i, entries) and (lines[i].kind is _Kind.MD_HEADING or seen_content):
            end = i
            break
    content = [i for i in range(after_title, end) if lines[i].kind in (_Kind.PARAGRAPH, _Kind.BULLET)]
    if title_idx is not None:
        line = lines[title_idx]
        start, stop = _strip_emphasis(source, line.content_start, line.end)
        article.title = _span(source, start, stop)
    intro_lines: range = range(0)
    if content:
        first, last = content[0], content[-1]
        start, stop = _strip_emphasis(source, lines[first].start, lines[last].end)
        article.intro = _span(source, start, stop)
        intro_lines = range(first, last + 1)
    for i, line in enumerate(head[:end]):
        if line.kind is not _Kind.BLANK and i != title_idx and i not in intro_lines and i not in structure_lines:
            article.boilerplate.append(_span(source, line.start, line.end))
    return end


def _title_index(lines: list[_Line], first_entry: int, entries: dict[int, _Entry]) -> int | None:
    """The title: a level-1 markdown heading, else the first heading-like line that content follows (a short
    line followed by another short line is a caption), else the last heading-like line before the entries."""
    head = range(first_entry)
    h1 = next((i for i in head if lines[i].kind is _Kind.MD_HEADING and lines[i].level == 1), None)
    if h1 is not None:
        return h1

    def title_like(line: _Line) -> bool:
        return line.kind in (_Kind.SHORT, _Kind.MD_HEADING) or (
            line.kind is _Kind.PARAGRAPH and not _TERMINAL.search(line.text) and not line.text.endswith(":"))

    for i in head:
        if title_like(lines[i]):
            following = next((k for k in range(i + 1, len(lines)) if lines[k].kind is not _Kind.BLANK), None)
            if following is None or following in entries or lines[following].kind in (
                    _Kind.PARAGRAPH, _Kind.BULLET, _Kind.MD_HEADING, _Kind.LABEL):
                return i
    candidates = [i for i in head if title_like(lines[i])]
    if candidates:
        return candidates[-1]
    if not any(lines[i].kind is _Kind.PARAGRAPH for i in head):
        return next((i for i in head if lines[i].kind is not _Kind.BLANK), None)
    return None


def _check_ranking(article: Article) -> None:
    ranks = sorted(s.rank for s in article.ranked if s.rank is not None)
    if ranks and ranks != list(range(1, len(ranks) + 1)):
        logger.warning("Ranked sections are not numbered 1..%d: %s", len(ranks), ranks)
