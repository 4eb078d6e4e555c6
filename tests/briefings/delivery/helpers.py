"""Shared by the delivery tests: the slots, stories and posts they set up and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery import SlackSink
from bot.delivery.history import EVENT_TYPE
from briefbot.services import make_services
from briefings.delivery import ChannelPacer
from storage.audit import Actor
from storage.models import Delivery
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack

# Monday 23 Nov 2026; the subscription says "daily 09:00" in Berlin = 08:00 UTC.
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
SLOT1 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SLOT2 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ADMIN = Actor.slack("UADMIN")


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
            doomed.briefings.tick(SlackSink(client), now=now)
    finally:
        doomed.close()


def briefing_posts(fake: FakeSlack, channel: str = "CLEGAL") -> list[Any]:
    """The channel's messages that carry a slot's key (briefings and "nothing new" notes)."""
    return [m for m in fake.messages[channel] if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE]


def take_over(svc: Any, *, at: datetime, by: str = "other:1") -> None:
    """Another process re-claims the slot (as after our lease ran out)."""
    with svc.db.session() as s:
        row = s.scalar(select(Delivery))
        row.status, row.claimed_by, row.claimed_at, row.attempts = "claimed", by, at, row.attempts + 1
