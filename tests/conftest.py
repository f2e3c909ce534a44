"""Shared fixtures: the real MiniLM embedder loaded once per session, real Chroma databases in tmp dirs."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app.chatbot import Chatbot
from ingest.core.settings import DEFAULT_SOURCE, Settings
from ingest.embeddings import LocalEmbeddings

ARTICLE = DEFAULT_SOURCE


@pytest.fixture(scope="session")
def embeddings() -> LocalEmbeddings:
    """The real all-MiniLM-L6-v2 model, loaded once for the whole test session."""
    model = LocalEmbeddings()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def source_text() -> str:
    """The shipped article, as the index sees it: the reader text of its document."""
    from ingest.loader import load_source

    return load_source(ARTICLE).text


@pytest.fixture
def make_settings(tmp_path: Path):
    """Build Settings whose Chroma database lives in this test's tmp dir."""

    def make(**overrides: object) -> Settings:
        values = {"chroma_path": tmp_path / "chroma", "feedback_path": tmp_path / "feedback.jsonl"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings) -> Chatbot:
    """One warmed-up Chatbot over the shipped article, shared by read-only tests."""
    root = tmp_path_factory.mktemp("shared-bot")
    chatbot = Chatbot(Settings(chroma_path=root / "chroma", feedback_path=root / "feedback.jsonl"),
                      embeddings=embeddings)
    chatbot.warm_up()
    return chatbot


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Page:
    """What the page server answers at one path."""

    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before the answer starts
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes


class PageServer(ThreadingHTTPServer):
    """A real HTTP server on a free 127.0.0.1 port (http.server in a thread) answering the pages tests add; any
    other path is a 404. `requests` records (path, headers) of every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PageHandler)
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    def add(self, path: str, page: Page) -> str:
        """Serve `page` at `path`; returns its URL."""
        self.pages[path] = page
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"

    def handle_error(self, request, client_address) -> None:  # a client that gave up (timeout tests) is expected
        pass


class _PageHandler(BaseHTTPRequestHandler):
    server: PageServer

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers)))
        page = self.server.pages.get(self.path)
        if page is None:
            self.send_error(404)
            return
        time.sleep(page.delay)
        self.send_response(page.status)
        if page.content_type:
            self.send_header("Content-Type", page.content_type)
        for name, value in page.headers:
            self.send_header(name, value)
        if page.declare_length:
            self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def page_server() -> Iterator[PageServer]:
    """One page server for the session; each test adds the pages it needs under its own paths."""
    server = PageServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# A small ranking written for the tests: its criterion is a superlative of its title and lead-in ("longest"),
# its entries have dated facts, and nothing in it comes from an eval article.
RIVERS = """# The 5 Longest Rivers of Norland in 2024

Norland is crossed by many rivers. This list ranks the five longest rivers of Norland by their length from source \
to mouth. The Norland Survey Office publishes the figures every year. A great storm once flooded the banks of the \
Coldstream and the Dunmere.

## 1. Amberflow

The Amberflow runs 900 km from the northern glaciers to the sea. Surveyors first mapped the Amberflow on March 3, \
1850. Its delta hosts the largest salmon hatchery of the country, rebuilt in 2019.

## 2. Brightwater

The Brightwater runs 750 km through the central hills. Surveyors first mapped the Brightwater on June 1, 1820. It is \
known for its seven waterfalls, which draw hikers every summer.

## 3. Coldstream

The Coldstream runs 610 km along the western border. Surveyors first mapped the Coldstream on May 9, 1901. Timber \
barges still carry logs down the Coldstream.

## 4. Dunmere

The Dunmere runs 480 km across the southern plains. Surveyors first mapped the Dunmere on August 20, 1875. Farmers \
rely on the Dunmere to water their wheat fields.

## 5. Eastbrook

The Eastbrook runs 350 km to the eastern lakes. Surveyors first mapped the Eastbrook on April 14, 1866. A ferry \
crosses the Eastbrook at the old mill.
"""


def article_bot(root: Path, filename: str, text: str, embeddings: LocalEmbeddings) -> Chatbot:
    """A warmed-up Chatbot over an article a test wrote, saved as `root/filename` and indexed under `root`."""
    source = root / filename
    source.write_text(text, encoding="utf-8")
    chatbot = Chatbot(Settings(source_path=source, chroma_path=root / "chroma", feedback_path=root / "feedback.jsonl"),
                      embeddings=embeddings)
    chatbot.warm_up()
    return chatbot


@pytest.fixture(scope="session")
def rivers_bot(tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings) -> Chatbot:
    """A warmed-up Chatbot over `RIVERS`, a ranking whose title states its criterion ("longest")."""
    return article_bot(tmp_path_factory.mktemp("rivers-bot"), "rivers.md", RIVERS, embeddings)
