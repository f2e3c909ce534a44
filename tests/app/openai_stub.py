"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests (stdlib only).

It serves `POST /v1/chat/completions` (a JSON completion, or server-sent events `data: {...}` chunks ending
with `data: [DONE]` when the request says `"stream": true`) and `GET /v1/models`, and records every request
(path, headers, JSON body). Its `mode` makes it misbehave on purpose:

* `"ok"`: answer with `reply` (a string, or a function of the request body returning one);
* `"error"`: HTTP 500 with an OpenAI-style error body (its message from `reply` when that is a function);
* `"not_found"`: HTTP 404 "model does not exist", as servers answer for an unknown model;
* `"slow"`: wait `delay` seconds before answering (for client timeouts);
* `"drip"`: stream the reply one word every `delay` seconds (for a deadline while streaming).

Usage: `with OpenAIStub() as stub: ... stub.base_url ...` or `stub.start()` / `stub.stop()`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)

Reply = str | Callable[[dict[str, Any]], str]


@dataclass
class Recorded:
    """One request the stub received."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any] = field(default_factory=dict)


def passage_number(body: dict[str, Any], phrase: str) -> int:
    """The number of the evidence passage, in the request's last message, whose text contains `phrase`."""
    prompt = str(body["messages"][-1]["content"])
    for match in re.finditer(r"^\[(\d+)\] ([^\n]*\n[^\n]*)", prompt, re.M):
        if phrase.lower() in match.group(2).lower():
            return int(match.group(1))
    raise AssertionError(f"no evidence passage contains {phrase!r}")


def cite(template: str) -> Callable[[dict[str, Any]], str]:
    """A reply whose `[@phrase]` markers become the numbers of the passages containing those phrases."""
    return lambda body: re.sub(r"\[@([^\]]+)\]", lambda m: f"[{passage_number(body, m.group(1))}]", template)


class OpenAIStub:
    """The server; its attributes (`mode`, `reply`, `delay`) may be changed between requests."""

    def __init__(self, reply: Reply = "Hello [1].", *, mode: str = "ok", delay: float = 5.0) -> None:
        self.reply: Reply = reply
        self.mode = mode
        self.delay = delay
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> OpenAIStub:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        stub = self

        class Handler(_Handler):
            owner = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai-stub", daemon=True)
        self._thread.start()
        logger.info("OpenAI stub listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving (slow requests are cut short)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "start() the stub first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI base URL to give a client, e.g. http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self, reply: Reply = "Hello [1].", *, mode: str = "ok", delay: float = 5.0) -> None:
        """Forget recorded requests and set the behaviour for the next ones."""
        self.reply, self.mode, self.delay = reply, mode, delay
        self.requests.clear()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False when the stub is stopping."""
        return not self._stopping.wait(seconds)

    def text_for(self, body: dict[str, Any]) -> str:
        """The reply text for one request."""
        return self.reply(body) if callable(self.reply) else self.reply


class _Handler(BaseHTTPRequestHandler):
    owner: OpenAIStub
    protocol_version = "HTTP/1.0"  # the stream ends when the connection closes

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stub: " + format, *args)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.owner.requests.append(Recorded(self.path, _headers(self)))
        if self.path.rstrip("/") == "/v1/models":
            models = [{"id": "stub-model", "object": "model", "owned_by": "stub"}]
            self._json(200, {"object": "list", "data": models})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        stub = self.owner
        stub.requests.append(Recorded(self.path, _headers(self), body))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        if stub.mode == "error":  # a callable reply becomes the error message (e.g. one echoing the key)
            message = stub.text_for(body) if callable(stub.reply) else "The server had an error"
            self._json(500, {"error": {"message": message, "type": "server_error"}})
            return
        if stub.mode == "not_found":
            model = body.get("model")
            self._json(404, {"error": {"message": f"The model `{model}` does not exist",
                                       "code": "model_not_found", "type": "invalid_request_error"}})
            return
        if stub.mode == "slow" and not stub.wait(stub.delay):
            return
        text = stub.text_for(body)
        if body.get("stream"):
            self._stream(body, text, stub.delay if stub.mode == "drip" else 0.0)
        else:
            self._json(200, _completion(body, text))

    def _stream(self, body: dict[str, Any], text: str, pause: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        created = int(time.time())
        pieces = [{"role": "assistant", "content": ""}]
        pieces += [{"content": p} for p in re.findall(r"\S+\s*", text)]
        try:
            for delta in pieces:
                if pause and not self.owner.wait(pause):
                    return
                self._event(_chunk(body, created, delta, None))
            self._event(_chunk(body, created, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("stub: client went away mid-stream")

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "stub-model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()),
                  "total_tokens": 10 + len(text.split())},
    }


def _chunk(body: dict[str, Any], created: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": created,
            "model": body.get("model", "stub-model"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _headers(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    """Request headers with lower-case names."""
    return {k.lower(): v for k, v in handler.headers.items()}
