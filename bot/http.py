"""HTTP front: ``POST /slack/events`` into Bolt, ``GET``/``HEAD /healthz`` for probes and
``GET /metrics`` for Prometheus (a WSGI app).

Requests are checked before Bolt sees them, because Bolt's adapter reads any body whole and
raises (an HTTP 500 and a traceback per request) on bytes that are not UTF-8, a JSON body that is
not an object or a timestamp header that is not a number. Here such requests get 400/401 and one
log line; a body over ``MAX_BODY_BYTES`` gets 413 without being read (Slack's payloads are a few
kilobytes). The HTTP server should refuse such bodies too (``max_request_body_size`` in
waitress), so they are not even buffered.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.payloads import payload_problem
from foundation.metrics import CONTENT_TYPE, exposition

if TYPE_CHECKING:
    from bot.context import BotServices

StartResponse = Callable[..., Any]

MAX_BODY_BYTES = 1024 * 1024
EVENTS_PATH = "/slack/events"
METRICS_PATH = "/metrics"

log = logging.getLogger(__name__)

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    411: "Length Required",
    413: "Payload Too Large",
    503: "Service Unavailable",
}


class BadRequest(Exception):
    """A request refused before Bolt sees it: HTTP ``status`` and a short reason for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _plain(start_response: StartResponse, status: int, text: str, *, head: bool = False) -> list[bytes]:
    body = text.encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [] if head else [body]


def metrics(start_response: StartResponse, *, head: bool = False) -> list[bytes]:
    """This process's metrics in the Prometheus text format."""
    body = exposition()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
    return [] if head else [body]


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read only when its declared length is within the cap."""
    raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length:
        raise BadRequest(411, "no Content-Length")
    if not raw_length.isdigit():
        raise BadRequest(400, f"bad Content-Length {raw_length[:20]!r}")
    length = int(raw_length)
    if length > MAX_BODY_BYTES:
        raise BadRequest(413, f"body of {length} bytes is over the {MAX_BODY_BYTES}-byte cap")
    body = environ["wsgi.input"].read(length) if length else b""
    if len(body) != length:
        raise BadRequest(400, "body shorter than its Content-Length")
    return bytes(body)


def check_slack_request(environ: dict[str, Any], body: bytes) -> None:
    """Refuse what Bolt's adapter or a listener would crash on: bad timestamp, non-UTF-8,
    non-object JSON, a payload whose fields have the wrong types (``bot.payloads``)."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadRequest(401, f"bad X-Slack-Request-Timestamp {timestamp[:20]!r}")
    if not environ.get("HTTP_X_SLACK_SIGNATURE"):
        raise BadRequest(401, "no X-Slack-Signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "body is not UTF-8") from None
    content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        payload = _json_object(text, "body")
    elif "payload" in (form := parse_qs(text)):
        payload = _json_object(form["payload"][0], "payload")
    else:
        return
    problem = payload_problem(payload)
    if problem:
        raise BadRequest(400, problem)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # nesting deeper than the parser recurses is not JSON we take
        raise BadRequest(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise BadRequest(400, f"{what} is JSON but not an object")
    return value


class WsgiApp:
    """Routes health checks itself, checks Slack requests, and hands them to Bolt's WSGI adapter."""

    def __init__(
        self, app: App, services: BotServices, *, health_extra: Callable[[], dict[str, Any]] | None = None
    ):
        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.services = services
        self.health_extra = health_extra

    def health(self) -> tuple[int, dict[str, Any]]:
        """200 when every part is fine; 503 when the database, or a part ``health_extra`` adds
        with ``"ok": false`` (Socket Mode down past its grace), is not."""
        status: dict[str, Any] = {"database": self.services.db.check()}
        if self.health_extra:
            status.update(self.health_extra())
        healthy = all(part.get("ok", True) for part in status.values() if isinstance(part, dict))
        return (200 if healthy else 503), {"status": "ok" if healthy else "degraded", **status}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            code, payload = self.health()
            body = json.dumps(payload).encode()
            start_response(
                f"{code} {_REASONS[code]}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [] if method == "HEAD" else [body]
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            return metrics(start_response, head=method == "HEAD")
        if path != EVENTS_PATH:
            return _plain(start_response, 404, "Not found\n", head=method == "HEAD")
        if method != "POST":
            return self.bolt(environ, start_response)  # Bolt answers OAuth GETs and 404s the rest
        try:
            body = read_body(environ)
            check_slack_request(environ, body)
        except BadRequest as exc:
            log.warning("refused a request from %s: %s", environ.get("REMOTE_ADDR", "?"), exc)
            return _plain(start_response, exc.status, f"{_REASONS.get(exc.status, 'Error')}\n")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        remote = environ.get("REMOTE_ADDR", "?")

        def logged_start_response(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            # Bolt refuses a bad signature with 401 and logs the whole body at INFO (a filter in
            # briefbot.logs drops that record); this is the one line such a refusal gets.
            if status.startswith("401"):
                log.warning("refused a request from %s: signature does not match (%s)", remote, status)
            return start_response(status, headers, *exc)

        return self.bolt(environ, logged_start_response)
