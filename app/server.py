"""The HTTP server: one FastAPI app over one shared `Chatbot`, served by uvicorn (`ai-cities serve`).

`build_app(bot, settings)` returns the app and `serve(settings)` runs it. Endpoints:

- `POST /v1/chat/completions`: the OpenAI chat schema, so the `openai` SDK, LangChain's `ChatOpenAI` and any
  OpenAI-compatible chat client work with `base_url=http://HOST:PORT/v1`. The last user message is the
  question, earlier user/assistant pairs are the history, system messages are ignored. The reply's content is
  the answer with `[n]` markers and a footnote list (`[1]: 8. Fedora — “quote”`); `citations`, `abstained`,
  `notice` and `mode` sit beside `choices` (and on the last chunk of a stream). `"stream": true` sends
  `chat.completion.chunk` server-sent events ending with `data: [DONE]`.
- `GET /v1/models`: the model ids this server answers as.
- `POST /api/ask`: `{question, history}` in, `Answer.to_dict()` out.
- `GET /healthz`: 200 when the index is loaded and the store answers, else 503 (for load balancers).
- `GET /metrics`: Prometheus text (requests by endpoint and status, latency, abstentions, errors).
- `/`: the Gradio UI (`app.ui.build_ui`), with its own `/ask` API for `gradio_client`.

Errors are 4xx for bad input (OpenAI's `{"error": {message, type, param, code}}` shape under `/v1`,
`{"detail": ...}` elsewhere), 401 for a wrong or missing key when `AICITIES_API_KEY` is set, 503 when the
vector store is down; never a traceback.

Answering is CPU-bound, so it never runs on the event loop (which only parses requests and writes
responses) but in worker threads, at most `settings.api_threads` at once (8 per core by default, so that the
question embeddings of concurrent requests can share forward passes, see `ingest.embeddings.BatchingEmbeddings`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.library import ArticleLibrary
from ingest.articles import UnknownArticleError
from ingest.core.errors import (
    AICitiesError,
    ConfigurationError,
    InvalidQuestionError,
    SourceError,
    StoreUnavailableError,
)
from ingest.core.models import Answer
from ingest.core.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

EXTRACTIVE_MODEL = "ai-cities-extractive"
"""The model id of the offline extractive answerer over the default article (always listed by /v1/models)."""
DEFAULT_MODEL = "ai-cities"
"""The model id of the default article (`--article`, AICITIES_ARTICLE, else the shipped one)."""
ARTICLE_MODEL_PREFIX = "ai-cities/"
"""Each article of the library answers as the model `ai-cities/<article-id>`."""
THREADS_PER_CORE = 8
"""Default answering threads per core. More questions in flight than cores let their embeddings share
forward passes (`ingest.embeddings.BatchingEmbeddings`): measured at 20 clients on 2 cores, server CPU per
request fell from 26 ms (2 threads) to 14 (8), 11 (16) and 10.6 ms (32).
They also cover an LLM backend's network waits."""
CORRECTION = "\n\n---\nChecked against the article, the answer is:\n\n"
"""Put between a streamed draft and the verified answer when the verified text does not extend the draft."""
GENERIC_ERROR = "Something went wrong while answering. The error was logged; please try again."
RETRY_AFTER_SECONDS = "5"

# Endpoints with their own metric label; every other path (the UI, Gradio's API, docs) is labelled "ui".
ENDPOINTS = {"/v1/chat/completions": "chat_completions", "/v1/models": "models", "/api/ask": "ask",
             "/healthz": "healthz", "/metrics": "metrics"}
PROTECTED_PREFIXES = ("/v1/", "/api/")
_FOOTNOTES = re.compile(r"\n\n\[\d+\]: .*\Z", re.S)


# -- request models ---------------------------------------------------------------------------------------
class ChatMessage(BaseModel):
    """One message of an OpenAI chat request; unknown fields (name, tool_calls, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    role: str = Field(description="system, developer, user or assistant.")
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="The text, or a list of content parts of which only text parts are allowed.")


class ChatCompletionRequest(BaseModel):
    """The OpenAI chat completion request. Sampling fields (temperature, top_p, max_tokens, ...) are accepted
    and ignored: answers are quoted from the article, not sampled."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="A model id of GET /v1/models: `ai-cities/<article-id>` answers from that "
                       "article, the others from the default article; any other id gets a 404 model_not_found.")
    messages: list[ChatMessage] = Field(description="The conversation; the last message is the user's question.")
    stream: bool | None = Field(default=False, description="Send server-sent events as the answer forms.")


class AskRequest(BaseModel):
    """The plain JSON request of `POST /api/ask`."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, in English or Chinese.")
    history: list[tuple[str, str]] = Field(
        default_factory=list, description="Earlier turns as [question, answer] pairs, for follow-ups.")
    article: str | None = Field(
        default=None, description="The library's id of the article to answer from (GET /v1/models lists them as "
        "ai-cities/<article-id>); omitted: the default article.")


class ApiError(Exception):
    """A request the server refuses, with its HTTP status and OpenAI error fields."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param
        self.headers = headers


# -- conversions (pure functions) -------------------------------------------------------------------------
def model_ids(settings: Settings) -> list[str]:
    """The ids that answer from the default article, the one that answers first: the LLM backend's when
    configured, then the extractive one and the plain `ai-cities`."""
    base = [EXTRACTIVE_MODEL, DEFAULT_MODEL]
    return [f"ai-cities-{settings.llm}", *base] if settings.llm else base


def article_model(article_id: str) -> str:
    """The model id of one article of the library: `ai-cities/<article-id>`."""
    return f"{ARTICLE_MODEL_PREFIX}{article_id}"


def model_not_found(model: str) -> ApiError:
    """OpenAI's 404 for a model id this server does not have."""
    return ApiError(404, f"The model `{model}` does not exist. GET /v1/models lists the models: one per article "
                    f"({ARTICLE_MODEL_PREFIX}<article-id>), and {EXTRACTIVE_MODEL} for the default article.",
                    code="model_not_found", param="model")


def unknown_article(article: str) -> ApiError:
    """The 404 of `/api/ask` for an article id the library does not have."""
    return ApiError(404, f"No article {article!r} in the library; GET /v1/models lists them "
                    f"({ARTICLE_MODEL_PREFIX}<article-id>).", code="article_not_found", param="article")


def message_text(message: ChatMessage, index: int) -> str:
    """The text of one message (a string, or the text parts of a content list)."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content:
        if part.get("type") != "text" or not isinstance(part.get("text"), str):
            raise ApiError(400, f"messages[{index}].content: only text content parts are supported "
                           f"(got type {part.get('type')!r}).", param=f"messages[{index}].content")
        parts.append(part["text"])
    return "\n".join(parts)


def strip_footnotes(text: str) -> str:
    """An answer as this server sent it, without its footnote list (the history needs only the answer)."""
    return _FOOTNOTES.sub("", text)


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[tuple[str, str]], int]:
    """Split OpenAI messages into (question, history pairs, number of system messages ignored).

    The last message must be the user's question; each earlier user message followed by an assistant one is a
    (question, answer) pair. A user message with no answer after it (a retry) and an assistant message with no
    question before it (a greeting) add nothing to the history.

    Raises:
        ApiError: no user message, the last message is not the user's, an unknown role, non-text content.
    """
    turns: list[tuple[str, str]] = []
    ignored = 0
    for index, message in enumerate(messages):
        if message.role in ("system", "developer"):
            ignored += 1
            continue
        if message.role not in ("user", "assistant"):
            raise ApiError(400, f"messages[{index}].role: unknown role {message.role!r}; this server takes system, "
                           "user and assistant messages.", param=f"messages[{index}].role", code="invalid_role")
        turns.append((message.role, message_text(message, index)))
    if not any(role == "user" for role, _ in turns):
        raise ApiError(400, "messages must contain a user message: the question to answer.", param="messages",
                       code="missing_user_message")
    if turns[-1][0] != "user":
        raise ApiError(400, "The last message must be the user's question.", param="messages",
                       code="missing_user_message")
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, strip_footnotes(text)))
            pending = None
    return turns[-1][1], history, ignored


def message_content(answer: Answer) -> str:
    """The chat message of an answer: its text with [n] markers, then one footnote line per citation
    (`[1]: 4. Fedora › Community — “quote”`, or `[1]: 8. Fedora (section heading)`)."""
    if answer.abstained or not answer.citations:
        return answer.text
    notes = "\n".join(f"[{c.marker}]: {c.label} (section heading)" if c.quote.strip() == c.section.strip()
                      else f"[{c.marker}]: {c.label} — “{c.quote}”" for c in answer.citations)
    return f"{answer.text}\n\n{notes}"


def answer_fields(answer: Answer) -> dict[str, Any]:
    """The fields beside an OpenAI reply: structured citations, abstention, notice, answering mode, and the title
    and (for a fetched page) the URL of the article the answer comes from."""
    return {"citations": [c.model_dump(mode="json") for c in answer.citations], "abstained": answer.abstained,
            "notice": answer.notice, "mode": answer.mode, "article": answer.article,
            "source_url": answer.source_url}


def completion_payload(answer: Answer, model: str, completion_id: str, created: int) -> dict[str, Any]:
    """An OpenAI `chat.completion` object for one answer."""
    return {
        "id": completion_id, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": message_content(answer),
                                             "refusal": None},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": None,  # no tokens are sampled by the extractive answerer; a count would be made up
        **answer_fields(answer),
    }


@dataclass
class DeltaTracker:
    """Turns `Chatbot.stream`'s growing drafts and final content into append-only deltas.

    OpenAI streams can only append. A draft that extends what was sent adds its new tail; any other draft is
    held back. The final (verified) content adds its tail when it extends what was sent; when it does not (an
    LLM draft whose unsupported sentences were removed), the whole verified content follows a `CORRECTION`
    line, so a client that just concatenates deltas still ends with the verified answer, and the last chunk's
    `final_content` holds the verified content alone for clients that replace.
    """

    sent: str = ""
    replaced: bool = field(default=False, init=False)

    def draft(self, text: str) -> str | None:
        """The delta for one draft, or None when it adds nothing or does not extend what was sent."""
        if len(text) > len(self.sent) and text.startswith(self.sent):
            delta, self.sent = text[len(self.sent):], text
            return delta
        return None

    def final(self, content: str) -> str:
        """The last content delta (maybe empty) for the verified content."""
        if content.startswith(self.sent):
            delta = content[len(self.sent):]
        else:
            delta, self.replaced = CORRECTION + content, True
        self.sent += delta
        return delta


def chunk_payload(completion_id: str, created: int, model: str, delta: dict[str, Any],
                  finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    """One OpenAI `chat.completion.chunk`."""
    return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra}


def sse(payload: dict[str, Any] | str) -> bytes:
    """One server-sent event: `data: <json>` and a blank line."""
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"data: {data}\n\n".encode("utf-8", "replace")


def error_payload(path: str, status: int, message: str, *, type: str = "invalid_request_error",
                  code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape under /v1, `{"detail": message}` elsewhere."""
    if path.startswith("/v1/"):
        return {"error": {"message": message, "type": type, "param": param, "code": code}}
    return {"detail": message}


def classify(exc: BaseException) -> ApiError:
    """The HTTP error for an exception raised while answering (a generic 500 for a bug, logged by the caller)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, InvalidQuestionError):
        return ApiError(400, str(exc), code="invalid_question", param="messages")
    if isinstance(exc, StoreUnavailableError):
        return ApiError(503, str(exc), type="server_error", code="store_unavailable",
                        headers={"Retry-After": RETRY_AFTER_SECONDS})
    if isinstance(exc, SourceError | ConfigurationError):
        return ApiError(503, str(exc), type="server_error", code="not_configured")
    if isinstance(exc, AICitiesError):
        return ApiError(400, str(exc), code="invalid_request")
    return ApiError(500, GENERIC_ERROR, type="server_error", code="internal_error")


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "Invalid request.", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        return f"The request body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')}).", None
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    message = first.get("msg", "invalid value")
    return (f"{param}: {message}" if param else f"The request body is invalid: {message}"), param


class SafeJSONResponse(JSONResponse):
    """JSON in UTF-8 that survives text no UTF-8 can hold: a lone surrogate sent as `\\ud800` (valid JSON)
    and echoed back (e.g. the question in `/api/ask`) becomes "?", as in the question cleaner, not a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8",
                                                                                                    "replace")


# -- metrics ----------------------------------------------------------------------------------------------
class Metrics:
    """The app's Prometheus metrics, in a registry of its own (several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("aicities_http_requests", "HTTP requests by endpoint and status code.",
                                ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram("aicities_http_request_duration_seconds",
                                 "Time from request to the last byte of the response, by endpoint.", ["endpoint"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                                 registry=self.registry)
        self.in_progress = Gauge("aicities_http_requests_in_progress", "HTTP requests being served.",
                                 registry=self.registry)
        self.abstentions = Counter("aicities_abstentions", "Answers where the article does not answer.",
                                   ["endpoint"], registry=self.registry)
        self.errors = Counter("aicities_errors", "Refused or failed requests by endpoint and error code.",
                              ["endpoint", "code"], registry=self.registry)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class _Gate:
    """Pure ASGI middleware in front of everything: metrics, the API key and the body size limit.

    It runs before FastAPI parses anything, so a client without the key gets 401 even for a malformed body.
    """

    def __init__(self, app: Any, *, metrics: Metrics, api_key: bytes | None, max_body: int) -> None:
        self.app, self.metrics, self.api_key, self.max_body = app, metrics, api_key, max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        endpoint = ENDPOINTS.get(path, "ui")
        status = {"code": 500}
        started = time.perf_counter()

        async def observe(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            refusal = self._refusal(scope, path)
            if refusal is not None:
                self.metrics.errors.labels(endpoint, refusal.code or "error").inc()
                await _send_error(observe, path, refusal)
            else:
                await self.app(scope, self._limited(receive) if path.startswith(PROTECTED_PREFIXES) else receive,
                               observe)
        finally:
            self.metrics.in_progress.dec()
            self.metrics.requests.labels(endpoint, str(status["code"])).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - started)

    def _refusal(self, scope: dict, path: str) -> ApiError | None:
        if not path.startswith(PROTECTED_PREFIXES):
            return None
        headers = dict(scope.get("headers") or ())
        if self.api_key is not None:
            scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
            if scheme.lower() != b"bearer" or not token.strip():
                return ApiError(401, "Missing API key: send the header `Authorization: Bearer KEY`.",
                                code="missing_api_key", headers={"WWW-Authenticate": "Bearer"})
            if not hmac.compare_digest(token.strip(), self.api_key):
                return ApiError(401, "Incorrect API key.", code="invalid_api_key",
                                headers={"WWW-Authenticate": "Bearer"})
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return ApiError(413, f"The request body is larger than {self.max_body:,} bytes.",
                            code="request_too_large")
        return None

    def _limited(self, receive: Callable) -> Callable:
        """`receive` that stops a chunked body at the size limit (FastAPI then answers 400)."""
        received = 0
        limit = self.max_body

        async def limited() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ValueError(f"request body over {limit} bytes")
            return message

        return limited


async def _send_error(send: Callable, path: str, error: ApiError) -> None:
    body = json.dumps(error_payload(path, error.status, error.message, type=error.type, code=error.code,
                                    param=error.param)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- the app ----------------------------------------------------------------------------------------------
def _epoch(iso_time: str, default: int) -> int:
    """Seconds since the epoch of an ISO time ("" or unreadable: `default`)."""
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(iso_time).timestamp())
    except ValueError:
        return default


def worker_threads(settings: Settings) -> int:
    """How many questions are answered at once (`settings.api_threads`, or the default for this machine)."""
    if settings.api_threads:
        return settings.api_threads
    return THREADS_PER_CORE * (os.cpu_count() or 1)


class _Health:
    """The store check behind /healthz: one client, reopened after a failure."""

    def __init__(self, library: ArticleLibrary, settings: Settings) -> None:
        self.library, self.settings = library, settings
        self._index: Any = None
        self._lock = threading.Lock()

    def check(self) -> dict[str, Any]:
        """Warm the bot up if needed and read the index manifest from the store.

        Raises:
            AICitiesError: the index is not loaded or the store does not answer.
        """
        from ingest.store import ArticleIndex, make_client

        bot = self.library.bot()
        bot.warm_up()
        with self._lock:
            if self._index is None:
                self._index = ArticleIndex(make_client(self.settings), bot.collection, bot.embeddings)
            index = self._index
        try:
            manifest = index.manifest()
        except Exception:
            with self._lock:
                self._index = None
            raise
        if manifest is None:
            raise StoreUnavailableError(f"The store has no index in collection {bot.collection!r}: "
                                        "run `ai-cities ingest`.")
        return {"status": "ok", "article": bot.article_id, "collection": bot.collection, "chunks": manifest.chunk_count,
                "source": manifest.source_name, "built_at": manifest.built_at,
                "store": "server" if self.settings.client_server else "embedded"}


def build_app(library: ArticleLibrary, settings: Settings | None = None, *, ui: bool = True) -> FastAPI:
    """Build the FastAPI app over the library of articles (its default article's bot warmed up, or warming).

    Args:
        library: the one `ArticleLibrary` of this process; each article answers as `ai-cities/<article-id>`.
        settings: the settings (default: the library's).
        ui: mount the Gradio UI at `/`.

    Returns:
        The app; run it with uvicorn (see `serve`).
    """
    settings = settings or library.settings
    metrics = Metrics()
    limiter = anyio.CapacityLimiter(worker_threads(settings))
    router = _api_router(library, metrics, limiter, _Health(library, settings), model_ids(settings))

    app = FastAPI(title="ai-cities-chat", version="0.1.0", docs_url="/docs", redoc_url=None,
                  default_response_class=SafeJSONResponse,
                  description="Grounded, cited answers about one article, over an OpenAI-compatible API.")
    app.include_router(router)

    _error_handlers(app, metrics)
    key = settings.api_key.get_secret_value().strip().encode() if settings.api_key else None
    app.add_middleware(_Gate, metrics=metrics, api_key=key, max_body=settings.api_max_body_bytes)
    app.state.metrics = metrics
    app.state.limiter = limiter
    if ui:
        _mount_ui(app, library, settings)
    return app


@dataclass
class _Api:
    """What the API's routes share: the library, the answering thread pool and the metrics."""

    library: ArticleLibrary
    metrics: Metrics
    limiter: anyio.CapacityLimiter
    models: list[str]

    def model_bot(self, model: str) -> tuple[Any, str]:
        """The bot a model id answers with, and the id the reply names: `ai-cities/<article-id>` is that article
        (one ingested while the server runs too), the other listed ids the default article.

        Raises:
            ApiError: 404 model_not_found for any other id.
        """
        if model in self.models:
            return self.library.bot(), self.models[0]
        article = model.removeprefix(ARTICLE_MODEL_PREFIX)
        if article == model or not article:
            raise model_not_found(model)
        try:
            return self.library.bot(article), model
        except UnknownArticleError:
            raise model_not_found(model) from None

    def article_bot(self, article: str | None) -> Any:
        """The bot of `/api/ask`'s `article` (None: the default article).

        Raises:
            ApiError: 404 for an article the library does not have.
        """
        try:
            return self.library.bot(article or None)
        except UnknownArticleError:
            raise unknown_article(str(article)) from None

    async def in_pool(self, function: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(function, *args, limiter=self.limiter)

    def failed(self, endpoint: str, exc: BaseException) -> ApiError:
        error = classify(exc)
        if error.code == "internal_error":
            logger.error("%s failed", endpoint, exc_info=exc)
        return error

    def answered(self, endpoint: str, answer: Answer) -> None:
        if answer.abstained:
            self.metrics.abstentions.labels(endpoint).inc()


def _api_router(library: ArticleLibrary, metrics: Metrics, limiter: anyio.CapacityLimiter, health: _Health,
                models: list[str]) -> APIRouter:
    """The API's routes: OpenAI's chat completions and models, /api/ask, /healthz, /metrics, and the 404/405s of
    every other path under /v1 and /api."""
    api = _Api(library, metrics, limiter, models)
    router = APIRouter()
    _openai_routes(router, api)
    _service_routes(router, api, health)
    return router


def _openai_routes(router: APIRouter, api: _Api) -> None:
    """POST /v1/chat/completions (streaming or not) and GET /v1/models."""
    metrics, limiter = api.metrics, api.limiter
    in_pool, failed, answered = api.in_pool, api.failed, api.answered
    started = int(time.time())

    @router.post("/v1/chat/completions", summary="OpenAI-compatible chat completion (streaming or not)")
    async def chat_completions(body: ChatCompletionRequest) -> Response:
        bot, model = api.model_bot(body.model) if body.model in api.models else \
            await api.in_pool(api.model_bot, body.model)
        question, history, ignored = conversation(body.messages)
        if ignored:
            logger.info("Ignored %d system message(s): answers come from the article only.", ignored)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not body.stream:
            try:
                answer = await in_pool(bot.ask, question, history)
            except Exception as exc:
                raise failed("chat_completions", exc) from None
            answered("chat_completions", answer)
            return SafeJSONResponse(completion_payload(answer, model, completion_id, created))
        relay = _Relay(bot.stream(question, history), limiter)
        try:  # the first item carries every input error: answer it with a status, before the stream starts
            first = await relay.next()
        except Exception as exc:
            raise failed("chat_completions", exc) from None

        def failed_midway(exc: BaseException) -> ApiError:
            error = failed("chat_completions", exc)
            metrics.errors.labels("chat_completions", error.code or "error").inc()
            return error

        events = _completion_events(relay, first, lambda a: answered("chat_completions", a),
                                    failed_midway, model, completion_id, created)
        return StreamingResponse(events, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.get("/v1/models", summary="The model ids this server answers as: one per article of the library")
    async def list_models() -> dict[str, Any]:
        try:  # read from the store each time: an article ingested while the server runs is listed at once
            articles = await api.in_pool(api.library.articles)
        except Exception as exc:
            raise api.failed("models", exc) from None
        data = [{"id": m, "object": "model", "created": started, "owned_by": "ai-cities"} for m in api.models]
        data += [{"id": article_model(a.id), "object": "model", "created": _epoch(a.ingested_at, started),
                  "owned_by": "ai-cities", "title": a.title, "entries": a.entries, "noun": a.noun,
                  "source": a.url or Path(a.source).name, "shipped": a.shipped} for a in articles]
        return {"object": "list", "data": data}



def _service_routes(router: APIRouter, api: _Api, health: _Health) -> None:
    """POST /api/ask, /healthz, /metrics, and the 404/405 of every other path under /v1 and /api."""
    metrics = api.metrics
    in_pool, failed, answered = api.in_pool, api.failed, api.answered
    @router.post("/api/ask", summary="Ask one question; the full Answer as JSON")
    async def ask(body: AskRequest) -> Response:
        try:
            bot = await in_pool(api.article_bot, body.article)
            answer = await in_pool(bot.ask, body.question, body.history)
        except Exception as exc:
            raise failed("ask", exc) from None
        answered("ask", answer)
        return SafeJSONResponse(answer.to_dict())

    @router.api_route("/healthz", methods=["GET", "HEAD"],
                      summary="Ready when the index is loaded and the store answers (else 503)")
    async def healthz() -> Response:
        try:  # the default thread pool, not the answering one: a busy server is still a healthy one
            return SafeJSONResponse(await anyio.to_thread.run_sync(health.check))
        except Exception as exc:
            if not isinstance(exc, AICitiesError):
                logger.warning("Health check failed", exc_info=exc)
            metrics.errors.labels("healthz", "unhealthy").inc()
            return SafeJSONResponse({"status": "unavailable", "detail": str(exc) or type(exc).__name__},
                                status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})

    @router.get("/metrics", summary="Prometheus metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    allowed = {route.path: sorted(route.methods) for route in router.routes if hasattr(route, "methods")}

    @router.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                      include_in_schema=False)
    @router.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                      include_in_schema=False)
    async def unknown(request: Request, rest: str) -> Response:  # the API's paths never fall through to the UI
        methods = allowed.get(request.url.path)
        if methods:
            raise ApiError(405, f"{request.method} is not allowed here; use {', '.join(methods)}.",
                           code="method_not_allowed", headers={"Allow": ", ".join(methods)})
        raise ApiError(404, f"No endpoint {request.url.path}.", code="not_found")



def _error_handlers(app: FastAPI, metrics: Metrics) -> None:
    """Every error the app answers, in OpenAI's error shape, counted by endpoint and code."""
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> SafeJSONResponse:
        metrics.errors.labels(ENDPOINTS.get(request.url.path, "ui"), exc.code or "error").inc()
        return SafeJSONResponse(error_payload(request.url.path, exc.status, exc.message, type=exc.type, code=exc.code,
                                          param=exc.param), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        message, param = _validation_message(exc)
        endpoint = ENDPOINTS.get(request.url.path, "ui")
        metrics.errors.labels(endpoint, "invalid_request").inc()
        return SafeJSONResponse(error_payload(request.url.path, 400, message, code="invalid_request", param=param),
                            status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
        return SafeJSONResponse(error_payload(request.url.path, exc.status_code, message, type=kind),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))



class _Relay:
    """Runs `Chatbot.stream` to its end in one worker thread of the answering pool and hands each item to
    the event loop as it comes (no thread hop per draft, no draft held back waiting for the next one).

    Must be created on the event loop. `next()` returns the next item, None at the end, or raises what the
    stream raised. `stop()` makes the worker quit after the item it is waiting for (a client went away).
    """

    def __init__(self, stream: Iterator[str | Answer], limiter: anyio.CapacityLimiter) -> None:
        self._stream = stream
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._stopping = threading.Event()
        self._task = asyncio.ensure_future(anyio.to_thread.run_sync(self._drain, limiter=limiter))

    def _put(self, kind: str, value: Any) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (kind, value))

    def _drain(self) -> None:
        try:
            for item in self._stream:
                self._put("item", item)
                if isinstance(item, Answer) or self._stopping.is_set():
                    break
        except BaseException as exc:
            self._put("error", exc)
        finally:
            self._stream.close()
            self._put("end", None)

    async def next(self) -> str | Answer | None:
        """The next draft or the final `Answer`; None when the stream has ended."""
        kind, value = await self._queue.get()
        if kind == "error":
            raise value
        if kind == "end":
            self._queue.put_nowait((kind, value))  # every later call sees the end too
            return None
        return value

    def stop(self) -> None:
        """Ask the worker to stop after its current item."""
        self._stopping.set()


async def _completion_events(relay: _Relay, first: str | Answer | None, answered: Callable[[Answer], None],
                             failed: Callable[[BaseException], ApiError], model: str, completion_id: str,
                             created: int) -> AsyncIterator[bytes]:
    """The server-sent events of one streamed completion."""
    tracker = DeltaTracker()
    yield sse(chunk_payload(completion_id, created, model, {"role": "assistant", "content": ""}))
    try:
        item = first
        while item is not None and not isinstance(item, Answer):
            delta = tracker.draft(str(item))
            if delta:
                yield sse(chunk_payload(completion_id, created, model, {"content": delta}))
            item = await relay.next()
        if item is None:
            raise RuntimeError("the answer stream ended without an Answer")
        answered(item)
        content = message_content(item)
        delta = tracker.final(content)
        if delta:
            yield sse(chunk_payload(completion_id, created, model, {"content": delta}))
        yield sse(chunk_payload(completion_id, created, model, {}, "stop", **answer_fields(item),
                                final_content=content, replaced=tracker.replaced))
    except Exception as exc:  # headers are sent: the error travels as an event, as OpenAI's servers do
        error = failed(exc)
        yield sse({"error": {"message": error.message, "type": error.type, "param": error.param,
                             "code": error.code}})
    finally:
        relay.stop()
    yield sse("[DONE]")


def _mount_ui(app: FastAPI, library: ArticleLibrary, settings: Settings) -> None:
    import gradio as gr

    from app import ui

    demo = ui.build_ui(library, settings)
    gr.mount_gradio_app(
        app, demo, path="/", server_name=settings.api_host, server_port=settings.api_port,
        footer_links=["api", "settings"], run_history=False, auth=ui.parse_auth(settings.ui_auth),
        allowed_paths=None, show_error=False, ssr_mode=False, enable_monitoring=False, pwa=False,
        mcp_server=False, theme=ui.THEME, css=ui.CSS, js=ui.JS, max_file_size=settings.max_source_bytes,
    )


def serve(settings: Settings | None = None, *, host: str | None = None, port: int | None = None,
          library: ArticleLibrary | None = None) -> None:
    """Warm the default article's `Chatbot` up and serve the app with uvicorn until interrupted (blocks).

    Args:
        settings: the settings (default: from the environment).
        host, port: where to bind; None means `settings.api_host` / `settings.api_port`.
        library: the library to serve (default: one built from settings, its embedder batching queries).
    """
    import uvicorn

    from app.ui import is_loopback

    settings = settings or Settings()
    host = host or settings.api_host
    port = port or settings.api_port
    if library is None:
        from app.compose import build_library

        library = build_library(settings, batching=True)
    if not is_loopback(host):
        if settings.api_key is None:
            logger.warning("The API binds to %s without a key: anyone who can reach it can use it. Set "
                           "AICITIES_API_KEY.", host)
        if settings.ui_auth is None:
            logger.warning("The UI at %s has no login; set AICITIES_UI_AUTH=user:password.", host)
    began = time.perf_counter()
    library.bot().warm_up()
    logger.info("Chatbot warmed up in %.1fs", time.perf_counter() - began)
    app = build_app(library, settings)
    logger.info("Serving the API and UI at http://%s:%s/ (%d answering threads)", host, port,
                worker_threads(settings))
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False,
                server_header=False, timeout_graceful_shutdown=10)
