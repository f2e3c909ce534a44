"""Fetching a source from a URL: a real HTTP server on 127.0.0.1 serves the fixture articles; the fetched copy is
indexed into a real Chroma in tmp_path with the real models, and answers cite the URL. Every failure a user can
cause is one clear `SourceError`."""

from __future__ import annotations

import hashlib
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.chatbot import Chatbot
from ingest.articles import article_id_for
from ingest.core.errors import SourceError
from ingest.core.settings import PROJECT_ROOT
from ingest.embeddings import LocalEmbeddings
from ingest.fetch import fetch_url, fetch_with_settings, is_url, sidecar_of, source_url_of
from tests.conftest import Page, PageServer, free_port

FIXTURES = PROJECT_ROOT / "data" / "fixtures"
EARTHQUAKES = (FIXTURES / "usgs-largest-earthquakes.html").read_bytes()
WEBINARS = (FIXTURES / "digitalgov-university-2016-training-trends.html").read_bytes()
OWASP = (FIXTURES / "owasp-top10-2021.md").read_bytes()


def test_fetch_keeps_the_page_and_a_sidecar(page_server: PageServer, tmp_path: Path) -> None:
    url = page_server.add("/fetch/earthquakes", Page(EARTHQUAKES))
    fetched = fetch_url(url, tmp_path / "sources")
    assert fetched.path.parent == tmp_path / "sources" and fetched.path.suffix == ".html"
    assert fetched.path.read_bytes() == EARTHQUAKES and fetched.changed
    sidecar = json.loads(sidecar_of(fetched.path).read_text(encoding="utf-8"))
    assert sidecar["url"] == sidecar["final_url"] == url
    assert sidecar["content_type"] == "text/html"
    assert sidecar["sha256"] == hashlib.sha256(EARTHQUAKES).hexdigest()
    assert datetime.fromisoformat(sidecar["fetched_at"]).utcoffset() == UTC.utcoffset(None)
    assert source_url_of(fetched.path) == url
    path, headers = page_server.requests[-1]
    assert path == "/fetch/earthquakes" and headers["User-Agent"].startswith("ai-cities-chat/")


@pytest.mark.parametrize(
    ("path", "content_type", "suffix"),
    [
        ("/fetch/owasp", "text/markdown; charset=utf-8", ".md"),
        ("/fetch/raw/owasp.md", "text/plain; charset=utf-8", ".md"),  # raw markdown files come as text/plain
        ("/fetch/owasp.txt", "text/plain", ".txt"),
        ("/fetch/owasp.xhtml", "application/xhtml+xml", ".html"),
    ],
)
def test_the_copy_gets_the_suffix_of_its_content_type(page_server: PageServer, tmp_path: Path, path: str,
                                                      content_type: str, suffix: str) -> None:
    fetched = fetch_url(page_server.add(path, Page(OWASP, content_type)), tmp_path)
    assert fetched.path.suffix == suffix and fetched.path.read_bytes() == OWASP


def test_a_page_in_another_charset_is_kept_as_utf8(page_server: PageServer, tmp_path: Path) -> None:
    url = page_server.add("/fetch/latin1", Page("<h1>Caf\xe9s</h1>".encode("latin-1"), "text/html; charset=ISO-8859-1"))
    assert fetch_url(url, tmp_path).path.read_text(encoding="utf-8") == "<h1>Caf\xe9s</h1>"


def test_redirects_are_followed_and_the_final_url_is_cited(page_server: PageServer, tmp_path: Path) -> None:
    final = page_server.add("/fetch/moved-here", Page(EARTHQUAKES))
    url = page_server.add("/fetch/old-address", Page(status=301, content_type=None,
                                                     headers=(("Location", "/fetch/moved-here"),)))
    fetched = fetch_url(url, tmp_path)
    assert (fetched.url, fetched.final_url) == (url, final)
    assert source_url_of(fetched.path) == final


def test_fetched_page_is_indexed_and_answers_cite_its_url(page_server: PageServer, make_settings,
                                                          embeddings: LocalEmbeddings, tmp_path: Path) -> None:
    settings = make_settings(sources_dir=tmp_path / "sources", multilingual=False)
    url = page_server.add("/fetch/ranking", Page(EARTHQUAKES))
    fetched = fetch_with_settings(url, settings)
    bot = Chatbot(settings, embeddings=embeddings, article_id=article_id_for(fetched.path, settings))
    assert bot.ingest(fetched.path, show_progress=False).status == "created"
    answer = bot.ask("Which is the biggest earthquake on this list, and how strong was it?")
    assert "Bio-Bio" in answer.text and "9.5" in answer.text and not answer.abstained
    assert answer.source_url == url and answer.to_dict()["source_url"] == url
    assert answer.article == "20 Largest Earthquakes in the World"

    # The same page again: the copy is not rewritten (its fetch time is), and the index stays as it is.
    written = fetched.path.stat().st_mtime_ns
    again = fetch_with_settings(url, settings)
    assert not again.changed and again.path == fetched.path and fetched.path.stat().st_mtime_ns == written
    assert json.loads(sidecar_of(fetched.path).read_text())["fetched_at"] == again.fetched_at
    assert bot.ingest(again.path, show_progress=False).status == "unchanged"


def test_a_changed_page_refreshes_the_copy(page_server: PageServer, tmp_path: Path) -> None:
    url = page_server.add("/fetch/changing", Page(EARTHQUAKES))
    first = fetch_url(url, tmp_path)
    page_server.add("/fetch/changing", Page(WEBINARS))
    second = fetch_url(url, tmp_path)
    assert second.changed and second.path == first.path and first.path.read_bytes() == WEBINARS
    assert json.loads(sidecar_of(first.path).read_text())["sha256"] == hashlib.sha256(WEBINARS).hexdigest()
    # Now served as markdown: the copy changes suffix and the old one goes, so one copy stands for the URL.
    page_server.add("/fetch/changing", Page(OWASP, "text/markdown"))
    third = fetch_url(url, tmp_path)
    assert third.path == first.path.with_suffix(".md")
    assert sorted(p.name for p in tmp_path.iterdir()) == [third.path.name, sidecar_of(third.path).name]


@pytest.mark.parametrize(
    ("page", "limits", "message"),
    [
        (None, {}, "the server answered HTTP 404 Not Found"),
        (Page(b"oops", status=500), {}, "the server answered HTTP 500 Internal Server Error"),
        (Page(b"%PDF-1.4", "application/pdf"), {}, "it is application/pdf, not an HTML page"),
        (Page(b"{}", "application/json; charset=utf-8"), {}, "it is application/json, not an HTML page"),
        (Page(b"<p>x</p>" * 2000), {"max_bytes": 10_000},
         "too large (16,000 bytes; AICITIES_MAX_SOURCE_BYTES is 10,000)"),
        (Page(b"<p>x</p>" * 20_000, declare_length=False), {"max_bytes": 10_000},
         "too large (over 10,000 bytes, download stopped; AICITIES_MAX_SOURCE_BYTES"),
        (Page(EARTHQUAKES, delay=3.0), {"timeout": 0.3}, "no answer within 0.3 s (AICITIES_FETCH_TIMEOUT)"),
        (Page(status=302, content_type=None, headers=(("Location", "/fetch/error"),)), {"max_redirects": 2},
         "more than 2 redirects"),
    ],
    ids=["404", "500", "pdf", "json", "too-large-declared", "too-large-streamed", "timeout", "redirect-loop"],
)
def test_fetch_errors_say_what_happened(page_server: PageServer, tmp_path: Path, page: Page | None, limits: dict,
                                        message: str) -> None:
    path = "/fetch/error"
    page_server.pages.pop(path, None)
    url = page_server.add(path, page) if page is not None else page_server.url(path)
    with pytest.raises(SourceError) as caught:
        fetch_url(url, tmp_path / "sources", **limits)
    assert str(caught.value).startswith((f"Cannot fetch {url}", f"Cannot ingest {url}"))
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "sources").exists() or not any((tmp_path / "sources").iterdir())


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/article.html", "only http:// and https:// URLs can be ingested, not ftp://"),
        ("file:///etc/passwd", "only http:// and https:// URLs can be ingested, not file://"),
        ("http://", "Not a valid URL: 'http://' (it has no host)"),
        ("http://127.0.0.1:99999/", "Not a valid URL: 'http://127.0.0.1:99999/' (port 99999 is out of range)"),
        ("https://exa mple.com/", "(it contains spaces)"),
    ],
)
def test_bad_urls_are_refused_before_any_request(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch_url(url, tmp_path)


def test_closed_port_is_connection_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"connection refused by 127\.0\.0\.1:\d+ \(is the server running\?\)"):
        fetch_url(f"http://127.0.0.1:{free_port()}/article.html", tmp_path, timeout=5)


def test_unknown_host_says_offline_or_misspelt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Name resolution would leave loopback; the resolver's own failure is raised in its place.
    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(SourceError, match=r"the host no-such-host\.example could not be found \(are you offline"):
        fetch_url("https://no-such-host.example/top-10.html", tmp_path)


def test_is_url() -> None:
    assert is_url("https://example.com/a") and is_url("ftp://x") and is_url(" http://x ")
    assert not is_url("data/article.md") and not is_url("/tmp/a.html") and not is_url("example.com/a")


def test_private_addresses_are_refused_when_asked(page_server: PageServer, tmp_path: Path) -> None:
    """A fetch anyone may ask for (the UI's address box) refuses the server's own network, redirects included."""
    url = page_server.add("/fetch/private", Page(EARTHQUAKES))
    with pytest.raises(SourceError, match=r"127\.0\.0\.1 is a local or private address \(127\.0\.0\.1\)"):
        fetch_url(url, tmp_path, allow_private=False)
    assert not list(tmp_path.iterdir())  # nothing kept
    assert fetch_url(url, tmp_path).path.is_file()  # the command line may
