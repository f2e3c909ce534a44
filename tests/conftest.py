"""Shared fixtures: the real MiniLM embedder loaded once per session, real Chroma databases in tmp dirs."""

from __future__ import annotations

import os
import socket
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
    """The shipped article, as the index sees it."""
    return ARTICLE.read_text(encoding="utf-8")


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
