"""App Home rendering at any size: the builders stay within Slack's view limits (no I/O here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.views.home import AdminHome, ReaderHome, admin_view, feed_status_text, reader_view
from briefings.subscriptions import SubscriptionView
from feeds.records import FeedInfo
from knowledge.service import PackStatus
from storage.audit import AuditView
from tests.mock_web_api_server import validate_view

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
NAMES = {"finance": "Finance", "legal": "Legal", "operations": "Operations", "hr": "HR"}


def feed(n: int, *, failing: bool = False, paused: bool = False) -> FeedInfo:
    return FeedInfo(
        id=n,
        url=f"https://news{n}.example.com/feed.xml",
        name=f"Feed {n} " + "x" * 80,
        title=None,
        site_url=None,
        departments=("finance", "legal"),
        status="paused" if paused else "active",
        health="failing" if failing else "paused" if paused else "ok",
        error_count=4 if failing else 0,
        last_error="HTTP 503 Service Unavailable <!channel>" if failing else None,
        last_error_at=NOW if failing else None,
        last_warning=None,
        last_success_at=NOW - timedelta(hours=2),
        last_fetched_at=NOW,
        next_fetch_at=NOW + timedelta(minutes=30),
        last_status=503 if failing else 200,
        item_count=40,
        created_at=NOW,
        created_by="UADMIN",
    )


def subscription(n: int) -> SubscriptionView:
    return SubscriptionView(
        id=n,
        channel_id=f"C{n:08d}",
        department=("finance", "legal", "operations", "hr")[n % 4],
        schedule="weekdays 09:00",
        cron="0 9 * * mon-fri",
        timezone="Europe/Berlin",
        status="paused" if n % 50 == 0 else "active",
        paused_reason="channel_not_found" if n % 50 == 0 else None,
        quiet_mode="post",
        top_n=5,
        created_by="UADMIN",
        created_at=NOW,
        next_run=NOW + timedelta(hours=1),
        last_sent_at=NOW - timedelta(days=1),
    )


def big_home(feeds: int = 300, subs: int = 200) -> AdminHome:
    return AdminHome(
        feeds=[feed(n, failing=n % 97 == 0, paused=n % 41 == 0) for n in range(1, feeds + 1)],
        items_last_week={n: n % 13 for n in range(1, feeds + 1)},
        subscriptions=[subscription(n) for n in range(1, subs + 1)],
        department_names=NAMES,
        packs=[
            PackStatus("policies", "bundled", "knowledge/data", 9, 1, "2026-12-01T08:00:00", "cli:root"),
            PackStatus("certifications", "import", "certs.yaml", 24, 3, "2026-12-01T09:00:00", "UADMIN"),
        ],
        audit=[
            AuditView(NOW, "UADMIN", "slack", "feed.add", f"https://x{n}.example.com", {}) for n in range(20)
        ],
        now=NOW,
    )


def test_300_feeds_and_200_subscriptions_fit_in_one_valid_home_failing_first() -> None:
    view = admin_view(big_home())
    assert len(view["blocks"]) <= 100
    assert validate_view(view) == []
    text = str(view["blocks"])
    assert "Feeds (300, 3 failing, 7 paused)" in text
    first_feed = next(b for b in view["blocks"] if b.get("block_id", "").startswith("feed_"))
    assert first_feed["block_id"] == "feed_97"  # failing feeds first
    assert "more — `/ai-feeds list 2`" in text
    assert "more channels — `briefbot subscriptions list`" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_small_and_empty_homes_are_valid() -> None:
    for home in (big_home(0, 0), big_home(2, 1)):
        view = admin_view(home)
        assert validate_view(view) == []
        assert "more —" not in str(view["blocks"])
    reader = reader_view(
        ReaderHome(subscriptions=[subscription(n) for n in range(300)], department_names=NAMES)
    )
    assert len(reader["blocks"]) <= 100 and validate_view(reader) == []


def test_feed_line_says_what_an_admin_needs() -> None:
    text = feed_status_text(feed(5, failing=True), 12)
    assert "*#5 Feed 5" in text and "finance, legal" in text
    assert "12 items in 7 days" in text and "4 failure(s) in a row" in text and "next fetch" in text
