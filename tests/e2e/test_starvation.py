"""Nobody starved: slow interactions never hold the threads other users' acks need.

Issue 23's finding, against a real ``briefbot run`` process over signed HTTP: sixteen slow
interactions of one kind (an add-feed preview of a hanging feed, a ``feed_refresh`` of one,
``home_subscribe`` during a ``users.info`` 429 storm, story votes during a ``chat.postEphemeral``
429 storm, ``app_home_opened`` during a ``views.publish`` 429 storm) and no other user's command
was acked for 15 to 62 seconds. Slack's 429s carry a 30-second ``Retry-After`` here, so any
retried call left on a listener thread holds it far past Slack's 3 seconds.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SIGNING_SECRET
from tests.e2e.test_run_process import BRIEFBOT, _env, _free_port
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import (
    SignedSlackClient,
    app_home_opened,
    block_actions,
    message_block_actions,
    view_submission,
)

pytestmark = pytest.mark.slow

ADMIN = "UADMIN"
ACK_LIMIT = 3.0


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    server.route("/feed", feed_reply([item(1)]))
    server.route("/hang", Reply(hang=True))
    yield server
    server.close()


def _start(env: dict[str, str], cwd: Path) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("briefbot run did not become healthy in 30 s")


@pytest.fixture
def bot(
    sqlite_url: str, fake_slack: FakeSlack, site: FeedServer, tmp_path: Path
) -> Iterator[tuple[str, int]]:
    """``briefbot run`` with one stored feed (its id returned) whose server now hangs."""
    env = _env(sqlite_url, fake_slack, BRIEFBOT_ADMINS=ADMIN, BRIEFBOT_ALLOW_PRIVATE_FEEDS="1")
    added = subprocess.run(
        [*BRIEFBOT, "feeds", "add", site.url("/feed"), "--department", "legal", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    feed_id = int(json.loads(added.stdout)["feed"]["id"])
    site.route("/feed", Reply(hang=True))
    url, proc = _start(env, tmp_path)
    yield url, feed_id
    proc.kill()
    proc.wait()


def _timed(send: Callable[[], httpx.Response]) -> tuple[float, int]:
    started = time.monotonic()
    response = send()
    return time.monotonic() - started, response.status_code


def _add_feed(url: str) -> dict[str, Any]:
    return view_submission(
        "add_feed",
        {
            "url": {"url": {"type": "plain_text_input", "value": url}},
            "departments": {
                "departments": {"type": "multi_static_select", "selected_options": [{"value": "legal"}]}
            },
            "name": {"name": {"type": "plain_text_input", "value": None}},
        },
        user_id=ADMIN,
    )


def test_slow_interactions_of_every_kind_leave_other_users_acked_within_3_seconds(
    bot: tuple[str, int], fake_slack: FakeSlack, site: FeedServer
) -> None:
    url, feed_id = bot
    fake_slack.rate_limit("users.info", times=10_000, retry_after=30)
    fake_slack.rate_limit("chat.postEphemeral", times=10_000, retry_after=30)
    fake_slack.rate_limit("views.publish", times=10_000, retry_after=30)
    slack = SignedSlackClient(url, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
    hang = site.url("/hang")
    slow: list[Callable[[], httpx.Response]] = []
    for i in range(16):
        slow += [
            lambda i=i: slack.interaction(_add_feed(f"{hang}?n={i}")),
            lambda: slack.interaction(block_actions("feed_refresh", user_id=ADMIN, value=str(feed_id))),
            lambda i=i: slack.interaction(block_actions("home_subscribe", user_id=f"USUB{i}")),
            lambda i=i: slack.interaction(
                message_block_actions(
                    "story_useful",
                    channel_id="CLEGAL",
                    message_ts="1700000000.000100",
                    value="b1s1",
                    user_id=f"UVOTE{i}",
                    response_url=fake_slack.response_url(),
                )
            ),
            lambda i=i: slack.event(app_home_opened(f"UHOME{i}")),
        ]
    with ThreadPoolExecutor(max_workers=len(slow)) as pool:
        slow_acks = list(pool.map(_timed, slow))
    assert all(status == 200 and took < ACK_LIMIT for took, status in slow_acks), slow_acks

    # The slow work is really under way: fetches hang, every storm is being met.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
        site.max_inflight >= 2
        and fake_slack.calls_to("chat.postEphemeral!429")
        and fake_slack.calls_to("views.publish!429")
    ):
        time.sleep(0.05)
    assert site.max_inflight >= 2
    assert fake_slack.calls_to("chat.postEphemeral!429") and fake_slack.calls_to("views.publish!429")

    others = [
        lambda i=i: slack.command("/ai-policy", "can I paste customer data into ChatGPT?", user_id=f"UQ{i}")
        for i in range(8)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(_timed, others))
    assert [status for _took, status in answers] == [200] * 8
    assert max(took for took, _status in answers) < ACK_LIMIT, answers

    # home_subscribe never spent its trigger_id waiting on the users.info storm: every modal opened.
    fake_slack.wait_for("views.open", count=16, timeout=5)


TRICKLERS = 500


def test_hundreds_of_trickling_connections_do_not_take_the_port(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = _env(sqlite_url, fake_slack, BRIEFBOT_HTTP_READ_SECONDS="4")
    url, proc = _start(env, tmp_path)
    port = int(url.rsplit(":", 1)[1])
    request = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    socks: list[socket.socket] = []
    stop = threading.Event()
    closed: list[float] = []

    def trickle() -> None:
        # One header byte per socket per second: each byte resets an inactivity timeout.
        started = time.monotonic()
        for offset in range(len(request)):
            if stop.is_set():
                return
            for sock in list(socks):
                try:
                    sock.send(request[offset : offset + 1])
                except OSError:
                    socks.remove(sock)
                    closed.append(time.monotonic() - started)
            stop.wait(1.0)

    slack = SignedSlackClient(url, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
    try:
        for _ in range(TRICKLERS):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        time.sleep(1.5)  # every trickler is connected and mid-request
        for _ in range(3):
            took, status = _timed(lambda: httpx.get(url + "/healthz", timeout=10))
            assert status == 200 and took < ACK_LIMIT, took
            took, status = _timed(lambda: slack.command("/ai-policy", "can I use ChatGPT?", user_id="UQ"))
            assert status == 200 and took < ACK_LIMIT, took
            time.sleep(0.5)
        # The read deadline (4 s from the first byte) closes them although they keep sending.
        deadline = time.monotonic() + 10
        while len(closed) < TRICKLERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(closed) == TRICKLERS
        assert max(closed) < 8
    finally:
        stop.set()
        for sock in socks:
            sock.close()
        proc.kill()
        proc.wait()
