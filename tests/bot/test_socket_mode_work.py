"""Socket Mode: the same slow work that starved HTTP acks, against a real ``briefbot run``."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.refusals import CANNOT_CHECK
from tests.bot.test_work import OTHER_COMMANDS
from tests.e2e.test_run_process import BRIEFBOT, _free_port
from tests.e2e.test_socket_mode import _socket_env
from tests.feeds.conftest import FeedServer, Reply
from tests.mock_web_api_server import FakeSlack
from tests.socket_mode_server import FakeSocketMode


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake_slack.socket_mode_url = server.url
        yield server


@pytest.fixture
def socket_bot(
    sqlite_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> Iterator[subprocess.Popen]:
    env = _socket_env(
        sqlite_url,
        fake_slack,
        BRIEFBOT_ADMINS="UADMIN,UADMIN2,UADMIN3,UADMIN4",
        BRIEFBOT_ALLOW_PRIVATE_FEEDS="1",
    )
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", str(_free_port()), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not socket_mode.wait_connected(timeout=30):
        proc.kill()
        pytest.fail("briefbot run did not open a Socket Mode connection in 30 s")
    yield proc
    proc.kill()
    proc.wait()


# Four admins: each may hold two of the eight slow-work workers, so together they fill them all.
ADMINS = ("UADMIN", "UADMIN2", "UADMIN3", "UADMIN4")


def test_hanging_feed_tests_do_not_starve_socket_mode_acks(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    site = FeedServer()
    try:
        site.route("/hang", Reply(hang=True))
        fake_slack.rate_limit("users.info", times=1000, retry_after=30)
        slow = [
            socket_mode.send_envelope(
                "slash_commands",
                _payload("/ai-feeds", f"test {site.url('/hang')}?n={i}", ADMINS[i % 4], fake_slack),
            )
            for i in range(24)
        ]
        assert all(socket_mode.wait_ack(envelope).latency < 3.0 for envelope in slow)
        deadline = time.monotonic() + 10
        while site.max_inflight < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert site.max_inflight >= 8

        others = [
            (
                *OTHER_COMMANDS[i % len(OTHER_COMMANDS)],
                f"UOTHER{i}",
                socket_mode.send_envelope(
                    "slash_commands",
                    _payload(*OTHER_COMMANDS[i % len(OTHER_COMMANDS)], f"UOTHER{i}", fake_slack),
                ),
            )
            for i in range(20)
        ]
        for command, text, _user, envelope in others:
            ack = socket_mode.wait_ack(envelope)
            assert ack.latency < 3.0, (command, text, ack.latency)
            if command == "/ai-feeds":
                assert ack.payload is not None and ack.payload["text"] == CANNOT_CHECK
    finally:
        site.close()


def _payload(command: str, text: str, user_id: str, fake_slack: FakeSlack) -> dict[str, str]:
    from tests.slack_requests import command_payload

    return {
        **command_payload(command, text, user_id=user_id, response_url=fake_slack.response_url()),
        "is_enterprise_install": "false",
    }
