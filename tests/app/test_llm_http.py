"""The `openai:` backend over real HTTP: the real ChatOpenAI client talks to a loopback OpenAI-compatible
stub (tests/app/openai_stub.py), streaming and not, and survives a 500, an unknown model, a timeout, a slow
stream and a refused connection with an extractive fallback, in bounded time, without leaking the key."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import pytest

from app.chatbot import Chatbot
from ingest.core.models import Answer
from ingest.embeddings import LocalEmbeddings
from tests.app.openai_stub import OpenAIStub, cite
from tests.conftest import free_port

pytestmark = pytest.mark.server

QUESTION = "How much can breakthroughs earn in subsidies in Shenzhen?"
GOOD = cite("Shenzhen offers subsidies of up to $2.8M for breakthroughs [@subsidies up to]. "
            "Shenzhen is designated as a national AI innovation pilot zone [@pilot zone].")
KEY = "sk-test"


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIStub]:
    """The stub, on a free 127.0.0.1 port, for the whole module."""
    with OpenAIStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def chroma(bot: Chatbot) -> object:
    """The index of the shared bot (already built), reused so each test only builds its own Chatbot."""
    return bot.settings.chroma_path


@pytest.fixture
def stub(server: OpenAIStub) -> Iterator[OpenAIStub]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def make_bot(make_settings, embeddings: LocalEmbeddings, chroma) -> Callable[..., Chatbot]:
    """A Chatbot whose `openai:` backend points at `base_url` (timeout 2 s, no retries by default)."""

    def make(base_url: str, **overrides: object) -> Chatbot:
        values = {"llm": "openai:stub-model", "llm_base_url": base_url, "llm_api_key": KEY, "llm_timeout": 2,
                  "llm_max_retries": 0, "chroma_path": chroma}
        values.update(overrides)
        return Chatbot(make_settings(**values), embeddings=embeddings)

    return make


def check_verbatim(answer: Answer, source_text: str) -> None:
    for c in answer.citations:
        assert source_text[c.start:c.end] == c.quote


def test_non_streaming_answer_over_http(stub: OpenAIStub, make_bot, source_text: str) -> None:
    stub.reset(GOOD)
    a = make_bot(stub.base_url).ask(QUESTION)
    assert a.mode == "llm", a
    assert a.text == ("Shenzhen offers subsidies of up to $2.8M for breakthroughs. [1] "
                      "Shenzhen is designated as a national AI innovation pilot zone. [1]")
    check_verbatim(a, source_text)
    [request] = stub.requests
    assert request.path == "/v1/chat/completions" and request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == "stub-model" and not body.get("stream") and body["max_tokens"] == 400
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "4. Shenzhen (ranked 4th) › Policy Support" in body["messages"][1]["content"]


def test_streaming_answer_over_http(stub: OpenAIStub, make_bot, source_text: str) -> None:
    stub.reset(cite("Shenzhen offers subsidies of up to $2.8M for breakthroughs [@subsidies up to]. "
                    "Shenzhen also pays every startup $5M [@subsidies up to]."))
    items = list(make_bot(stub.base_url).stream(QUESTION))
    drafts, final = items[:-1], items[-1]
    assert stub.requests[0].body["stream"] is True
    assert len(drafts) >= 10 and "$5M" in drafts[-1]
    assert isinstance(final, Answer) and final.mode == "llm-partial" and final.dropped_sentences == 1
    assert "$5M" not in final.text and "$2.8M" in final.text
    check_verbatim(final, source_text)


def test_http_500_falls_back(stub: OpenAIStub, make_bot) -> None:
    stub.reset(mode="error")
    a = make_bot(stub.base_url).ask(QUESTION)
    assert a.mode == "extractive-fallback" and "$2.8M" in a.text
    assert a.notice == f"LLM backend at {stub.base_url} failed (HTTP 500) — answered extractively."
    assert len(stub.requests) == 1


def test_http_500_is_retried_with_backoff(stub: OpenAIStub, make_bot) -> None:
    stub.reset(mode="error")
    started = time.monotonic()
    a = make_bot(stub.base_url, llm_max_retries=1).ask(QUESTION)
    assert a.mode == "extractive-fallback" and len(stub.requests) == 2
    assert time.monotonic() - started < 2 * (1 + 1) + 2


def test_unknown_model_falls_back(stub: OpenAIStub, make_bot) -> None:
    stub.reset(mode="not_found")
    a = make_bot(stub.base_url).ask(QUESTION)
    assert a.mode == "extractive-fallback"
    assert a.notice == f"LLM model 'stub-model' was not found at {stub.base_url} — answered extractively."


@pytest.mark.parametrize("streaming", [False, True])
def test_timeout_falls_back_within_the_bound(stub: OpenAIStub, make_bot, streaming: bool) -> None:
    stub.reset(GOOD, mode="slow", delay=10)
    bot = make_bot(stub.base_url, llm_timeout=1)
    bot.warm_up()
    started = time.monotonic()
    a = list(bot.stream(QUESTION))[-1] if streaming else bot.ask(QUESTION)
    elapsed = time.monotonic() - started
    assert isinstance(a, Answer) and a.mode == "extractive-fallback" and "$2.8M" in a.text
    assert a.notice == f"LLM backend unreachable at {stub.base_url} — answered extractively."
    assert elapsed < 1 * (0 + 1) + 2.5, elapsed


def test_slow_stream_is_cut_at_the_deadline(stub: OpenAIStub, make_bot) -> None:
    stub.reset(GOOD, mode="drip", delay=0.3)  # each word within the read timeout, the whole answer not
    bot = make_bot(stub.base_url, llm_timeout=1)
    bot.warm_up()
    started = time.monotonic()
    items = list(bot.stream(QUESTION))
    assert isinstance(items[-1], Answer) and items[-1].mode == "extractive-fallback"
    assert items[-1].notice == (f"LLM backend at {stub.base_url} was too slow (no complete answer within "
                                "2 s) — answered extractively.")
    assert any(isinstance(i, str) for i in items[:-1])  # the raw draft was streaming ...
    assert time.monotonic() - started < 2 + 2  # ... until the deadline (timeout + backoff allowance)


def test_connection_refused_falls_back_fast(make_bot) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    bot = make_bot(url, llm_max_retries=2)
    bot.warm_up()
    started = time.monotonic()
    a = bot.ask(QUESTION)
    assert a.mode == "extractive-fallback"
    assert a.notice == f"LLM backend unreachable at {url} — answered extractively."
    assert time.monotonic() - started < 2 * 3 + 5
    started = time.monotonic()
    assert bot.ask(QUESTION).mode == "extractive-fallback"
    assert time.monotonic() - started < 1.0  # a backend known to be down is not asked again at once


def test_follow_up_condensed_over_http(stub: OpenAIStub, make_bot) -> None:
    def reply(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        if "Follow-up question:" in prompt:
            return "What subsidies does Shenzhen offer for breakthroughs?"
        return GOOD(body)

    stub.reset(reply)
    history = [("Tell me about Shenzhen", "Shenzhen is ranked 4th of the 10 cities. [1]")]
    a = make_bot(stub.base_url).ask("What subsidies does it offer for breakthroughs?", history=history)
    assert a.standalone_question == "What subsidies does Shenzhen offer for breakthroughs?"
    assert a.mode == "llm" and len(stub.requests) == 2


def test_key_is_sent_but_never_logged(stub: OpenAIStub, make_bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-live-very-secret-0001"
    stub.reset(lambda body: f"Your key {secret} is invalid", mode="error")
    bot = make_bot(stub.base_url, llm_api_key=secret)
    answers = [bot.ask(QUESTION), list(bot.stream(QUESTION))[-1]]
    assert all(r.headers["authorization"] == f"Bearer {secret}" for r in stub.requests)
    assert "failed" in caplog.text and secret not in caplog.text
    for a in answers:
        assert secret not in json.dumps(a.to_dict())
