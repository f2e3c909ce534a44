"""One document model for every source: a list of typed blocks over a reader's text of the document.

Markdown goes through markdown-it (CommonMark with tables and definition lists, raw HTML allowed), so HTML inside
a markdown file becomes part of the same DOM as the markdown around it; HTML goes through BeautifulSoup with lxml;
plain text is a degenerate markdown file whose every line is a block. One walker turns that DOM into blocks:
headings with their levels, paragraphs, list items (ordered ones numbered as a browser numbers them: `start`,
`value`, `reversed`), table rows with their cells, definition terms and descriptions, block quotes.

The reader's text (`Document.text`) is what a person sees on the rendered page: no tags, no markdown marks, an
ordered item shown with its number ("7. "), a bullet with "• ", table cells separated by tabs. Every block knows
the span of its text in it, so quotes taken from it are verbatim and offsets exact, and no markup can reach an
answer. Site chrome (navigation, headers and footers of the page, forms, hidden elements, share and comment
widgets) is dropped with readability-lxml's own patterns for unlikely page parts.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any, Literal

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Doctype, ProcessingInstruction

from ingest.core.text import ABBREVIATIONS

SourceKind = Literal["text", "markdown", "html"]
BlockKind = Literal["heading", "paragraph", "item", "row", "term", "definition", "quote", "code"]

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "button", "form", "nav", "aside",
                        "footer", "figcaption", "select", "input", "textarea", "head", "canvas", "video", "audio",
                        "map", "object"})
_INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
                          "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
                          "sub", "sup", "time", "tt", "u", "var", "wbr", "br", "big", "picture", "source"})
_LEAD_TAGS = frozenset({"strong", "b", "em", "i", "a", "u", "mark", "cite", "q"})
# Elements that set a title of a work apart (a link's text, italics, <cite>): the title is whole, subtitle included.
_TITLE_TAGS = frozenset({"em", "i", "a", "cite", "q"})
# Inline elements that set a detail apart at the end of a block (a credit, a year, a score): `Block.tail`.
_TAIL_TAGS = frozenset({"small", "span", "em", "i", "sub", "sup", "time"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_NEVER_CHROME = frozenset({"body", "main", "article", "table", "tr", "td", "th", "li", "ol", "ul"})
_ROLES_DROPPED = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"})
_BULLET_GLYPHS = "•·▪‣●◦■□➢➤►✓✔"
_GLYPH_BULLET = re.compile(rf"^([ \t]*)[{_BULLET_GLYPHS}][ \t]+", re.M)
_SPACES = re.compile(r"[^\S\n\u00a0]+|\u00a0+")
# "**" that opens or closes a word but marks nothing: bold that markdown could not pair ("**Note: **this"), shown
# as typed. Between two words ("x**2") or two spaces ("a ** b") it is text.
_STRAY_STRONG = re.compile(r"(?<![\w*])\*\*(?=\w)|(?<=\w)\*\*(?![\w*])")


def _readability_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    from readability.readability import REGEXES

    return REGEXES["unlikelyCandidatesRe"], REGEXES["okMaybeItsACandidateRe"], REGEXES["displayNoneRe"]


@dataclass
class Block:
    """One block of the document; `start:end` is its text in `Document.text` (without a list marker)."""

    kind: BlockKind
    start: int
    end: int
    level: int = 0
    """Heading level (1-6); 0 for other blocks."""
    depth: int = 0
    """List nesting: 0 for a top-level list item (and for blocks outside lists), 1 inside one list item, …"""
    number: int | None = None
    """The number an ordered list shows for this item."""
    marker: tuple[int, int] | None = None
    """Span of the number shown before an ordered item ("7. "), when there is one."""
    group: int = -1
    """Id of the list, table or definition list the block belongs to; -1 for none."""
    ordered: bool = False
    set_number: bool = False
    """The number was set on the item itself (an HTML `value`), not counted by the list or written in markdown."""
    typed: int | None = None
    """The number typed before a markdown list item ("1." on every item, where markdown counts the list)."""
    cells: list[tuple[int, int]] = field(default_factory=list)
    """A table row's cells (spans, empty cells included, as zero-length spans)."""
    header: bool = False
    """A table row of header cells."""
    lead: tuple[int, int] | None = None
    """Span of the emphasis, strong text or link the block opens with ("**Name** — text")."""
    marked: list[tuple[int, int]] = field(default_factory=list)
    """Spans of the emphasis, strong text and links anywhere in the block, in order (a title set apart)."""
    titles: list[tuple[int, int]] = field(default_factory=list)
    """The spans of `marked` set in an element that marks a title of a work (a link, italics, `<cite>`): such a
    title is a name as a whole, its subtitle and final "!" included ("*Gone Fishing: A Memoir*")."""
    tail: tuple[int, int] | None = None
    """Span of an inline element the block ends with, after text of its own ("Name <small>Dir. Someone</small>",
    "Name *(2014)*"): a detail set apart from what comes before it."""
    container: int = 0
    """Id of the nearest sectioning ancestor (div, section, article …), to tell runs of siblings apart."""
    quoted: bool = False


@dataclass
class Document:
    """A source as blocks over its reader's text."""

    text: str
    blocks: list[Block]
    kind: SourceKind
    page_title: str | None = None
    """The HTML `<title>`, when the page has one."""
    emphasis: list[tuple[int, int]] = field(default_factory=list)
    """Spans of emphasised text (bold, italics) in `text`: names are often set this way."""
    dropped: int = 0
    """How many page-chrome elements were left out."""

    def block_text(self, block: Block) -> str:
        """The text of a block."""
        return self.text[block.start:block.end]


def read_document(source: str, kind: SourceKind) -> Document:
    """Read a source of the given kind into a `Document`."""
    if kind == "html":
        return _Walker(BeautifulSoup(source, "lxml"), "html", chrome=True).document()
    if kind == "markdown":
        source = _front_matter_as_title(source)
    markdown = _plain_to_markdown(source) if kind == "text" else _GLYPH_BULLET.sub(
        r"\1- ", "\n".join(_aligned_tables(_unfenced_tables(source))).replace("\n\x00", "\n"))
    markdown = _tag_lines_apart(markdown)
    markdown = _TEMPLATE_DIRECTIVE_LINE.sub("", markdown)
    markdown = _TEMPLATED_DESTINATION.sub("](#)", markdown)
    markdown = _TEMPLATED_DEFINITION.sub(r"\1#", markdown)
    markdown = _ATTRIBUTES_AFTER_DESTINATION.sub(r"](\1)", markdown)
    return _Walker(BeautifulSoup(_markdown_html(markdown), "lxml"), kind, chrome=False).document()


# A line that is only a container's opening or closing tag ("<div class='entry'>", "</figure>"): CommonMark would
# read the lines after it, up to a blank line, as raw HTML, so the markdown inside the container (a table, a
# heading) would be shown as text. With a blank line on each side the tag stays HTML and what it holds is read as
# markdown, as Python-Markdown's md_in_html reads a container marked `markdown="1"`.
_CONTAINER_TAG_LINE = re.compile(
    r"^[ \t]*(</?(?:div|section|article|figure|aside|header|footer|main|details|center|span|font)\b[^>\n]*>)[ \t]*$",
    re.I)
# A line that is only an element with no content ("<br/>", "<hr>", "<img src=…>"): the same, or the paragraph after
# it would be raw HTML, its links and emphasis shown as markdown text (kramdown, which most blogs use, reads it as
# markdown).
_VOID_TAG_LINE = re.compile(r"^[ \t]*(<(?:br|hr|img|wbr)\b[^<>\n]*>)[ \t]*$", re.I)


def _tag_lines_apart(markdown: str) -> str:
    """Every line that is only a container's tag or an element with no content becomes a block of its own (blank
    lines around it), and the lines inside a container lose the indentation they share: in HTML, indentation is
    layout (a container's content is indented as the source nests it), while markdown would read four spaces as a
    code block and show its tags as text. Fenced code stays as written."""
    out: list[str] = []
    run: list[str] = []  # lines inside a container, up to the next tag line
    depth = 0
    fence = ""

    def flush() -> None:
        if run:
            out.extend(textwrap.dedent("\n".join(run)).split("\n"))
            run.clear()

    for line in markdown.split("\n"):
        fence, code = _fence_after(fence, line)
        tag = None if code else (_CONTAINER_TAG_LINE.match(line) or _VOID_TAG_LINE.match(line))
        if tag is None:
            if depth and not code:
                run.append(line)
            else:
                flush()
                out.append(line)
            continue
        flush()
        out.extend(("", tag.group(1), ""))
        if tag.re is _CONTAINER_TAG_LINE and not tag.group(1).endswith("/>"):
            depth = max(0, depth + (-1 if tag.group(1).startswith("</") else 1))
    flush()
    return "\n".join(out)


# YAML front matter at the top of a markdown file (Jekyll, Hugo, Middleman …), after any comments: "---", the
# fields, "---" or "...".
_FRONT_MATTER = re.compile(
    r"\A(?P<lead>(?:\s*<!--.*?-->)*\s*)---[ \t]*\n(?P<fields>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _front_matter_as_title(markdown: str) -> str:
    """A page's front matter is its settings, not its text: its fields go, but for the ones a site shows as text. Its
    `title`, which the layout shows as the page's heading, becomes that heading (unless the text opens with the
    same one), and the summary its author wrote (`description`, `subtitle`, `summary`, `excerpt`) the paragraph
    under it. Anything after `---` that is not a YAML mapping is no front matter and stays."""
    import html

    import yaml

    match = _FRONT_MATTER.match(markdown)
    if match is None:
        return markdown
    try:
        fields = yaml.safe_load(match.group("fields"))
    except yaml.YAMLError:
        return markdown
    if not isinstance(fields, dict):
        return markdown
    body = markdown[match.end():]
    shown: list[str] = []
    title = fields.get("title")
    if isinstance(title, str) and title.strip():
        title = " ".join(title.split())
        first_heading = re.search(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", body, re.M)
        if not (first_heading and " ".join(first_heading.group(1).split()).casefold() == title.casefold()):
            shown.append(f"<h1>{html.escape(title)}</h1>")
    for name in _FRONT_MATTER_TEXT:
        value = fields.get(name)
        if isinstance(value, str) and value.strip() and value.strip().casefold() not in body.casefold():
            shown.append(f"<p>{html.escape(' '.join(value.split()))}</p>")
    return match.group("lead") + "".join(f"{part}\n\n" for part in shown) + body


_FRONT_MATTER_TEXT = ("subtitle", "description", "summary", "excerpt")  # fields a layout shows under the title


# A line that is only a site generator's directive: a Liquid or Jinja tag ("{% include video.html id=… %}",
# "{% embed url=… %}", "{% endraw %}") or a Hugo shortcode ("{{< video abc >}}", "{{% note %}}"). The page shows
# what the generator puts there (a player, a widget), never the directive; as text it would read as a short
# paragraph of its own (and be taken for a heading or a name).
# The same for a WordPress shortcode with attributes ("[the_ad id='12']", "[gallery ids=\"1,2\"]"), also with the
# escapes a conversion to markdown adds ("\\[the\\_ad id='12'\\]"), or its closing tag ("[/caption]"); and an MDX
# module statement ("import Chart from '@site/chart.png';", "export const meta = …"), which a .md/.mdx page of a
# documentation site or a blog runs, never shows.
_SHORTCODE_NAME = r"[a-z](?:[\w-]|\\_)*"
_SHORTCODE = (rf"\\?\[(?:/{_SHORTCODE_NAME}|{_SHORTCODE_NAME}(?:[ \t]+(?:[\w-]|\\_)+="
              r"(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\]\\]+))+[ \t]*/?)\\?\]")
_MDX_STATEMENT = (r"(?:import[ \t]+[\w{}*, \t]+[ \t]+from[ \t]+(?:'[^'\n]+'|\"[^\"\n]+\")"
                  r"|export[ \t]+(?:const|default|function|let)\b.*);?")
_TEMPLATE_DIRECTIVE_LINE = re.compile(
    r"^[ \t]*(?:\{%-?[^{}\n]*-?%\}|\{\{[<%][^{}\n]*[>%]\}\})[ \t]*$"
    rf"|^[ \t]*(?:{_SHORTCODE})[ \t]*$|^{_MDX_STATEMENT}[ \t]*$", re.M)


# A link whose address a site generator fills in ("[text]({{ site.url }}/a)", "[text]({% link a.md %})"): the
# spaces of the template expression stop CommonMark from reading a link, so the brackets and the expression would
# be shown as text. The address is of no use here; the link's text stays.
_TEMPLATE_EXPRESSION = r"(?:\{\{[^{}\n]*\}\}|\{%[^{}\n]*%\})"  # "{{ site.url }}", "{% link a.md %}"
_TEMPLATED_DESTINATION = re.compile(r"\]\(\s*[^()\s]*" + _TEMPLATE_EXPRESSION + r"[^()\n]*\)")
# The same in a link reference definition ("[2]: {{ site.url }}/img/a.png"): there it is worse, since a definition
# CommonMark cannot read ends the run of definitions, and every definition after it is shown as text, with the
# references that use them ("Team [Name][3]").
_TEMPLATED_DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)(?:[^\s{]*" + _TEMPLATE_EXPRESSION + r")+\S*", re.M)

# A link converted from HTML with the rest of its tag's attributes left after the address
# ('[text](https://a.example/x" rel="noopener" target="_blank" title=")'): CommonMark reads no link there, so the
# brackets, the address and the attributes would be shown as text. It is a link to the address.
_ATTRIBUTES_AFTER_DESTINATION = re.compile(
    r"\]\(\s*([^()\s\"<>]+)\"(?:\s+[\w:-]+=(?:\"(?=\))|\"[^\"\n]*\"|'[^'\n]*'))+\s*\)")


def _markdown_html(markdown: str) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True, "breaks": False}).enable("table").use(deflist_plugin) \
        .use(footnote_plugin)
    _plain_footnotes(md)
    tokens = md.parse(markdown)
    _raw_html_fences(tokens)
    _keep_written_numbers(tokens)
    return md.renderer.render(tokens, md.options, {})


def _plain_footnotes(md: Any) -> None:
    """Footnotes ("[^note]: text", its indented lines included: paragraphs, a table) are read as the blocks they
    hold, where the page shows them (at the end), without the reference marks in the text ("[1]" beside a heading
    would read as part of its name, and as a citation mark in an answer), the back-links, or the numbered list a
    page draws them as, which is no ranking."""
    rules = md.renderer.rules
    rules["footnote_ref"] = rules["footnote_anchor"] = lambda *_: ""
    rules["footnote_block_open"] = lambda *_: '<section class="footnotes">\n'
    rules["footnote_block_close"] = lambda *_: "</section>\n"
    rules["footnote_open"] = lambda *_: '<div class="footnote">\n'
    rules["footnote_close"] = lambda *_: "</div>\n"


# The info string of a fenced block that holds raw HTML: pandoc's raw attribute ("```{=html}") and djot's
# ("``` =html").
_RAW_HTML_FENCE = re.compile(r"\{?\s*=html5?\s*\}?", re.I)


def _raw_html_fences(tokens: list[Any]) -> None:
    """A fenced block marked as raw HTML is HTML the page shows rendered, not code to show as text: it becomes an
    HTML block, read into the same DOM as the markdown around it."""
    for token in tokens:
        if token.type == "fence" and _RAW_HTML_FENCE.fullmatch(token.info.strip()):
            token.type = "html_block"


def _keep_written_numbers(tokens: list[Any]) -> None:
    """CommonMark numbers a list from its first item; the number written on each item ("5.", "4.", … in a
    countdown, "=3." twice for a tie) is what the author shows, so it becomes the item's `value` — unless every
    item carries the same number, the markdown habit of writing "1." on each item and letting the list count."""
    stack: list[list[Any]] = []
    for token in tokens:
        if token.type == "ordered_list_open":
            stack.append([])
        elif token.type == "list_item_open" and stack and token.info.isdigit():
            token.attrSet("data-typed", token.info)
            stack[-1].append(token)
        elif token.type == "ordered_list_close" and stack:
            items = stack.pop()
            if len({t.info for t in items}) > 1 or len(items) == 1:
                for item in items:
                    item.attrSet("value", item.info)
                    item.attrSet("data-written", "1")
                    item.attrSet("data-delimiter", item.markup)
            else:
                for item in items:
                    item.attrSet("data-delimiter", item.markup)


def _plain_to_markdown(text: str) -> str:
    """Plain text as markdown whose every line is its own block (indentation is no code block here)."""
    lines: list[str] = []
    previous = ""
    for raw in _aligned_tables(text):
        line = _GLYPH_BULLET.sub("- ", raw.strip()) if raw.strip() else ""
        if line and previous and lines and _wrapped(previous, line):
            lines[-1] += " " + line  # a hard-wrapped paragraph goes on
        elif line:
            lines.append(line)
        previous = line
    return "\n\n".join(lines).replace("\n\n\x00", "\n")


_LIST_START = re.compile(r"^(?:[-*+]\s|\d{1,3}[.)]\s|#{1,6}\s|\|)")
_WRAP_WIDTH = 50


def _wrapped(previous: str, line: str) -> bool:
    """Whether a line of plain text continues the line before it (a paragraph wrapped at a fixed width): the
    line before is long, does not end a sentence or a label (an abbreviation's dot, "St.", ends none), and this
    one opens no list item or heading."""
    ends = re.search(r"[.!?:;…。！？]['\"”’)]*$", previous) and previous.split()[-1].lower() not in ABBREVIATIONS
    return len(previous) >= _WRAP_WIDTH and not ends and not _LIST_START.match(line) \
        and not _LIST_START.match(previous)


_ALIGNED = re.compile(r"\t|\s{2,}")


# A fenced block with no language, or plain text: ```, ~~~, ```text. Its opening fence, content, closing fence.
_PLAIN_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?:text|txt|plain|plaintext)?[ \t]*\n"
                          r"(?P<body>.*?)\n(?P=fence)[ \t]*$", re.M | re.S | re.I)


_FENCE_LINE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def _fence_after(fence: str, line: str) -> tuple[str, bool]:
    """Fenced code, line by line: the fence open after `line` ("" for none, given the one open before it) and
    whether `line` is code (a fence line, or a line inside a fence)."""
    opening = _FENCE_LINE.match(line)
    code = bool(fence or opening)
    if opening and (not fence or opening.group(1).startswith(fence)):
        fence = "" if fence else opening.group(1)
    return fence, code


def _unfenced_tables(source: str) -> str:
    """A table written as fixed-width text inside a plain fenced block (a README's standings, a terminal's
    listing) is a table the fence only keeps aligned: when most of the block's lines are rows of one aligned table
    (`_aligned_tables`), the fence goes and the table is read as a table; any other block stays code."""
    def unfence(match: re.Match[str]) -> str:
        body = match.group("body")
        lines = [line for line in body.splitlines() if line.strip()]
        rows = sum(line.startswith(("| ", "\x00| ")) for line in _aligned_tables(body))
        return f"\n{body}\n" if lines and rows >= 3 and rows * 2 > len(lines) else match.group()

    return _PLAIN_FENCE.sub(unfence, source)


def _aligned_tables(text: str) -> list[str]:
    """Lines of text with tables aligned by tabs or runs of spaces (three or more rows split alike into two or more
    columns) rewritten as markdown pipe rows, so the markdown reader sees tables; a row's later lines are marked
    to stay with it. Fenced code blocks stay as written."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    fence = ""
    while i < len(lines):
        fence, code = _fence_after(fence, lines[i])
        if code:  # code stays as written
            out.append(lines[i])
            i += 1
            continue
        width = len(_ALIGNED.split(lines[i].strip())) if lines[i].strip() else 0
        j = i
        while j < len(lines) and lines[j].strip() and not lines[j].lstrip().startswith("|") \
                and len(_ALIGNED.split(lines[j].strip())) == width >= 2 \
                and all(len(c) <= 60 for c in _ALIGNED.split(lines[j].strip())):
            j += 1
        if j - i >= 3:
            if out and out[-1].strip():
                out.append("")  # a table starts a block of its own (a pipe row can't go on a paragraph)
            rows = [_ALIGNED.split(line.strip()) for line in lines[i:j]]
            cells = [" | ".join(c.replace("|", "\\|") for c in row) for row in rows]
            headed = not any(re.fullmatch(r"[#\d.,%$]+", c) for c in rows[0])
            out.append("| " + (cells[0] if headed else " | ".join(" " for _ in rows[0])) + " |")
            out.append("\x00| " + " | ".join("---" for _ in rows[0]) + " |")
            out.extend("\x00| " + c + " |" for c in cells[1 if headed else 0:])
            i = j
            continue
        out.append(lines[i])
        i += 1
    return out


class _Inline:
    """Renders inline content into text as a reader sees it, tracking where marked elements start and end."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.space = False
        self.open: list[list[int]] = []  # [start, end] of marks being rendered; start -1 until text comes
        self.done: list[tuple[str, int, int]] = []

    def text(self, value: str) -> None:
        value = _SPACES.sub(" ", value.replace("\u00a0", " ").replace("\r", "").replace("\n", " "))
        value = _STRAY_STRONG.sub("", value)
        if not value:
            return
        if value[0] == " ":
            self.space = self.size > 0
            value = value.lstrip(" ")
        trailing = value.endswith(" ")
        value = value.rstrip(" ")
        if value:
            if self.space and self.size and self.parts[-1][-1:] != "\n":
                self._emit(" ")
            self.space = False
            for mark in self.open:
                if mark[0] < 0:
                    mark[0] = self.size
            self._emit(value)
        if trailing:
            self.space = True

    def newline(self) -> None:
        if self.size:
            self._emit("\n")
        self.space = False

    def _emit(self, value: str) -> None:
        self.parts.append(value)
        self.size += len(value)

    def enter(self) -> list[int]:
        mark = [-1, -1]
        self.open.append(mark)
        return mark

    def leave(self, mark: list[int], name: str) -> None:
        # by identity: two marks that hold the same offsets are equal lists ([-1, -1] before any text)
        self.open = [m for m in self.open if m is not mark]
        if mark[0] >= 0:
            self.done.append((name, mark[0], self.size))

    def result(self) -> tuple[str, list[tuple[str, int, int]]]:
        text = "".join(self.parts)
        stripped = text.rstrip()
        return stripped, [(n, a, min(b, len(stripped))) for n, a, b in self.done if a < len(stripped)]


class _Walker:
    """Walks a DOM in document order and lays its blocks out in the reader's text."""

    def __init__(self, soup: BeautifulSoup, kind: SourceKind, chrome: bool) -> None:
        self.soup = soup
        self.kind = kind
        self.chrome = chrome
        self.parts: list[str] = []
        self.size = 0
        self.blocks: list[Block] = []
        self.emphasis: list[tuple[int, int]] = []
        self.groups = 0
        self.containers = 0
        self.dropped = 0
        self.patterns = _readability_patterns() if chrome else None

    def document(self) -> Document:
        title_tag = self.soup.find("title")
        page_title = " ".join(title_tag.get_text(" ").split()) if isinstance(title_tag, Tag) else None
        root = self.soup.body or self.soup
        self._children(root, depth=0, container=0, quoted=False)
        return Document("".join(self.parts), self.blocks, self.kind, page_title or None, self.emphasis, self.dropped)

    # --- structure ---------------------------------------------------------------------------------------

    def _is_chrome(self, tag: Tag) -> bool:
        if tag.name in _DROP_TAGS or tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
            return True
        if str(tag.get("role", "")).lower() in _ROLES_DROPPED:
            return True
        if not self.chrome or self.patterns is None:
            return False
        unlikely, maybe, hidden = self.patterns
        if hidden.search(str(tag.get("style", ""))):
            return True
        if tag.name == "header":
            return tag.find("h1") is None
        if tag.name in _NEVER_CHROME or tag.name in _HEADINGS:
            return False
        marks = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
        return bool(marks.strip()) and bool(unlikely.search(marks)) and not maybe.search(marks) \
            and tag.find(list(_HEADINGS)) is None

    def _children(self, node: Tag, depth: int, container: int, quoted: bool) -> None:
        """Blocks of a node's children; runs of inline content between block children are paragraphs."""
        run: list[Tag | NavigableString] = []
        for child in list(node.children):
            if isinstance(child, Tag) and child.name not in _INLINE_TAGS:
                self._inline_run(run, depth, container, quoted)
                run = []
                self._block(child, depth, container, quoted)
            else:
                run.append(child)
        self._inline_run(run, depth, container, quoted)

    def _inline_run(self, run: list[Tag | NavigableString], depth: int, container: int, quoted: bool) -> None:
        if run:
            self._emit_block("quote" if quoted else "paragraph", run, depth=depth, container=container, quoted=quoted)

    def _block(self, tag: Tag, depth: int, container: int, quoted: bool) -> None:
        if self._is_chrome(tag):
            self.dropped += 1
            return
        name = tag.name
        if name in _HEADINGS:
            self._emit_block("heading", list(tag.children), level=_HEADINGS[name], depth=depth, container=container)
        elif name == "p":
            self._emit_block("quote" if quoted else "paragraph", list(tag.children), depth=depth,
                             container=container, quoted=quoted)
        elif name in ("ul", "ol", "menu", "dir"):
            self._list(tag, depth, container, quoted)
        elif name == "table":
            self._table(tag, depth, container)
        elif name == "dl":
            self._definitions(tag, depth, container)
        elif name == "summary":
            # a disclosure's label ("<details><summary>Name</summary>…"): it names what the details hold, as a
            # definition list's term names its definition
            self.groups += 1
            self._emit_block("term", list(tag.children), depth=depth, container=container, group=self.groups)
        elif name == "pre":
            self._emit_block("code", list(tag.children), depth=depth, container=container, pre=True)
        elif name == "blockquote":
            self._children(tag, depth, container, quoted=True)
        elif name in ("hr",):
            return
        else:
            self.containers += 1
            self._children(tag, depth, self.containers, quoted)

    def _list(self, tag: Tag, depth: int, container: int, quoted: bool) -> None:
        self.groups += 1
        group = self.groups
        ordered = tag.name == "ol"
        items = [c for c in tag.children if isinstance(c, Tag) and c.name == "li"]
        start = _int_attr(tag, "start")
        reverse = tag.has_attr("reversed")
        number = start if start is not None else (len(items) if reverse else 1)
        for item in items:
            value = _int_attr(item, "value")
            if value is not None:
                number = value
            self._item(item, depth, container, group, number if ordered else None, quoted,
                       set_number=value is not None and not item.has_attr("data-written"),
                       typed=_int_attr(item, "data-typed"))
            number += -1 if reverse else 1

    def _item(self, item: Tag, depth: int, container: int, group: int, number: int | None, quoted: bool,
              set_number: bool = False, typed: int | None = None) -> None:
        """A list item: its leading inline content (or its first block's) is the item; the rest nests below."""
        children = list(item.children)
        lead: list[Tag | NavigableString] = []
        rest_at = len(children)
        for i, child in enumerate(children):
            if isinstance(child, Tag) and child.name not in _INLINE_TAGS:
                rest_at = i
                break
            lead.append(child)
        if not "".join(_text_of(c) for c in lead).strip() and rest_at < len(children):
            first = children[rest_at]
            if isinstance(first, Tag) and (first.name == "p" or first.name in _HEADINGS):
                lead, rest_at = list(first.children), rest_at + 1
        mark = str(item.get("data-delimiter") or ".")
        self._emit_block("item", lead, depth=depth, container=container, group=group, number=number,
                         ordered=number is not None, quoted=quoted, delimiter=mark if mark in ".)" else ".",
                         set_number=set_number, typed=typed)
        for child in children[rest_at:]:
            if isinstance(child, Tag) and child.name not in _INLINE_TAGS:
                self._block(child, depth + 1, container, quoted)
            elif _text_of(child).strip():
                self._emit_block("paragraph", [child], depth=depth + 1, container=container, quoted=quoted)

    def _table(self, tag: Tag, depth: int, container: int) -> None:
        self.groups += 1
        group = self.groups
        rows = [r for r in tag.find_all("tr") if r.find_parent("table") is tag]
        spanning: dict[int, tuple[tuple[int, int], int]] = {}  # column -> (a cell's span, rows it still covers)
        for row in rows:
            cells = [c for c in row.children if isinstance(c, Tag) and c.name in ("td", "th")]
            if not any(_text_of(c).strip() for c in cells):
                continue
            header = row.find_parent("thead") is not None or all(c.name == "th" for c in cells)
            self._gap("\n" if self.blocks and self.blocks[-1].group == group else "\n\n")
            start = self.size
            spans: list[tuple[int, int]] = []
            for written, cell in enumerate(cells):
                self._carry_spanning(spans, spanning)
                if written:
                    self._write("\t")
                text, marks = self._render(list(cell.children))
                text = text.replace("\n", " ")  # a cell is one line of its row
                span = (self.size, self.size + len(text))
                self._marks(marks, self.size)
                self._write(text)
                rows_down = _int_attr(cell, "rowspan") or 1
                for extra in range(min(_int_attr(cell, "colspan") or 1, 20)):
                    if rows_down > 1:
                        spanning[len(spans)] = (span, min(rows_down, 500) - 1)
                    spans.append(span if not extra else (span[1], span[1]))
            self._carry_spanning(spans, spanning, to_end=True)
            self.blocks.append(Block("row", start, self.size, depth=depth, group=group, cells=spans, header=header,
                                     container=container))

    @staticmethod
    def _carry_spanning(spans: list[tuple[int, int]], spanning: dict[int, tuple[tuple[int, int], int]],
                        to_end: bool = False) -> None:
        """A cell of an earlier row that spans down into this one (`rowspan`) takes its column here: the row's
        cell there is that cell's text, where it stands ("T3" of two tied players)."""
        while len(spans) in spanning or (to_end and any(col >= len(spans) for col in spanning)):
            col = len(spans)
            if col not in spanning:
                spans.append((0, 0))  # a column no cell of this row fills
                continue
            span, left = spanning[col]
            spans.append(span)
            if left > 1:
                spanning[col] = (span, left - 1)
            else:
                del spanning[col]

    def _definitions(self, tag: Tag, depth: int, container: int) -> None:
        self.groups += 1
        for child in tag.find_all(["dt", "dd"]):
            if child.find_parent("dl") is not tag:
                continue
            kind: BlockKind = "term" if child.name == "dt" else "definition"
            self._emit_block(kind, list(child.children), depth=depth, container=container, group=self.groups)

    # --- text --------------------------------------------------------------------------------------------

    def _emit_block(self, kind: BlockKind, nodes: list[Tag | NavigableString], *, level: int = 0, depth: int = 0,
                    container: int = 0, group: int = -1, number: int | None = None, ordered: bool = False,
                    quoted: bool = False, pre: bool = False, delimiter: str = ".",
                    set_number: bool = False, typed: int | None = None) -> None:
        if pre:
            text = "".join(_text_of(n) for n in nodes).strip("\n")
            marks: list[tuple[str, int, int]] = []
        else:
            text, marks = self._render(nodes)
        if not text.strip():
            return
        same_list = group >= 0 and self.blocks and self.blocks[-1].group == group and kind == "item"
        self._gap("\n" if same_list else "\n\n")
        marker = None
        if kind == "item":
            if number is not None:
                label = f"{number}{delimiter} "
                marker = (self.size, self.size + len(label) - 1)
            else:
                label = "• "
            self._write(label)
        start = self.size
        self._marks(marks, start)
        self._write(text)
        lead = next(((start + a, start + b) for name, a, b in marks if a == 0 and name in _LEAD_TAGS and b > a), None)
        marked = sorted({(start + a, start + b) for name, a, b in marks if name in _LEAD_TAGS and b > a})
        titles = sorted({(start + a, start + b) for name, a, b in marks if name in _TITLE_TAGS and b > a})
        self.blocks.append(Block(kind, start, self.size, level=level, depth=depth, number=number, marker=marker,
                                 group=group, ordered=ordered, lead=lead, container=container, quoted=quoted,
                                 marked=marked, titles=titles, set_number=set_number, typed=typed,
                                 tail=_tail(text, marks, start)))

    def _marks(self, marks: list[tuple[str, int, int]], offset: int) -> None:
        for name, a, b in marks:
            if name in ("strong", "b", "em", "i") and b > a:
                self.emphasis.append((offset + a, offset + b))

    def _render(self, nodes: list[Tag | NavigableString]) -> tuple[str, list[tuple[str, int, int]]]:
        inline = _Inline()
        for node in nodes:
            self._render_node(node, inline)
        return inline.result()

    def _render_node(self, node: Tag | NavigableString, inline: _Inline) -> None:
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment | Doctype | ProcessingInstruction) or isinstance(node, CData):
                inline.text(str(node))
            return
        if self._is_chrome(node) or node.name == "img":
            return
        if node.name == "br":
            inline.newline()
            return
        block = node.name not in _INLINE_TAGS
        if block:
            inline.text(" ")  # a block inside inline content (a paragraph in a cell) separates words
        mark = inline.enter()
        for child in node.children:
            self._render_node(child, inline)
        inline.leave(mark, node.name)
        if block:
            inline.text(" ")

    def _gap(self, gap: str) -> None:
        if self.size:
            self._write(gap)

    def _write(self, value: str) -> None:
        self.parts.append(value)
        self.size += len(value)


def _tail(text: str, marks: list[tuple[str, int, int]], offset: int) -> tuple[int, int] | None:
    """The span (in the document) of the inline element a block's text ends with, when text comes before it."""
    end = len(text.rstrip())
    found = [(a, b) for name, a, b in marks if name in _TAIL_TAGS and b > a and text[a:b].strip()
             and len(text[:b].rstrip()) == end and text[:a].strip()]
    if not found:
        return None
    a, b = min(found)  # the outermost, when elements nest
    return offset + a, offset + b


def _text_of(node: Tag | NavigableString) -> str:
    if isinstance(node, NavigableString):
        return "" if isinstance(node, Comment | Doctype | ProcessingInstruction) else str(node)
    return node.get_text()


def _int_attr(tag: Tag, name: str) -> int | None:
    value = str(tag.get(name) or "").strip()
    return int(value) if re.fullmatch(r"-?\d{1,6}", value) else None
