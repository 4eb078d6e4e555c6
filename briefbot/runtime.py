"""``briefbot run``: the Bolt app, the background scheduler and the HTTP or Socket Mode front."""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
import socket
import time
from collections.abc import Callable, Iterable
from datetime import UTC
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection

from bot.app import ConfigurationError, build_app
from bot.http import StartResponse, WsgiApp
from briefbot.services import Services

log = logging.getLogger(__name__)


def make_scheduler() -> BackgroundScheduler:
    """In-memory jobs rebuilt from our tables at start (a shared job store double-fires)."""
    return BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )


class _Stop(SystemExit):
    """Raised in the main thread by SIGTERM/SIGINT; waitress's loop treats SystemExit as stop."""


# Each request thread waits ~10 ms in Bolt's ack poll even for instant answers, so a burst of
# commands needs many cheap threads rather than a few busy ones (see bench/lookups.py).
HTTP_THREADS = 32


def prepare_for_traffic(services: Services) -> None:
    """Build the lookup indexes before the first question, then freeze the start-up heap.

    ``gc.freeze()`` moves everything built so far (modules, the Bolt app, the policy index) out
    of the collector's sight, and a higher first threshold makes collections rarer; under load
    the collector's pauses otherwise land on whichever requests are in flight (bench/lookups.py:
    wrk p99 215-240 ms without, 184-192 ms with).
    """
    started = time.monotonic()
    try:
        services.knowledge.warm()
    except Exception as exc:  # an unreadable pack must not stop the bot; the first lookup retries
        log.warning("could not prepare the policy index at start (the first lookup will): %s", exc)
    else:
        log.info("lookup indexes ready in %.1f s", time.monotonic() - started)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def run(
    services: Services,
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    threads: int = HTTP_THREADS,
    port_required: bool = True,
) -> None:
    """Serve until SIGTERM or SIGINT, then stop the scheduler and close the database.

    ``port_required=False`` (``--port`` not given): in Socket Mode, where the port only serves
    ``/healthz``, a busy port is a warning rather than a refusal to start.
    """
    settings = services.settings
    app = build_app(services)
    prepare_for_traffic(services)
    scheduler = make_scheduler()
    services.feeds.schedule(scheduler)
    services.briefings.schedule(scheduler, app.client)
    scheduler.start()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s, shutting down", signum)
        raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if settings.slack_app_token:
            _serve_socket_mode(app, services, scheduler, settings.slack_app_token, host, port, port_required)
        else:
            _serve_http(app, services, scheduler, host, port, threads)
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        scheduler.shutdown(wait=False)
        services.close()
        log.info("stopped")


def _scheduler_health(scheduler: BackgroundScheduler) -> dict[str, Any]:
    return {"scheduler": {"running": scheduler.running, "jobs": len(scheduler.get_jobs())}}


def _listen(wsgi: Any, host: str, port: int, threads: int) -> Any:
    from waitress import create_server

    try:
        return create_server(wsgi, host=host, port=port, threads=threads, ident="briefbot")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port"
        ) from exc


def _serve_http(
    app: Any, services: Services, scheduler: BackgroundScheduler, host: str, port: int, threads: int
) -> None:
    wsgi = WsgiApp(app, services, health_extra=lambda: _scheduler_health(scheduler))
    server = _listen(wsgi, host, port, threads)
    log.info("listening on http://%s:%s (POST /slack/events, GET /healthz)", host, server.effective_port)
    try:
        server.run()
    finally:
        server.close()


# Socket Mode takes no Slack traffic over HTTP, but container probes (the Dockerfile's
# HEALTHCHECK) still ask for /healthz on --port; a couple of threads answer them.
HEALTH_THREADS = 2


def _health_only(wsgi: WsgiApp) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return wsgi(environ, start_response)
        body = b"Socket Mode: only GET /healthz is served over HTTP\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return serve


def _socket_mode_url(app: Any, app_token: str) -> str:
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


class _SocketModeClient(SocketModeClient):
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


class _SocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler on ``_SocketModeClient``, with Bolt's default settings."""

    def __init__(self, app: Any, app_token: str) -> None:
        # Not super().__init__(): it would start a stock client's threads only to replace it.
        self.app = app
        self.app_token = app_token
        self.client = _SocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=10,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]


def _serve_socket_mode(
    app: Any,
    services: Services,
    scheduler: BackgroundScheduler,
    app_token: str,
    host: str,
    port: int,
    port_required: bool = True,
) -> None:
    handler = _SocketModeHandler(app, app_token)

    def health_extra() -> dict[str, Any]:
        return {**_scheduler_health(scheduler), "socket_mode": {"connected": handler.client.is_connected()}}

    server: Any = None
    try:
        try:
            server = _listen(
                _health_only(WsgiApp(app, services, health_extra=health_extra)), host, port, HEALTH_THREADS
            )
        except ConfigurationError:
            if port_required:
                raise
            log.warning(
                "port %s is busy: Socket Mode runs without GET /healthz (pass --port to serve it on another)",
                port,
            )
        handler.client.wss_uri = _socket_mode_url(app, app_token)
        handler.connect()
        where = f"; GET /healthz on http://{host}:{server.effective_port}" if server else ""
        if handler.client.is_connected():
            log.info("connected in Socket Mode%s", where)
        else:
            log.warning("Socket Mode connection failed; retrying in the background")
        if server is not None:
            server.run()
        else:
            while True:  # SIGTERM/SIGINT raise _Stop out of the sleep
                time.sleep(3600)
    finally:
        if server is not None:
            server.close()
        handler.close()
