"""Cache-Control max-age / Expires: a feed whose server says its answer stays fresh is not fetched
again before then (capped at a day); no-cache, garbage and failures change nothing.

Time passes through ``refresh(now=...)``; every "was it fetched?" is read from the loopback feed
server's request log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from feeds.config import FeedConfig
from feeds.fetch import MAX_FRESH_FOR, parse_fresh_for
from feeds.service import FeedService
from storage import Database
from storage.types import utcnow
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _cached(cache_control: str | None = None, **headers: str) -> Reply:
    reply = feed_reply([item(1)])
    if cache_control is not None:
        reply.headers["Cache-Control"] = cache_control
    reply.headers.update(headers)
    return reply


def _wait(feed_service: FeedService, feed_id: int) -> timedelta:
    feed = feed_service.get(feed_id)
    assert feed.next_fetch_at is not None and feed.last_fetched_at is not None
    return feed.next_fetch_at - feed.last_fetched_at


# ----------------------------------------------------------------------------- the header rules


@pytest.mark.parametrize(
    ("cache_control", "extra", "expected"),
    [
        ("max-age=3600", {}, 3600.0),
        ('public, MAX-AGE="600", must-revalidate', {}, 600.0),
        ("max-age=3600", {"age": "600"}, 3000.0),
        ("max-age=100", {"age": "600"}, 0.0),
        ("no-cache", {}, 0.0),
        ("max-age=3600, no-store", {}, 0.0),
        ("max-age=0", {}, 0.0),
        ('no-cache="Set-Cookie", max-age=60', {}, 60.0),  # only a field must be revalidated
        ("s-maxage=9000, private", {}, None),  # shared-cache directives are not ours
        ("max-age=31536000", {}, MAX_FRESH_FOR),
        ("max-age=" + "9" * 5000, {}, MAX_FRESH_FOR),
        ("max-age=soon", {}, None),
        ("max-age=-5", {}, None),
        ("max-age=1e3", {}, None),
        ("max-age=٣٠", {}, None),  # Arabic-Indic digits are not HTTP digits
        ("max-age=", {}, None),
        ("", {}, None),
        (None, {}, None),
        ("max-age=7200", {"expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, 7200.0),  # max-age wins
        ("max-age=soon", {"expires": "Fri, 20 Nov 2026 12:00:00 GMT"}, 3 * 3600.0),
    ],
)
def test_freshness_from_cache_control(
    cache_control: str | None, extra: dict[str, str], expected: float | None
) -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert parse_fresh_for(cache_control, now=now, **extra) == expected


def test_freshness_from_expires_counts_from_the_servers_date() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    expires = "Fri, 20 Nov 2026 11:00:00 GMT"
    assert parse_fresh_for(None, expires=expires, now=now) == 2 * 3600.0
    # A server clock an hour behind ours: its own Date says the answer is fresh for 3 hours.
    assert parse_fresh_for(None, expires=expires, date="Fri, 20 Nov 2026 08:00:00 GMT", now=now) == 3 * 3600
    assert parse_fresh_for(None, expires=expires, date="not a date", now=now) == 2 * 3600.0
    assert parse_fresh_for(None, expires="Fri, 20 Nov 2026 08:00:00 GMT", now=now) == 0.0  # past
    assert parse_fresh_for(None, expires="Sat, 20 Nov 2100 08:00:00 GMT", now=now) == MAX_FRESH_FOR
    for garbage in ("0", "-1", "tomorrow", "Fri, 99 Nov 2026 25:61:00 GMT", "Fri, 20 Nov 99999 1:00:00 GMT"):
        assert parse_fresh_for(None, expires=garbage, now=now) is None


# ----------------------------------------------------------------------------- scheduling


def test_max_age_delays_the_next_fetch(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    cached = feed_service.add(site.route("/cached", _cached("public, max-age=7200")), ["legal"]).feed
    plain = feed_service.add(site.route("/plain", _cached()), ["legal"]).feed
    assert _wait(feed_service, cached.id) == 2 * HOUR
    assert _wait(feed_service, plain.id) < 30 * timedelta(minutes=1)

    # Past the normal 30-minute period, inside max-age: only the feed without caching headers.
    report = feed_service.refresh(now=utcnow() + 45 * timedelta(minutes=1))
    assert [o.feed_id for o in report.outcomes] == [plain.id]
    assert len(site.hits("/cached")) == 1 and len(site.hits("/plain")) == 2

    report = feed_service.refresh(now=utcnow() + 2 * HOUR + timedelta(minutes=1))
    assert cached.id in [o.feed_id for o in report.outcomes]
    assert len(site.hits("/cached")) == 2


def test_no_cache_no_store_and_zero_add_no_wait(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    ids = [
        feed_service.add(site.route(f"/{n}", _cached(header)), ["hr"]).feed.id
        for n, header in enumerate(("no-cache", "no-store, max-age=7200", "max-age=0"))
    ]
    for feed_id in ids:
        assert _wait(feed_service, feed_id) < 30 * timedelta(minutes=1)
    report = feed_service.refresh(now=utcnow() + 31 * timedelta(minutes=1))
    assert sorted(o.feed_id for o in report.outcomes) == ids
    assert [len(site.hits(f"/{n}")) for n in range(3)] == [2, 2, 2]


def test_a_huge_max_age_or_expires_is_capped_at_a_day(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    year = feed_service.add(site.route("/year", _cached("max-age=31536000")), ["finance"]).feed
    far = format_datetime(utcnow() + 400 * DAY, usegmt=True)
    expires = feed_service.add(site.route("/expires", _cached(Expires=far)), ["finance"]).feed
    assert _wait(feed_service, year.id) == DAY
    assert DAY - timedelta(seconds=5) <= _wait(feed_service, expires.id) <= DAY
    assert feed_service.refresh(now=utcnow() + 23 * HOUR).outcomes == ()
    report = feed_service.refresh(now=utcnow() + DAY + timedelta(minutes=1))
    assert sorted(o.feed_id for o in report.outcomes) == [year.id, expires.id]
    assert len(site.hits("/year")) == len(site.hits("/expires")) == 2


def test_expires_delays_the_next_fetch(feed_service: FeedService, feed_server: FeedServer) -> None:
    later = format_datetime(utcnow() + 3 * HOUR, usegmt=True)
    feed = feed_service.add(feed_server.route("/feed", _cached(Expires=later)), ["ops"]).feed
    assert 3 * HOUR - timedelta(seconds=5) <= _wait(feed_service, feed.id) <= 3 * HOUR
    assert feed_service.refresh(now=utcnow() + 2 * HOUR).outcomes == ()
    assert len(feed_server.hits("/feed")) == 1


def test_garbage_caching_headers_are_ignored(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    replies = {
        "/words": _cached("max-age=a-while, public"),
        "/negative": _cached("max-age=-3600"),
        "/expires": _cached(Expires="the day after tomorrow"),
        "/both": _cached("max-age=1.5e3", Expires="0"),
    }
    ids = [feed_service.add(site.route(path, reply), ["legal"]).feed.id for path, reply in replies.items()]
    assert all(feed_service.get(i).health == "ok" for i in ids)
    report = feed_service.refresh(now=utcnow() + 31 * timedelta(minutes=1))
    assert sorted(o.feed_id for o in report.outcomes) == ids  # the normal period, nothing more
    assert all(len(site.hits(path)) == 2 for path in replies)


def test_a_304_carries_a_new_max_age(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/feed",
        feed_reply([item(1)], etag='"v1"'),
        Reply(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=10800"}),
    )
    feed = feed_service.add(url, ["hr"]).feed
    (outcome,) = feed_service.refresh(now=utcnow() + 31 * timedelta(minutes=1)).outcomes
    assert outcome.outcome == "not_modified"
    assert _wait(feed_service, feed.id) == 3 * HOUR
    assert feed_service.refresh(now=utcnow() + 2 * HOUR).outcomes == ()
    assert len(feed_server.hits("/feed")) == 2


def test_failures_keep_their_backoff_whatever_the_caching_headers(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    broken = Reply(status=500, headers={"Cache-Control": "max-age=86400"})
    unparseable = Reply(body=b"<html>not a feed</html>", headers={"Cache-Control": "max-age=86400"})
    limited = Reply(status=429, headers={"Cache-Control": "max-age=86400", "Retry-After": "7200"})
    a = feed_service.add(site.route("/broken", broken), ["ops"]).feed
    b = feed_service.add(site.route("/html", unparseable), ["ops"]).feed
    c = feed_service.add(site.route("/429", limited), ["ops"]).feed
    assert a.health == b.health == c.health == "failing"
    assert _wait(feed_service, a.id) == 30 * timedelta(minutes=1)  # first back-off step
    assert _wait(feed_service, b.id) == 30 * timedelta(minutes=1)
    assert _wait(feed_service, c.id) == 2 * HOUR  # Retry-After, as before


@pytest.mark.parametrize(("cap_hours", "expected"), [(2.0, 2 * HOUR), (0.0, None)])
def test_the_operator_caps_or_ignores_server_freshness(
    db: Database,
    feed_config: FeedConfig,
    make_server: Callable[[], FeedServer],
    cap_hours: float,
    expected: timedelta | None,
) -> None:
    """BRIEFBOT_MAX_CACHE_HOURS: a day-long max-age waits 2 h at most; 0 ignores the server."""
    service = FeedService(db=db, config=replace(feed_config, max_cache_hours=cap_hours))
    site = make_server()
    feed = service.add(site.route("/daily", _cached("max-age=86400")), ["legal"]).feed
    wait = _wait(service, feed.id)
    if expected is None:
        assert wait < 30 * timedelta(minutes=1)  # the normal refresh period
    else:
        assert wait == expected
    report = service.refresh(now=utcnow() + 2 * HOUR + timedelta(minutes=1))
    assert [o.feed_id for o in report.outcomes] == [feed.id]
    assert len(site.hits("/daily")) == 2
