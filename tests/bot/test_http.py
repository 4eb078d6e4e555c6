"""The HTTP front door (``bot.http``): size cap, malformed requests, HEAD, through a served app."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

from tests.conftest import BotServer


def _raw(bot_server: BotServer, head: bytes, body: bytes = b"") -> tuple[bytes, float]:
    """Send raw bytes; return the first response bytes and how long they took."""
    where = urlparse(bot_server.url)
    started = time.monotonic()
    with socket.create_connection((where.hostname, where.port), timeout=5) as sock:
        sock.sendall(head + body)
        data = sock.recv(4096)
    return data, time.monotonic() - started


def test_an_oversized_unsigned_body_is_refused_413_without_being_read(bot_server: BotServer) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 20971520\r\n\r\n"
    )
    # Only 1 kB of the declared 20 MB is ever sent: the answer comes from the headers alone.
    data, took = _raw(bot_server, head, b"{" * 1024)
    assert data.startswith(b"HTTP/1.1 413"), data[:80]
    assert took < 2.0


def test_a_body_just_over_the_cap_is_refused_by_the_app_too(bot_server: BotServer) -> None:
    from bot.http import MAX_BODY_BYTES, BadRequest, read_body

    class Never:
        def read(self, _n: int) -> bytes:
            raise AssertionError("an oversized body must not be read")

    with pytest.raises(BadRequest) as refused:
        read_body({"CONTENT_LENGTH": str(MAX_BODY_BYTES + 1), "wsgi.input": Never()})
    assert refused.value.status == 413


MALFORMED = [
    # (headers, body, expected status)
    ({"Content-Type": "application/json"}, b"\xff\xfe\xfa", 401),  # unsigned
    ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, b"{}", 401),
    ({"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"}, b"{}", 401),
    ({"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=00"}, b"{}", 401),
]


@pytest.mark.parametrize(("headers", "body", "status"), MALFORMED)
def test_malformed_headers_get_401_and_one_log_line(
    bot_server: BotServer, caplog: pytest.LogCaptureFixture, headers: dict[str, str], body: bytes, status: int
) -> None:
    caplog.set_level(logging.WARNING)
    response = httpx.post(bot_server.slack.url, content=body, headers=headers)
    assert response.status_code == status
    _assert_one_line(caplog)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"\xff\xfe not utf-8"),
        ("application/json", b"[1, 2, 3]"),
        ("application/json", b'"a string"'),
        ("application/json", b"{not json"),
        ("application/x-www-form-urlencoded", b"payload=%5B1%5D"),
        ("application/x-www-form-urlencoded", b"payload=%7Bbroken"),
        ("application/x-www-form-urlencoded", b"text=\xff\xfe"),
        # Nested deeper than the JSON parser recurses: RecursionError, not ValueError.
        ("application/json", b"[" * 100_000),
        ("application/json", b'{"a":' * 50_000),
        ("application/x-www-form-urlencoded", b"payload=" + b"%5B" * 100_000),
    ],
)
def test_malformed_signed_bodies_get_400_and_one_log_line(
    bot_server: BotServer, caplog: pytest.LogCaptureFixture, content_type: str, body: bytes
) -> None:
    caplog.set_level(logging.WARNING)
    headers = bot_server.slack.signed_headers(body.decode("latin-1"), content_type=content_type)
    response = httpx.post(bot_server.slack.url, content=body, headers=headers)
    assert response.status_code == 400
    _assert_one_line(caplog)


def _assert_one_line(caplog: pytest.LogCaptureFixture) -> None:
    deadline = time.monotonic() + 1
    while not caplog.records and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
    assert caplog.records[0].exc_info is None, "no traceback for a malformed request"


def test_a_flood_of_one_byte_requests_never_gives_500(bot_server: BotServer) -> None:
    bodies = [bytes([b]) for b in range(0, 256, 5)]
    with httpx.Client() as http:
        statuses = {http.post(bot_server.slack.url, content=b).status_code for b in bodies}
    assert statuses <= {400, 401}


def test_a_request_without_length_is_refused(bot_server: BotServer) -> None:
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    data, _took = _raw(bot_server, head)
    assert data.split(b"\r\n")[0] in (b"HTTP/1.1 411 Length Required", b"HTTP/1.1 401 Unauthorized")


def test_head_healthz_has_headers_and_no_body(bot_server: BotServer) -> None:
    response = httpx.head(f"{bot_server.url}/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b""
    assert httpx.get(f"{bot_server.url}/healthz").json()["status"] == "ok"


def test_signed_commands_still_work(bot_server: BotServer) -> None:
    response = bot_server.slack.command("/ai-brief", "help")
    assert response.status_code == 200 and "blocks" in response.json()
