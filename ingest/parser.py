"""Parse article text into an `Article`: title, intro, ranked sections with topic bullets, other sections
(e.g. "Trends & Observations") and the methodology note, keeping exact offsets into the source text.

Cleaning is part of parsing: page boilerplate (image captions, the comment form, share widgets) is
recognised by its shape and its place in the structure, recorded in `Article.boilerplate`, and never
becomes content. The source text itself is never rewritten, so every span stays verbatim.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum

from ingest.structure import Article, Bullet, Section, Span

logger = logging.getLogger(__name__)

_BULLET = re.compile(r"^(?:[•·▪‣●◦\-*+]|\d{1,2}\))\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_RANKED = re.compile(r"^(?:#{1,6}\s+)?(?:No\.\s*|#)?(\d{1,2})[.):]\s+(.{2,60})$")
_TOPIC = re.compile(r"(?:\*\*|__)?(?P<topic>[^:.!?*_]{2,60}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+(?=\S)")
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


class _Kind(Enum):
    BLANK = "blank"
    BOILERPLATE = "boilerplate"
    RANKED = "ranked"
    MD_HEADING = "md_heading"
    BULLET = "bullet"
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


def _classify(text: str) -> _Kind:
    if not text:
        return _Kind.BLANK
    if any(p.search(text) for p in _BOILERPLATE):
        return _Kind.BOILERPLATE
    if _RANKED.match(text) and not _TERMINAL.search(text) and len(text.split()) <= 7:
        return _Kind.RANKED
    if _MD_HEADING.match(text):
        return _Kind.MD_HEADING
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
        marker = _BULLET.match(stripped) if kind is _Kind.BULLET else _MD_HEADING.match(stripped)
        content_start = start + (marker.end() if marker and kind in (_Kind.BULLET, _Kind.MD_HEADING) else 0)
        out.append(_Line(kind, start, end, stripped, content_start))
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


def _bullet(source: str, line: _Line) -> Bullet:
    start = line.content_start
    match = _TOPIC.match(source, start, line.end) if start < line.end else None
    if match and len(match.group("topic").split()) <= 8:
        topic = match.group("topic").strip()
        start = match.end()
    else:
        topic = None
    start, end = _strip_emphasis(source, start, line.end)
    return Bullet(topic, _span(source, start, end))


def _next_content(lines: list[_Line], i: int) -> _Line | None:
    for line in lines[i + 1 :]:
        if line.kind not in (_Kind.BLANK, _Kind.LABEL, _Kind.BOILERPLATE):
            return line
    return None


def _is_heading(lines: list[_Line], i: int) -> bool:
    """A short line is a heading when content (bullets or prose) follows it; otherwise it is a caption."""
    line = lines[i]
    if line.kind is _Kind.MD_HEADING:
        return True
    if line.kind is not _Kind.SHORT:
        return False
    following = _next_content(lines, i)
    return following is not None and following.kind in (_Kind.BULLET, _Kind.PARAGRAPH)


def _city_of(heading: str) -> str:
    city = re.split(r"\s+[-–—:|(]\s*|[(:]", heading, maxsplit=1)[0]
    return city.strip(" *_#")


def parse_article(source: str) -> Article:
    """Parse article text into an `Article`.

    Args:
        source: the article text (already decoded; HTML already turned into text by the loader).

    Returns:
        The parsed article. An article without a recognisable ranking still parses: its paragraphs and
        bullets become plain sections (a warning is logged), so ingest can index it without ranking routing.
    """
    lines = _lines(source)
    article = Article(source_text=source)
    ranked_idx = [i for i, line in enumerate(lines) if line.kind is _Kind.RANKED]
    first_body = ranked_idx[0] if ranked_idx else None
    if first_body is None:
        logger.warning("No ranked sections found: indexing the text as plain sections, without ranking.")
        first_body = next((i for i, ln in enumerate(lines) if _is_heading(lines, i) and i > 0), len(lines))

    _parse_preamble(source, lines[:first_body], article)

    current: Section | None = None
    bullets: list[Bullet] = []
    last_end = 0

    def close() -> None:
        nonlocal current, bullets
        if current is not None:
            article.sections.append(
                Section(current.title, bullets, current.rank, current.city, end=max(last_end, current.end))
            )
        current, bullets = None, []

    for i in range(first_body, len(lines)):
        line = lines[i]
        if line.kind in (_Kind.BLANK, _Kind.LABEL):
            continue
        if line.kind is _Kind.BOILERPLATE:
            article.boilerplate.append(_span(source, line.start, line.end))
            continue
        if line.kind is _Kind.RANKED:
            close()
            match = _RANKED.match(line.text)
            assert match is not None
            title = _span(source, *_strip_emphasis(source, line.start, line.end))
            current = Section(title, [], int(match.group(1)), _city_of(match.group(2)), end=line.end)
            last_end = line.end
            continue
        if _is_heading(lines, i):
            close()
            start, end = _strip_emphasis(source, line.content_start, line.end)
            current = Section(_span(source, start, end), [], end=line.end)
            last_end = line.end
            continue
        if line.kind is _Kind.SHORT or line.kind is _Kind.MD_HEADING:
            article.boilerplate.append(_span(source, line.start, line.end))
            continue
        if line.kind is _Kind.PARAGRAPH and _METHODOLOGY.search(line.text) and article.methodology is None:
            start, end = _strip_emphasis(source, line.start, line.end)
            article.methodology = _span(source, start, end)
            continue
        if current is None:
            # Prose after the preamble and before any heading: it belongs to the introduction's section.
            current = Section(_span(source, line.start, line.start), [], end=line.end)
        bullet = _bullet(source, line) if line.kind is _Kind.BULLET else _bullet(source, _as_prose(line))
        if bullet.body.text:
            bullets.append(bullet)
            last_end = line.end
    close()
    article.sections = [s for s in article.sections if s.bullets or s.rank is not None]
    _check_ranking(article)
    return article


def _as_prose(line: _Line) -> _Line:
    return _Line(_Kind.PARAGRAPH, line.start, line.end, line.text, line.start)


def _parse_preamble(source: str, lines: list[_Line], article: Article) -> None:
    """Title and intro come before the first section; lines before the title are captions."""
    paragraphs = [i for i, ln in enumerate(lines) if ln.kind is _Kind.PARAGRAPH]
    intro_idx = paragraphs[-1] if paragraphs else None
    title_idx = None
    search_end = intro_idx if intro_idx is not None else len(lines)
    for i in range(search_end - 1, -1, -1):
        if lines[i].kind in (_Kind.SHORT, _Kind.MD_HEADING, _Kind.RANKED) or (
            lines[i].kind is _Kind.PARAGRAPH and not _TERMINAL.search(lines[i].text)
        ):
            title_idx = i
            break
    if title_idx is None and intro_idx is None and lines:
        title_idx = next((i for i, ln in enumerate(lines) if ln.kind is not _Kind.BLANK), None)
    if title_idx is not None:
        line = lines[title_idx]
        start, end = _strip_emphasis(source, line.content_start, line.end)
        article.title = _span(source, start, end)
    intro_lines: range = range(0)
    if intro_idx is not None:
        first = next((i for i in paragraphs if title_idx is None or i > title_idx), intro_idx)
        start, end = _strip_emphasis(source, lines[first].start, lines[intro_idx].end)
        article.intro = _span(source, start, end)
        intro_lines = range(first, intro_idx + 1)
    for i, line in enumerate(lines):
        if line.kind is not _Kind.BLANK and i != title_idx and i not in intro_lines:
            article.boilerplate.append(_span(source, line.start, line.end))


def _check_ranking(article: Article) -> None:
    ranks = [s.rank for s in article.ranked]
    if ranks and ranks != list(range(1, len(ranks) + 1)):
        logger.warning("Ranked sections are not numbered 1..%d in order: %s", len(ranks), ranks)
