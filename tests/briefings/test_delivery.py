"""Delivery through the real slack_sdk client to the fake Slack Web API, with an injected clock:
exactly once, per-channel memory, retries, pausing, grace period, stale claims."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.client import IncompleteRead, RemoteDisconnected
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.client import make_web_client
from briefbot.services import make_services
from briefings.delivery import EVENT_TYPE, ChannelPacer, posting, sink, slack_ts
from briefings.delivery import history as slot_history
from briefings.errors import DeliveryError, SubscriptionNotFound
from storage.audit import Actor
from storage.models import AuditEntry, DeliveredStory, Delivery, Subscription
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack

# Monday 23 Nov 2026; the subscription says "daily 09:00" in Berlin = 08:00 UTC.
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
SLOT1 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SLOT2 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ADMIN = Actor.slack("UADMIN")


@pytest.fixture
def settings(settings: Any) -> Any:
    """The lease and takeover tests below are written for a ten-minute delivery lease."""
    return settings.model_copy(update={"briefbot_delivery_lease_seconds": 600.0})


@pytest.fixture
def svc(services: Any) -> Any:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    services.briefings.clock = lambda: T0
    return services


@pytest.fixture
def client(settings: Any) -> Any:
    return make_web_client(settings)


@pytest.fixture
def news(svc: Any) -> NewsFactory:
    return NewsFactory(svc.db)


@pytest.fixture
def pauses(svc: Any) -> list[float]:
    """The pauses delivery takes between post attempts (recorded, not slept)."""
    taken: list[float] = []
    svc.briefings.deliverer.sleep = taken.append
    return taken


def subscribe(svc: Any, channel: str = "CLEGAL", dept: str = "legal", **kw: Any) -> Any:
    sub, _ = svc.briefings.subscribe(
        channel, dept, kw.pop("schedule", "daily 09:00"), timezone="Europe/Berlin", actor=ADMIN, now=T0, **kw
    )
    return sub


def posts(fake: FakeSlack, channel: str | None = None) -> list[Any]:
    return [
        c for c in fake.calls_to("chat.postMessage") if channel is None or c.args.get("channel") == channel
    ]


def legal_story(news: NewsFactory, feed: int, title: str, seen: datetime) -> int:
    return news.item(
        feed, title, "The data protection authority imposed a fine.", published_at=seen, first_seen_at=seen
    )[1]


def deliveries(svc: Any) -> list[Delivery]:
    with svc.db.read() as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.scheduled_for)))


def test_due_slot_is_posted_once_even_after_restart(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any
) -> None:
    feed = news.feed("Regulation Watch", "legal")
    legal_story(news, feed, "EU AI Act fines begin", T0 - timedelta(hours=5))
    sub = subscribe(svc)
    assert sub.next_run == SLOT1

    early = svc.briefings.tick(client, now=SLOT1 - timedelta(minutes=1))
    assert early.outcomes == ()  # nothing due before 09:00 Berlin
    report = svc.briefings.tick(client, now=SLOT1 + timedelta(seconds=5))
    assert [o.status for o in report.outcomes] == ["sent"]
    (post,) = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in str(post.args["blocks"])
    assert post.args["text"].startswith("Legal AI briefing, Mon 23 Nov 2026")

    assert svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=1)).outcomes == ()
    restarted = make_services(settings)  # a new process on the same database
    try:
        again = restarted.briefings.tick(client, now=SLOT1 + timedelta(minutes=2))
        assert again.outcomes == ()
    finally:
        restarted.close()
    assert len(posts(fake_slack)) == 1
    (row,) = deliveries(svc)
    assert (row.status, row.scheduled_for, row.channel_id) == ("sent", SLOT1, "CLEGAL")
    assert row.message_ts and row.message_ts == report.outcomes[0].message_ts


def test_channel_memory_never_repeats_a_story(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    feed = news.feed("Regulation Watch", "legal")
    first = legal_story(news, feed, "EU AI Act fines begin", T0 - timedelta(hours=5))
    subscribe(svc)
    svc.briefings.tick(client, now=SLOT1)
    # Overnight: one new story arrives; the old one is still within the week.
    legal_story(news, feed, "Court rules on AI copyright lawsuit", SLOT1 + timedelta(hours=3))
    svc.briefings.tick(client, now=SLOT2)
    day1, day2 = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in str(day1.args["blocks"])
    assert "Court rules on AI copyright lawsuit" in str(day2.args["blocks"])
    assert "EU AI Act fines begin" not in str(day2.args["blocks"])
    # The first briefing says it is a one-off look back over the week; later ones do not.
    assert "*Catch-up:* this channel's first" in str(day1.args["blocks"])
    assert "Catch-up" not in str(day2.args["blocks"])
    with svc.db.read() as s:
        remembered = set(
            s.scalars(select(DeliveredStory.story_id).where(DeliveredStory.channel_id == "CLEGAL"))
        )
    assert first in remembered and len(remembered) == 2


def test_quiet_week_posts_a_note_or_skips_per_subscription(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    subscribe(svc, channel="CPOST", dept="hr")
    subscribe(svc, channel="CSKIP", dept="hr", quiet_mode="skip")
    report = svc.briefings.tick(client, now=SLOT1)
    assert sorted(o.status for o in report.outcomes) == ["quiet", "sent"]
    (note,) = posts(fake_slack)
    assert note.args["channel"] == "CPOST"
    assert "Nothing new above the bar for HR" in str(note.args["blocks"])
    assert {d.status for d in deliveries(svc)} == {"sent", "quiet"}


def test_rate_limited_post_is_retried_after_retry_after(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    report = svc.briefings.tick(client, now=SLOT1)
    assert [o.status for o in report.outcomes] == ["sent"]
    assert len(fake_slack.calls_to("chat.postMessage!429")) == 1
    (ok,) = posts(fake_slack)
    limited = fake_slack.calls_to("chat.postMessage!429")[0]
    assert ok.at - limited.at >= 0.9  # waited for Retry-After before trying again


def test_server_errors_retry_with_backoff(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, pauses: list[float]
) -> None:
    subscribe(svc)
    fake_slack.server_error("chat.postMessage", times=2)
    report = svc.briefings.tick(client, now=SLOT1)
    assert [o.status for o in report.outcomes] == ["sent"]
    assert len(fake_slack.calls_to("chat.postMessage!5xx")) == 2
    assert len(posts(fake_slack)) == 1
    # A 5xx may come after Slack stored the message: each retry first looks for it.
    assert pauses == list(posting.POST_RETRY_PAUSES)
    assert len(fake_slack.calls_to("conversations.history")) == 2


def test_failed_slot_is_retried_on_the_next_tick_not_dropped(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.fail("chat.postMessage", "internal_error", times=1)
    first = svc.briefings.tick(client, now=SLOT1)
    assert [(o.status, o.error) for o in first.outcomes] == [("failed", "internal_error")]
    assert posts(fake_slack) == []
    second = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=1))
    assert [o.status for o in second.outcomes] == ["sent"]
    (row,) = deliveries(svc)
    assert (row.status, row.attempts) == ("sent", 2)
    assert "EU AI Act fines begin" in str(posts(fake_slack)[0].args["blocks"])


def test_failures_back_off_then_give_up_after_grace_without_losing_stories(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    fake_slack.fail("chat.postMessage", "invalid_blocks", times=4)
    attempts = [len(svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=m)).outcomes) for m in range(6)]
    # Attempts at 0, +1 (the next tick), +2, then a pause of 3 minutes after the third failure.
    assert attempts == [1, 1, 1, 0, 0, 1]
    assert len(fake_slack.calls_to("chat.postMessage!error")) == 4
    with caplog.at_level(logging.WARNING, logger="briefings.service"):
        late = svc.briefings.tick(client, now=SLOT1 + timedelta(hours=7))
    assert [slot for _sub, slot in late.skipped] == [SLOT1]
    assert "gave up after 4 attempts (invalid_blocks" in caplog.text
    # Retries ran out: the admin hears about it once.
    (dm,) = posts(fake_slack, "DUADMIN")
    assert "is failing" in dm.args["text"] and "invalid_blocks" in dm.args["text"]
    # The next day's briefing still carries the story nobody saw.
    svc.briefings.tick(client, now=SLOT2)
    (post,) = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in str(post.args["blocks"])


def test_channel_not_found_pauses_and_tells_admins(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    sub = subscribe(svc, channel="CGONE")
    fake_slack.fail("chat.postMessage", "channel_not_found", times=1)
    report = svc.briefings.tick(client, now=SLOT1)
    assert [(o.status, o.error) for o in report.outcomes] == [("paused", "channel_not_found")]
    (view,) = svc.briefings.subscriptions("CGONE")
    assert view.status == "paused" and "channel_not_found" in (view.paused_reason or "")
    opened = fake_slack.calls_to("conversations.open")
    assert {c.args["users"] for c in opened} == {"UADMIN"}
    (dm,) = posts(fake_slack)
    assert dm.args["channel"] == "DUADMIN"
    assert "paused" in dm.args["text"] and "channel_not_found" in dm.args["text"]
    # A Slack DM speaks Slack: invite the app by its name, resume in the channel.
    assert "`/invite @AI Briefings`" in dm.args["text"] and "`/ai-brief resume legal`" in dm.args["text"]
    assert "@briefbot" not in dm.args["text"] and "/ai-brief subscribe" not in dm.args["text"]
    # Paused: nothing more is attempted, not even the next day.
    assert svc.briefings.tick(client, now=SLOT2).outcomes == ()
    with svc.db.read() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-1] == "subscription.pause"
    # Resuming delivers again.
    svc.briefings.set_paused(sub.id, paused=False, actor=ADMIN)
    assert [o.status for o in svc.briefings.tick(client, now=SLOT2).outcomes] == ["sent"]


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived"])
def test_other_channel_errors_pause_too(svc: Any, client: Any, fake_slack: FakeSlack, error: str) -> None:
    subscribe(svc, channel="CX")
    fake_slack.fail("chat.postMessage", error, times=1)
    assert [o.status for o in svc.briefings.tick(client, now=SLOT1).outcomes] == ["paused"]


def test_missed_slot_within_grace_is_delivered_once_older_is_skipped_and_logged(
    svc: Any, client: Any, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(svc, channel="CLATE")
    # The bot was down at 09:00 and starts at 13:00 Berlin: 4 h late, within the 6 h grace.
    started = svc.briefings.tick(client, now=SLOT1 + timedelta(hours=4))
    assert [o.status for o in started.outcomes] == ["sent"]
    assert svc.briefings.tick(client, now=SLOT1 + timedelta(hours=4, minutes=1)).outcomes == ()
    # Down again the next day until 17:00: 8 h late: skipped and logged, nothing posted.
    with caplog.at_level(logging.WARNING, logger="briefings.service"):
        late = svc.briefings.tick(client, now=SLOT2 + timedelta(hours=8))
    assert late.outcomes == () and len(late.skipped) == 1
    assert "missed while the bot was not running (8.0 h late, grace 6 h)" in caplog.text
    assert len(posts(fake_slack)) == 1
    assert [d.status for d in deliveries(svc)] == ["sent", "skipped"]


def test_slot_before_the_subscription_existed_is_not_delivered(
    svc: Any, client: Any, fake_slack: FakeSlack
) -> None:
    svc.briefings.subscribe(
        "CNEW", "hr", "daily 09:00", timezone="Europe/Berlin", actor=ADMIN, now=SLOT1 + timedelta(minutes=5)
    )
    assert svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=6)).outcomes == ()
    assert [o.status for o in svc.briefings.tick(client, now=SLOT2).outcomes] == ["sent"]


def test_stale_claim_of_a_crashed_process_is_taken_over(svc: Any, client: Any, fake_slack: FakeSlack) -> None:
    sub = subscribe(svc, channel="CCRASH")
    with svc.db.session() as s:
        s.add(
            Delivery(
                subscription_id=sub.id,
                scheduled_for=SLOT1,
                status="claimed",
                claimed_by="dead:1",
                claimed_at=SLOT1,
                attempts=1,
                channel_id="CCRASH",
            )
        )
    # Still within the lease: the other process may be posting right now.
    assert svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=5)).outcomes == ()
    assert posts(fake_slack) == []
    report = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=11))
    assert [(o.status, o.recovered) for o in report.outcomes] == [("sent", False)]
    (row,) = deliveries(svc)
    assert row.claimed_by == svc.briefings.deliverer.worker and row.attempts == 2
    # The channel was checked for a post of the dead process first: there was none.
    (history,) = fake_slack.calls_to("conversations.history")
    assert history.args["oldest"] == slack_ts(SLOT1 - slot_history.HISTORY_MARGIN)
    assert len(posts(fake_slack)) == 1


def test_concurrent_ticks_on_one_database_post_each_slot_once(
    svc: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    for i in range(12):
        subscribe(svc, channel=f"CCH{i}", dept=("finance", "legal", "operations", "hr")[i % 4])
    replicas = [make_services(settings) for _ in range(3)]
    for replica in replicas:
        replica.briefings.deliverer.pacer = ChannelPacer(0)
    barrier = threading.Barrier(len(replicas))
    results: list[Any] = []

    def run(replica: Any) -> None:
        barrier.wait()
        results.append(replica.briefings.tick(make_web_client(settings), now=SLOT1))

    threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for replica in replicas:
        replica.close()
    channels = [c.args["channel"] for c in posts(fake_slack)]
    assert sorted(channels) == sorted(f"CCH{i}" for i in range(12))
    assert sum(r.counts.get("sent", 0) for r in results) == 12


def test_send_now_uses_the_same_path_and_posts_once_per_minute(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    first = svc.briefings.send_now(client, "cadhoc", "compliance", actor=ADMIN, now=T0)
    assert (first.status, first.channel_id, first.department, first.stories) == ("sent", "CADHOC", "legal", 1)
    second = svc.briefings.send_now(client, "CADHOC", "legal", actor=ADMIN, now=T0 + timedelta(seconds=30))
    assert second.status == "done" and second.message_ts == first.message_ts
    assert len(posts(fake_slack)) == 1
    assert svc.briefings.subscriptions("CADHOC") == []  # one-off sends are nobody's subscription
    assert svc.briefings.tick(client, now=SLOT1).outcomes == ()  # and are never scheduled
    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError, match="channel_not_found") as refused:
        svc.briefings.send_now(client, "CADHOC", "legal", actor=ADMIN, now=T0 + timedelta(minutes=2))
    assert "paused" not in str(refused.value) and "/invite @AI Briefings" in str(refused.value)
    # The failed send left nothing to list, resume or trip on.
    assert svc.briefings.subscriptions() == []
    with svc.db.read() as s:
        (one_off,) = s.scalars(select(Subscription).where(Subscription.channel_id == "CADHOC"))
    assert one_off.status == "manual"
    with pytest.raises(SubscriptionNotFound):
        svc.briefings.set_paused(one_off.id, paused=False, actor=ADMIN)
    assert svc.briefings.tick(client, now=SLOT2).outcomes == ()


def test_pacer_spaces_posts_to_one_channel_and_holds_it_through_retries() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = ChannelPacer(1.0, clock=lambda: clock[0], sleep=sleep)
    with pacer.turn("C1"):
        clock[0] += 2.5  # a post that waited out a 429 and retried
    with pacer.turn("C2"):
        pass
    with pacer.turn("C1"):
        pass
    assert slept == [1.0]  # C1 waits a full interval after its previous post *finished*
    order: list[str] = []
    real = ChannelPacer(0.05)

    def post(name: str) -> None:
        with real.turn("C9"):
            order.append(f"{name}-start")
            time.sleep(0.02)
            order.append(f"{name}-end")

    threads = [threading.Thread(target=post, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(order[i].endswith("start") and order[i + 1].endswith("end") for i in range(0, 6, 2))


def test_subscription_rows_keep_the_cron_and_timezone(svc: Any) -> None:
    subscribe(svc, channel="CTZ", schedule="30 8 * * 1-5")
    with svc.db.read() as s:
        row = s.scalar(select(Subscription).where(Subscription.channel_id == "CTZ"))
    assert (row.schedule, row.cron, row.timezone) == (
        "30 8 * * 1-5",
        "30 8 * * mon,tue,wed,thu,fri",
        "Europe/Berlin",
    )


def test_retold_story_from_another_feed_is_remembered_with_the_original(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    reg, gen = news.feed("Reg Watch", "legal"), news.feed("AI News", "legal")
    first = legal_story(news, reg, "EU AI Act GPAI code of practice: what providers must publish", T0)
    retold = legal_story(news, gen, "EU AI Act: GPAI code of practice - what providers must publish", T0)
    subscribe(svc)
    svc.briefings.tick(client, now=SLOT1)
    (post,) = posts(fake_slack)
    assert "Reg Watch · AI News" in str(post.args["blocks"])
    with svc.db.read() as s:
        remembered = set(s.scalars(select(DeliveredStory.story_id)))
    assert remembered == {first, retold}
    # A third retelling the next day is not news in this channel either.
    legal_story(
        news,
        reg,
        "EU AI Act GPAI code of practice: what providers must now publish",
        SLOT1 + timedelta(hours=1),
    )
    svc.briefings.tick(client, now=SLOT2)
    assert "Nothing new above the bar" in str(posts(fake_slack)[1].args["blocks"])


def test_certification_spotlight_rotates_between_briefings_and_policy_is_related(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    feed = news.feed("Reg", "legal")
    legal_story(
        news, feed, "EU AI Act high-risk obligations: what the risk tiers mean", T0 - timedelta(hours=1)
    )
    subscribe(svc)
    svc.briefings.tick(client, now=SLOT1)
    legal_story(
        news, feed, "EU AI Act enforcement: first fines under the risk tiers", SLOT1 + timedelta(hours=1)
    )
    svc.briefings.tick(client, now=SLOT2)
    day1, day2 = (json.dumps(p.args["blocks"]) for p in posts(fake_slack))
    spotlight = [b.split("Certification spotlight:* ")[1].split(">")[0] for b in (day1, day2)]
    assert spotlight[0] != spotlight[1]
    assert "Policy reminder:*" in day1 and "EU AI Act" in day1.split("Policy reminder:*")[1]


def test_briefings_work_without_a_knowledge_catalogue(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    svc.briefings.knowledge = object()  # no spotlight or policy lookups at all
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    assert [o.status for o in svc.briefings.tick(client, now=SLOT1).outcomes] == ["sent"]
    blocks = json.dumps(posts(fake_slack)[0].args["blocks"])
    assert "EU AI Act fines begin" in blocks and "Certification spotlight" not in blocks


# ----------------------------------------------------------------------------- crash after the post


class Died(BaseException):
    """The process died (not an error the delivery code could catch and record)."""


def crash_after_post(settings: Any, client: Any, now: datetime) -> None:
    """Another process posts the due slot and dies before recording it."""
    doomed = make_services(settings)
    try:
        doomed.briefings.deliverer.pacer = ChannelPacer(0)

        def die(*_: Any, **__: Any) -> None:
            raise Died

        doomed.briefings.deliverer._finish = die  # type: ignore[method-assign]
        with pytest.raises(Died):
            doomed.briefings.tick(client, now=now)
    finally:
        doomed.close()


def test_every_briefing_post_names_its_slot_in_message_metadata(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    story = legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    sub = subscribe(svc)
    svc.briefings.tick(client, now=SLOT1)
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
    assert svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=5)).outcomes == ()  # lease holds
    with caplog.at_level(logging.INFO, logger="briefings.delivery"):
        report = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=11))
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
    svc.briefings.tick(client, now=SLOT2)
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
        report = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=11))
    assert [(o.status, o.recovered) for o in report.outcomes] == [("sent", False)]
    briefings = [p for p in posts(fake_slack, "CLEGAL") if "metadata" in p.args]
    assert len(briefings) == 2  # exactly one more post: a duplicate rather than a lost briefing
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", report.outcomes[0].message_ts)
    reason = {"too_many_messages": "more than 4 messages since the earlier attempt"}.get(trouble, trouble)
    assert f"({reason}); posting it again" in caplog.text
    if trouble == "missing_scope":
        assert "channels:history and groups:history" in caplog.text


# ----------------------------------------------------------------------------- retention


def test_old_finished_deliveries_are_pruned_recent_kept_and_never_redelivered(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any
) -> None:
    feed = news.feed("Reg", "legal")
    legal_story(news, feed, "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    pausing = subscribe(svc, channel="CPAUSE")
    days = [SLOT1 + timedelta(days=d) for d in range(12)]
    for d, slot in enumerate(days):
        if d == 1:
            svc.briefings.set_paused(pausing.id, paused=True, actor=ADMIN)
        if d == 2:  # the bot was down all day: the slot is given up on 8 h late
            svc.briefings.tick(client, now=slot + timedelta(hours=8))
            continue
        legal_story(news, feed, f"Court rules on AI copyright lawsuit, day {d}", slot - timedelta(hours=2))
        svc.briefings.tick(client, now=slot)
    before = {(d.channel_id, d.scheduled_for, d.status) for d in deliveries(svc)}
    assert len(before) == 12 + 1 and ("CLEGAL", days[2], "skipped") in before
    with svc.db.read() as s:
        memory = s.scalar(select(func.count()).select_from(DeliveredStory))
    paused_view = svc.briefings.subscriptions("CPAUSE")[0]
    now = days[11] + timedelta(hours=1)

    # The default 90 days keep everything.
    assert svc.briefings.prune_deliveries(now=now).deliveries == 0
    # One day of retention: the floor (6 h grace + 7 days look-back + 1 day) still applies.
    svc.briefings.config = replace(svc.briefings.config, retention_days=1)
    report = svc.briefings.prune_deliveries(now=now)
    assert report.cutoff == now - timedelta(days=8, hours=6)
    assert report.deliveries == 3  # days 0, 1 (sent) and 2 (skipped) of CLEGAL
    after = {(d.channel_id, d.scheduled_for, d.status) for d in deliveries(svc)}
    assert after == {r for r in before if r[0] == "CPAUSE" or r[1] >= days[3]}
    # CPAUSE's only (old) row stays: its "last posted" is still shown.
    assert svc.briefings.subscriptions("CPAUSE")[0].last_sent_at == paused_view.last_sent_at is not None
    with svc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(DeliveredStory)) == memory  # memory kept

    # Nothing pruned comes back: another process ticking now, and on, posts only the next slot.
    posted = len(posts(fake_slack))
    replica = make_services(settings)
    try:
        replica.briefings.deliverer.pacer = ChannelPacer(0)
        assert replica.briefings.tick(client, now=now + timedelta(minutes=1)).outcomes == ()
        assert replica.briefings.tick(client, now=now + timedelta(minutes=2)).skipped == ()
        nxt = replica.briefings.tick(client, now=days[11] + timedelta(days=1))
    finally:
        replica.close()
    assert [(o.channel_id, o.scheduled_for) for o in nxt.outcomes] == [
        ("CLEGAL", days[11] + timedelta(days=1))
    ]
    assert len(posts(fake_slack)) == posted + 1


def test_pruning_keeps_slots_the_scheduler_may_still_deliver(
    svc: Any, client: Any, fake_slack: FakeSlack
) -> None:
    subscribe(svc)
    svc.briefings.tick(client, now=SLOT1)  # sent
    svc.briefings.tick(client, now=SLOT2)  # sent; SLOT1 is no longer the newest
    # Even with a 1-day retention, two days later both slots are inside the floor.
    svc.briefings.config = replace(svc.briefings.config, retention_days=1)
    assert svc.briefings.prune_deliveries(now=SLOT2 + timedelta(days=2)).deliveries == 0
    assert svc.briefings.prune_deliveries(now=SLOT1 + timedelta(days=8, hours=6, minutes=1)).deliveries == 1
    assert [d.scheduled_for for d in deliveries(svc)] == [SLOT2]


# ----------------------------------------------------------------------------- a lost answer


def briefing_posts(fake: FakeSlack, channel: str = "CLEGAL") -> list[Any]:
    """The channel's messages that carry a slot's key (briefings and "nothing new" notes)."""
    return [m for m in fake.messages[channel] if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE]


def test_post_accepted_then_read_timeout_is_found_not_posted_twice(
    svc: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any, pauses: list[float]
) -> None:
    legal_story(news, news.feed("Reg", "legal"), "EU AI Act fines begin", T0 - timedelta(hours=1))
    subscribe(svc)
    hold = 1.5
    fake_slack.reply_delays["chat.postMessage"] = hold  # the answer comes after the client gave up
    report = svc.briefings.tick(make_web_client(settings, timeout=1), now=SLOT1)
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
        (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
    (first,) = svc.briefings.tick(client, now=SLOT1).outcomes
    assert (first.status, first.error) == ("failed", "internal_error")
    assert pauses == list(posting.POST_RETRY_PAUSES)
    assert len(fake_slack.calls_to("chat.postMessage!5xx")) == attempts
    assert len(fake_slack.calls_to("conversations.history")) == attempts - 1
    (second,) = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=1)).outcomes
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
        (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
    _, second = briefing_posts(fake_slack)  # a rare duplicate beats a lost briefing
    assert (outcome.status, outcome.message_ts) == ("sent", second["ts"])
    (row,) = deliveries(svc)
    assert (row.status, row.message_ts) == ("sent", second["ts"])
    assert "(missing_scope); posting it again" in caplog.text
    assert "channels:history and groups:history" in caplog.text


def slack_error(status: int, error: str = "internal_error") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError("failed", response)


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


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (URLError(ConnectionRefusedError(111, "Connection refused")), sink.NOT_SENT),
        (URLError(TimeoutError("timed out")), sink.NOT_SENT),  # connecting or sending
        (URLError(ConnectionResetError(104, "reset")), sink.NOT_SENT),  # while sending
        (TimeoutError("timed out"), sink.AMBIGUOUS),  # waiting for the answer
        (ConnectionResetError(104, "reset"), sink.AMBIGUOUS),
        (RemoteDisconnected("Remote end closed connection without response"), sink.AMBIGUOUS),
        (IncompleteRead(b"{"), sink.AMBIGUOUS),
        (slack_error(503), sink.AMBIGUOUS),
        (slack_error(502), sink.AMBIGUOUS),
        (slack_error(429), None),  # rate limited: nothing happened, the 429 handler waits
        (slack_error(200, "internal_error"), None),  # left to the next tick's re-claim
        (ValueError("a bug"), None),
    ],
)
def test_post_failures_are_sorted_by_whether_slack_may_have_the_message(
    error: Exception, kind: str | None
) -> None:
    assert sink.post_failure(error) == kind


def test_posting_client_drops_resending_handlers_and_keeps_rate_limits(settings: Any) -> None:
    client = make_web_client(settings)
    poster = sink.posting_client(client)
    assert [type(h) for h in poster.retry_handlers] == [RateLimitErrorRetryHandler]
    assert (poster.token, poster.base_url, poster.timeout) == (client.token, client.base_url, client.timeout)
    assert len(client.retry_handlers) == 3  # the shared client keeps its handlers
    bare = sink.posting_client(WebClient(token="xoxb-t", retry_handlers=[]))
    assert [type(h) for h in bare.retry_handlers] == [RateLimitErrorRetryHandler]


# ----------------------------------------------------------------------------- leases and takeovers


def take_over(svc: Any, *, at: datetime, by: str = "other:1") -> None:
    """Another process re-claims the slot (as after our lease ran out)."""
    with svc.db.session() as s:
        row = s.scalar(select(Delivery))
        row.status, row.claimed_by, row.claimed_at, row.attempts = "claimed", by, at, row.attempts + 1


def test_a_slot_claimed_late_in_a_long_tick_gets_a_full_lease(
    svc: Any, client: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    subscribe(svc, channel="CFIRST")
    subscribe(svc, channel="CSECOND", dept="hr")
    svc.briefings.workers = 1  # one slot after the other
    deliverer = svc.briefings.deliverer
    elapsed = [0.0]
    deliverer.monotonic = lambda: elapsed[0]
    build = deliverer.build
    replica = make_services(settings)
    replica.briefings.deliverer.pacer = ChannelPacer(0)
    seen: list[Any] = []

    def slow_first_then_replica(due: Any, cache: Any) -> Any:
        if not seen:
            elapsed[0] += 9 * 60  # the first slot took 9 minutes (rate limits, a slow Slack)
        else:  # the second slot was claimed 9 minutes into the tick; another replica ticks now
            seen.append(replica.briefings.tick(client, now=SLOT1 + timedelta(minutes=10, seconds=30)))
        seen.append(due)
        return build(due, cache)

    deliverer.build = slow_first_then_replica
    try:
        report = svc.briefings.tick(client, now=SLOT1)
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
        (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=22)).outcomes
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
    assert [o.status for o in svc.briefings.tick(client, now=SLOT1).outcomes] == ["failed"]
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
        (outcome,) = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=1)).outcomes
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
    report = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=11))
    assert {o.channel_id: o.status for o in report.outcomes} == {"CLEGAL": "failed", "COTHER": "sent"}
    legal = next(d for d in deliveries(svc) if d.channel_id == "CLEGAL")
    assert legal.status == "failed" and "OperationalError" in (legal.error or "")
    assert len(briefing_posts(fake_slack)) == 1  # not posted again on a guess
    (retry,) = svc.briefings.tick(client, now=SLOT1 + timedelta(minutes=12)).outcomes
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
    (outcome,) = svc.briefings.tick(client, now=SLOT1).outcomes
    (message,) = briefing_posts(fake_slack)  # 3 found the first post instead of posting again
    assert (outcome.status, outcome.recovered, outcome.message_ts) == ("sent", True, message["ts"])
    assert pauses == list(posting.POST_RETRY_PAUSES)
    assert [c.method for c in fake_slack.calls if c.method.startswith("conversations.history")] == [
        "conversations.history!error",
        "conversations.history",
    ]
