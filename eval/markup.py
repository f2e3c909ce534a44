"""Markup a user must never see, checked on every eval run.

An eval run looks at everything its answers show a user (the answer text, each citation's label and quote) for
markup: a tag, an undecoded entity, markdown emphasis or heading marks, a pipe-table row or rule, a link target.
It also asks the questions users start with on any article (`first_questions`: what it is about, the top ones,
about and the rank of its first entries) and checks those answers the same way. A run that shows markup fails, so
`ai-cities eval --fixtures` checks every fixture article for it each time it gates them.
"""

from __future__ import annotations

import re

from ingest.core.models import Answer

TAGS = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?/?>|&(?:[a-z]+|#\d+);")
"""HTML's own markup: a tag, an entity left undecoded. In an HTML source a "#", "**" or "|" is text the page
shows (a "#" column header, a pipe in a title), not markup."""

MARKUP = re.compile(TAGS.pattern + r"|(?<!\*)\*\*(?!\*)|__|^#{1,6} [^\W\d_]|^\|?\s*:?-{3,}|\]\(https?://|"
                    r"\s\|\s.*\s\|\s", re.M)
"""HTML's markup (`TAGS`), markdown emphasis or heading marks, a pipe-table rule or row, a link target. ("****",
emphasis around nothing, is no emphasis: CommonMark shows it as written.)"""

CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]+`|<code[^>]*>.*?</code>|<pre[^>]*>.*?</pre>", re.S)
"""Code in a markdown or HTML source: a fenced block, an inline span, <code> or <pre>."""

FIRST_ENTRIES = 3
"""How many of the article's first entries `first_questions` asks about."""


def markup_in(text: str, raw: str = "", *, html: bool = False) -> list[str]:
    """The markup in `text`: HTML's and markdown's, or only HTML's when the source is an HTML page (`html`). A pipe
    the source escaped is text. A tag the source `raw` wrote as text (escaped, "&lt;link&gt;", or in code,
    "`<link>`") is the article talking about markup, not markup, and so is anything the source wrote inside code
    (a "# comment" line of a code sample, a "**" operator, "<roomID>" in a URL template)."""
    found = [m.group() for m in (TAGS if html else MARKUP).finditer(text)]
    code = " ".join(CODE.findall(raw)) if raw else ""
    return [f for f in found if not (f.startswith("<") and raw and (
        "&lt;" + f[1:].rstrip(">").split()[0] in raw or "`" + f.split()[0].rstrip(">") in raw))
        and not (code and f.strip() in code) and not _escaped_pipes(f, raw)]


def _escaped_pipes(found: str, raw: str) -> bool:
    """A run of " | " the source wrote escaped ("a \\| b", a pipe inside a table cell): text the page shows."""
    core = found.strip()
    return "|" in core and bool(raw) and core.replace("|", "\\|") in raw


def markup_shown(answer: Answer, raw: str = "", *, html: bool = False) -> list[str]:
    """The markup anywhere an answer shows a user: its text, and each citation's label and quote (`html`: the
    source is an HTML page)."""
    found = markup_in(answer.text, raw, html=html)
    for citation in answer.citations:
        found += markup_in(citation.label, raw, html=html) + markup_in(citation.quote, raw, html=html)
    return found


def first_questions(source_text: str) -> list[str]:
    """The questions users start with on an article: what it is about, which one is first, the top 3, and, for
    each of its first `FIRST_ENTRIES` ranked entries, "Tell me about X." and "What rank is X?"."""
    from ingest.parser import parse_article

    names = [s.name for s in parse_article(source_text).ranked if s.name][:FIRST_ENTRIES]
    return ["What is this article about?", "Which one is ranked first?", "Give me the top 3.",
            *(f"Tell me about {n}." for n in names), *(f"What rank is {n}?" for n in names)]
