"""A process that dies after Slack took the post: its post is found by its metadata, not posted again."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery import SlackSink
from bot.delivery import history as slot_history
from bot.delivery.history import EVENT_TYPE
from storage.models import DeliveredStory
from tests.briefings.delivery.helpers import (
    SLOT1,
    SLOT2,
    T0,
    crash_after_post,
    deliveries,
    legal_story,
    posts,
    subscribe,
)
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack


def test_every_briefing_post_names_its_slot_in_message_metadata(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    story = legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    sub = subscribe(svc)
    svc.briefings.tick(SlackSink(client), now=SLOT1)
    (post,) = posts(fake_slack)
    assert post.args["metadata"] == {
        "event_type": "briefbot_briefing",
        "event_payload": {"delivery_key": f"{sub.id}@2026-11-23T08:00:00Z", "story_ids": [story]},
    }
    assert fake_slack.calls_to("conversations.history") == []  # a first attempt never looks


def test_post_slack_accepted_but_never_recorded_is_found_not_posted_again(
    svc: Any,
    client: Any,
    news: NewsFactory,
    fake_slack: FakeSlack,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = news.feed("Reg", "legal")
    story = legal_story(news, feed, "EU AI Act fines begin", T0 - timedelta(hours=1))
    sub = subscribe(svc)
    crash_after_post(settings, client, SLOT1)
    (original,) = posts(fake_slack)
    (row,) = deliveries(svc)
    assert row.status == "claimed" and row.message_ts is None
    # The channel moves on: people talk, and another briefing of ours lands (another slot's key).
    for i in range(3):
        client.chat_postMessage(channel="CLEGAL", text=f"chatter {i}")
    client.chat_postMessage(
        channel="CLEGAL",
        text="older briefing",
        metadata={
            "event_type": EVENT_TYPE,
            "event_payload": {"delivery_key": f"{sub.id}@2026-11-22T08:00:00Z"},
        },
    )
    monkeypatch.setattr(slot_history, "HISTORY_PAGE", 2)  # so the lookup has to page
    assert (
        svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=5)).outcomes == ()
    )  # lease holds
    with caplog.at_level(logging.INFO, logger="briefings.delivery"):
        report = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=11))
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.recovered, outcome.stories) == ("sent", True, 1)
    assert len(posts(fake_slack, "CLEGAL")) == 1 + 4  # the briefing once, plus our own chatter
    original_ts = fake_slack.messages["CLEGAL"][0]["ts"]
    assert outcome.message_ts == original_ts
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts, row.attempts) == ("sent", original_ts, 2)
    assert "already posted" in caplog.text and "not posted again" in caplog.text
    lookups = fake_slack.calls_to("conversations.history")
    assert len(lookups) == 3 and lookups[0].args["include_all_metadata"] == "1"
    assert original.args["metadata"]["event_payload"]["story_ids"] == [story]
    # Its story is in the channel's memory: the next day's briefing does not repeat it.
    with svc.db.read() as s:
        assert set(s.scalars(select(DeliveredStory.story_id))) == {story}
    svc.briefings.tick(SlackSink(client), now=SLOT2)
    assert "EU AI Act fines begin" not in str(posts(fake_slack, "CLEGAL")[-1].args["blocks"])


@pytest.mark.parametrize("trouble", ["missing_scope", "ratelimited", "too_many_messages"])
def test_unreadable_history_posts_again_with_a_warning(
    svc: Any,
    client: Any,
    news: NewsFactory,
    fake_slack: FakeSlack,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    trouble: str,
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    crash_after_post(settings, client, SLOT1)
    if trouble == "missing_scope":
        fake_slack.fail("conversations.history", "missing_scope")
    elif trouble == "ratelimited":
        fake_slack.rate_limit("conversations.history", times=4, retry_after=0)  # more than retries
    else:
        monkeypatch.setattr(slot_history, "HISTORY_PAGE", 2)
        monkeypatch.setattr(slot_history, "HISTORY_PAGES", 2)
        for i in range(5):
            client.chat_postMessage(channel="CLEGAL", text=f"chatter {i}")
    with caplog.at_level(logging.WARNING, logger="briefings.delivery"):
        report = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=11))
    assert [(o.status, o.recovered) for o in report.outcomes] == [("sent", False)]
    briefings = [p for p in posts(fake_slack, "CLEGAL") if "metadata" in p.args]
    assert len(briefings) == 2  # exactly one more post: a duplicate rather than a lost briefing
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", report.outcomes[0].message_ts)
    reason = {"too_many_messages": "more than 4 messages since the earlier attempt"}.get(trouble, trouble)
    assert f"({reason}); posting it again" in caplog.text
    if trouble == "missing_scope":
        assert "channels:history and groups:history" in caplog.text
