"""LLM backends: `AICITIES_LLM` parsed, the LangChain chat model built for it, and the chat model wrapped
with what talking to a remote server needs (retries with backoff, a deadline, a cooldown after the server
was unreachable, and error notices that never carry the API key).

`openai:<model>` talks to any OpenAI-compatible server (langchain-openai, with `llm_base_url` and an API
key), `ollama:<model>` to an Ollama server (langchain-ollama, `ollama_host`). Both packages are the optional
extra `pip install -e .[llm]`.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from ingest.core.errors import ConfigurationError
from ingest.core.settings import Settings

logger = logging.getLogger(__name__)

BACKENDS = {
    "openai": "any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, LM Studio), via langchain-openai",
    "ollama": "an Ollama server, via langchain-ollama",
}
MAX_OUTPUT_TOKENS = 400
"""Longest answer the model may write (answers are one to three sentences)."""
UNREACHABLE_COOLDOWN = 30.0
"""Seconds during which an unreachable backend is not asked again (answers are extractive meanwhile)."""
_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_UNREACHABLE_ERRORS = frozenset({"APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout",
                                 "ReadTimeout", "TimeoutException", "NetworkError", "RemoteProtocolError",
                                 "ConnectionError", "TimeoutError"})

T = TypeVar("T")


# -- settings to chat model -------------------------------------------------------------------------------
def parse_llm_spec(spec: str | None) -> tuple[str, str]:
    """Split `"openai:gpt-4o-mini"` into `("openai", "gpt-4o-mini")`.

    Raises:
        ConfigurationError: not one of the accepted forms (the message lists them).
    """
    backend, sep, model = (spec or "").strip().partition(":")
    backend, model = backend.strip().lower(), model.strip()
    if not sep or backend not in BACKENDS or not model:
        forms = "; ".join(f"'{name}:<model>' for {what}" for name, what in BACKENDS.items())
        raise ConfigurationError(f"Invalid LLM setting {spec!r} (AICITIES_LLM): use {forms}; or leave it "
                                 "unset for the offline extractive answerer.")
    return backend, model


def backend_location(settings: Settings) -> str:
    """Where the backend lives, for messages: the server URL without credentials or query string."""
    backend, _ = parse_llm_spec(settings.llm)
    url = settings.ollama_host if backend == "ollama" else (settings.llm_base_url or "https://api.openai.com/v1")
    return _display_url(url)


def _display_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the configured LLM server"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or "the configured LLM server"


def api_key(settings: Settings) -> SecretStr | None:
    """The API key: `AICITIES_LLM_API_KEY`, else `OPENAI_API_KEY`, else None."""
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        return settings.llm_api_key
    env = os.environ.get("OPENAI_API_KEY")
    return SecretStr(env) if env else None


def _missing_package(package: str, exc: ImportError) -> ConfigurationError:
    return ConfigurationError(f"The LLM backend needs {package}, which is not installed ({exc.name or exc}). "
                              "Install the LLM extra: pip install -e .[llm]")


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model that `settings.llm` names, with its timeout, retries and temperature.

    Raises:
        ConfigurationError: unknown backend form, missing package (install the `llm` extra), or no API key
            for the OpenAI API itself. The key is never part of a message.
    """
    backend, model = parse_llm_spec(settings.llm)
    if backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise _missing_package("langchain-openai", exc) from exc
        key = api_key(settings)
        if key is None:
            if not settings.llm_base_url:
                raise ConfigurationError("The openai backend needs an API key: set AICITIES_LLM_API_KEY or "
                                         "OPENAI_API_KEY, or AICITIES_LLM_BASE_URL for a local "
                                         "OpenAI-compatible server.")
            key = SecretStr("not-needed")  # local servers (llama.cpp, vLLM, LM Studio) accept any key
        # max_tokens goes in the body as-is: llama.cpp, vLLM and LM Studio read max_tokens, not the newer
        # max_completion_tokens that ChatOpenAI.max_tokens is sent as.
        return ChatOpenAI(model=model, base_url=settings.llm_base_url, api_key=key,
                          timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
                          temperature=settings.llm_temperature,
                          stream_usage=False, extra_body={"max_tokens": MAX_OUTPUT_TOKENS})
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise _missing_package("langchain-ollama", exc) from exc
    return ChatOllama(model=model, base_url=settings.ollama_host, temperature=settings.llm_temperature,
                      num_predict=MAX_OUTPUT_TOKENS, client_kwargs={"timeout": settings.llm_timeout})


# -- talking to the chat model ----------------------------------------------------------------------------
class DeadlineExceeded(Exception):
    """A streamed answer did not complete within the backend's deadline."""


def message_text(message: Any) -> str:
    """The text of a LangChain message or chunk (`.text` is a property in langchain-core 1.x)."""
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return str(text)
    content = getattr(message, "content", message)
    return content if isinstance(content, str) else str(content)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status an error carries (openai, httpx and ollama errors), if any."""
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def unreachable(exc: BaseException) -> bool:
    """Connection refused, DNS failure or timeout (openai, httpx, ollama, or plain OS errors)."""
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & _UNREACHABLE_ERRORS) or isinstance(exc, (ConnectionError, TimeoutError))


def transient(exc: BaseException) -> bool:
    """An error worth retrying: unreachable, or an HTTP status that may pass (429, 5xx, ...)."""
    return unreachable(exc) or http_status(exc) in _TRANSIENT_STATUS


def _backoff(attempt: int) -> float:
    return min(0.5 * 2 ** attempt, 4.0)


class ChatBackend:
    """One chat model as the answerer uses it: calls with retries, a deadline for streams, a cooldown after
    the server was unreachable, and a user notice for every failure (logged without secrets).

    Args:
        chat_model: the LangChain chat model.
        backend: "openai" or "ollama" (for messages).
        model: the model name (for messages).
        location: where the server is, without credentials (for messages).
        timeout: seconds per request.
        max_retries: retries the client does itself (the OpenAI client retries with backoff).
        own_retries: retries done here, for clients that don't retry (Ollama).
        cooldown: seconds during which an unreachable server is not asked again.
        secrets: strings (the API key) that must never reach a log line.
    """

    def __init__(self, chat_model: BaseChatModel, *, backend: str = "openai", model: str = "",
                 location: str = "the configured LLM server", timeout: float = 30.0, max_retries: int = 0,
                 own_retries: int = 0, cooldown: float = UNREACHABLE_COOLDOWN, secrets: Iterable[str] = ()) -> None:
        self.chat_model = chat_model
        self.backend = backend
        self.model = model
        self.location = location
        self.own_retries = own_retries
        # the longest one question may take: every attempt times out, plus the backoff between them
        attempts = (max_retries + 1) * (own_retries + 1)
        self.deadline = timeout * attempts + min(8.0, 0.5 * 2 ** attempts)
        self._cooldown = cooldown
        self._down_until = 0.0
        self.down_notice = ""
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)

    @property
    def cooling(self) -> bool:
        """True while the server is known to be unreachable (it is not asked meanwhile)."""
        return time.monotonic() < self._down_until

    def invoke(self, messages: Sequence[BaseMessage]) -> str:
        """The model's whole reply to `messages` (transient errors retried here when the client doesn't).

        Raises:
            Exception: whatever the client raised last; pass it to `failure` for the notice.
        """
        return self._with_retries(lambda: message_text(self.chat_model.invoke(list(messages))))

    def stream(self, messages: Sequence[BaseMessage]) -> Iterator[str]:
        """Yield the model's reply piece by piece. A transient error before the first piece is retried;
        a reply still running after `deadline` seconds raises `DeadlineExceeded`.

        Raises:
            Exception: whatever the client raised last, or `DeadlineExceeded`; pass it to `failure`.
        """
        attempt = 0
        started = time.monotonic()
        while True:
            produced = False
            try:
                for chunk in self.chat_model.stream(list(messages)):
                    piece = message_text(chunk)
                    if piece:
                        produced = True
                        yield piece
                    if time.monotonic() - started > self.deadline:
                        raise DeadlineExceeded(f"no complete answer within {self.deadline:.0f} s")
                return
            except Exception as exc:
                if produced or attempt >= self.own_retries or not transient(exc):
                    raise
                time.sleep(_backoff(attempt))
                attempt += 1

    def _with_retries(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:
                if attempt >= self.own_retries or not transient(exc):
                    raise
                time.sleep(_backoff(attempt))
                attempt += 1

    def redact(self, text: str) -> str:
        """`text` without the secrets this backend knows, nor anything shaped like an API key."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return re.sub(r"(sk-|Bearer\s+)[\w.-]{4,}", r"\1***", text)

    def failure(self, exc: BaseException) -> str:
        """Log a backend error without secrets, start the cooldown when the server is unreachable, and
        return the notice for the user."""
        status = http_status(exc)
        where = self.location
        if isinstance(exc, DeadlineExceeded):
            notice = f"LLM backend at {where} was too slow ({exc}) — answered extractively."
        elif unreachable(exc):
            notice = f"LLM backend unreachable at {where} — answered extractively."
            self._down_until = time.monotonic() + self._cooldown
            self.down_notice = notice
        elif status == 404:
            notice = f"LLM model {self.model!r} was not found at {where} — answered extractively."
        elif status in (401, 403):
            notice = f"LLM backend at {where} refused the API key (HTTP {status}) — answered extractively."
        elif status is not None:
            notice = f"LLM backend at {where} failed (HTTP {status}) — answered extractively."
        else:
            notice = f"LLM backend at {where} failed ({type(exc).__name__}) — answered extractively."
        logger.warning("LLM request to %s (%s:%s) failed: %s: %s", where, self.backend, self.model,
                       type(exc).__name__, self.redact(str(exc))[:300])
        return notice
