"""No markup reaches what a user sees: section names, titles, entry names and the reader text, on every article
under data/ (the shipped one and every fixture), read through the document model. Answers, their citation labels
and quotes are checked by every eval run (`eval.markup`): `ai-cities eval --fixtures`, in `make test`, fails when
any fixture's answer shows markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.markup import markup_in as _markup
from ingest.chunker import section_label
from ingest.loader import SUPPORTED_SUFFIXES, load_source
from ingest.parser import parse_article, parse_source

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted(p for p in (ROOT / "data").rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES
                  and "chroma" not in p.parts and "sources" not in p.parts)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_nothing_a_user_sees_carries_markup(path: Path) -> None:
    loaded = load_source(path)
    article = parse_article(loaded.document or loaded.text)
    shown: list[str] = [article.title.text if article.title else "", article.intro.text if article.intro else ""]
    for section in article.sections:
        shown += [section_label(article, section), section.title.text, section.name or ""]
        shown += [b.body.text for b in section.bullets] + [b.topic or "" for b in section.bullets]
    raw = path.read_text(encoding="utf-8")
    html = path.suffix.lower() in {".html", ".htm"}
    found = {text[:80]: _markup(text, raw, html=html) for text in shown if _markup(text, raw, html=html)}
    assert not found, f"{path.name}: markup in what users see: {found}"
    assert not _markup(loaded.text, raw, html=html), \
        f"{path.name}: markup in the reader text: {_markup(loaded.text, raw, html=html)[:5]}"


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
