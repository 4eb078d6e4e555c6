"""Socket Mode front: Bolt's handler on a client that reconnects without a 3-second stall, the
app-token check, and the WSGI app served on ``--port`` beside it (``/healthz`` and ``/metrics``)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.http import METRICS_PATH, StartResponse, WsgiApp
from bot.payloads import payload_problem
from foundation.errors import ConfigurationError

log = logging.getLogger(__name__)

# Socket Mode takes no Slack traffic over HTTP, but container probes (the Dockerfile's
# HEALTHCHECK) still ask for /healthz on --port, and Prometheus scrapes /metrics there; a couple
# of threads answer them.
HEALTH_THREADS = 2


class ConnectionHealth:
    """Whether the Socket Mode connection has been down for longer than ``grace_seconds``.

    A bot whose connection is gone receives nothing, so a probe must see it fail; a reconnect
    (Slack asks for one every few hours, and it takes a second or two) must not. The clock starts
    at the first sign of trouble: a close the SDK reports, or a probe that finds no connection.
    Before the first connection the bot counts as down since it started.
    """

    def __init__(
        self,
        is_connected: Callable[[], bool],
        grace_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._is_connected = is_connected
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = clock()

    def mark_down(self, *_: object) -> None:
        """An ``on_close`` listener: the connection closed (a reconnect may follow at once)."""
        with self._lock:
            if self._down_since is None:
                self._down_since = self._clock()

    def report(self) -> dict[str, Any]:
        """The /healthz ``"socket_mode"`` object; ``"ok"`` is false once down past the grace."""
        connected = self._is_connected()
        with self._lock:
            now = self._clock()
            if connected:
                self._down_since = None
                return {"ok": True, "connected": True}
            if self._down_since is None:
                self._down_since = now
            # Rounded before the verdict, so the figure shown always agrees with it
            # (2.04 s down would otherwise read "2.0 s" beside a 2 s grace and a 503).
            down = round(now - self._down_since, 1)
        state: dict[str, Any] = {
            "ok": down <= self.grace_seconds,
            "connected": False,
            "down_seconds": down,
            "grace_seconds": self.grace_seconds,
        }
        if not state["ok"]:
            state["error"] = (
                f"no Socket Mode connection for {down:g} s (over the {self.grace_seconds:g} s grace)"
            )
        return state


def health_only(wsgi: WsgiApp) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path in ("/healthz", METRICS_PATH) and method in ("GET", "HEAD"):
            return wsgi(environ, start_response)
        body = b"Socket Mode: only GET /healthz and GET /metrics are served over HTTP\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return serve


def socket_mode_url(app: Any, app_token: str) -> str:
    """Ask Slack for the WebSocket URL ourselves: a refused app token then ends the start with one
    line (the SDK would raise from inside its connect, after logging the raw response)."""
    try:
        return str(app.client.apps_connections_open(app_token=app_token)["url"])
    except SlackApiError as exc:
        raise ConfigurationError(
            f"Slack rejected SLACK_APP_TOKEN ({exc.response.get('error')}): it must be an app-level "
            "token (xapp-...) with the connections:write scope"
        ) from exc
    except Exception as exc:  # network errors surface as several types
        raise ConfigurationError(
            f"cannot open a Socket Mode connection at {app.client.base_url}: {exc}"
        ) from exc


def _stop_reading(connection: Connection) -> None:
    """End the receive that the connection's reader thread is blocked in, holding the lock close() needs.

    Done under the send lock, so no ack is cut off halfway. On a plain socket later sends still go
    out; under TLS they fail, and the SDK retries them on the new connection as it does for any send
    to a replaced one. The base-class shutdown leaves the TLS layer in place: ``SSLSocket.shutdown``
    would drop it and let a late send go out unencrypted.
    """
    lock, sock = getattr(connection, "sock_send_lock", None), getattr(connection, "sock", None)
    if lock is None:  # another slack_sdk layout: keep its own (slower) close rather than fail
        log.debug("slack_sdk connection has no sock_send_lock; closing it the SDK's way")
        return
    with lock:
        sock = getattr(connection, "sock", sock)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RD)


class ReconnectingSocketModeClient(SocketModeClient):
    """slack_sdk's built-in client, except that closing a connection does not wait out a read.

    The SDK closes a connection under the lock that its single reader thread holds while blocked in
    a receive with a fixed 3-second timeout. So when Slack asks for a reconnect (it does every few
    hours) the new connection went unread, and its envelopes unacked, for up to 3 s, past Slack's
    limit; shutting down took as long. Stopping the old connection's reads first frees the lock at once.
    """

    def connect(self) -> None:
        replaced = self.current_session
        if replaced is not None:
            close = replaced.close

            def close_without_waiting() -> None:
                _stop_reading(replaced)
                close()

            # The SDK closes the replaced connection only once the new one is open, inside
            # connect(); until then the old one keeps delivering envelopes.
            replaced.close = close_without_waiting  # type: ignore[method-assign]
        super().connect()

    def disconnect(self) -> None:
        if self.current_session is not None:
            _stop_reading(self.current_session)
        super().disconnect()

    def close(self) -> None:
        # The message thread waits up to 1 s for the next message before it sees `closed`, and
        # close() joins it; the SDK skips a None message, so one wakes it at once.
        self.closed = True
        queue = getattr(self, "message_queue", None)
        if queue is not None:
            queue.put(None)
        super().close()


class BriefbotSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler on ``ReconnectingSocketModeClient``, with Bolt's default settings."""

    def __init__(self, app: Any, app_token: str) -> None:
        # Not super().__init__(): it would start a stock client's threads only to replace it.
        self.app = app
        self.app_token = app_token
        self.client = ReconnectingSocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=10,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Bolt's handling, after the same payload check as HTTP mode: a malformed payload is acked
        empty with one log line instead of failing inside Bolt or a listener."""
        payload = req.payload if isinstance(req.payload, dict) else {}
        problem = payload_problem(payload) if req.type in ("interactive", "events_api") else None
        if problem:
            log.warning("refused a Socket Mode %s envelope: %s", req.type, problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        super().handle(client, req)
