"""Fetch a source article from an http(s) URL into the sources folder, so ingest indexes it like a file.

`fetch_url` downloads the page with httpx (timeouts, bounded redirects, a size limit enforced while
streaming, HTML, markdown and plain text only) and keeps the body in `Settings.sources_dir` under a name
derived from the URL, with the suffix of its content type, beside a `<file>.fetch.json` sidecar (URL, final
URL, fetch time, content type, sha256). Ingest then reads that copy with `load_source`, and the index's
manifest records the URL (`source_url_of`), so answers can cite it. Fetching the same URL again refreshes the
copy; a body that did not change is not rewritten, so the index built from it stays as it is.

Every failure a user can cause (bad URL, offline, refused, timeout, HTTP error, wrong type, too large) is a
`SourceError` whose message says what happened.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.core.errors import SourceError

if TYPE_CHECKING:
    import httpx

    from ingest.core.settings import Settings

logger = logging.getLogger(__name__)

# Content types ingest accepts, and the suffix that tells `load_source` how to read the copy.
CONTENT_SUFFIXES = {"text/html": ".html", "application/xhtml+xml": ".html", "text/markdown": ".md",
                    "text/x-markdown": ".md", "text/plain": ".txt"}
_MARKDOWN_PATH = re.compile(r"\.(md|markdown)$", re.IGNORECASE)
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
SIDECAR_SUFFIX = ".fetch.json"
_CHUNK_BYTES = 64 * 1024


def user_agent() -> str:
    """The User-Agent of every fetch: the project's name and version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("ai-cities-chat")
    except PackageNotFoundError:
        ours = "dev"
    return f"ai-cities-chat/{ours} (ingests a ranking article for grounded Q&A)"


@dataclass(frozen=True)
class FetchedSource:
    """A page fetched into the sources folder: where its copy is and what the sidecar says about it."""

    url: str
    final_url: str
    path: Path
    content_type: str
    sha256: str
    """SHA-256 of the copy as kept (the body, in UTF-8)."""
    fetched_at: str
    size: int
    changed: bool
    """False when the copy already held this body (the file was left untouched)."""

    def summary(self) -> str:
        """One line for people."""
        redirected = f" (redirected to {self.final_url})" if self.final_url != self.url else ""
        fresh = "" if self.changed else "; unchanged since the last fetch"
        return f"Fetched {self.url}{redirected}: {self.content_type}, {self.size:,} bytes, kept as {self.path}{fresh}"


def is_url(text: str) -> bool:
    """True when `text` names a URL ("scheme://…") rather than a file path."""
    return bool(_URL_LIKE.match(text.strip()))


def sidecar_of(path: Path | str) -> Path:
    """The sidecar JSON kept beside a fetched copy."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def source_url_of(path: Path | str) -> str:
    """The URL a source file was fetched from (the final one, after redirects), from its sidecar; "" for a file
    that was not fetched or whose sidecar is unreadable."""
    if not str(path):
        return ""
    try:
        data = json.loads(sidecar_of(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    url = data.get("final_url") or data.get("url") if isinstance(data, dict) else ""
    return url if isinstance(url, str) else ""


def fetch_with_settings(url: str, settings: Settings, show_progress: bool | None = None, *,
                        allow_private: bool = True) -> FetchedSource:
    """`fetch_url` with the limits and folder of `settings`."""
    return fetch_url(url, settings.sources_dir, timeout=settings.fetch_timeout, max_bytes=settings.max_source_bytes,
                     max_redirects=settings.fetch_max_redirects, show_progress=show_progress,
                     allow_private=allow_private)


def fetch_url(url: str, sources_dir: Path, *, timeout: float = 20.0, max_bytes: int = 5_000_000,
              max_redirects: int = 5, show_progress: bool | None = None, allow_private: bool = True) -> FetchedSource:
    """Download `url` and keep it in `sources_dir` as a file `load_source` can read, with its sidecar.

    Args:
        url: an http:// or https:// address of an HTML, markdown or plain-text page.
        sources_dir: folder of the fetched copies (created if missing).
        timeout: seconds to connect, and to wait for each read, before giving up.
        max_bytes: largest body accepted; the download stops as soon as it is exceeded.
        max_redirects: most redirects followed.
        show_progress: a download bar on stderr; None shows it only on a terminal (and only once a download
            takes more than half a second).
        allow_private: fetch from loopback, private, link-local and other non-public addresses too. False (a
            page anyone can ask the server to fetch) checks the address of every request, redirects included.

    Returns:
        The `FetchedSource`; its `path` is the copy to ingest.

    Raises:
        SourceError: a bad or non-http(s) URL, no network or no such host, connection refused, timeout, an
            HTTP error status, a content type other than HTML, markdown or plain text, a body over `max_bytes`,
            an undecodable body, or a sources folder that cannot be written. The message says which.
    """
    import httpx

    url = url.strip()
    target = _checked_url(url)
    started = datetime.now(UTC)
    try:
        hooks = {} if allow_private else {"request": [_refuse_private_address]}
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True, max_redirects=max_redirects,
                          headers={"User-Agent": user_agent()}, event_hooks=hooks) as client, \
                client.stream("GET", target) as response:
            if response.is_error:
                where = "" if str(response.url) == url else f" (redirected to {response.url})"
                status = f"{response.status_code} {response.reason_phrase}".strip()
                raise SourceError(f"Cannot fetch {url}{where}: the server answered HTTP {status}.")
            content_type, charset = _content_type(url, response)
            suffix = _suffix(url, str(response.url), content_type)
            body = _read_body(url, response, max_bytes, show_progress)
            final_url = str(response.url)
    except httpx.TooManyRedirects as exc:
        raise SourceError(f"Cannot fetch {url}: more than {max_redirects} redirects "
                          "(AICITIES_FETCH_MAX_REDIRECTS).") from exc
    except httpx.TimeoutException as exc:
        raise SourceError(f"Cannot fetch {url}: no answer within {timeout:g} s (AICITIES_FETCH_TIMEOUT); "
                          "try again later or raise the timeout.") from exc
    except httpx.UnsupportedProtocol as exc:  # a redirect to another scheme
        raise SourceError(f"Cannot fetch {url}: it redirects to an address that is not http(s) ({exc}).") from exc
    except httpx.ConnectError as exc:
        raise SourceError(_connect_problem(url, target, exc)) from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"Cannot fetch {url}: {type(exc).__name__}: {str(exc) or 'the connection failed'}.") from exc
    text = _decode(url, body, charset, is_html=suffix == ".html")
    return _keep(url, final_url, content_type, text, suffix, Path(sources_dir), started)


def _refuse_private_address(request: httpx.Request) -> None:
    """An httpx request hook: refuse a host that resolves to a loopback, private, link-local, reserved or multicast
    address (a page on the server's own network), for the first request and every redirect.

    Raises:
        SourceError: the host is such an address.
    """
    import ipaddress

    host = request.url.host
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, request.url.port or 443, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        return  # the connection fails with its own message
    for address in resolved:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise SourceError(f"Cannot fetch {request.url}: {host} is a local or private address ({ip}), which "
                              "pages added here may not use (AICITIES_UI_FETCH_PRIVATE allows it).")


def _checked_url(url: str) -> httpx.URL:
    """The URL parsed, or a `SourceError` saying why it cannot be fetched."""
    import httpx

    if not _URL_LIKE.match(url):
        raise SourceError(f"Not a URL: {url!r}. Give a full http:// or https:// address.")
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise SourceError(f"Cannot fetch {url}: only http:// and https:// URLs can be ingested, not {scheme}://.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise SourceError(f"Not a valid URL: {url!r} ({exc}). Give a full http:// or https:// address.") from exc
    problem = ("it has no host" if not parsed.host else "it contains spaces" if any(c.isspace() for c in url)
               else f"port {parsed.port} is out of range" if parsed.port is not None and not 0 < parsed.port < 65536
               else None)
    if problem:
        raise SourceError(f"Not a valid URL: {url!r} ({problem}). Give a full http:// or https:// address.")
    return parsed


def _connect_problem(url: str, target: httpx.URL, exc: Exception) -> str:
    """What a failed connection means, from the OS error underneath httpx's."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return (f"Cannot fetch {url}: the host {target.host} could not be found (are you offline, or is the "
                    "name misspelt?).")
        if isinstance(cause, ConnectionRefusedError):
            port = target.port or (443 if target.scheme == "https" else 80)
            return f"Cannot fetch {url}: connection refused by {target.host}:{port} (is the server running?)."
        if isinstance(cause, ssl.SSLError):
            return f"Cannot fetch {url}: the secure connection to {target.host} failed ({cause})."
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"Cannot fetch {url}: the network or host is unreachable (are you offline?)."
        cause = cause.__cause__ or cause.__context__
    return f"Cannot fetch {url}: cannot connect to {target.host} ({exc})."


def _content_type(url: str, response: httpx.Response) -> tuple[str, str | None]:
    """The response's media type (checked against what ingest reads) and its charset, if it names one."""
    header = response.headers.get("content-type", "")
    media = header.split(";", 1)[0].strip().lower()
    if media not in CONTENT_SUFFIXES:
        what = media or "of no stated content type"
        raise SourceError(f"Cannot ingest {url}: it is {what}, not an HTML page "
                          "(ingest reads HTML, markdown or plain text).")
    match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", header, re.IGNORECASE)
    return media, match.group(1) if match else None


def _suffix(url: str, final_url: str, content_type: str) -> str:
    """The copy's suffix: from the content type, except plain text at a .md address is markdown (raw files
    are served as text/plain)."""
    suffix = CONTENT_SUFFIXES[content_type]
    if suffix == ".txt" and any(_MARKDOWN_PATH.search(_address(u)) for u in (url, final_url)):
        return ".md"
    return suffix


def _address(url: str) -> str:
    """`url` without its query and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def _read_body(url: str, response: httpx.Response, max_bytes: int, show_progress: bool | None) -> bytes:
    """The body, streamed; stops with a `SourceError` as soon as it passes `max_bytes`."""
    from tqdm.auto import tqdm

    def too_large(size: str) -> SourceError:
        return SourceError(f"Cannot ingest {url}: the page is too large ({size}; AICITIES_MAX_SOURCE_BYTES is "
                           f"{max_bytes:,}).")

    declared = response.headers.get("content-length", "")
    length = int(declared) if declared.isdigit() else None
    if length is not None and length > max_bytes:
        raise too_large(f"{length:,} bytes")
    parts: list[bytes] = []
    size = 0
    with tqdm(total=length, desc="Downloading", unit="B", unit_scale=True, leave=False, delay=0.5,
              disable=None if show_progress is None else not show_progress) as bar:
        for part in response.iter_bytes(_CHUNK_BYTES):
            size += len(part)
            if size > max_bytes:
                raise too_large(f"over {max_bytes:,} bytes, download stopped")
            parts.append(part)
            bar.update(len(part))
    return b"".join(parts)


def _decode(url: str, body: bytes, charset: str | None, is_html: bool) -> str:
    """The body as text: in the charset the server named, else UTF-8, else what the page itself declares."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            logger.info("%s is not valid %s as its Content-Type says; detecting its encoding", url, charset)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from bs4 import UnicodeDammit

    guess = UnicodeDammit(body, is_html=is_html)
    if guess.unicode_markup is None:
        raise SourceError(f"Cannot ingest {url}: its text encoding could not be determined.")
    return guess.unicode_markup


def _copy_name(url: str) -> str:
    """A file name for the copy of `url`: readable (host and path) and unique (a hash of the whole URL)."""
    readable = re.sub(r"[^A-Za-z0-9]+", "-", _address(url).split("://", 1)[1]).strip("-")
    return f"{readable[:80].rstrip('-') or 'page'}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:10]}"


def _keep(url: str, final_url: str, content_type: str, text: str, suffix: str, sources_dir: Path,
          started: datetime) -> FetchedSource:
    """Write the copy (only when its content changed) and its sidecar (always: the fetch time moves on)."""
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    stem = _copy_name(url)
    path = sources_dir / f"{stem}{suffix}"
    try:
        sources_dir.mkdir(parents=True, exist_ok=True)
        changed = not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest
        if changed:
            _write_atomic(path, data)
        for older in sources_dir.glob(f"{stem}.*"):  # a copy of the same URL under another content type
            if older != path and not older.name.endswith(SIDECAR_SUFFIX):
                older.unlink(missing_ok=True)
                sidecar_of(older).unlink(missing_ok=True)
        fetched = FetchedSource(url=url, final_url=final_url, path=path, content_type=content_type, sha256=digest,
                                fetched_at=started.isoformat(timespec="seconds"), size=len(data), changed=changed)
        record = {"url": url, "final_url": final_url, "fetched_at": fetched.fetched_at, "content_type": content_type,
                  "sha256": digest, "size": len(data), "file": path.name}
        _write_atomic(sidecar_of(path), (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise SourceError(f"Cannot keep the copy of {url} in {sources_dir} ({exc.strerror or exc}); check "
                          "AICITIES_SOURCES_DIR.") from exc
    logger.info("Fetched %s (%s, %d bytes) into %s%s", final_url, content_type, len(data), path,
                "" if changed else ", unchanged")
    return fetched


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
