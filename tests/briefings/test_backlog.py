"""Undated items of a newly added or resumed feed are backlog like dated ones: the next
briefing of a subscribed channel does not post them (fake Slack), the preview does not list
them but says how many it held back, and ``--include-backlog`` shows them. Feeds over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import make_web_client
from bot.delivery import SlackSink
from storage.audit import Actor
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.mock_web_api_server import FakeSlack

ADMIN = Actor.cli()
# One headline per department that ranks above its bar (checked through --include-backlog).
HEADLINES = {
    "legal": "EU AI Act fines and GDPR enforcement for AI regulation",
    "finance": "AI spending lifts cloud budgets, earnings and capital expenditure",
    "hr": "AI hiring tools face bias audits in recruiting and workforce reskilling",
    "operations": "Logistics group deploys AI agents to schedule warehouse shifts and cut delivery delays",
}
SHAPES = {  # undated, with and without guid and summary
    "guid+summary": {},
    "no guid": {"guid": None},
    "no guid, no summary, no link": {"guid": None, "description": "", "link": None},
}


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def undated_feed(dept: str, n: int = 3) -> Reply:
    return feed_reply(
        [
            item(f"{dept}-{i}", title=f"{HEADLINES[dept]} ({shape} {i})", date=None, **kw)
            for i, (shape, kw) in enumerate(list(SHAPES.items())[:n])
        ]
    )


def posted_text(fake: FakeSlack, channel: str) -> str:
    calls = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]
    return " ".join(str(c.args.get("text", "")) + json.dumps(c.args.get("blocks")) for c in calls)


def test_undated_backlog_is_never_posted_nor_previewed(
    services: Any, settings: Any, fake_slack: FakeSlack, site: FeedServer
) -> None:
    client = make_web_client(settings)
    now = datetime.now(UTC)
    channels = {dept: f"C{dept.upper()[:8]}" for dept in HEADLINES}
    for dept, channel in channels.items():
        services.briefings.send_now(SlackSink(client), channel, dept, actor=ADMIN, now=now)
    for dept in HEADLINES:
        added = services.feeds.add(site.route(f"/{dept}", undated_feed(dept)), [dept], actor=ADMIN)
        assert added.first_fetch is not None and added.first_fetch.backlog == len(SHAPES)
    for dept, channel in channels.items():
        services.briefings.send_now(
            SlackSink(client), channel, dept, actor=ADMIN, now=now + timedelta(minutes=1)
        )
        assert HEADLINES[dept] not in posted_text(fake_slack, channel), dept
        preview = services.briefings.build(dept)
        assert not any(HEADLINES[dept] in s.title for s in preview.stories), dept
        assert preview.held_back == len(SHAPES)
        note = preview.held_back_note("X")
        assert note is not None and f"{len(SHAPES)} items" in note
        included = services.briefings.build(dept, include_backlog=True, top_n=10)
        # Above the bar, so held back only as backlog (the three retell one story: one is shown).
        assert any(HEADLINES[dept] in s.title for s in included.stories), dept
        assert included.held_back == 0


def test_resumed_feed_backlog_stays_held_back_but_later_undated_items_are_news(
    services: Any, settings: Any, fake_slack: FakeSlack, site: FeedServer
) -> None:
    client = make_web_client(settings)
    # One-off sends are slots of their minute: half past it, so the live item's first sighting
    # (a minute later) falls inside the next slot's window whatever the clock says.
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    first = undated_feed("legal", 1)
    resumed = feed_reply(
        [item(f"r{i}", title=f"{HEADLINES['legal']} resumed {i}", date=None, guid=None) for i in range(2)]
    )
    later = feed_reply([item("live", title=f"{HEADLINES['legal']} live", date=None)])
    url = site.route("/legal", first, resumed, later)
    added = services.feeds.add(url, ["legal"], actor=ADMIN)
    services.briefings.send_now(SlackSink(client), "CLEGAL", "legal", actor=ADMIN, now=now)
    feed_id = added.feed.id
    services.feeds.pause(feed_id, actor=ADMIN)
    services.feeds.resume(feed_id, actor=ADMIN)
    services.feeds.refresh()
    services.briefings.send_now(
        SlackSink(client), "CLEGAL", "legal", actor=ADMIN, now=now + timedelta(minutes=1)
    )
    assert "resumed" not in posted_text(fake_slack, "CLEGAL")
    # The feed is primed again: a new undated item is news when first seen.
    services.feeds.refresh(force=True, now=now + timedelta(minutes=1))
    services.briefings.send_now(
        SlackSink(client), "CLEGAL", "legal", actor=ADMIN, now=now + timedelta(minutes=2)
    )
    assert f"{HEADLINES['legal']} live" in posted_text(fake_slack, "CLEGAL")
