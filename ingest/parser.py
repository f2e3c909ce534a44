"""Parse a source into an `Article`: title, intro, ranked entries with what sits under them, other sections and
the methodology note, with exact offsets into the document's reader text.

The source is read into one document model (`ingest.document`: typed blocks over a reader's text without markup),
the ranking is found by one general algorithm over those blocks (`ingest.ranking`; sentences in prose when no
structure carries it, `ingest.prose_ranks`), and the blocks are then laid out as sections: each entry holds the
blocks under it up to the next entry or heading of its level, sub-headings inside entries label what follows them,
other headings open sections of their own, and what comes before the first heading or entry is the intro.

Cleaning is part of parsing: page chrome is dropped by the document reader; captions and furniture (share
widgets, comment forms, "Related posts" and what follows) are recorded in `Article.boilerplate` and never become
content.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ingest.document import Block, Document, SourceKind, read_document
from ingest.ranking import ENDS_SENTENCE, WORDS_IN_NAME, Entry, Ranking, entry_name, find_ranking
from ingest.structure import Article, Bullet, Section, Span

__all__ = ["entry_name", "fold_label", "parse_article", "parse_document", "parse_source"]

logger = logging.getLogger(__name__)

_TOPIC = re.compile(r"(?P<topic>[^:.!?|\n]{2,60}?)\s*:\s+(?=\S)")
_METHODOLOGY = re.compile(r"\bmethodolog|\bsources?\s*:|\brefer to (?:the )?reports?\b", re.I)
_BOILERPLATE = re.compile(
    r"^(?:leave a (?:comment|reply)\b.*|(?:post|submit) comment|.*your email address will not be published.*"
    r"|.*required fields are marked.*|save my name, email.*|social share plugin|powered by \w+"
    r"|rss|share|shares|follow by email|linkedin|facebook|twitter|x|pinterest|whatsapp|telegram|reddit"
    r"|email|print|tweet|like this:?|related(?: posts)?|cancel reply|comment|name\s*\*?|website"
    r"|(?:previous|next) (?:post|article)\b.*|(?:click|tap) to share\b.*)$", re.I)
_FURNITURE = re.compile(
    r"^(?:related(?: posts| articles| stories| reading)?|you (?:may|might) also like|about the author"
    r"|read (?:more|next)|more from .{1,40}|popular posts|recent posts|tags|leave a (?:comment|reply)|comments?"
    r"|share this(?: article| post)?)$", re.I)
_SHORT_WORDS = 8


def parse_source(text: str, kind: SourceKind = "markdown") -> Article:
    """Parse source text of a kind ("text", "markdown" or "html")."""
    return parse_document(read_document(text, kind))


def parse_article(source: str | Document) -> Article:
    """Parse a `Document`, or text: the reader text of a source `ingest.loader` loaded (its document is reused),
    else markdown (plain text is a degenerate markdown file)."""
    if isinstance(source, Document):
        return parse_document(source)
    from ingest.loader import document_of

    known = document_of(source)
    return parse_document(known if known is not None else read_document(source, "markdown"))


def fold_label(text: str) -> str:
    """A label compared loosely: case, spaces and emphasis ignored."""
    return " ".join(text.strip(" *_:#").lower().split())


@dataclass
class _Open:
    """The section being filled while walking the blocks."""

    title: Span
    rank: int | None = None
    name: str | None = None
    level: int = 0
    end: int = 0
    bullets: list[Bullet] = field(default_factory=list)
    label: str | None = None
    row: Span | None = None


class _Layout:
    """Lays a document's blocks out as an `Article`, given its ranking."""

    def __init__(self, doc: Document, ranking: Ranking | None) -> None:
        self.doc = doc
        self.text = doc.text
        self.blocks = doc.blocks
        structured = ranking is not None and ranking.kind != "prose"
        self.entries: dict[int, Entry] = {e.block: e for e in ranking.entries} if ranking and structured else {}
        self.rank_blocks = {e.rank_block for e in ranking.entries if e.rank_block is not None} if ranking else set()
        self.kind = ranking.kind if ranking else ""
        self.article = Article(source_text=doc.text)
        first = list(self.entries)
        self.first_entry = min(first, default=len(self.blocks))
        self.last_entry = max(first, default=-1)
        entry_blocks = [self.blocks[i] for i in first]
        self.entry_level = min((b.level for b in entry_blocks if b.kind == "heading"), default=0)
        self.table_groups = {self.blocks[i].group for i in first if self.blocks[i].kind == "row"}
        self.current: _Open | None = None
        self.sub_labels: set[str] = set()

    def span(self, start: int, end: int) -> Span:
        return Span(self.text[start:end], start, end)

    def layout(self) -> Article:
        body_start = self._preamble()
        furniture = False
        for i in range(body_start, len(self.blocks)):
            block = self.blocks[i]
            text = self.text[block.start:block.end]
            if i in self.rank_blocks:
                continue
            if i in self.entries:
                furniture = False
                self._open_entry(self.entries[i])
                continue
            if block.kind == "row" and block.group in self.table_groups:
                continue
            if self.table_groups and i > self.last_entry and self.current is not None \
                    and self.current.rank is not None and self.blocks[i - 1].kind == "row":
                self._close()  # the ranking table has ended: what follows is not part of its last row
            heading = self._is_heading(i)
            if (heading or self._short(block)) and _FURNITURE.match(text.strip(" *_:")):
                self._close()
                furniture = True
            if furniture and not (block.kind == "heading" and not _FURNITURE.match(text.strip(" *_:"))):
                self.article.boilerplate.append(self.span(block.start, block.end))
                continue
            furniture = False
            if _BOILERPLATE.match(text.strip()):
                self.article.boilerplate.append(self.span(block.start, block.end))
                continue
            if self._is_label(block):
                self._label(i, block, text)
                continue
            if heading:
                self._heading(i, block)
                continue
            if self._short(block) or (block.kind == "row" and block.header):
                self.article.boilerplate.append(self.span(block.start, block.end))
                continue
            if block.kind == "paragraph" and _METHODOLOGY.search(text) and self.article.methodology is None:
                self.article.methodology = self.span(block.start, block.end)
                continue
            self._content(block)
        self._close()
        ranks = sorted(s.rank for s in self.article.ranked if s.rank is not None)
        if ranks and ranks != list(range(ranks[0], ranks[0] + len(ranks))):
            logger.info("Ranked sections are not numbered consecutively: %s", ranks)
        return self.article

    # --- pieces ----------------------------------------------------------------------------------------

    def _open_entry(self, entry: Entry) -> None:
        self._close()
        block = self.blocks[entry.block]
        self.current = _Open(self.span(*entry.title), entry.rank, entry.name,
                             block.level if block.kind == "heading" else 0, entry.title[1])
        if entry.row:
            self.current.row = self.span(*entry.row)
            self.current.end = max(self.current.end, entry.row[1])
        if entry.body and entry.body[0] < entry.body[1]:
            if entry.name_start is not None and _byline(self.text[entry.body[0]:entry.body[1]]):
                # "Name: A Subtitle — Ann Vey, Bo Chen": a byline or label says nothing without the name it follows
                self.current.bullets.append(Bullet(None, self.span(entry.name_start, entry.body[1])))
            else:
                self.current.bullets.append(self._bullet(*entry.body, label=None))
            self.current.end = entry.body[1]
        for topic, a, b in entry.cells:
            self.current.bullets.append(Bullet(topic or None, self.span(a, b)))
            self.current.end = max(self.current.end, b)

    def _label(self, i: int, block: Block, text: str) -> None:
        """A short line ending in a colon labels what follows; after the last entry, one that no entry used
        ("Honourable mentions:") opens a section of its own."""
        label = text.rstrip(":").strip()
        if self.current is not None and self.current.rank is not None and i > self.last_entry \
                and fold_label(label) not in self.sub_labels:
            self._close()
            end = block.end - 1 if text.endswith(":") else block.end
            self.current = _Open(self.span(block.start, end), level=7, end=block.end)
            return
        if self.current is not None:
            self.current.label = label
            if self.current.rank is not None:
                self.sub_labels.add(fold_label(label))

    def _heading(self, i: int, block: Block) -> None:
        label = self.text[block.start:block.end].rstrip(":").strip()
        start = block.marker[0] if block.marker else block.start
        if self.current is not None and self._is_sub_heading(i, block, fold_label(label) in self.sub_labels):
            self.current.label = label
            if self.current.rank is not None:
                self.sub_labels.add(fold_label(label))
            return
        self._close()
        self.current = _Open(self.span(start, block.end), level=block.level or 7, end=block.end)

    def _content(self, block: Block) -> None:
        if self.current is None:
            # prose after the preamble and before any heading: an untitled section
            self.current = _Open(self.span(block.start, block.start), end=block.end)
        if block.kind == "row":
            for a, b in block.cells:
                if a < b:
                    self.current.bullets.append(Bullet(None, self.span(a, b)))
            self.current.end = max(self.current.end, block.end)
            return
        bullet = self._bullet(block.start, block.end, self.current.label)
        if bullet.body.text:
            self.current.bullets.append(bullet)
            self.current.end = max(self.current.end, block.end)

    def _bullet(self, start: int, end: int, label: str | None) -> Bullet:
        text = self.text[start:end]
        match = _TOPIC.match(text)
        if match and _label_like(match.group("topic")) and len(match.group("topic").split()) <= 8:
            return Bullet(match.group("topic").strip(), self.span(start + match.end(), end))
        return Bullet(label, self.span(start, end))

    def _close(self) -> None:
        current = self.current
        if current is not None and (current.bullets or current.rank is not None):
            self.article.sections.append(Section(current.title, current.bullets, current.rank, current.name,
                                                 end=current.end, row=current.row))
        self.current = None

    # --- what a block is -------------------------------------------------------------------------------

    def _short(self, block: Block) -> bool:
        text = self.text[block.start:block.end]
        return block.kind in ("paragraph", "quote") and len(text.split()) <= _SHORT_WORDS \
            and not ENDS_SENTENCE.search(text) and not text.endswith(":")

    def _is_label(self, block: Block) -> bool:
        text = self.text[block.start:block.end]
        return block.kind == "paragraph" and text.endswith(":") and len(text.split()) <= 5

    def _next_content(self, i: int) -> int | None:
        for k in range(i + 1, len(self.blocks)):
            if not self._is_label(self.blocks[k]) and k not in self.rank_blocks:
                return k
        return None

    def _is_heading(self, i: int) -> bool:
        """A heading, or a short line that content follows (a plain-text heading); else a caption."""
        block = self.blocks[i]
        if block.kind == "heading":
            return True
        if block.kind == "item" and block.ordered and i not in self.entries and block.depth == 0:
            text = self.text[block.start:block.end]
            k = self._next_content(i)
            return len(text.split()) <= _SHORT_WORDS and not ENDS_SENTENCE.search(text) and k is not None \
                and self.blocks[k].kind == "paragraph"  # "1. Introduction" over prose
        emphasised = block.kind == "paragraph" and block.lead == (block.start, block.end) \
            and len(self.text[block.start:block.end].split()) <= _SHORT_WORDS + 2
        if emphasised and i not in self.entries:
            return True  # a short line set all in bold or italics stands as a heading ("**Honourable mentions**")
        if not self._short(block):
            return False
        k = self._next_content(i)
        return k is not None and k not in self.entries and self.blocks[k].kind in ("paragraph", "item", "row") \
            and not self._short(self.blocks[k])

    def _is_sub_heading(self, i: int, block: Block, seen_in_entries: bool) -> bool:
        """Whether a heading labels what follows inside the section above, rather than opening a new one."""
        current = self.current
        assert current is not None
        level = block.level or 7
        if block.kind == "heading" and current.level and level > current.level and current.level != 7:
            return True
        if current.rank is None:
            return False
        below_entries = self.entry_level == 0 or level > self.entry_level
        if self.first_entry < i < self.last_entry:
            return below_entries
        return below_entries and seen_in_entries

    def _preamble(self) -> int:
        """Title and intro come before the first heading or entry; blocks before the title are captions."""
        first = self.first_entry
        title = self._title_index(first)
        after = title + 1 if title is not None else 0
        end = first
        for i in range(after, first):
            seen = any(self.blocks[k].kind in ("paragraph", "item") and not self._short(self.blocks[k])
                       for k in range(after, i))
            if self._is_heading(i) and (self.blocks[i].kind == "heading" or seen):
                end = i
                break
        content = [i for i in range(after, end) if not self._short(self.blocks[i]) and i not in self.rank_blocks
                   and not (self.blocks[i].kind == "row" and self.blocks[i].group in self.table_groups)
                   and not _BOILERPLATE.match(self.text[self.blocks[i].start:self.blocks[i].end].strip())]
        if title is not None:
            block = self.blocks[title]
            self.article.title = self.span(block.start, block.end)
        intro: set[int] = set()
        if content:
            a, b = self.blocks[content[0]], self.blocks[content[-1]]
            self.article.intro = self.span(a.start, b.end)
            intro = set(range(content[0], content[-1] + 1))
        for i in range(end):
            ranking_row = self.blocks[i].kind == "row" and self.blocks[i].group in self.table_groups
            if i != title and i not in intro and i not in self.rank_blocks and not ranking_row:
                block = self.blocks[i]
                self.article.boilerplate.append(self.span(block.start, block.end))
        return end

    def _title_index(self, first: int) -> int | None:
        head = range(first)
        h1 = next((i for i in head if self.blocks[i].kind == "heading" and self.blocks[i].level == 1), None)
        if h1 is not None:
            return h1

        def title_like(block: Block) -> bool:
            text = self.text[block.start:block.end]
            return block.kind == "heading" or (block.kind == "paragraph" and not ENDS_SENTENCE.search(text)
                                               and not text.endswith(":") and len(text.split()) <= 25)

        for i in head:
            if title_like(self.blocks[i]):
                k = next((k for k in range(i + 1, len(self.blocks))), None)
                if k is None or k in self.entries or not self._short(self.blocks[k]) \
                        or self.blocks[k].kind == "heading":
                    return i
        candidates = [i for i in head if title_like(self.blocks[i])]
        return candidates[-1] if candidates else None


def _label_like(topic: str) -> bool:
    """A paragraph's lead-in is a label when short and in title case ("Policy Support: …")."""
    words = topic.split()
    return len(words) <= 5 and all(w[0].isupper() or not w[0].isalpha() or w in ("and", "of", "&", "for", "the")
                                   for w in words)


def parse_document(doc: Document) -> Article:
    """Parse a `Document` into an `Article`.

    An article without a recognisable ranking still parses: its paragraphs become plain sections (logged), so
    ingest can index it without ranking routing.
    """
    ranking = find_ranking(doc)
    if ranking is None:
        from ingest.prose_ranks import prose_ranking

        ranking = prose_ranking(doc)
    if ranking is None:
        logger.warning("No ranked sections found: indexing the text as plain sections, without ranking.")
    article = _Layout(doc, ranking).layout()
    if ranking is not None and ranking.kind == "prose":
        for entry in ranking.entries:
            sentences = [Bullet(None, Span(doc.text[a:b], a, b)) for a, b in entry.sentences]
            article.sections.append(Section(Span(doc.text[entry.title[0]:entry.title[1]], *entry.title), sentences,
                                            entry.rank, entry.name, end=max(b for _, b in entry.sentences)))
    article.emphasis = [Span(doc.text[a:b], a, b) for a, b in doc.emphasis]
    return article


def _byline(text: str) -> bool:
    """Text after an entry's name that is no sentence: a short byline or label ("Ann Vey, Bo Chen", "by Ann Vey")."""
    return len(text.split()) <= WORDS_IN_NAME and not ENDS_SENTENCE.search(text.strip())


