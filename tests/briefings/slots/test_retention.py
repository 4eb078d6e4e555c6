"""Pruning old delivery rows never lets a slot be delivered twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.delivery import SlackSink
from briefbot.services import make_services
from briefings.delivery import ChannelPacer
from storage.models import DeliveredStory
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
            svc.briefings.tick(SlackSink(client), now=slot + timedelta(hours=8))
            continue
        legal_story(news, feed, f"Court rules on AI copyright lawsuit, day {d}", slot - timedelta(hours=2))
        svc.briefings.tick(SlackSink(client), now=slot)
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
        assert replica.briefings.tick(SlackSink(client), now=now + timedelta(minutes=1)).outcomes == ()
        assert replica.briefings.tick(SlackSink(client), now=now + timedelta(minutes=2)).skipped == ()
        nxt = replica.briefings.tick(SlackSink(client), now=days[11] + timedelta(days=1))
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
    svc.briefings.tick(SlackSink(client), now=SLOT1)  # sent
    svc.briefings.tick(SlackSink(client), now=SLOT2)  # sent; SLOT1 is no longer the newest
    # Even with a 1-day retention, two days later both slots are inside the floor.
    svc.briefings.config = replace(svc.briefings.config, retention_days=1)
    assert svc.briefings.prune_deliveries(now=SLOT2 + timedelta(days=2)).deliveries == 0
    assert svc.briefings.prune_deliveries(now=SLOT1 + timedelta(days=8, hours=6, minutes=1)).deliveries == 1
    assert [d.scheduled_for for d in deliveries(svc)] == [SLOT2]
