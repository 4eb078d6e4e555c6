"""The feed service against loopback feed servers and a real database (SQLite and PostgreSQL):
curation with audit (point 1), refresh outcomes and health (2), de-duplication (6), scheduling and
pruning (7), the offline samples."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

import feeds.parse
import feeds.refresh
import feeds.refresher
import feeds.service
from feeds.config import FeedConfig
from feeds.errors import DuplicateFeed, FeedNotFound, InvalidFeedURL, UnknownDepartment, UnsafeFeedURL
from feeds.records import FeedJob
from feeds.refresh import ParsePool
from feeds.service import FeedService
from feeds.store import next_delay
from storage import Database
from storage.audit import Actor, recent
from storage.models import DeliveredStory, Item, Story
from storage.types import utcnow
from tests.feeds import parse_probe
from tests.feeds.conftest import NOW, FeedServer, Reply, feed_reply, item, rss

ADMIN = Actor.slack("UADMIN")


def _items(db: Database, feed_id: int | None = None) -> list[Item]:
    with db.read() as session:
        query = select(Item).order_by(Item.id)
        if feed_id is not None:
            query = query.where(Item.feed_id == feed_id)
        return list(session.scalars(query))


# ----------------------------------------------------------------------------- curation


def test_add_tags_departments_audits_and_stores_current_items_as_backlog(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2), item(3)]))
    result = feed_service.add(url, ["Finance", "ops"], name="Daily AI", actor=ADMIN)
    feed = result.feed
    assert feed.departments == ("finance", "operations")
    assert feed.display_name == "Daily AI" and feed.health == "ok" and feed.item_count == 3
    assert result.first_fetch is not None and result.first_fetch.backlog == 3
    stored = _items(db)
    assert len(stored) == 3 and all(i.is_backlog for i in stored)  # no flood on subscribe
    assert all(i.story_id is not None for i in stored)
    with db.read() as session:
        entry = recent(session, 1)[0]
    assert (entry.actor, entry.source, entry.action, entry.target) == ("UADMIN", "slack", "feed.add", url)
    assert entry.detail["departments"] == ["finance", "operations"]


def test_adding_the_same_feed_again_says_so(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    first = feed_service.add(url, ["legal"], fetch=False).feed
    variants = [url.upper().replace("/FEED", "/feed"), url + "/", url + "#latest", "https" + url[4:]]
    for variant in variants:
        with pytest.raises(DuplicateFeed, match=f"already curated as #{first.id}"):
            feed_service.add(variant, ["hr"], fetch=False)
    assert len(feed_service.list()) == 1


def test_departments_are_validated_with_the_valid_names_listed(feed_service: FeedService) -> None:
    with pytest.raises(
        UnknownDepartment, match=r"finance \(fin\), legal \(compliance\), operations \(ops\), hr \(people\)"
    ):
        feed_service.add("https://feeds.example.com/rss", ["finanse"], fetch=False)
    with pytest.raises(Exception, match="at least one department"):
        feed_service.add("https://feeds.example.com/rss", [], fetch=False)
    assert feed_service.list() == []


def test_unsafe_urls_are_refused_by_default(
    db: Database, feed_config: FeedConfig, feed_server: FeedServer
) -> None:
    strict = FeedService(db=db, config=replace(feed_config, allow_private_feeds=False))
    with pytest.raises(UnsafeFeedURL, match="loopback"):
        strict.add(feed_server.route("/feed", feed_reply([item(1)])), ["finance"])
    with pytest.raises(UnsafeFeedURL, match=r"link-local \(cloud metadata"):
        strict.add("http://169.254.169.254/latest/meta-data/", ["finance"])
    with pytest.raises(UnsafeFeedURL, match="loopback"):
        strict.test("http://localhost:8080/feed")
    with pytest.raises(InvalidFeedURL, match="only http"):
        strict.add("file:///etc/passwd", ["finance"])
    assert strict.list() == [] and feed_server.requests == []


def test_pause_resume_remove_are_audited_and_respected(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    feed = feed_service.add(url, ["hr"], actor=ADMIN).feed
    change = feed_service.pause(f"#{feed.id}", actor=ADMIN)
    assert change.changed and change.feed.status == "paused" and change.feed.health == "paused"
    assert not feed_service.pause(feed.id, actor=ADMIN).changed
    hits = len(feed_server.hits("/feed"))
    assert feed_service.refresh(force=True).outcomes == ()  # paused feeds are not fetched
    assert len(feed_server.hits("/feed")) == hits
    assert feed_service.resume(url, actor=ADMIN).feed.status == "active"
    removed = feed_service.remove(str(feed.id), actor=Actor.cli())
    assert removed.item_count == 1
    assert feed_service.list() == [] and _items(db) == []
    with pytest.raises(FeedNotFound, match="no feed #"):
        feed_service.remove(feed.id)
    with db.read() as session:
        actions = [(e.action, e.actor) for e in reversed(recent(session, 10))]
    assert [a for a, _ in actions] == ["feed.add", "feed.pause", "feed.resume", "feed.remove"]
    assert actions[-1][1].startswith("cli:") and actions[1][1] == "UADMIN"


# ----------------------------------------------------------------------------- refresh & health


def test_new_items_after_add_are_fresh_and_edits_update_in_place(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    first_date = utcnow().replace(microsecond=0) - timedelta(hours=2)
    v1 = [item(1, date=first_date), item(2)]
    edited = item(
        1, title="Story number 1 about enterprise AI, updated", date=first_date + timedelta(hours=1)
    )
    v2 = [item(3), edited, item(2)]
    url = feed_server.route("/feed", feed_reply(v1), feed_reply(v2))
    feed = feed_service.add(url, ["finance"]).feed
    report = feed_service.refresh(force=True)
    (outcome,) = report.outcomes
    assert (outcome.outcome, outcome.new, outcome.updated, outcome.unchanged, outcome.backlog) == (
        "new",
        1,
        1,
        1,
        0,
    )
    rows = {i.guid: i for i in _items(db, feed.id)}
    assert len(rows) == 3  # the edited entry did not become a new item
    assert rows["urn:story:3"].is_backlog is False
    assert rows["urn:story:1"].title.endswith("updated") and rows["urn:story:1"].is_backlog
    assert rows["urn:story:1"].published_at == first_date  # an edit never re-dates an item


def test_refresh_report_per_feed_and_totals(
    feed_service: FeedService, make_server: Callable[[], FeedServer]
) -> None:
    site = make_server()
    ok = feed_service.add(site.route("/ok", feed_reply([item(1)], etag='"e1"')), ["legal"]).feed
    broken = feed_service.add(site.route("/broken", Reply(status=500)), ["legal"]).feed
    report = feed_service.refresh(force=True)
    by_id = {o.feed_id: o for o in report.outcomes}
    assert by_id[ok.id].outcome == "not_modified" and by_id[ok.id].status == 304
    assert by_id[broken.id].outcome == "failed" and "HTTP 500" in (by_id[broken.id].error or "")
    assert report.totals["feeds"] == 2 and report.totals["failed"] == 1 and report.totals["not_modified"] == 1


def test_a_304_and_an_identical_body_cost_no_parsing(
    feed_service: FeedService, make_server: Callable[[], FeedServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_server()
    with_etag = site.route("/etag", feed_reply([item(1)], etag='"v1"'))
    no_validators = site.route("/plain", feed_reply([item(2)]))
    feed_service.add(with_etag, ["finance"])
    feed_service.add(no_validators, ["finance"])
    calls: list[str] = []
    real = feeds.parse.parse_feed

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["url"])
        return real(*args, **kwargs)

    monkeypatch.setattr(feeds.parse, "parse_feed", counting)
    report = feed_service.refresh(force=True)
    assert {o.outcome for o in report.outcomes} == {"not_modified"}
    assert calls == []
    assert site.hits("/etag")[-1].headers.get("if-none-match") == '"v1"'
    # The counter does see parsing: a feed whose bytes changed is parsed.
    site.route("/plain", feed_reply([item(2), item(3)]))
    assert feed_service.refresh(force=True).totals["new_items"] == 1
    assert calls == [no_validators]


def test_failing_server_backs_off_then_recovers(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    url = feed_server.route("/feed", Reply(status=500), Reply(status=500), feed_reply([item(1), item(2)]))
    feed = feed_service.add(url, ["operations"]).feed
    assert feed.health == "failing" and feed.error_count == 1 and "HTTP 500" in (feed.last_error or "")
    assert feed.last_success_at is None
    first_wait = feed.next_fetch_at - feed.last_error_at  # type: ignore[operator]
    assert feed_service.refresh().outcomes == ()  # backing off: not due
    feed_service.refresh(force=True)
    second = feed_service.get(feed.id)
    assert second.error_count == 2
    assert second.next_fetch_at - second.last_error_at > first_wait  # type: ignore[operator]
    (outcome,) = feed_service.refresh(force=True).outcomes
    healed = feed_service.get(feed.id)
    assert healed.health == "ok" and healed.error_count == 0 and healed.last_error is None
    assert healed.last_success_at is not None
    # Nothing was stored while failing, so the first good fetch is still the backlog import.
    assert outcome.new == 2 and outcome.backlog == 2


def test_backoff_is_exponential_and_capped() -> None:
    interval = timedelta(minutes=30)
    delays = [next_delay(n, interval) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2), timedelta(hours=4)]
    assert delays[-1] == timedelta(hours=24)
    assert next_delay(1, interval, retry_after=7200) == timedelta(hours=2)
    assert next_delay(1, interval, retry_after=10**9) == timedelta(days=7)


def test_retry_after_is_honoured(feed_service: FeedService, make_server: Callable[[], FeedServer]) -> None:
    site = make_server()
    seconds = site.route("/429", Reply(status=429, headers={"Retry-After": "7200"}))
    later = format_datetime(utcnow() + timedelta(hours=5), usegmt=True)
    dated = site.route("/503", Reply(status=503, headers={"Retry-After": later}))
    a = feed_service.add(seconds, ["hr"]).feed
    b = feed_service.add(dated, ["hr"]).feed
    assert "slow down" in (a.last_error or "") and a.error_count == 1
    wait_a = a.next_fetch_at - a.last_error_at  # type: ignore[operator]
    wait_b = b.next_fetch_at - b.last_error_at  # type: ignore[operator]
    assert timedelta(hours=2) <= wait_a < timedelta(hours=2, minutes=1)
    assert timedelta(hours=4, minutes=58) < wait_b < timedelta(hours=5, minutes=1)


def test_permanent_redirect_updates_the_stored_url(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    old = feed_server.route("/old", Reply(status=308, headers={"Location": "/new"}))
    new = feed_server.route("/new", feed_reply([item(1)]))
    feed = feed_service.add(old, ["legal"]).feed
    assert feed.url == new
    with db.read() as session:
        assert recent(session, 1)[0].action == "feed.moved"
    temp = feed_server.route("/temp", Reply(status=302, headers={"Location": "/new2"}))
    feed_server.route("/new2", feed_reply([item(2)]))
    assert feed_service.add(temp, ["legal"]).feed.url == temp  # temporary redirects change nothing


def test_410_deactivates_the_feed(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]), Reply(status=410))
    feed = feed_service.add(url, ["finance"]).feed
    (outcome,) = feed_service.refresh(force=True).outcomes
    assert outcome.outcome == "gone"
    gone = feed_service.get(feed.id)
    assert gone.status == "gone" and gone.health == "gone" and "410" in (gone.last_error or "")
    assert feed_service.refresh(force=True).outcomes == ()
    assert feed_service.resume(feed.id).feed.status == "active"  # an admin may try again


def test_parse_failure_is_visible_in_the_list(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route("/page", Reply(body=b"<!doctype html><html><body>blog</body></html>"))
    feed_service.add(url, ["finance"])
    (info,) = feed_service.list()
    assert info.health == "failing" and "HTML page, not a feed" in (info.last_error or "")


def test_bozo_warning_is_recorded(feed_service: FeedService, feed_server: FeedServer) -> None:
    body = feed_reply([item(1)]).body.replace(b"Story number 1", b"Story number 1 & broken")
    url = feed_server.route("/feed", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    feed = feed_service.add(url, ["finance"]).feed
    assert feed.health == "ok" and feed.item_count == 1
    assert feed.last_warning and "not well-formed" in feed.last_warning


def test_entity_bomb_and_20_mb_feeds_fail_alone(
    feed_service: FeedService, make_server: Callable[[], FeedServer], db: Database
) -> None:
    site = make_server()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>&b;</title><item><title>&b;</title></item></channel></rss>'
    )
    feeds_added = [
        feed_service.add(site.route("/bomb", Reply(body=bomb)), ["hr"], fetch=False).feed,
        feed_service.add(site.route("/huge", Reply(stream_bytes=20 * 1024 * 1024)), ["hr"], fetch=False).feed,
        feed_service.add(site.route("/good", feed_reply([item(1)])), ["hr"], fetch=False).feed,
    ]
    report = feed_service.refresh()
    by_id = {o.feed_id: o for o in report.outcomes}
    bomb_feed, huge_feed, good_feed = feeds_added
    assert by_id[bomb_feed.id].outcome == "failed" and "entities" in (by_id[bomb_feed.id].error or "")
    assert by_id[huge_feed.id].outcome == "failed" and "larger than" in (by_id[huge_feed.id].error or "")
    assert by_id[good_feed.id].outcome == "new"
    assert len(_items(db)) == 1


def test_only_due_feeds_are_refreshed(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    feed_service.add(url, ["hr"])
    assert feed_service.refresh().outcomes == ()
    later = utcnow() + timedelta(minutes=31)
    assert len(feed_service.refresh(now=later).outcomes) == 1


# ----------------------------------------------------------------------------- de-duplication


def test_duplicate_guids(feed_service: FeedService, feed_server: FeedServer, db: Database) -> None:
    url = feed_server.route(
        "/feed", feed_reply([item(1, guid="g"), item(1, guid="g"), item(2, guid="g"), item(3, guid="h")])
    )
    feed = feed_service.add(url, ["legal"]).feed
    assert feed.item_count == 3  # one true duplicate dropped; the shared-GUID pair kept apart
    feed_service.refresh(force=True)
    assert len(_items(db)) == 3  # and a re-fetch adds nothing


def test_same_story_across_feeds_is_one_story(
    feed_service: FeedService, make_server: Callable[[], FeedServer], db: Database
) -> None:
    a, b, c = make_server(), make_server(), make_server()
    link = "https://www.example.com/2026/11/20/ai-act-fines"
    feed_service.add(
        a.route("/feed", feed_reply([item("a", link=link, title="EU sets first AI Act fines")])), ["legal"]
    )
    feed_service.add(
        b.route(
            "/feed",
            feed_reply(
                [
                    item(
                        "b",
                        link=link.replace("https://www.", "http://") + "?utm_source=rss",
                        title="Brussels fines AI firms",
                    )
                ]
            ),
        ),
        ["legal"],
    )
    feed_service.add(
        c.route(
            "/feed",
            feed_reply(
                [
                    item(
                        "c",
                        link="https://other.example.org/x",
                        title="EU Sets First AI Act Fines! - Other News",
                    )
                ]
            ),
        ),
        ["finance"],
    )
    with db.read() as session:
        stories = session.scalar(select(func.count()).select_from(Story))
        story_ids = {i.story_id for i in session.scalars(select(Item))}
    assert stories == 1 and len(story_ids) == 1


def test_short_generic_titles_do_not_merge_stories(
    feed_service: FeedService, make_server: Callable[[], FeedServer], db: Database
) -> None:
    a, b = make_server(), make_server()
    feed_service.add(
        a.route("/f", feed_reply([item(1, title="Weekly roundup", link="https://a.example/1")])), ["hr"]
    )
    feed_service.add(
        b.route("/f", feed_reply([item(2, title="Weekly roundup", link="https://b.example/2")])), ["hr"]
    )
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Story)) == 2


def test_old_entries_resurfacing_are_backlog(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    now = utcnow()
    recent_items = [item(i, date=now - timedelta(hours=i)) for i in range(1, 4)]
    resurfaced = item(9, date=now - timedelta(days=30))  # fell off once, back when newer ones were removed
    url = feed_server.route("/feed", feed_reply(recent_items), feed_reply([*recent_items[:2], resurfaced]))
    feed = feed_service.add(url, ["finance"]).feed
    feed_service.refresh(force=True, now=utcnow() + timedelta(hours=1))
    (old,) = [i for i in _items(db, feed.id) if i.guid == "urn:story:9"]
    assert old.is_backlog


# ----------------------------------------------------------------------------- retention & schedule


def test_prune_keeps_items_of_delivered_stories(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    old = utcnow() - timedelta(days=200)
    first = [item(1, date=old), item(2, date=old)]
    url = feed_server.route("/feed", feed_reply(first), feed_reply([*first, item(3, date=utcnow())]))
    feed = feed_service.add(url, ["finance"], fetch=False).feed
    feed_service.refresh(force=True, now=old + timedelta(hours=1))
    feed_service.refresh(force=True)
    rows = {i.guid: i for i in _items(db, feed.id)}
    with db.session() as session:
        session.add(DeliveredStory(channel_id="C1", story_id=rows["urn:story:1"].story_id))
    report = feed_service.prune()
    assert report.items == 1 and report.stories == 1
    assert {i.guid for i in _items(db, feed.id)} == {"urn:story:1", "urn:story:3"}


def test_schedule_adds_refresh_and_prune_jobs(feed_service: FeedService) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    feed_service.schedule(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"feeds.refresh", "feeds.prune"}
    assert jobs["feeds.refresh"].trigger.interval == timedelta(minutes=feed_service.config.refresh_minutes)


def test_scheduled_refresh_never_raises(feed_service: FeedService, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(**_: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(feed_service, "refresh", boom)
    assert feed_service.refresh_due() is None


# ----------------------------------------------------------------------------- samples


def test_load_samples_is_fresh_idempotent_and_deduplicated(feed_service: FeedService, db: Database) -> None:
    report = feed_service.load_samples()
    assert report.totals["feeds"] >= 5 and report.totals["failed"] == 0
    listed = feed_service.list()
    assert all(f.health == "ok" and f.departments for f in listed)
    stored = _items(db)
    assert stored and not any(i.is_backlog for i in stored)
    with db.read() as session:
        stories = session.scalar(select(func.count()).select_from(Story)) or 0
    assert 0 < stories < len(stored)  # the samples syndicate some stories across feeds
    again = feed_service.load_samples()
    assert again.totals["new_items"] == 0 and len(_items(db)) == len(stored)
    assert len(feed_service.list()) == len(listed)


def test_big_refreshes_parse_in_worker_processes(
    feed_config: FeedConfig,
    make_server: Callable[[], FeedServer],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feeds.refresher, "PARSE_POOL_MIN_FEEDS", 2)
    monkeypatch.setattr(feeds.refresh, "parse_body", parse_probe.probe)  # records who parsed
    feed_service = FeedService(db=db, config=replace(feed_config, parse_processes=1))
    site = make_server()
    urls = [site.route(f"/f{n}", feed_reply([item(f"{n}-a"), item(f"{n}-b")])) for n in range(3)]
    for url in urls:
        feed_service.add(url, ["hr"], fetch=False)
    report = feed_service.refresh()
    assert [o.outcome for o in report.outcomes] == ["new", "new", "new"]
    assert len(_items(db)) == 6
    parsed_by = {int(parse_probe.record(url).read_text()) for url in urls}
    assert os.getpid() not in parsed_by, "the bodies were parsed in this process, not in the pool"


def test_parse_pool_falls_back_when_its_workers_die() -> None:
    job = FeedJob(1, "https://news.example.com/feed", None, None, None, None, True, None, 0)
    body = rss([item(1)])
    with ParsePool(1) as pool:
        assert pool(job, body, content_type=None, now=NOW).kind == "parsed"
        for process in list(pool._executor._processes.values()):  # the OS killing a worker
            process.kill()
        assert pool(job, body, content_type=None, now=NOW).kind == "parsed"
        assert pool._broken  # parsed in the calling thread instead


def test_parse_pool_closed_at_once_parses_nothing_and_raises_nothing() -> None:
    # Its workers start in the background; closing before they are up must be quiet.
    with ParsePool(2) as pool:
        assert pool.processes == 2
