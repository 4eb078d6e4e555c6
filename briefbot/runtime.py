"""``briefbot run``: the Bolt app, the background scheduler and the HTTP or Socket Mode front."""

from __future__ import annotations

import gc
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app
from bot.http import WsgiApp
from bot.socket_mode import (
    HEALTH_THREADS,
    BriefbotSocketModeHandler,
    ConnectionHealth,
    health_only,
    socket_mode_url,
)
from bot.work import SlowWork
from briefbot.http_server import make_http_server
from briefbot.services import Services
from foundation.errors import ConfigurationError
from foundation.settings import Settings

log = logging.getLogger(__name__)


def make_scheduler() -> BackgroundScheduler:
    """In-memory jobs rebuilt from our tables at start (a shared job store double-fires)."""
    return BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )


def _poster(client: Any) -> Callable[[str, str], object]:
    """``post(channel_or_user_id, text)`` for the knowledge package's weekly messages."""

    def post(destination: str, text: str) -> object:
        return client.chat_postMessage(channel=destination, text=text, unfurl_links=False)

    return post


class _Stop(SystemExit):
    """Raised in the main thread by SIGTERM/SIGINT; waitress's loop treats SystemExit as stop."""


# Each request thread waits ~10 ms in Bolt's ack poll even for instant answers, so a burst of
# commands needs many cheap threads rather than a few busy ones (see bench/lookups.py).
HTTP_THREADS = 32
SLOW_WORK_GRACE_SECONDS = 7.0  # within a container's usual stop timeout (Docker: 10 s after SIGTERM)


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
        services.briefings.ranker.warm()  # loads the ranking models before the first briefing
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
    services.build_all()
    slow_work = SlowWork()
    app = build_app(services, slow_work=slow_work)
    prepare_for_traffic(services)
    scheduler = make_scheduler()
    services.feeds.schedule(scheduler)
    # Delivery gets a client of its own (its retry policy is delivery's), never the bot's app.client.
    services.briefings.schedule(scheduler, services.delivery_sink)
    services.knowledge.schedule(scheduler, _poster(app.client))
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
        # Work already taken (a refresh, a preview) finishes before the database closes under
        # it, within a bound: every fetch has its own deadline; queued work is dropped.
        slow_work.shutdown(wait_seconds=SLOW_WORK_GRACE_SECONDS)
        services.close()
        log.info("stopped")


def _scheduler_health(scheduler: BackgroundScheduler) -> dict[str, Any]:
    return {"scheduler": {"running": scheduler.running, "jobs": len(scheduler.get_jobs())}}


def _listen(wsgi: Any, host: str, port: int, threads: int, settings: Settings) -> Any:
    try:
        return make_http_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            connections=settings.briefbot_http_connections,
            read_seconds=settings.briefbot_http_read_seconds,
        )
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port"
        ) from exc


def _serve_http(
    app: Any, services: Services, scheduler: BackgroundScheduler, host: str, port: int, threads: int
) -> None:
    wsgi = WsgiApp(app, services, health_extra=lambda: _scheduler_health(scheduler))
    server = _listen(wsgi, host, port, threads, services.settings)
    log.info("listening on http://%s:%s (POST /slack/events, GET /healthz)", host, server.effective_port)
    try:
        server.run()
    finally:
        server.close()


def _serve_socket_mode(
    app: Any,
    services: Services,
    scheduler: BackgroundScheduler,
    app_token: str,
    host: str,
    port: int,
    port_required: bool = True,
) -> None:
    handler = BriefbotSocketModeHandler(app, app_token)
    # A container orchestrator restarts a bot whose /healthz fails: one that has lost Slack for
    # longer than a reconnect takes receives nothing, so it must fail.
    grace = services.settings.briefbot_socket_grace_seconds
    connection = ConnectionHealth(handler.client.is_connected, grace)
    handler.client.on_close_listeners.append(connection.mark_down)

    server: Any = None
    try:
        try:
            server = _listen(
                health_only(
                    WsgiApp(
                        app,
                        services,
                        health_extra=lambda: {
                            **_scheduler_health(scheduler),
                            "socket_mode": connection.report(),
                        },
                    )
                ),
                host,
                port,
                HEALTH_THREADS,
                services.settings,
            )
        except ConfigurationError:
            if port_required:
                raise
            log.warning(
                "port %s is busy: Socket Mode runs without GET /healthz (pass --port to serve it on another)",
                port,
            )
        handler.client.wss_uri = socket_mode_url(app, app_token)
        handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt's SocketModeHandler is unannotated
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
        handler.close()  # type: ignore[no-untyped-call]  # slack_bolt's SocketModeHandler is unannotated
