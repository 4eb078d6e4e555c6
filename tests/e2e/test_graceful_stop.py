"""Stopping `briefbot run` lets work already taken finish: a refresh clicked just before SIGTERM
is stored, not cut off under a closed database."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from briefbot.services import make_services
from foundation.settings import Settings
from tests.conftest import SIGNING_SECRET
from tests.e2e.bot_process import start_bot
from tests.e2e.test_run_process import _env
from tests.feeds.conftest import FeedServer, feed_reply, item
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient, block_actions


def test_a_refresh_running_at_sigterm_is_finished_and_stored(tmp_path: Path, fake_slack: FakeSlack) -> None:
    db_url = f"sqlite:///{tmp_path / 'stop.db'}"
    server = FeedServer()
    try:
        url = server.route("/slow.xml", feed_reply([item(1), item(2)], delay=2.0))
        services = make_services(Settings(database_url=db_url, briefbot_allow_private_feeds=True))
        feed_id = services.feeds.add(url, ["legal"], fetch=False).feed.id
        services.close()

        env = _env(db_url, fake_slack, BRIEFBOT_ADMINS="UADMIN", BRIEFBOT_ALLOW_PRIVATE_FEEDS="1")
        base, proc = start_bot(env, tmp_path)
        try:
            client = SignedSlackClient(base, SIGNING_SECRET)
            clicked = client.interaction(block_actions("feed_refresh", user_id="UADMIN", value=str(feed_id)))
            assert clicked.status_code == 200
            deadline = time.monotonic() + 10
            while not server.hits("/slow.xml"):
                assert time.monotonic() < deadline, "the refresh never started"
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)  # the fetch has 2 s to go
            assert proc.wait(timeout=20) == 0
            output = proc.stdout.read() if proc.stdout else ""
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        server.close()

    assert "Traceback" not in output
    services = make_services(Settings(database_url=db_url))
    try:
        feed = services.feeds.get(feed_id)
        assert feed.last_success_at is not None, output
    finally:
        services.close()
