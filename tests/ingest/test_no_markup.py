"""No markup reaches what a user sees: section names, titles, entry names, quotes and answers, on every article
under data/ (the shipped one and every fixture), read through the document model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunker import section_label
from ingest.loader import SUPPORTED_SUFFIXES, load_source
from ingest.parser import parse_article, parse_source

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted(p for p in (ROOT / "data").rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES
                  and "chroma" not in p.parts and "sources" not in p.parts)
# a tag, an entity left undecoded, markdown emphasis or heading marks, a pipe-table rule or row, a link target
MARKUP = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?/?>|&(?:[a-z]+|#\d+);|\*\*|__|^#{1,6} [^\W\d_]|^\|?\s*:?-{3,}|"
                    r"\]\(https?://|\s\|\s.*\s\|\s", re.M)


# code in a markdown or HTML source: a fenced block, an inline span, <code> or <pre>
CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]+`|<code[^>]*>.*?</code>|<pre[^>]*>.*?</pre>", re.S)


def _markup(text: str, raw: str = "") -> list[str]:
    """Markup in text; a tag the source wrote as text (escaped, "&lt;link&gt;", or in code, "`<link>`") is the
    article talking about markup, not markup, and so is anything the source wrote inside code (a "# comment"
    line of a code sample, a "**" operator, "<roomID>" in a URL template)."""
    found = [m.group() for m in MARKUP.finditer(text)]
    code = " ".join(CODE.findall(raw)) if raw else ""
    return [f for f in found if not (f.startswith("<") and raw and (
        "&lt;" + f[1:].rstrip(">").split()[0] in raw or "`" + f.split()[0].rstrip(">") in raw))
        and not (code and f.strip() in code)]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_nothing_a_user_sees_carries_markup(path: Path) -> None:
    loaded = load_source(path)
    article = parse_article(loaded.document or loaded.text)
    shown: list[str] = [article.title.text if article.title else "", article.intro.text if article.intro else ""]
    for section in article.sections:
        shown += [section_label(article, section), section.title.text, section.name or ""]
        shown += [b.body.text for b in section.bullets] + [b.topic or "" for b in section.bullets]
    raw = path.read_text(encoding="utf-8")
    found = {text[:80]: _markup(text, raw) for text in shown if _markup(text, raw)}
    assert not found, f"{path.name}: markup in what users see: {found}"
    assert not _markup(loaded.text, raw), f"{path.name}: markup in the reader text: {_markup(loaded.text, raw)[:5]}"


def test_markup_of_every_kind_is_read_not_shown() -> None:
    source = ("<!-- a comment -->\n<div class='post'>\n\n# The 3 Best Kites\n\n</div>\n\n"
              "<p style='color:red'>Ranked by <b>how long</b> they stay up&nbsp;in a breeze &amp; a gale.</p>\n\n"
              "<table><tr><th>Rank</th><th>Kite</th></tr><tr><td>1</td><td><a href='/a'>Sky Ribbon</a></td></tr>"
              "<tr><td>2</td><td><em>Red Delta</em></td></tr><tr><td>3</td><td>Box&nbsp;Kite<br></td></tr></table>\n\n"
              "1. a short numbered note\n2. another one\n\n**Bold** text and `code` and [a link](https://example.org).\n")
    article = parse_source(source, "markdown")
    assert [(s.rank, s.name) for s in article.ranked] == [(1, "Sky Ribbon"), (2, "Red Delta"), (3, "Box Kite")]
    assert article.title is not None and article.title.text == "The 3 Best Kites"
    assert not _markup(article.source_text), _markup(article.source_text)
    assert "Ranked by how long they stay up in a breeze & a gale." in article.source_text
    assert "Bold text and code and a link." in article.source_text


def check_answers_carry_no_markup(path: Path, root: Path, embeddings: object) -> None:
    """Ask a bot over one article the questions users start with (what it is about, the top ones, about its
    first entries) and check that no answer, citation label or quote carries markup. The articles are split
    between two test modules (`test_no_markup_answers_even.py`, `_odd.py`) so that both test workers share them."""
    from app import Chatbot, Settings

    bot = Chatbot(Settings(source_path=path, chroma_path=root / "chroma", feedback_path=root / "fb.jsonl",
                           multilingual=False), embeddings=embeddings)  # type: ignore[arg-type]
    bot.warm_up()
    article = parse_article(load_source(path).text)
    names = [s.name for s in article.ranked][:3]
    questions = ["What is this article about?", "Which one is ranked first?", "Give me the top 3.",
                 *(f"Tell me about {n}." for n in names), *(f"What rank is {n}?" for n in names)]
    raw = path.read_text(encoding="utf-8")
    for question in questions:
        answer = bot.ask(question)
        assert not _markup(answer.text, raw), (path.name, question, answer.text)
        for citation in answer.citations:
            assert not _markup(citation.label, raw) and not _markup(citation.quote, raw), (path.name, citation)
