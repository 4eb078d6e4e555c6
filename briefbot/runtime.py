"""``briefbot run``: the Bolt app, the background scheduler and the HTTP or Socket Mode front."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app
from bot.http import WsgiApp
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


def run(services: Services, *, host: str = "0.0.0.0", port: int = 3000, threads: int = HTTP_THREADS) -> None:
    """Serve until SIGTERM or SIGINT, then stop the scheduler and close the database."""
    settings = services.settings
    app = build_app(services)
    scheduler = make_scheduler()
    services.feeds.schedule(scheduler)
    services.briefings.schedule(scheduler, app.client)
    scheduler.start()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s, shutting down", signum)
        stop.set()
        raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if settings.slack_app_token:
            _serve_socket_mode(app, settings.slack_app_token, stop)
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


def _serve_http(
    app: Any, services: Services, scheduler: BackgroundScheduler, host: str, port: int, threads: int
) -> None:
    from waitress import create_server

    def health_extra() -> dict[str, Any]:
        return {"scheduler": {"running": scheduler.running, "jobs": len(scheduler.get_jobs())}}

    wsgi = WsgiApp(app, services, health_extra=health_extra)
    server: Any = create_server(wsgi, host=host, port=port, threads=threads, ident="briefbot")
    log.info("listening on http://%s:%s (POST /slack/events, GET /healthz)", host, server.effective_port)
    try:
        server.run()
    finally:
        server.close()


def _serve_socket_mode(app: Any, app_token: str, stop: threading.Event) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    handler.connect()
    log.info("connected in Socket Mode")
    try:
        stop.wait()
    finally:
        handler.close()
