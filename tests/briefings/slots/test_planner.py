"""Delivery through the real slack_sdk client to the fake Slack Web API, with an injected clock:
exactly once, per-channel memory, retries, pausing, grace period, stale claims."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import make_web_client
from bot.delivery import SlackSink
from bot.delivery.history import slack_ts
from briefbot.services import make_services
from briefings import delivery as slot_history
from briefings.delivery import ChannelPacer, posting
from briefings.errors import DeliveryError, SubscriptionNotFound
from storage.models import AuditEntry, DeliveredStory, Delivery, Subscription
from tests.briefings.delivery.helpers import (
    ADMIN,
    SLOT1,
    SLOT2,
    T0,
    deliveries,
    legal_story,
    posts,
    subscribe,
)
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack


def test_due_slot_is_posted_once_even_after_restart(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack, settings: Any
) -> None:
    feed = news.feed("Regulation Watch", "legal")
    legal_story(news, feed, "EU AI Act fines begin", T0 - timedelta(hours=5))
    sub = subscribe(svc)
    assert sub.next_run == SLOT1

    early = svc.briefings.tick(SlackSink(client), now=SLOT1 - timedelta(minutes=1))
    assert early.outcomes == ()  # nothing due before 09:00 Berlin
    report = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(seconds=5))
    assert [o.status for o in report.outcomes] == ["sent"]
    (post,) = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in str(post.args["blocks"])
    assert post.args["text"].startswith("Legal AI briefing, Mon 23 Nov 2026")

    assert svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=1)).outcomes == ()
    restarted = make_services(settings)  # a new process on the same database
    try:
        again = restarted.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=2))
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
    svc.briefings.tick(SlackSink(client), now=SLOT1)
    # Overnight: one new story arrives; the old one is still within the week.
    legal_story(news, feed, "Court rules on AI copyright lawsuit", SLOT1 + timedelta(hours=3))
    svc.briefings.tick(SlackSink(client), now=SLOT2)
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
    report = svc.briefings.tick(SlackSink(client), now=SLOT1)
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
    report = svc.briefings.tick(SlackSink(client), now=SLOT1)
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
    report = svc.briefings.tick(SlackSink(client), now=SLOT1)
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
    first = svc.briefings.tick(SlackSink(client), now=SLOT1)
    assert [(o.status, o.error) for o in first.outcomes] == [("failed", "internal_error")]
    assert posts(fake_slack) == []
    second = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=1))
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
    attempts = [
        len(svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=m)).outcomes)
        for m in range(6)
    ]
    # Attempts at 0, +1 (the next tick), +2, then a pause of 3 minutes after the third failure.
    assert attempts == [1, 1, 1, 0, 0, 1]
    assert len(fake_slack.calls_to("chat.postMessage!error")) == 4
    with caplog.at_level(logging.WARNING, logger="briefings.service"):
        late = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(hours=7))
    assert [slot for _sub, slot in late.skipped] == [SLOT1]
    assert "gave up after 4 attempts (invalid_blocks" in caplog.text
    # Retries ran out: the admin hears about it once.
    (dm,) = posts(fake_slack, "DUADMIN")
    assert "is failing" in dm.args["text"] and "invalid_blocks" in dm.args["text"]
    # The next day's briefing still carries the story nobody saw.
    svc.briefings.tick(SlackSink(client), now=SLOT2)
    (post,) = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in str(post.args["blocks"])


def test_channel_not_found_pauses_and_tells_admins(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    sub = subscribe(svc, channel="CGONE")
    fake_slack.fail("chat.postMessage", "channel_not_found", times=1)
    report = svc.briefings.tick(SlackSink(client), now=SLOT1)
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
    assert svc.briefings.tick(SlackSink(client), now=SLOT2).outcomes == ()
    with svc.db.read() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-1] == "subscription.pause"
    # Resuming delivers again.
    svc.briefings.set_paused(sub.id, paused=False, actor=ADMIN)
    assert [o.status for o in svc.briefings.tick(SlackSink(client), now=SLOT2).outcomes] == ["sent"]


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived"])
def test_other_channel_errors_pause_too(svc: Any, client: Any, fake_slack: FakeSlack, error: str) -> None:
    subscribe(svc, channel="CX")
    fake_slack.fail("chat.postMessage", error, times=1)
    assert [o.status for o in svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes] == ["paused"]


def test_missed_slot_within_grace_is_delivered_once_older_is_skipped_and_logged(
    svc: Any, client: Any, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(svc, channel="CLATE")
    # The bot was down at 09:00 and starts at 13:00 Berlin: 4 h late, within the 6 h grace.
    started = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(hours=4))
    assert [o.status for o in started.outcomes] == ["sent"]
    assert svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(hours=4, minutes=1)).outcomes == ()
    # Down again the next day until 17:00: 8 h late: skipped and logged, nothing posted.
    with caplog.at_level(logging.WARNING, logger="briefings.service"):
        late = svc.briefings.tick(SlackSink(client), now=SLOT2 + timedelta(hours=8))
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
    assert svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=6)).outcomes == ()
    assert [o.status for o in svc.briefings.tick(SlackSink(client), now=SLOT2).outcomes] == ["sent"]


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
    assert svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=5)).outcomes == ()
    assert posts(fake_slack) == []
    report = svc.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=11))
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
        results.append(replica.briefings.tick(SlackSink(make_web_client(settings)), now=SLOT1))

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
    first = svc.briefings.send_now(SlackSink(client), "cadhoc", "compliance", actor=ADMIN, now=T0)
    assert (first.status, first.channel_id, first.department, first.stories) == ("sent", "CADHOC", "legal", 1)
    second = svc.briefings.send_now(
        SlackSink(client), "CADHOC", "legal", actor=ADMIN, now=T0 + timedelta(seconds=30)
    )
    assert second.status == "done" and second.message_ts == first.message_ts
    assert len(posts(fake_slack)) == 1
    assert svc.briefings.subscriptions("CADHOC") == []  # one-off sends are nobody's subscription
    assert svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes == ()  # and are never scheduled
    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError, match="channel_not_found") as refused:
        svc.briefings.send_now(
            SlackSink(client), "CADHOC", "legal", actor=ADMIN, now=T0 + timedelta(minutes=2)
        )
    assert "paused" not in str(refused.value) and "/invite @AI Briefings" in str(refused.value)
    # The failed send left nothing to list, resume or trip on.
    assert svc.briefings.subscriptions() == []
    with svc.db.read() as s:
        (one_off,) = s.scalars(select(Subscription).where(Subscription.channel_id == "CADHOC"))
    assert one_off.status == "manual"
    with pytest.raises(SubscriptionNotFound):
        svc.briefings.set_paused(one_off.id, paused=False, actor=ADMIN)
    assert svc.briefings.tick(SlackSink(client), now=SLOT2).outcomes == ()


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
    svc.briefings.tick(SlackSink(client), now=SLOT1)
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
    svc.briefings.tick(SlackSink(client), now=SLOT2)
    assert "Nothing new above the bar" in str(posts(fake_slack)[1].args["blocks"])


def test_certification_spotlight_rotates_between_briefings_and_policy_is_related(
    svc: Any, client: Any, news: NewsFactory, fake_slack: FakeSlack
) -> None:
    feed = news.feed("Reg", "legal")
    legal_story(
        news, feed, "EU AI Act high-risk obligations: what the risk tiers mean", T0 - timedelta(hours=1)
    )
    subscribe(svc)
    svc.briefings.tick(SlackSink(client), now=SLOT1)
    legal_story(
        news, feed, "EU AI Act enforcement: first fines under the risk tiers", SLOT1 + timedelta(hours=1)
    )
    svc.briefings.tick(SlackSink(client), now=SLOT2)
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
    assert [o.status for o in svc.briefings.tick(SlackSink(client), now=SLOT1).outcomes] == ["sent"]
    blocks = json.dumps(posts(fake_slack)[0].args["blocks"])
    assert "EU AI Act fines begin" in blocks and "Certification spotlight" not in blocks
