"""The HTTP server for ``briefbot run``: waitress, hardened against slow senders.

waitress's defaults let about a hundred idle connections take the port down: it stops accepting
at ``connection_limit`` (100), and its only timeout is one of inactivity, which every byte resets,
so a client sending one header byte every few seconds holds its connection for ever (and
``/healthz`` and ``/slack/events`` stop answering). Here:

- a **read deadline**: a request must arrive whole (headers and body) within ``read_seconds`` of
  its first byte; a trickle does not extend it. Slack sends a few kilobytes at once.
- an **idle timeout** for connections that send nothing (``idle_seconds``), and a connection limit
  (``connections``) far above what a reverse proxy needs, so hundreds of slow or idle sockets sit
  harmlessly in the event loop while real requests are served. ``poll()`` replaces ``select()``,
  whose 1,024-descriptor ceiling such a limit would pass.

Production should still sit behind a TLS reverse proxy (README "Deploying"), which buffers
requests and absorbs most of this before it reaches us.
"""

from __future__ import annotations

import logging
import resource
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from bot.http import MAX_BODY_BYTES

log = logging.getLogger(__name__)

CONNECTIONS = 1000
READ_SECONDS = 10.0
IDLE_SECONDS = 60
# How often the loop looks for connections past a deadline (waitress's default is 30 s).
SWEEP_SECONDS = 1


class LoggedErrorTask(ErrorTask):  # type: ignore[misc]  # waitress ships no type hints
    """waitress's answer to a request it refuses itself (a body over the cap: 413, malformed
    headers: 400), logged once like the refusals of ``bot.http``. waitress logs none of these."""

    def execute(self) -> None:
        error = self.request.error
        log.warning(
            "refused a request from %s: %s %s (%s)",
            self.channel.addr[0] if self.channel.addr else "?",
            error.code,
            error.reason,
            error.body,
        )
        super().execute()


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]  # waitress ships no type hints
    """waitress's connection, remembering when the request it is receiving began to arrive."""

    error_task_class = LoggedErrorTask
    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        result: bool = super().received(data)
        if self.request is None:  # nothing half-received: the next request starts a new clock
            self.request_started = None
        elif self.request_started is None:
            self.request_started = time.monotonic()
        return result


class DeadlineServer(TcpWSGIServer):  # type: ignore[misc]  # waitress ships no type hints
    """``TcpWSGIServer`` whose periodic sweep also closes connections past the read deadline."""

    channel_class = DeadlineChannel
    read_seconds = READ_SECONDS

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.read_seconds
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                log.info(
                    "closed a connection from %s: no whole request within %.0f s",
                    channel.addr,
                    self.read_seconds,
                )
                channel.will_close = True


def _raise_open_files_limit(wanted: int) -> None:
    """Let the process hold ``wanted`` sockets (raise the soft limit up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-files limit to %s: %s", target, exc)


def make_http_server(
    wsgi: Any,
    *,
    host: str,
    port: int,
    threads: int,
    connections: int = CONNECTIONS,
    read_seconds: float = READ_SECONDS,
    idle_seconds: int = IDLE_SECONDS,
    **extra: Any,
) -> Any:
    """A waitress server (``.run()``, ``.close()``, ``.effective_port``) with the deadlines above.

    Raises ``OSError`` when the address cannot be bound.
    """
    _raise_open_files_limit(connections + 256)
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        ident="briefbot",
        connection_limit=connections,
        channel_timeout=idle_seconds,
        cleanup_interval=SWEEP_SECONDS,
        asyncore_use_poll=True,
        # Oversized bodies are refused (413) from the headers, before they are buffered.
        max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses lengths >= its limit
        **extra,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = []
    for sockinfo in adj.listen:
        server = DeadlineServer(wsgi, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        server.read_seconds = read_seconds
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listen = [(s.effective_host, s.effective_port) for s in servers]
    return _Multi(socket_map, adj, listen, dispatcher, servers)


class _Multi(MultiSocketServer):  # type: ignore[misc]
    """Several listening sockets (a host name with IPv4 and IPv6 addresses) in one loop."""

    def __init__(
        self,
        socket_map: dict[int, Any],
        adj: Adjustments,
        listen: list[tuple[str, int]],
        dispatcher: Any,
        servers: list[Any],
    ):
        super().__init__(socket_map, adj, listen, dispatcher, log_info=log.info)
        self.effective_port = servers[0].effective_port
        self.effective_host = servers[0].effective_host
