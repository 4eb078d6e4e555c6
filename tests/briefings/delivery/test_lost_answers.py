"""A post whose answer was lost (timeout, dropped connection, server error): looked up, never posted twice."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import make_web_client
from bot.delivery import SlackSink
from bot.delivery.history import slack_ts
from briefings import delivery as slot_history
from briefings.delivery import posting
from storage.models import DeliveredStory
from tests.briefings.delivery.helpers import (
    SLOT1,
    T0,
    briefing_posts,
    deliveries,
    legal_story,
    subscribe,
)
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack


def test_post_accepted_then_read_timeout_is_found_not_posted_twice(
    svc: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any, pauses: list[float]
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    hold = 1.5
    fake_slack.reply_delays["chat.postMessage"] = hold  # the answer comes after the client gave up
    report = svc.briefings.tick(SlackSink(make_web_client(settings, timeout=1)), now=SLOT1)
    (outcome,) = report.outcomes
    (message,) = briefing_posts(fake_slack)
    assert (outcome.status, outcome.recovered, outcome.message_ts) == ("sent", True, message["ts"])
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts, row.attempts) == ("sent", message["ts"], 1)
    (lookup,) = fake_slack.calls_to("conversations.history")
    assert lookup.args["oldest"] == slack_ts(SLOT1 - slot_history.HISTORY_MARGIN)  # since the claim
    assert pauses == [posting.POST_RETRY_PAUSES[0]]  # a pause before looking, no second post
    with svc.db.read() as s:
        assert len(list(s.scalars(select(DeliveredStory.story_id)))) == 1
    # Let the held answer meet its closed socket inside this test.
    time.sleep(max(0.0, fake_slack.calls_to("chat.postMessage")[0].at + hold + 0.2 - time.monotonic()))


@pytest.mark.parametrize("kind", ["briefing", "nothing new"])
def test_post_accepted_then_connection_dropped_is_found_not_posted_twice(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, pauses: list[float], kind: str
) -> None:
    if kind == "briefing":
        legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.accept_then_drop("chat.postMessage")
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    (message,) = briefing_posts(fake_slack)
    assert ("Nothing new above the bar" in message["text"] + json.dumps(message["blocks"])) == (
        kind == "nothing new"
    )
    assert (outcome.status, outcome.message_ts) == ("sent", message["ts"])
    assert [c.method for c in fake_slack.calls if c.method.startswith("chat.post")] == [
        "chat.postMessage",
        "chat.postMessage!drop",
    ]
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", message["ts"])


def test_post_accepted_then_server_error_is_found_not_posted_twice(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, pauses: list[float]
) -> None:
    story = legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.accept_then_server_error("chat.postMessage", status=503)
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    (message,) = briefing_posts(fake_slack)
    assert (outcome.status, outcome.message_ts, outcome.stories) == ("sent", message["ts"], 1)
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", message["ts"])
    with svc.db.read() as s:
        assert set(s.scalars(select(DeliveredStory.story_id))) == {story}


def test_server_error_before_anything_was_stored_is_looked_up_then_posted(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, pauses: list[float]
) -> None:
    subscribe(svc)
    fake_slack.server_error("chat.postMessage", status=502)
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    assert (outcome.status, outcome.recovered) == ("sent", False)
    assert len(briefing_posts(fake_slack)) == 1
    assert len(fake_slack.calls_to("conversations.history")) == 1  # nothing there: posted again


def test_refused_connection_is_retried_without_a_lookup(
    svc: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any, pauses: list[float]
) -> None:
    subscribe(svc)
    port = RefusingPort(fake_slack.port)
    try:
        svc.briefings.deliverer.sleep = lambda seconds: (pauses.append(seconds), port.open())
        client = make_web_client(settings.model_copy(update={"slack_api_url": port.url}))
        (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    finally:
        port.close()
    assert (outcome.status, outcome.recovered) == ("sent", False)
    assert pauses == [posting.POST_RETRY_PAUSES[0]]
    assert len(briefing_posts(fake_slack)) == 1
    assert fake_slack.calls_to("conversations.history") == []  # nothing was sent: nothing to look for


def test_lost_answers_are_retried_a_bounded_number_of_times_then_left_to_the_next_tick(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, pauses: list[float]
) -> None:
    subscribe(svc)
    attempts = len(posting.POST_RETRY_PAUSES) + 1
    fake_slack.server_error("chat.postMessage", times=attempts, status=503)
    (first,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    assert (first.status, first.error) == ("failed", "internal_error")
    assert pauses == list(posting.POST_RETRY_PAUSES)
    assert len(fake_slack.calls_to("chat.postMessage!5xx")) == attempts
    assert len(fake_slack.calls_to("conversations.history")) == attempts - 1
    (second,) = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=1)).outcomes
    assert second.status == "sent" and len(briefing_posts(fake_slack)) == 1


def test_lost_answer_with_unreadable_history_posts_again_with_a_warning(
    svc: Any,
    client: Any,
    news: NewsFactory,
    fake_slack: FakeSlack,
    pauses: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    subscribe(svc)
    fake_slack.accept_then_drop("chat.postMessage")
    fake_slack.fail("conversations.history", "missing_scope")
    with caplog.at_level(logging.WARNING, logger="briefings.delivery"):
        (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    _, second = briefing_posts(fake_slack)  # a rare duplicate beats a lost briefing
    assert (outcome.status, outcome.message_ts) == ("sent", second["ts"])
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", second["ts"])
    assert "(missing_scope); posting it again" in caplog.text
    assert "channels:history and groups:history" in caplog.text


class RefusingPort:
    """A loopback port that refuses connections until ``open()``, then forwards them to ``target``."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/"
        self.sockets: list[socket.socket] = []

    def open(self) -> None:
        self.listener.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [conn, upstream]
            for src, dst in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=_pipe, args=(src, dst), daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            sock.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
        dst.shutdown(socket.SHUT_WR)
