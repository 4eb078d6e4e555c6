"""HTTP front: ``POST /slack/events`` into Bolt, ``GET /healthz`` for probes (a WSGI app)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from bot.context import BotServices

StartResponse = Callable[..., Any]


class WsgiApp:
    """Routes health checks itself and hands everything else to Bolt's WSGI adapter."""

    def __init__(self, app: App, services: BotServices, *, health_extra: Callable[[], dict] | None = None):
        self.bolt = SlackRequestHandler(app, path="/slack/events")
        self.services = services
        self.health_extra = health_extra

    def health(self) -> tuple[int, dict[str, Any]]:
        database = self.services.db.check()
        status: dict[str, Any] = {"status": "ok" if database["ok"] else "degraded", "database": database}
        if self.health_extra:
            status.update(self.health_extra())
        return (200 if database["ok"] else 503), status

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            code, payload = self.health()
            body = json.dumps(payload).encode()
            start_response(
                f"{code} {'OK' if code == 200 else 'Service Unavailable'}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.bolt(environ, start_response)
