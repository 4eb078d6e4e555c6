"""``/healthz`` in Socket Mode fails (503) once the connection has been down past a grace period.

A real ``briefbot run`` process, the fake Web API and the fake Socket Mode server on loopback:
the server goes away (as Slack's edge would), and the probe must notice.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.socket_mode import ConnectionHealth
from tests.e2e.test_run_process import BRIEFBOT, _free_port
from tests.e2e.test_socket_mode import _socket_env
from tests.mock_web_api_server import FakeSlack
from tests.socket_mode_server import FakeSocketMode


@pytest.fixture
def bot_with_grace(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[tuple[FakeSocketMode, str, subprocess.Popen]]:
    server = FakeSocketMode()
    fake_slack.socket_mode_url = server.url
    port = _free_port()
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", str(port), "--host", "127.0.0.1"],
        env=_socket_env(sqlite_url, fake_slack, BRIEFBOT_SOCKET_GRACE_SECONDS="2"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        if not server.wait_connected(timeout=30):
            proc.kill()
            pytest.fail(f"no Socket Mode connection:\n{proc.communicate()[0]}")
        yield server, f"http://127.0.0.1:{port}/healthz", proc
    finally:
        server.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _healthz(url: str) -> httpx.Response:
    deadline = time.monotonic() + 10
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_healthz_is_503_once_socket_mode_is_down_past_the_grace(
    bot_with_grace: tuple[FakeSocketMode, str, subprocess.Popen],
) -> None:
    server, url, _proc = bot_with_grace
    connected = _healthz(url)
    assert connected.status_code == 200, connected.text
    assert connected.json()["socket_mode"] == {"ok": True, "connected": True}
    assert connected.json()["status"] == "ok"

    server.close()  # Slack is gone: the connection drops and reconnects are refused
    deadline = time.monotonic() + 30
    response = _healthz(url)
    while response.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.25)
        response = _healthz(url)
    assert response.status_code == 503, response.text
    health = response.json()
    assert health["status"] == "degraded"
    assert health["socket_mode"]["connected"] is False
    assert health["socket_mode"]["down_seconds"] > health["socket_mode"]["grace_seconds"] == 2
    assert "no Socket Mode connection" in health["socket_mode"]["error"]
    assert health["database"]["ok"] is True  # the rest of the bot is fine: only Slack is missing


def test_a_reconnect_within_the_grace_stays_healthy() -> None:
    now = [100.0]
    connected = [True]
    health = ConnectionHealth(lambda: connected[0], grace_seconds=60, clock=lambda: now[0])
    assert health.report() == {"ok": True, "connected": True}
    connected[0] = False
    health.mark_down(1000, "refresh")  # the SDK's on_close listener
    now[0] += 30
    state = health.report()
    assert state["ok"] and state["down_seconds"] == 30 and "error" not in state
    connected[0] = True
    assert health.report()["ok"]
    connected[0] = False  # a later drop starts a new clock, not the old one
    now[0] += 50
    assert health.report()["ok"]
    now[0] += 61
    state = health.report()
    assert not state["ok"] and state["down_seconds"] == 61
