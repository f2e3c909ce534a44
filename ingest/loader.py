"""Load a source article (.txt, .md or .html) as text, with clear errors for anything that is not one."""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData, PreformattedString

from ingest.core.errors import SourceError

SUPPORTED_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                      ".html": "html", ".htm": "html"}
_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "form", "aside", "figcaption",
              "figure", "iframe", "svg", "button", "template"]
_BLOCK_PREFIX = {"h1": "# ", "h2": "## ", "h3": "### ", "h4": "#### ", "h5": "##### ", "h6": "###### "}
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote"]
_ITEM_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "blockquote", "div"}
_TITLE_TAGS = ("a", "strong", "b")
_SPACED_TAGS = {*_ITEM_BLOCKS, *_BLOCK_TAGS, "br", "hr", "ul", "ol", "table", "tr", "td", "th", "section", "article",
                "header", "footer", "dt", "dd"}
_RANK_MARKER = re.compile(r"^(?:#?\d{1,3}[.):]\s|#\d{1,3}\s|No\.\s*\d)")
# A file whose mtime is this close to the moment it was read may still change within the same mtime tick
# (coarse-timestamp filesystems): its size+mtime is not trusted to stand for its content ("racily clean").
RACY_SECONDS = 2.0


@dataclass(frozen=True)
class LoadedSource:
    """The text of a source, which all offsets refer to, and where it came from."""

    path: Path
    kind: str
    text: str
    stat: str = ""
    """`file_stat(path)` as read, when it can stand for the content later (see `file_stat`); else empty."""

    @property
    def sha256(self) -> str:
        """Content hash of the text; a changed hash means the index must be rebuilt."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def file_stat(path: Path | str) -> str:
    """Where the file is, which file it is (device, inode), its size and its mtime (ns), as one string.

    While a file has the same stat string it has the same content, unless someone rewrote it in place to
    the same size and then set its old mtime back: `ai-cities ingest` always hashes, so it catches even
    that. Raises OSError when the file can't be stat'ed.
    """
    path = Path(path).expanduser()
    st = path.stat()
    return f"{path.resolve()}|{st.st_dev}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}"


def _trusted_stat(path: Path, before: os.stat_result) -> str:
    """The stat string of a file just read, or "" when it changed while being read or is racily new."""
    try:
        after = path.stat()
    except OSError:
        return ""
    same = (before.st_ino, before.st_size, before.st_mtime_ns) == (after.st_ino, after.st_size, after.st_mtime_ns)
    if not same or time.time_ns() - after.st_mtime_ns < RACY_SECONDS * 1e9:
        return ""
    return file_stat(path)


def html_to_text(html: str) -> str:
    """Turn an HTML page into markdown-like text that keeps the ranking visible to the parser.

    Headings keep `#` markers; items of an ordered list become "N. text" lines (honouring `start`,
    `reversed` and `value`; a title the item opens with as a link or bold text, with only markup after it, is
    that line alone and the rest a paragraph), other list items bullets, nested items indented; tables become pipe rows
    ("| 1 | Name | ... |") with a rule under the header row. Scripts, styles, navigation, forms, figure
    captions and other page furniture are dropped.
    """

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = soup.body or soup
    blocks: list[str] = []
    for element in root.find_all([*_BLOCK_TAGS, "table"]):
        if element.name != "table" and element.find_parent("table") is not None:
            continue
        if element.name == "table":
            if element.find_parent("table") is None:
                blocks.append(_table_text(element))
            continue
        if element.name == "li":
            blocks.extend(_list_item_blocks(element))
            continue
        if element.find_parent(["li", "p", "blockquote", "pre"]) is not None:
            continue
        text = _text(element)
        if text:
            blocks.append(_BLOCK_PREFIX.get(element.name, "") + text)
    blocks = [b for b in blocks if b.strip()]
    if not blocks:
        blocks = [line.strip() for line in root.get_text("\n").splitlines() if line.strip()]
    return "\n\n".join(blocks) + "\n"


def _text(element: Tag | NavigableString) -> str:
    """An element's text on one line, spaces collapsed."""
    return " ".join(_raw_text(element).split())


def _raw_text(node: Tag | NavigableString) -> str:
    """The text of a node as a reader sees it: inline markup adds nothing ("“<a>Title</a>”" is "“Title”", not
    "“ Title ”"); a line break or a block inside it separates words. Comments and other markup are skipped."""
    if isinstance(node, NavigableString):
        return "" if isinstance(node, PreformattedString) and not isinstance(node, CData) else str(node)
    pieces: list[str] = []
    for child in node.descendants:
        if isinstance(child, Tag):
            if child.name in _SPACED_TAGS:
                pieces.append(" ")
        elif not isinstance(child, PreformattedString) or isinstance(child, CData):
            pieces.append(str(child))
    return "".join(pieces)


def _list_item_blocks(item: Tag) -> list[str]:
    """A list item's own text (not its nested lists) with its marker; block children after the first become
    paragraphs of their own, so "<li><h3>Name</h3><p>Text</p></li>" keeps the name on the marker line."""
    parts: list[str] = []
    inline: list[str] = []
    lead = _title_lead(item)
    for child in item.children:
        if isinstance(child, Tag) and child.name in ("ul", "ol"):
            continue  # nested items are found on their own, right after this one
        if (isinstance(child, Tag) and child.name in _ITEM_BLOCKS) or child is lead:
            parts.append(" ".join("".join(inline).split()))
            inline = []
            parts.append(_text(child))
            continue
        inline.append(_raw_text(child))
    parts.append(" ".join("".join(inline).split()))
    parts = [p for p in parts if p]
    if not parts:
        return []
    depth = len(item.find_parents("li"))
    indent = "  " * depth
    first = parts[0]
    if not _RANK_MARKER.match(first):
        first = f"{_marker(item)}{first}"
    return [indent + first, *parts[1:]]


def _title_lead(item: Tag) -> Tag | None:
    """The link or bold text an ordered item opens with, when nothing but markup separates it from the sentence
    after it ("<li><a>Health Literacy Online</a> This webinar covered…</li>"): it is the item's title, so it
    goes on the marker line alone, as a heading inside the item would. None when a separator already shows
    where the title ends ("<strong>Heat</strong>: the diner scene…") or the text after it goes on the same
    sentence ("<a>Krita</a> is free")."""
    if not isinstance(item.parent, Tag) or item.parent.name != "ol":
        return None
    children = [c for c in item.children if not (isinstance(c, NavigableString) and not c.strip())]
    if len(children) < 2 or not isinstance(children[0], Tag) or children[0].name not in _TITLE_TAGS:
        return None
    rest: list[str] = []
    for child in children[1:]:
        if isinstance(child, Tag) and child.name in (*_ITEM_BLOCKS, "ul", "ol"):
            break
        rest.append(_raw_text(child))
    return children[0] if _text(children[0]) and "".join(rest).lstrip()[:1].isupper() else None


def _marker(item: Tag) -> str:
    """ "N. " for an item of an ordered list, "• " otherwise."""
    parent = item.parent
    if not isinstance(parent, Tag) or parent.name != "ol":
        return "• "
    items = parent.find_all("li", recursive=False)
    if item.get("value") and str(item["value"]).strip().lstrip("-").isdigit():
        return f"{int(str(item['value']))}. "
    position = items.index(item)
    if parent.has_attr("reversed"):
        start = _int_attr(parent, "start", len(items))
        return f"{start - position}. "
    return f"{_int_attr(parent, 'start', 1) + position}. "


def _int_attr(tag: Tag, name: str, default: int) -> int:
    value = str(tag.get(name) or "").strip()
    return int(value) if value.lstrip("-").isdigit() else default


def _table_text(table: Tag) -> str:
    """A table as pipe rows, with a rule under the first row when it is a header row."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    lines: list[str] = []
    for n, row in enumerate(rows):
        cells = [_text(c).replace("|", "/") for c in row.find_all(["th", "td"], recursive=False)]
        if not any(cells):
            continue
        lines.append("| " + " | ".join(cells) + " |")
        header = row.find_parent("thead") is not None or (row.find("td") is None and row.find("th") is not None)
        if n == 0 and header:
            lines.append("|" + "|".join(" --- " for _ in cells) + "|")
    return "\n".join(lines)


def load_source(path: Path | str, max_bytes: int = 5_000_000) -> LoadedSource:
    """Read a source file as text.

    Args:
        path: a .txt, .md or .html file.
        max_bytes: largest accepted file size.

    Returns:
        The loaded source; for HTML, `text` is the extracted text (the offsets of citations refer to it).

    Raises:
        SourceError: missing, not a file, unreadable, too large, binary, not UTF-8, empty, or an
            unsupported type. The message says which.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceError(f"Source not found: {path}. Pass a path to a .txt, .md or .html file.")
    if not path.is_file():
        raise SourceError(f"Source is not a file: {path}. Pass a path to a .txt, .md or .html file.")
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SourceError(
            f"Unsupported source type {path.suffix or '(no extension)'!r}: {path}. "
            f"Use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    try:
        before = path.stat()
        size = before.st_size
        if size > max_bytes:
            raise SourceError(
                f"Source is too large: {size:,} bytes > {max_bytes:,} (AICITIES_MAX_SOURCE_BYTES): {path}"
            )
        data = path.read_bytes()
    except PermissionError as exc:
        raise SourceError(f"Source is not readable (permission denied): {path}") from exc
    except OSError as exc:
        raise SourceError(f"Source could not be read: {path}: {exc.strerror or exc}") from exc
    if b"\x00" in data:
        raise SourceError(f"Source looks binary (it contains NUL bytes), not text: {path}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"Source is not UTF-8 text (bad byte at position {exc.start}): {path}. Convert it to UTF-8."
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "html":
        text = html_to_text(text)
    if not text.strip():
        raise SourceError(f"Source is empty: {path}")
    return LoadedSource(path=path, kind=kind, text=text, stat=_trusted_stat(path, before))
