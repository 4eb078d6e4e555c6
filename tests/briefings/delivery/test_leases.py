"""Leases on claimed slots: renewed while posting, taken over after a crash, never posted twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.delivery import SlackSink, sink
from bot.delivery.history import EVENT_TYPE, slack_ts
from briefbot.services import make_services
from briefings import delivery as slot_history
from briefings.delivery import ChannelPacer, posting
from storage.models import DeliveredStory
from tests.briefings.delivery.helpers import (
    SLOT1,
    T0,
    briefing_posts,
    crash_after_post,
    deliveries,
    legal_story,
    posts,
    subscribe,
    take_over,
)
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack


def test_a_slot_claimed_late_in_a_long_tick_gets_a_full_lease(
    svc: Any, client: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    subscribe(svc, channel="CFIRST")
    subscribe(svc, channel="CSECOND", dept="hr")
    svc.briefings.workers = 1  # one slot after the other
    deliverer = svc.briefings.deliverer
    elapsed = [0.0]
    deliverer.monotonic = lambda: elapsed[0]
    build = deliverer.builder.build_due
    replica = make_services(settings)
    replica.briefings.deliverer.pacer = ChannelPacer(0)
    seen: list[Any] = []

    def slow_first_then_replica(due: Any, cache: Any) -> Any:
        if not seen:
            elapsed[0] += 9 * 60  # the first slot took 9 minutes (rate limits, a slow Slack)
        else:  # the second slot was claimed 9 minutes into the tick; another replica ticks now
            seen.append(
                replica.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=10, seconds=30))
            )
        seen.append(due)
        return build(due, cache)

    deliverer.builder = SimpleNamespace(build_due=slow_first_then_replica)
    try:
        report = svc.briefings.tick(SlackSink(client), now=SLOT1)
    finally:
        replica.close()
    assert sorted(o.status for o in report.outcomes) == ["sent", "sent"]
    assert seen[1].outcomes == ()  # the second slot's lease runs from its claim, not the tick
    assert sorted(c.args["channel"] for c in posts(fake_slack)) == ["CFIRST", "CSECOND"]
    claimed = {d.channel_id: d.claimed_at for d in deliveries(svc)}
    assert claimed == {"CFIRST": SLOT1, "CSECOND": SLOT1 + timedelta(minutes=9)}


def test_a_retry_after_the_slot_was_taken_over_is_not_posted(
    svc: Any, client: Any, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(svc)
    fake_slack.server_error("chat.postMessage", status=503)
    # While this process pauses before retrying, its lease runs out and another one takes over.
    svc.briefings.deliverer.sleep = lambda _: take_over(svc, at=SLOT1 + timedelta(minutes=11))
    with caplog.at_level(logging.WARNING, logger="briefings.delivery"):
        (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    assert (outcome.status, outcome.error) == ("busy", "taken over")
    assert posts(fake_slack) == []  # the new owner posts it
    (row,) = deliveries(svc)
    assert (row.status, row.claimed_by, row.attempts) == ("claimed", "other:1", 2)
    assert "taken over by another process" in caplog.text


def test_post_retries_stop_within_half_the_lease(svc: Any, client: Any, fake_slack: FakeSlack) -> None:
    subscribe(svc)
    deliverer = svc.briefings.deliverer
    elapsed = [0.0]
    deliverer.monotonic = lambda: elapsed[0]
    deliverer.retry_pauses = (120.0, 120.0, 120.0)
    taken: list[float] = []

    def sleep(seconds: float) -> None:
        taken.append(seconds)
        elapsed[0] += seconds

    deliverer.sleep = sleep
    fake_slack.server_error("chat.postMessage", times=10, status=503)
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    assert outcome.status == "failed"
    assert taken == [120.0, 120.0]  # a third pause would end past 5 of the 10 minutes
    assert len(fake_slack.calls_to("chat.postMessage!5xx")) == 3
    (row,) = deliveries(svc)
    assert row.status == "failed"


def test_history_is_searched_from_the_slot_time_not_from_the_last_attempt(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.clock = lambda: (SLOT1 + timedelta(seconds=2)).timestamp()
    crash_after_post(settings, client, SLOT1)  # attempt 1 posts and dies
    take_over(svc, at=SLOT1 + timedelta(minutes=11), by="dead:2")  # attempt 2 dies before looking
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=22)).outcomes
    assert (outcome.status, outcome.recovered) == ("sent", True)
    (message,) = briefing_posts(fake_slack)
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts, row.attempts) == ("sent", message["ts"], 3)
    (lookup,) = fake_slack.calls_to("conversations.history")
    assert lookup.args["oldest"] == slack_ts(SLOT1 - slot_history.HISTORY_MARGIN)


@pytest.mark.parametrize("auth", ["answers", "fails"])
def test_only_our_own_bots_message_counts_as_the_slots_post(
    svc: Any,
    client: Any,
    settings: Any,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    auth: str,
) -> None:
    sub = subscribe(svc)
    fake_slack.fail("chat.postMessage", "internal_error")
    assert [o.status for o in svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes] == ["failed"]
    # Another app in the channel posts a message carrying our event type and the slot's key.
    fake_slack.bots["xoxb-other"] = {"user_id": "UOTHER", "bot_id": "B0OTHER", "app_id": "A0OTHER"}
    WebClient(token="xoxb-other", base_url=fake_slack.url).chat_postMessage(
        channel="CLEGAL",
        text="not a briefing",
        metadata={
            "event_type": EVENT_TYPE,
            "event_payload": {"delivery_key": f"{sub.id}@2026-11-23T08:00:00Z"},
        },
    )
    if auth == "fails":
        fake_slack.fail("auth.test", "invalid_auth")
    with caplog.at_level(logging.WARNING, logger="briefings.delivery"):
        (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=1)).outcomes
    ours = [m for m in briefing_posts(fake_slack) if m["bot_id"] == "B0001"]
    if auth == "answers":
        assert (outcome.status, outcome.recovered) == ("sent", False)
        assert outcome.message_ts == ours[0]["ts"] and len(ours) == 1
    else:  # as before: any app's message with the key counts, and the log says so
        assert (outcome.status, outcome.recovered) == ("sent", True) and ours == []
        assert "auth.test failed (invalid_auth)" in caplog.text
    assert len(fake_slack.calls_to("auth.test") + fake_slack.calls_to("auth.test!error")) == 1


def test_a_database_error_while_recovering_fails_the_slot_not_the_tick(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any
) -> None:
    story = legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    crash_after_post(settings, client, SLOT1)
    subscribe(svc, channel="COTHER", dept="hr")
    deliverer = svc.briefings.deliverer
    known = deliverer._known_stories

    def database_down(ids: Any) -> list[int]:
        deliverer._known_stories = known  # type: ignore[method-assign]
        raise OperationalError("SELECT stories.id", {}, ConnectionResetError("server closed the connection"))

    deliverer._known_stories = database_down  # type: ignore[method-assign]
    report = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=11))
    assert {o.channel_id: o.status for o in report.outcomes} == {"CLEGAL": "failed", "COTHER": "sent"}
    legal = next(d for d in deliveries(svc) if d.channel_id == "CLEGAL")
    assert legal.status == "failed" and "OperationalError" in (legal.error or "")
    assert len(briefing_posts(fake_slack)) == 1  # not posted again on a guess
    (retry,) = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=12)).outcomes
    assert (retry.status, retry.recovered, retry.stories) == ("sent", True, 1)
    assert len(briefing_posts(fake_slack)) == 1
    with svc.db.read() as s:
        assert set(
            s.scalars(select(DeliveredStory.story_id).where(DeliveredStory.channel_id == "CLEGAL"))
        ) == {story}


def test_every_repost_after_a_lost_answer_is_preceded_by_a_search(
    svc: Any,
    client: Any,
    fake_slack: FakeSlack,
    pauses: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribe(svc)
    fake_slack.accept_then_drop("chat.postMessage")  # 1: stored, the answer lost
    fake_slack.fail("conversations.history", "internal_error")  # the first search cannot read
    real = sink.posting_client

    def refused_second_time(client: WebClient) -> WebClient:
        poster = real(client)
        send, tries = poster.chat_postMessage, [0]

        def post(**kw: Any) -> Any:
            tries[0] += 1
            if tries[0] == 2:  # 2: refused before anything was sent
                raise URLError(ConnectionRefusedError(111, "Connection refused"))
            return send(**kw)

        poster.chat_postMessage = post  # type: ignore[method-assign]
        return poster

    monkeypatch.setattr(sink, "posting_client", refused_second_time)
    (outcome,) = svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes
    (message,) = briefing_posts(fake_slack)  # 3 found the first post instead of posting again
    assert (outcome.status, outcome.recovered, outcome.message_ts) == ("sent", True, message["ts"])
    assert pauses == list(posting.POST_RETRY_PAUSES)
    assert [c.method for c in fake_slack.calls if c.method.startswith("conversations.history")] == [
        "conversations.history!error",
        "conversations.history",
    ]
