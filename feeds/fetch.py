"""HTTP fetching of feeds with httpx: SSRF-guarded connections, conditional GET, redirects
followed by hand (each hop checked and counted), a streamed size cap and a per-feed deadline.

``Fetcher.fetch`` returns the final HTTP answer (any status) as a ``FetchResult``; deciding what a
status means for the feed (moved, gone, back-off) is the refresh step's job. Network failures,
the size cap, the deadline and redirect trouble raise ``FetchError`` subclasses with a message a
user can act on. A ``Fetcher`` is thread-safe: one is shared by all refresh workers.
"""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from feeds.errors import FeedError, FeedTooLarge, FetchError, FetchTimeout, InvalidFeedURL, TooManyRedirects
from feeds.safety import GuardedBackend, check_literal_host
from foundation import __version__

USER_AGENT = f"briefbot/{__version__} (feed reader of an AI-briefings Slack bot; fetches admin-curated feeds)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
MAX_RETRY_AFTER = 7 * 24 * 3600.0
# However long a server says its feed stays fresh, we look again within a day.
MAX_FRESH_FOR = 24 * 3600.0


@dataclass(frozen=True)
class FetchResult:
    """The final answer of a fetch after redirects."""

    status: int
    url: str  # the URL that gave the final answer
    moved_to: str | None  # where a chain of permanent redirects (301/308) from the start leads
    body: bytes | None  # only for 200
    content_type: str | None
    etag: str | None
    last_modified: str | None
    retry_after: float | None  # seconds, from a Retry-After header
    elapsed: float
    # Seconds the answer stays fresh (Cache-Control max-age or Expires, less Age; capped);
    # 0 for no-cache/no-store/expired, None when the server said nothing usable.
    fresh_for: float | None = None


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool's network backend replaced by ``GuardedBackend``.

    httpx has no public hook for the network backend; the pool it builds is swapped for one built
    the same way with our backend (pinned by tests: a loopback URL must be refused).
    """

    def __init__(self, *, allow_private: bool, limits: httpx.Limits, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, limits=limits, trust_env=False, retries=0)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


class Fetcher:
    """Fetches feed URLs politely and defensively (see the module docstring)."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_bytes: int = 10 * 1024 * 1024,
        deadline: float = 30.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        max_connections_per_origin: int = 4,
        max_redirects: int = MAX_REDIRECTS,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.connect_timeout = min(connect_timeout, deadline)
        self.read_timeout = min(read_timeout, deadline)
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._limits = httpx.Limits(
            max_connections=max_connections_per_origin, max_keepalive_connections=max_connections_per_origin
        )
        # Building an SSL context loads the CA bundle: do it once for every origin's client.
        self._ssl_context = httpx.create_ssl_context(trust_env=False)
        # One small connection pool per origin: httpcore scans every pooled connection on each
        # request, so a single pool shared by hundreds of sites costs quadratic CPU.
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _client_for(self, url: str) -> httpx.Client:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            client = self._clients.get(origin)
            if client is None:
                client = httpx.Client(
                    transport=GuardedTransport(
                        allow_private=self.allow_private, limits=self._limits, ssl_context=self._ssl_context
                    ),
                    headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
                    follow_redirects=False,
                    trust_env=False,
                )
                self._clients[origin] = client
            return client

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (conditionally when validators are given), following at most
        ``max_redirects`` redirects, within the per-feed deadline."""
        started = time.monotonic()
        deadline = started + self.deadline
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = [url]
        moved_to: str | None = None
        permanent_chain = True
        current = url
        for _hop in range(self.max_redirects + 1):
            response = self._send(current, headers, deadline)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    target = self._redirect_target(current, location)
                    if target in visited:
                        chain = " -> ".join([*visited, target][-4:])
                        raise TooManyRedirects(f"redirect loop: {chain}", status=response.status_code)
                    if len(visited) > self.max_redirects:
                        raise TooManyRedirects(
                            f"more than {self.max_redirects} redirects (last to {target})",
                            status=response.status_code,
                        )
                    if permanent_chain and response.status_code in PERMANENT_REDIRECTS:
                        moved_to = target
                    else:
                        permanent_chain = False
                    visited.append(target)
                    current = target
                    continue
                body = self._read_body(response, deadline) if response.status_code == 200 else None
                return FetchResult(
                    status=response.status_code,
                    url=current,
                    moved_to=moved_to,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    etag=_header(response, "etag", 512),
                    last_modified=_header(response, "last-modified", 128),
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                    elapsed=time.monotonic() - started,
                    fresh_for=parse_fresh_for(
                        response.headers.get("cache-control"),
                        expires=response.headers.get("expires"),
                        date=response.headers.get("date"),
                        age=response.headers.get("age"),
                    ),
                )
            finally:
                response.close()
        raise TooManyRedirects(f"more than {self.max_redirects} redirects")  # pragma: no cover

    def _redirect_target(self, current: str, location: str) -> str:
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidFeedURL(f"redirected to a URL that is not http(s): {target[:200]}")
        check_literal_host(parts.hostname, allow_private=self.allow_private)
        return parts._replace(fragment="").geturl()

    def _send(self, url: str, headers: dict[str, str], deadline: float) -> httpx.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"gave up after {self.deadline:g} s (total time limit per feed)")
        timeout = httpx.Timeout(
            connect=min(self.connect_timeout, remaining),
            read=min(self.read_timeout, remaining),
            write=min(self.read_timeout, remaining),
            pool=remaining,
        )
        try:
            client = self._client_for(url)
            request = client.build_request("GET", url, headers=headers, timeout=timeout)
            return client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _map_error(exc, self) from None

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FeedTooLarge(
                f"feed is {_mb(int(declared))} (limit {_mb(self.max_bytes)}); not downloaded", status=200
            )
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > self.max_bytes:
                    raise FeedTooLarge(
                        f"feed is larger than {_mb(self.max_bytes)}; download aborted", status=200
                    )
                if time.monotonic() > deadline:
                    raise FetchTimeout(
                        f"gave up after {self.deadline:g} s: the server sends the feed too slowly", status=200
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise _map_error(exc, self) from None
        return gunzip_layers(b"".join(chunks), self.max_bytes)


_GZIP_MAGIC = b"\x1f\x8b"
MAX_GZIP_LAYERS = 3


def gunzip_layers(body: bytes, max_bytes: int) -> bytes:
    """``body`` with any gzip layers httpx left on it removed, within the size cap.

    httpx decodes ``Content-Encoding: gzip`` once and ignores ``x-gzip`` (the name HTTP/1.1
    still lets servers send), and some servers gzip a feed that is stored gzipped: either way
    the body still starts with gzip's magic bytes, and no feed does.
    """
    for _layer in range(MAX_GZIP_LAYERS):
        if not body.startswith(_GZIP_MAGIC):
            break
        inflater = zlib.decompressobj(wbits=31)
        try:
            out = inflater.decompress(body, max_bytes + 1)
        except zlib.error:
            break  # not gzip after all: the parser says what it is
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise FeedTooLarge(f"feed is larger than {_mb(max_bytes)} once decompressed", status=200)
        body = out
    return body


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header given as seconds or as an HTTP date (capped)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delay = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delay, 0.0), MAX_RETRY_AFTER)


def parse_fresh_for(
    cache_control: str | None,
    *,
    expires: str | None = None,
    date: str | None = None,
    age: str | None = None,
    now: datetime | None = None,
) -> float | None:
    """Seconds a response stays fresh by its caching headers (RFC 9111), capped at a day.

    ``no-store``, a bare ``no-cache`` and ``max-age=0`` give 0. A valid ``max-age`` wins over
    ``Expires``, whose lifetime counts from the server's ``Date`` when it has a valid one (so a
    skewed server clock does not matter); ``Age`` (time spent in caches on the way) is deducted.
    Anything malformed is ignored: ``None`` means the headers say nothing we can use.
    """
    max_age: float | None = None
    for directive in (cache_control or "").split(","):
        key, _, value = directive.partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        if key == "no-store" or (key == "no-cache" and not value):
            return 0.0
        if key == "max-age" and max_age is None:
            max_age = _seconds(value)
    if max_age is not None:
        lifetime = max_age
    elif expires:
        expires_at = _http_date(expires)
        if expires_at is None:
            return None
        base = _http_date(date) if date else None
        lifetime = (expires_at - (base or now or datetime.now(UTC))).total_seconds()
    else:
        return None
    lifetime -= _seconds(age or "") or 0.0
    return min(max(lifetime, 0.0), MAX_FRESH_FOR)


def _seconds(value: str) -> float | None:
    """A delta-seconds header value (digits only); absurdly long ones count as the cap."""
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return None
    return MAX_FRESH_FOR if len(value) > 12 else float(value)


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _header(response: httpx.Response, name: str, limit: int) -> str | None:
    value: str | None = response.headers.get(name)
    if not value or len(value) > limit:
        return None
    return value


def _map_error(exc: httpx.HTTPError, fetcher: Fetcher) -> FeedError:
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchTimeout(f"connection timed out after {fetcher.connect_timeout:g} s")
    if isinstance(exc, httpx.ReadTimeout):
        return FetchTimeout(
            f"the server stopped responding (nothing received for {fetcher.read_timeout:g} s)"
        )
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeout(f"timed out: {type(exc).__name__}")
    if isinstance(exc, httpx.ConnectError):
        return FetchError(f"cannot connect: {_reason(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(f"the server broke the HTTP exchange: {_reason(exc)}")
    if isinstance(exc, httpx.DecodingError):
        return FetchError("the response could not be decoded (corrupt compression)")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return InvalidFeedURL(f"invalid URL: {_reason(exc)}")
    return FetchError(f"fetch failed: {type(exc).__name__}: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
