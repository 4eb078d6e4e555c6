"""Feed-test fixtures: real HTTP feed servers on loopback (127.0.0.x, one per "site") and
builders for RSS/Atom documents."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import pytest

from feeds.config import FeedConfig
from feeds.service import FeedService
from storage import Database
from tests.departments import REGISTRY

_hosts = itertools.count(2)


@dataclass
class Reply:
    """What the feed server answers. ``hang`` never answers; ``stall_after`` sends that many body
    bytes then goes silent; ``drip`` sends the body a few bytes at a time with pauses."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    stall_after: int | None = None
    drip: float | None = None
    etag: str | None = None  # answer 304 when If-None-Match matches
    stream_bytes: int | None = None  # send this many filler bytes, chunked, without Content-Length


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on purpose (size cap, deadline) are expected here


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """A tiny threaded HTTP server on its own loopback address (127.0.0.N) serving scripted replies.

    ``route(path, *replies)``: successive requests get successive replies; the last one repeats.
    """

    def __init__(self) -> None:
        self.host = f"127.0.0.{next(_hosts) % 250 + 2}"
        self.requests: list[Seen] = []
        self.inflight = 0
        self.max_inflight = 0
        self._routes: dict[str, list[Reply | Callable[[Seen], Reply]]] = {}
        self._lock = threading.Lock()
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                with server._lock:
                    server.requests.append(seen)
                    server.inflight += 1
                    server.max_inflight = max(server.max_inflight, server.inflight)
                    replies = server._routes.get(self.path.split("?")[0])
                    reply: Reply | Callable[[Seen], Reply] = (
                        (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else Reply(status=404)
                    )
                try:
                    if callable(reply):
                        reply = reply(seen)
                    server._answer(self, reply, seen)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.inflight -= 1

        self.httpd = _QuietServer((self.host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/feed") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, *replies: Reply | Callable[[Seen], Reply]) -> str:
        with self._lock:
            self._routes[path] = list(replies)
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply, seen: Seen) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.hang:
            self.stop.wait(30)
            # Hang up, so the client's fetch ends now rather than at its own deadline (work a test
            # left running would otherwise go on, and log, during the tests after it).
            handler.close_connection = True
            return
        if reply.etag and seen.headers.get("if-none-match") == reply.etag:
            handler.send_response(304)
            handler.send_header("ETag", reply.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(reply.status)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        if reply.etag:
            handler.send_header("ETag", reply.etag)
        if reply.stream_bytes is not None:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            chunk = b"<!-- " + b"x" * 65_000 + b" -->"
            sent = 0
            while sent < reply.stream_bytes and not self.stop.is_set():
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            handler.wfile.write(b"0\r\n\r\n")
            return
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if reply.stall_after is not None:
            handler.wfile.write(reply.body[: reply.stall_after])
            handler.wfile.flush()
            self.stop.wait(30)
            return
        if reply.drip is not None:
            for i in range(0, len(reply.body), 16):
                handler.wfile.write(reply.body[i : i + 16])
                handler.wfile.flush()
                if self.stop.wait(reply.drip):
                    return
            return
        handler.wfile.write(reply.body)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def make_server() -> Iterator[Callable[[], FeedServer]]:
    """Several servers, each on its own loopback address (several 'sites')."""
    servers: list[FeedServer] = []

    def make() -> FeedServer:
        server = FeedServer()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def feed_config() -> FeedConfig:
    """The harness's feed config: loopback feeds allowed, short fetch deadlines so failure tests stay fast."""
    return FeedConfig(departments=REGISTRY, allow_private_feeds=True, fetch_deadline_seconds=3.0)


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    """The environment of a ``briefbot`` CLI run on a SQLite file, loopback feeds allowed."""
    return {
        "DATABASE_URL": sqlite_url,
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "1",
        "BRIEFBOT_FETCH_DEADLINE_SECONDS": "3",
        "BRIEFBOT_POLICY_DIR": "",
        "BRIEFBOT_CERTS_FILE": "",
    }


@pytest.fixture
def feed_service(db: Database, feed_config: FeedConfig) -> FeedService:
    return FeedService(db=db, config=feed_config)


# ----------------------------------------------------------------------------- document builders

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def item(
    n: int | str,
    *,
    title: str | None = None,
    link: str | None = "default",
    guid: str | None = "default",
    date: datetime | str | None = "recent",
    description: str | None = None,
    extra: str = "",
) -> dict[str, Any]:
    """One RSS item spec for ``rss``."""
    return {
        "title": title if title is not None else f"Story number {n} about enterprise AI adoption",
        "link": f"https://news.example.com/story/{n}" if link == "default" else link,
        "guid": f"urn:story:{n}" if guid == "default" else guid,
        # "recent": ten minutes ago, so refreshes treat the item as news (older ones resurfacing
        # long after the last fetch are backlog by design).
        "date": datetime.now(UTC) - timedelta(minutes=10) if date == "recent" else date,
        "description": description if description is not None else f"<p>Summary of story <b>{n}</b>.</p>",
        "extra": extra,
    }


def rss(items: list[dict[str, Any]], *, title: str = "Test Feed", encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document (text values escaped; ``description`` is HTML, escaped once)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://news.example.com/</link><description>d</description>",
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it['title'])}</title>")
        if it["link"]:
            parts.append(f"<link>{escape(it['link'])}</link>")
        if it["guid"]:
            parts.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if it["date"]:
            parts.append(f"<pubDate>{format_datetime(it['date'])}</pubDate>")
        parts.append(f"<description>{escape(it['description'])}</description>")
        parts.append(it["extra"])
        parts.append("</item>")
    parts.append("</channel></rss>")
    text = "\n".join(parts)
    return text.encode(encoding)


def feed_reply(items: list[dict[str, Any]], *, title: str = "Test Feed", **kwargs: Any) -> Reply:
    """A 200 answer carrying an RSS document of ``items``."""
    body = rss(items, title=title)
    return Reply(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"}, **kwargs)
