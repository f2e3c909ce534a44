"""The HTTP server (`app/server.py`) with the clients people already use: the `openai` SDK, LangChain's
`ChatOpenAI`, raw httpx (SSE framing), `gradio_client`, against the real app served by uvicorn on a free
loopback port over the real Chatbot; plus two `ai-cities serve` processes over one real `chroma run`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from pydantic import SecretStr

from app import server
from app.chatbot import Chatbot
from app.library import ArticleLibrary
from app.server import ApiError, BatchingEmbeddings, ChatMessage, DeltaTracker, build_app
from ingest.core.models import Answer, Citation
from ingest.embeddings import LocalEmbeddings
from tests.app.openai_stub import OpenAIStub, cite
from tests.conftest import ARTICLE, free_port

KEY = "test-key-7f3a"
RANKED_8TH = "Which city is ranked 8th?"


class ServerThread:
    """A uvicorn server for `app` on 127.0.0.1:port, in a daemon thread."""

    def __init__(self, app, port: int) -> None:
        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def check_error(response: httpx.Response, status: int, *, openai: bool = True) -> dict:
    """A refused request: the status, the error shape, and no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    body = response.json()
    if openai:
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["message"] and body["error"]["type"]
        return body["error"]
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    return body


def check_verbatim(citations: list[dict], source_text: str) -> None:
    for c in citations:
        assert source_text[c["start"]:c["end"]] == c["quote"]


# -- pure conversions -------------------------------------------------------------------------------------
def _messages(*pairs: tuple[str, object]) -> list[ChatMessage]:
    return [ChatMessage(role=role, content=content) for role, content in pairs]


def test_conversation_pairs_turns_and_ignores_system() -> None:
    question, history, ignored = server.conversation(_messages(
        ("system", "You are a pirate."), ("assistant", "Hi! Ask me anything."),
        ("user", "Tell me about Jinan."), ("assistant", "Jinan is ranked 8th. [1]\n\n[1]: 8. Jinan (section heading)"),
        ("user", "ignored retry"), ("user", [{"type": "text", "text": "What rank"}, {"type": "text", "text": "?"}])))
    assert question == "What rank\n?" and ignored == 1
    assert history == [("Tell me about Jinan.", "Jinan is ranked 8th. [1]")]  # footnotes stripped


@pytest.mark.parametrize(("messages", "code", "param"), [
    ([("system", "only a system prompt")], "missing_user_message", "messages"),
    ([("user", "Q"), ("assistant", "A")], "missing_user_message", "messages"),
    ([("tool", "{}"), ("user", "Q")], "invalid_role", "messages[0].role"),
    ([("user", [{"type": "image_url", "image_url": {"url": "x"}}])], None, "messages[0].content"),
])
def test_conversation_refuses_what_it_cannot_answer(messages, code, param) -> None:
    with pytest.raises(ApiError) as info:
        server.conversation(_messages(*messages))
    assert info.value.status == 400 and info.value.code == code and info.value.param == param


def test_delta_tracker_appends_and_corrects() -> None:
    tracker = DeltaTracker()
    assert [tracker.draft(d) for d in ("Jinan ", "Jinan is", "Jinan", "Jinan is 8th.")] == \
        ["Jinan ", "is", None, " 8th."]
    assert tracker.final("Jinan is 8th. [1]") == " [1]" and not tracker.replaced
    tracker = DeltaTracker()
    tracker.draft("Shenzhen pays $5M [1].")
    assert tracker.final("Shenzhen pays. [1]") == server.CORRECTION + "Shenzhen pays. [1]" and tracker.replaced


def test_message_content_footnotes() -> None:
    quote = Citation(marker=1, section="4. Shenzhen", topic="Policy", quote="It pays.", start=0, end=8)
    heading = Citation(marker=2, section="8. Jinan", quote="8. Jinan", start=9, end=17)
    answer = Answer(text="It pays. [1] Jinan is 8th. [2]", citations=[quote, heading])
    assert server.message_content(answer) == ("It pays. [1] Jinan is 8th. [2]\n\n[1]: 4. Shenzhen › Policy — “It pays.”"
                                              "\n[2]: 8. Jinan (section heading)")
    assert server.strip_footnotes(server.message_content(answer)) == answer.text
    abstained = Answer(text="The article doesn't say.", abstained=True, citations=[quote])
    assert server.message_content(abstained) == "The article doesn't say."


def test_batching_embeddings_share_passes_and_match(embeddings: LocalEmbeddings, monkeypatch) -> None:
    passes: list[int] = []
    forward = LocalEmbeddings.embed_documents

    def counting(self: LocalEmbeddings, texts: list[str]) -> list[list[float]]:
        passes.append(len(texts))
        return forward(self, texts)

    monkeypatch.setattr(LocalEmbeddings, "embed_documents", counting)
    batching = BatchingEmbeddings(max_batch=4)
    batching.warm_up()
    questions = [f"Which city is ranked {n}th?" for n in range(1, 13)]
    start = threading.Barrier(len(questions))
    vectors: dict[str, list[float]] = {}

    def ask(question: str) -> None:
        start.wait()
        vectors[question] = batching.embed_query(question)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(vectors) == sorted(questions)
    assert sum(passes) == 12 and len(passes) < 12 and max(passes) <= 4
    for question in questions:
        assert np.allclose(vectors[question], embeddings.embed_query(question), atol=1e-5)


# -- the served app ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(bot: Chatbot) -> Iterator[ServerThread]:
    """The full app (API + UI) over the session's warmed-up bot, with an API key, on a free port."""
    port = free_port()
    settings = bot.settings.model_copy(update={"api_key": SecretStr(KEY), "api_port": port})
    with ServerThread(build_app(ArticleLibrary.around(bot), settings), port) as running:
        yield running


@pytest.fixture(scope="module")
def http(served: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def openai_client(served: ServerThread):
    from openai import OpenAI

    return OpenAI(base_url=f"{served.url}/v1", api_key=KEY, max_retries=0, timeout=60)


def _ranked_8th_checks(content: str, extra: dict, source_text: str) -> None:
    assert "Jinan" in content and "[1]" in content and "\n\n[1]: 8. Jinan" in content
    assert extra["abstained"] is False
    assert extra["citations"][0]["section"] == "8. Jinan" and extra["citations"][0]["marker"] == 1
    check_verbatim(extra["citations"], source_text)


@pytest.mark.server
@pytest.mark.slow
class TestOpenAIClients:
    """The endpoint as the `openai` SDK and LangChain see it."""

    def test_sdk_completion(self, openai_client, source_text: str) -> None:
        completion = openai_client.chat.completions.create(
            model="ai-cities-extractive", temperature=0.7, max_tokens=50,
            messages=[{"role": "system", "content": "Answer like a pirate."}, {"role": "user", "content": RANKED_8TH}])
        assert completion.object == "chat.completion" and completion.model == "ai-cities-extractive"
        choice = completion.choices[0]
        assert choice.finish_reason == "stop" and choice.message.role == "assistant"
        _ranked_8th_checks(choice.message.content, completion.model_extra, source_text)

    def test_sdk_stream(self, openai_client, source_text: str) -> None:
        chunks = list(openai_client.chat.completions.create(
            model="ai-cities-extractive", stream=True, messages=[{"role": "user", "content": RANKED_8TH}]))
        assert chunks[0].choices[0].delta.role == "assistant"
        assert len({c.id for c in chunks}) == 1 and all(c.object == "chat.completion.chunk" for c in chunks)
        content = "".join(c.choices[0].delta.content or "" for c in chunks)
        assert len([c for c in chunks if c.choices[0].delta.content]) >= 3  # it streams in pieces
        last = chunks[-1]
        assert last.choices[0].finish_reason == "stop"
        assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
        assert last.model_extra["final_content"] == content and last.model_extra["replaced"] is False
        _ranked_8th_checks(content, last.model_extra, source_text)

    def test_sdk_follow_up_uses_the_history(self, openai_client) -> None:
        first = openai_client.chat.completions.create(
            model="ai-cities", messages=[{"role": "user", "content": "Tell me about Jinan."}])
        follow_up = openai_client.chat.completions.create(model="ai-cities", messages=[
            {"role": "user", "content": "Tell me about Jinan."},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": "What rank does it have?"}])
        assert "8th" in follow_up.choices[0].message.content
        assert follow_up.model_extra["citations"][0]["section"] == "8. Jinan"

    def test_sdk_abstention(self, openai_client) -> None:
        completion = openai_client.chat.completions.create(
            model="ai-cities", messages=[{"role": "user", "content": "What is the population of Hangzhou?"}])
        assert completion.model_extra["abstained"] is True and completion.model_extra["citations"] == []
        assert "\n\n[1]:" not in completion.choices[0].message.content

    def test_sdk_models_and_errors(self, openai_client, served: ServerThread) -> None:
        import openai

        assert [m.id for m in openai_client.models.list()] == ["ai-cities-extractive", "ai-cities",
                                                             "ai-cities/china-ai-cities-2025"]
        with pytest.raises(openai.NotFoundError) as missing:
            openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi?"}])
        assert missing.value.code == "model_not_found" and "gpt-4o" in missing.value.message
        with pytest.raises(openai.NotFoundError):
            openai_client.chat.completions.create(model="ai-cities/no-such-article", stream=True,
                                                  messages=[{"role": "user", "content": "Hi?"}])
        with pytest.raises(openai.BadRequestError) as info:
            openai_client.chat.completions.create(model="ai-cities", messages=[{"role": "user", "content": "  "}])
        assert "empty" in info.value.message
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{served.url}/v1", api_key="wrong", max_retries=0).models.list()

    def test_langchain_invoke_and_stream(self, served: ServerThread, source_text: str) -> None:
        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_openai import ChatOpenAI

        chat = ChatOpenAI(base_url=f"{served.url}/v1", api_key=KEY, model="ai-cities-extractive", max_retries=0,
                          timeout=60)
        message = chat.invoke([SystemMessage("Be brief."), HumanMessage(RANKED_8TH)])
        assert "Jinan" in message.content and "\n\n[1]: 8. Jinan" in message.content
        pieces = list(chat.stream(RANKED_8TH))
        assert len(pieces) >= 3
        assert "".join(p.content for p in pieces) == message.content
        assert pieces[-1].response_metadata.get("finish_reason") == "stop" or \
            any(p.response_metadata.get("finish_reason") == "stop" for p in pieces)


@pytest.mark.server
@pytest.mark.slow
class TestHTTP:
    """Raw HTTP: SSE framing, error shapes, health, metrics, /api/ask and the UI."""

    def test_sse_framing(self, http: httpx.Client, source_text: str) -> None:
        body = {"model": "ai-cities", "stream": True, "messages": [{"role": "user", "content": RANKED_8TH}]}
        with http.stream("POST", "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            raw = response.read().decode()
        assert raw.endswith("data: [DONE]\n\n") and "\r" not in raw
        events = raw.split("\n\n")
        assert events[-1] == "" and events[-2] == "data: [DONE]"
        assert all(e.startswith("data: ") and "\n" not in e for e in events[:-1])
        chunks = [json.loads(e[len("data: "):]) for e in events[:-2]]
        assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
        assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
        assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
        last = chunks[-1]
        assert last["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
        content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        assert content == last["final_content"]
        _ranked_8th_checks(content, last, source_text)

    @pytest.mark.parametrize(("case", "status", "code"), [
        ("no user message", 400, "missing_user_message"),
        ("only an answer", 400, "missing_user_message"),
        ("100k characters", 400, "invalid_question"),
        ("empty question", 400, "invalid_question"),
        ("unknown role", 400, "invalid_role"),
        ("invalid JSON", 400, "invalid_request"),
        ("not an object", 400, "invalid_request"),
        ("messages missing", 400, "invalid_request"),
        ("content is a number", 400, "invalid_request"),
        ("image part", 400, None),
        ("stream with empty question", 400, "invalid_question"),
        ("wrong key", 401, "invalid_api_key"),
        ("missing key", 401, "missing_api_key"),
        ("missing key and invalid JSON", 401, "missing_api_key"),
        ("body over the limit", 413, "request_too_large"),
        ("GET instead of POST", 405, "method_not_allowed"),
        ("unknown endpoint", 404, "not_found"),
    ])
    def test_bad_requests_get_openai_errors(self, served: ServerThread, case: str, status: int, code) -> None:
        user = {"role": "user", "content": RANKED_8TH}
        bodies = {
            "no user message": {"model": "ai-cities", "messages": [{"role": "system", "content": "hi"}]},
            "only an answer": {"model": "ai-cities", "messages": [user, {"role": "assistant", "content": "A"}]},
            "100k characters": {"model": "ai-cities", "messages": [{"role": "user", "content": "why " * 25_000}]},
            "empty question": {"model": "ai-cities", "messages": [{"role": "user", "content": " \n "}]},
            "unknown role": {"model": "ai-cities", "messages": [{"role": "wizard", "content": "hi"}, user]},
            "not an object": [1, 2, 3],
            "messages missing": {"model": "ai-cities"},
            "content is a number": {"model": "ai-cities", "messages": [{"role": "user", "content": 42}]},
            "image part": {"model": "ai-cities", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            "stream with empty question": {"model": "ai-cities", "stream": True,
                                           "messages": [{"role": "user", "content": ""}]},
        }
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        content = json.dumps(bodies.get(case, {"model": "ai-cities", "messages": [user]}))
        method = "POST"
        if case in ("invalid JSON", "missing key and invalid JSON"):
            content = '{"model": "ai-cities", "messages": [{"role": "user", "content": "hi"'
        if case == "wrong key":
            headers["Authorization"] = "Bearer not-the-key"
        if case.startswith("missing key"):
            del headers["Authorization"]
        if case == "body over the limit":
            content = json.dumps({"model": "ai-cities", "messages": [user], "pad": "x" * 1_200_000})
        if case == "GET instead of POST":
            method, content = "GET", None
        path = "/v1/completions" if case == "unknown endpoint" else "/v1/chat/completions"
        response = httpx.request(method, f"{served.url}{path}", content=content, headers=headers, timeout=30)
        error = check_error(response, status)
        assert error["code"] == code
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"

    def test_fuzzed_requests_never_get_a_500(self, http: httpx.Client) -> None:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        text = st.text(max_size=60) | st.sampled_from([RANKED_8TH, "深圳排名第几?", "", "\x00\ud800", "[1]: x"])
        content = text | st.none() | st.integers() | st.lists(st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "image_url"]), "text": text}), max_size=2)
        message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "tool", "x"]),
                                         "content": content})
        model = st.sampled_from(["ai-cities", "ai-cities-extractive", "ai-cities/china-ai-cities-2025"]) | st.text(
            max_size=10)
        body = st.fixed_dictionaries({"model": model, "messages": st.lists(message, max_size=5)},
                                     optional={"stream": st.booleans(), "temperature": st.floats(allow_nan=False)})

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body)
        def check(payload: dict) -> None:
            response = http.post("/v1/chat/completions", content=json.dumps(payload),  # \ud800 stays escaped
                                 headers={"Content-Type": "application/json"})
            known = payload["model"] in ("ai-cities", "ai-cities-extractive", "ai-cities/china-ai-cities-2025")
            assert response.status_code in ((200, 400) if known else (400, 404)), response.text
            if response.status_code in (400, 404):
                check_error(response, response.status_code)
                assert response.status_code == 400 or response.json()["error"]["code"] == "model_not_found"
            elif payload.get("stream"):
                assert response.text.endswith("data: [DONE]\n\n") and '"finish_reason":"stop"' in response.text
            else:
                assert response.json()["choices"][0]["message"]["content"]

        check()

        ask = st.fixed_dictionaries({}, optional={"question": content, "history": st.lists(
            st.lists(text, max_size=3) | text, max_size=3)})

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(ask)
        def check_ask(payload: dict) -> None:
            response = http.post("/api/ask", content=json.dumps(payload), headers={"Content-Type": "application/json"})
            assert response.status_code in (200, 400), response.text
            if response.status_code == 400:
                check_error(response, 400, openai=False)

        check_ask()

    def test_health_models_and_metrics(self, http: httpx.Client) -> None:
        health = httpx.get(f"{str(http.base_url).rstrip('/')}/healthz", timeout=30)  # no key needed
        assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["chunks"] > 0
        assert httpx.head(f"{str(http.base_url).rstrip('/')}/healthz", timeout=30).status_code == 200
        models = http.get("/v1/models").json()
        assert models["object"] == "list" and models["data"][0]["id"] == "ai-cities-extractive"

        def scrape() -> dict[str, float]:
            response = httpx.get(f"{str(http.base_url).rstrip('/')}/metrics", timeout=30)  # no key needed
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
            values = {}
            for line in response.text.splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    values[name] = float(value)
            return values

        before = scrape()
        good = {"model": "ai-cities", "messages": [{"role": "user", "content": RANKED_8TH}]}
        assert http.post("/v1/chat/completions", json=good).status_code == 200
        abstain = {"model": "ai-cities",
                   "messages": [{"role": "user", "content": "What is the population of Hangzhou?"}]}
        assert http.post("/v1/chat/completions", json=abstain).json()["abstained"] is True
        assert http.post("/v1/chat/completions", json={"model": "ai-cities", "messages": []}).status_code == 400
        after = scrape()

        def moved(name: str) -> float:
            return after.get(name, 0.0) - before.get(name, 0.0)

        assert moved('aicities_http_requests_total{endpoint="chat_completions",status="200"}') == 2
        assert moved('aicities_http_requests_total{endpoint="chat_completions",status="400"}') == 1
        assert moved('aicities_abstentions_total{endpoint="chat_completions"}') == 1
        assert moved('aicities_errors_total{code="missing_user_message",endpoint="chat_completions"}') == 1
        assert moved('aicities_http_request_duration_seconds_count{endpoint="chat_completions"}') == 3

    def test_api_ask(self, http: httpx.Client, source_text: str) -> None:
        answer = http.post("/api/ask", json={"question": "Tell me about Jinan."}).json()
        assert set(answer) >= {"text", "citations", "abstained", "mode", "timings_ms"}
        follow_up = http.post("/api/ask", json={"question": "What rank does it have?",
                                                "history": [["Tell me about Jinan.", answer["text"]]]})
        assert follow_up.status_code == 200 and "8th" in follow_up.json()["text"]
        check_verbatim(follow_up.json()["citations"], source_text)
        for bad in ({"question": ""}, {"question": "x" * 100_000}, {"question": 5}, {},
                    {"question": "q", "history": [["only one"]]}, {"question": "q", "extra": 1}):
            check_error(http.post("/api/ask", json=bad), 400, openai=False)
        check_error(http.post("/api/ask", content="{nope", headers={"Content-Type": "application/json"}), 400,
                    openai=False)
        lone_surrogate = http.post("/api/ask", content='{"question": "\\ud800 Which city is ranked 8th?"}',
                                   headers={"Content-Type": "application/json"})
        assert lone_surrogate.status_code == 200 and lone_surrogate.json()["question"].startswith("? Which")
        check_error(httpx.post(f"{str(http.base_url).rstrip('/')}/api/ask", json={"question": "q"}), 401, openai=False)

    def test_ui_is_mounted_at_the_root(self, served: ServerThread) -> None:
        from gradio_client import Client

        page = httpx.get(f"{served.url}/", timeout=30)
        assert page.status_code == 200 and "gradio" in page.text.lower()
        result = Client(f"{served.url}/", verbose=False).predict(RANKED_8TH, api_name="/ask")
        assert "Jinan" in result["text"] and result["citations"][0]["section"] == "8. Jinan"


# -- failure paths over HTTP ------------------------------------------------------------------------------
@pytest.mark.server
@pytest.mark.slow
def test_store_down_is_503(make_settings, embeddings: LocalEmbeddings) -> None:
    """A Chroma server that does not answer: 503 in the error shapes, /healthz says so, nothing crashes."""
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=free_port())
    bot = Chatbot(settings, embeddings=embeddings)
    port = free_port()
    with ServerThread(build_app(ArticleLibrary.around(bot), settings, ui=False), port) as running:
        body = {"model": "ai-cities", "messages": [{"role": "user", "content": RANKED_8TH}]}
        response = httpx.post(f"{running.url}/v1/chat/completions", json=body, timeout=60)
        error = check_error(response, 503)
        assert error["code"] == "store_unavailable" and "Vector store unavailable" in error["message"]
        assert response.headers["retry-after"]
        streamed = httpx.post(f"{running.url}/v1/chat/completions", json={**body, "stream": True}, timeout=60)
        check_error(streamed, 503)
        check_error(httpx.post(f"{running.url}/api/ask", json={"question": RANKED_8TH}, timeout=60), 503,
                    openai=False)
        health = httpx.get(f"{running.url}/healthz", timeout=60)
        assert health.status_code == 503 and "Vector store unavailable" in health.json()["detail"]


@pytest.mark.server
@pytest.mark.slow
def test_llm_stream_that_verification_changes_ends_with_the_verified_answer(
        bot: Chatbot, make_settings, embeddings: LocalEmbeddings, source_text: str) -> None:
    """With an LLM backend (a loopback OpenAI stub), drafts the verifier then trims are followed by the
    verified answer; `final_content` holds it alone."""
    reply = cite("Shenzhen offers subsidies of up to $2.8M for breakthroughs [@subsidies up to]. "
                 "Shenzhen also pays every startup $5M [@subsidies up to].")
    with OpenAIStub(reply) as stub:
        settings = make_settings(llm="openai:stub-model", llm_base_url=stub.base_url, llm_api_key="sk-stub",
                                 llm_timeout=5, llm_max_retries=0, chroma_path=bot.settings.chroma_path)
        llm_bot = Chatbot(settings, embeddings=embeddings)
        port = free_port()
        with ServerThread(build_app(ArticleLibrary.around(llm_bot), settings, ui=False), port) as running:
            from openai import OpenAI

            client = OpenAI(base_url=f"{running.url}/v1", api_key="unused", max_retries=0)
            assert [m.id for m in client.models.list()][:3] == ["ai-cities-openai:stub-model", "ai-cities-extractive",
                                                                "ai-cities"]
            question = [{"role": "user", "content": "How much can breakthroughs earn in subsidies in Shenzhen?"}]
            chunks = list(client.chat.completions.create(model="ai-cities-openai:stub-model", stream=True,
                                                         messages=question))
            # A slow LLM: its words reach the client as the LLM sends them, not all at the end.
            stub.reset(reply, mode="drip", delay=0.15)
            arrivals = [(time.monotonic(), c) for c in client.chat.completions.create(
                model="ai-cities", stream=True, messages=question)]
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1].model_extra
    assert chunks[-1].model == "ai-cities-openai:stub-model"
    assert last["replaced"] is True and last["mode"] == "llm-partial"
    assert "$5M" in content.split(server.CORRECTION)[0]  # the raw draft streamed first ...
    assert content.endswith(server.CORRECTION + last["final_content"])  # ... then the verified answer
    assert "$5M" not in last["final_content"] and "$2.8M" in last["final_content"]
    check_verbatim(last["citations"], source_text)
    words = [t for t, c in arrivals if c.choices and c.choices[0].delta.content]
    assert len(words) >= 10 and words[-1] - words[0] > 0.8  # ~20 words, 0.15 s apart


# -- scale-out: two `ai-cities serve` processes over one `chroma run` ------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICITIES_")}
    env.update({"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"})
    env.update(extra)
    return env


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            response = httpx.get(f"{url}/healthz", timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never became healthy")


def _ask(url: str, question: str) -> dict:
    response = httpx.post(f"{url}/v1/chat/completions", timeout=60,
                          json={"model": "ai-cities", "messages": [{"role": "user", "content": question}]})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.server
@pytest.mark.slow
def test_two_servers_over_one_chroma_server_pick_up_a_reingest(tmp_path: Path) -> None:
    from tests.ingest.test_store import start_chroma

    chroma_port, chroma = start_chroma(tmp_path / "chroma-server")
    source = tmp_path / "article.txt"
    shutil.copyfile(ARTICLE, source)
    env = _env(AICITIES_CHROMA_HOST="127.0.0.1", AICITIES_CHROMA_PORT=str(chroma_port),
               AICITIES_SOURCE_PATH=str(source), AICITIES_FEEDBACK_PATH=str(tmp_path / "feedback.jsonl"))
    servers: list[subprocess.Popen] = []
    try:
        ingest = subprocess.run([sys.executable, "-m", "app", "ingest"], env=env, capture_output=True, text=True,
                                timeout=300)
        assert ingest.returncode == 0, ingest.stderr
        ports = [free_port(), free_port()]
        for port in ports:
            servers.append(subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port",
                                             str(port)], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, text=True))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        health = [_wait_healthy(url, proc) for url, proc in zip(urls, servers, strict=True)]
        assert health[0]["store"] == "server" and health[0]["built_at"] == health[1]["built_at"]
        for question in (RANKED_8TH, "Which city hosts Alibaba's DAMO Academy?", "Compare Shenzhen and Guangzhou"):
            first, second = (_ask(url, question) for url in urls)
            assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
            assert first["citations"] == second["citations"]
        assert "Jinan" in _ask(urls[1], RANKED_8TH)["choices"][0]["message"]["content"]

        # A new edition of the article is ingested from outside (the CLI, as a deploy job would run it) ...
        source.write_text(ARTICLE.read_text(encoding="utf-8").replace("Jinan", "Zibo"), encoding="utf-8")
        rebuild = subprocess.run([sys.executable, "-m", "app", "ingest", "--rebuild"], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert rebuild.returncode == 0, rebuild.stderr
        # ... and both running servers answer from it on their next question, without a restart.
        for url in urls:
            answer = _ask(url, RANKED_8TH)
            content = answer["choices"][0]["message"]["content"]
            assert "Zibo" in content and "Jinan" not in content and answer["citations"][0]["section"] == "8. Zibo"
        assert all(proc.poll() is None for proc in servers)
    finally:
        for proc in [*servers, chroma]:
            proc.terminate()
        for proc in [*servers, chroma]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.parametrize("engine", ["numpy", "sentence-transformers"])
def test_serve_embeds_with_the_engine_the_settings_name(engine: str) -> None:
    """`ai-cities serve` builds its batching embedder from AICITIES_EMBEDDING_ENGINE (it once ignored it)."""
    from app.server import BatchingEmbeddings, api_embeddings
    from ingest.core.settings import Settings

    embeddings = api_embeddings(Settings(embedding_engine=engine))
    assert isinstance(embeddings, BatchingEmbeddings)
    assert embeddings.engine == engine
