"""Retellings collapsed into a delivered story are remembered by the channel with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefings.delivery import ChannelPacer
from storage.audit import Actor
from storage.models import DeliveredStory
from tests.briefings.factory import NewsFactory
from tests.mock_web_api_server import FakeSlack

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday; "daily 09:00" Berlin = 08:00 UTC
SLOT1 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SLOT2 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

KEPT = (
    "Audit finds most automated hiring tools in NYC lack a published bias audit",
    "Under NYC Local Law 144, employers using an automated employment decision tool must publish a "
    "yearly bias audit. A university team found only 18% of employers in its sample complied.",
)
RETOLD = (
    "NYC Local Law 144 review: bias audit disclosures patchy, hiring tools under scrutiny",
    "Researchers found that fewer than one in five New York City employers using an automated "
    "employment decision tool had posted the required bias audit summary.",
)


@pytest.fixture
def svc(services: Any) -> Any:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    services.briefings.clock = lambda: T0
    return services


def test_a_collapsed_retelling_is_not_news_the_next_day(
    svc: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(svc.db)
    work = news.feed("Future of Work", "hr")
    regwatch = news.feed("Regulation Watch", "legal")
    wire = news.feed("Wire", "hr")
    _, kept = news.item(work, *KEPT, published_at=T0 - timedelta(hours=3))
    _, retold = news.item(regwatch, *RETOLD, published_at=T0 - timedelta(hours=20))
    svc.briefings.subscribe(
        "CHR", "hr", "daily 09:00", timezone="Europe/Berlin", actor=Actor.slack("UADMIN"), now=T0
    )
    client = make_web_client(settings)
    svc.briefings.tick(SlackSink(client), now=SLOT1)
    # Overnight another outlet's copy of the retold story arrives (merged into it on its URL):
    # the retold story is new again by first-seen time, but the channel already had it.
    news.item(wire, *RETOLD, published_at=SLOT1 + timedelta(hours=2), story_id=retold)
    news.item(
        work,
        "Managers trail their teams on AI skills, survey finds",
        "AI skills gap.",
        published_at=SLOT1 + timedelta(hours=3),
    )
    svc.briefings.tick(SlackSink(client), now=SLOT2)

    day1, day2 = [c.args for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == "CHR"]
    assert KEPT[0] in str(day1["blocks"]) and "Also reported by" in str(day1["blocks"])
    assert RETOLD[0] not in str(day1["blocks"])  # one entry, not two
    assert "Managers trail their teams" in str(day2["blocks"])
    assert RETOLD[0] not in str(day2["blocks"]) and KEPT[0] not in str(day2["blocks"])
    with svc.db.read() as s:
        remembered = set(s.scalars(select(DeliveredStory.story_id).where(DeliveredStory.channel_id == "CHR")))
    assert {kept, retold} <= remembered
