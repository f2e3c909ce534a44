"""Loading sources: text, markdown and HTML, and clear errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.core.errors import SourceError
from ingest.loader import load_source
from ingest.parser import parse_article


def test_html_page_is_reduced_to_its_content(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>x</title><script>alert(1)</script></head><body><nav>Home | About</nav>"
        "<h1>Top Towns</h1><p>An overview of the towns that lead in robots, and why they matter now.</p>"
        "<h2>1. Alpha</h2><ul><li>Policy Support: Alpha funds robots.</li></ul>"
        "<figure><img src='a.jpg'><figcaption>Alpha skyline at night</figcaption></figure>"
        "<form><p>Leave a Comment</p></form><footer>Share</footer></body></html>",
        encoding="utf-8",
    )
    loaded = load_source(page)
    assert "alert" not in loaded.text and "skyline" not in loaded.text and "Home | About" not in loaded.text
    article = parse_article(loaded.text)
    assert article.title and article.title.text == "Top Towns"
    assert article.ranked[0].city == "Alpha"
    assert article.ranked[0].bullets[0].topic == "Policy Support"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "Source not found"),
        ("empty.txt", b"   \n", "Source is empty"),
        ("binary.txt", b"\x00\x01\x02abc", "binary"),
        ("latin1.txt", "Caf\xe9 city".encode("latin-1"), "not UTF-8"),
        ("data.pdf", b"%PDF-1.4", "Unsupported source type"),
    ],
)
def test_bad_sources_get_clear_errors(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        load_source(path)


def test_size_limit_and_directories(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(SourceError, match="too large"):
        load_source(big, max_bytes=1000)
    with pytest.raises(SourceError, match="not a file"):
        load_source(tmp_path)


def test_text_hash_changes_with_content(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one\n", encoding="utf-8")
    first = load_source(path).sha256
    path.write_text("two\n", encoding="utf-8")
    assert load_source(path).sha256 != first
