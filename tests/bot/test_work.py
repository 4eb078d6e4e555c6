"""Slow work never starves the acks (``bot.work``), through the real HTTP endpoint.

Issue 9's finding: sixteen ``/ai-feeds test`` calls on a hanging feed server, or sixteen
``/ai-brief now`` while ``users.info`` answers 429, held every listener thread, and everyone
else's command timed out. Here the slow calls are in flight and twenty other users' commands are
each acked 200 within Slack's 3 seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.authz import CANNOT_CHECK
from bot.work import BUSY, SlowWork
from foundation.errors import BriefbotError
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply
from tests.mock_web_api_server import FakeSlack

OTHER_COMMANDS = [
    ("/ai-policy", "can I paste customer data into ChatGPT?"),
    ("/ai-certs", "legal"),
    ("/ai-brief", "help"),
    ("/ai-brief", "now legal"),  # users.info (timezone) answers 429
    ("/ai-feeds", "list"),  # a non-admin: the admin check meets the 429
]


@pytest.fixture
def hanging_site() -> Iterator[FeedServer]:
    server = FeedServer()
    server.route("/hang", Reply(hang=True))
    yield server
    server.close()


def _timed(bot_server: BotServer, command: str, text: str, user_id: str) -> tuple[float, int, Any]:
    started = time.monotonic()
    response = bot_server.slack.command(command, text, user_id=user_id)
    body = response.json() if response.content else {}
    return time.monotonic() - started, response.status_code, body


def test_hanging_feed_tests_and_rate_limited_users_info_do_not_starve_other_users(
    bot_server: BotServer, fake_slack: FakeSlack, hanging_site: FeedServer
) -> None:
    fake_slack.rate_limit("users.info", times=1000, retry_after=30)
    url = hanging_site.url("/hang")
    with ThreadPoolExecutor(max_workers=24) as pool:
        slow = list(
            pool.map(lambda i: _timed(bot_server, "/ai-feeds", f"test {url}?n={i}", "UADMIN"), range(24))
        )
    assert all(status == 200 and took < 3.0 for took, status, _ in slow)
    deadline = time.monotonic() + 5
    while hanging_site.max_inflight < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hanging_site.max_inflight >= 8, "the hanging fetches must really be in flight"

    jobs = [(*OTHER_COMMANDS[i % len(OTHER_COMMANDS)], f"UOTHER{i}") for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda job: _timed(bot_server, *job), jobs))
    for (command, text, _user), (took, status, body) in zip(jobs, answers, strict=True):
        assert status == 200, (command, text, status)
        assert took < 3.0, (command, text, took)
        if command == "/ai-feeds":
            # Slack could not say whether the user is an admin: they are told so, not refused.
            assert body["text"] == CANNOT_CHECK
    # Every users.info got the 429 and none was retried after its 30 s Retry-After.
    assert fake_slack.calls_to("users.info") == []
    assert len(fake_slack.calls_to("users.info!429")) <= len(jobs)


def test_users_info_is_cached_per_user(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    fake_slack.users["UWSADMIN"] = {"is_admin": True}
    for _ in range(3):
        _took, status, _body = _timed(bot_server, "/ai-feeds", "list", "UWSADMIN")
        assert status == 200
        fake_slack.wait_for("response_url", count=_ + 1)
    assert len(fake_slack.calls_to("users.info")) == 1


class _Recorder:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []

    def ack(self, **kwargs: Any) -> None:
        self.acks.append(kwargs)

    def respond(self, **kwargs: Any) -> None:
        self.replies.append(kwargs)


def test_a_full_queue_says_busy_instead_of_dropping_the_request() -> None:
    work = SlowWork(workers=1, queue=1)
    release = threading.Event()
    first, second, third = _Recorder(), _Recorder(), _Recorder()
    try:
        assert work.after_ack(first.ack, first.respond, release.wait, text="Fetching …")  # type: ignore[arg-type]
        assert work.after_ack(second.ack, second.respond, release.wait)  # type: ignore[arg-type]
        assert not work.after_ack(third.ack, third.respond, lambda: None)  # type: ignore[arg-type]
        assert first.acks == [{"text": "Fetching …", "response_type": "ephemeral"}]
        assert second.acks == [{}]
        assert third.acks == [{"text": BUSY, "response_type": "ephemeral"}]
        release.set()
        deadline = time.monotonic() + 5
        fourth = _Recorder()
        while not work.after_ack(fourth.ack, fourth.respond, lambda: None) and time.monotonic() < deadline:  # type: ignore[arg-type]
            time.sleep(0.05)
        assert fourth.acks[-1] == {}, "slots are given back when work ends"
    finally:
        release.set()
        work.shutdown()


def test_failures_in_slow_work_reach_the_user_without_a_traceback() -> None:
    work = SlowWork(workers=1, queue=0)
    told = _Recorder()
    done = threading.Event()

    def fail() -> None:
        try:
            raise BriefbotError("that feed is not a feed")
        finally:
            done.set()

    work.after_ack(told.ack, told.respond, fail)  # type: ignore[arg-type]
    done.wait(5)
    deadline = time.monotonic() + 5
    while not told.replies and time.monotonic() < deadline:
        time.sleep(0.02)
    assert told.replies[0]["text"] == "that feed is not a feed"
    work.shutdown()
