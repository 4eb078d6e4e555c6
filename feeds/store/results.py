"""Writing refresh results to the database in batches (the storage side of ingestion).

One call stores the outcomes of many feeds in one transaction: items are looked up, inserted and
updated with set-based statements, and cross-feed stories are matched in bulk. Inserts use
``ON CONFLICT DO NOTHING`` on the unique keys so two replicas storing the same story at the same
moment never fail each other (on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from feeds.fetch import MAX_FRESH_FOR
from feeds.records import EntryData, FeedOutcome, FetchOutcome
from storage.audit import Actor, record
from storage.db import insert_many, one_of
from storage.models import Feed, Item, Story

log = logging.getLogger(__name__)

# Entries whose titles match are one story only if published this close together.
STORY_TITLE_WINDOW = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=24)
MAX_DELAY = timedelta(days=7)
_CHUNK = 500


@dataclass(frozen=True)
class StorePolicy:
    """Timing rules the store step applies (from settings)."""

    interval: timedelta  # the normal refresh period
    grace: timedelta  # how far before the last success a "new" entry may be dated and still be fresh
    max_fresh: timedelta = timedelta(seconds=MAX_FRESH_FOR)  # cap on a server's max-age / Expires


def next_delay(error_count: int, interval: timedelta, retry_after: float | None = None) -> timedelta:
    """Back-off after ``error_count`` consecutive failures: the normal interval after the first,
    doubling after each further one, capped at a day; a longer Retry-After wins (capped at a week)."""
    exponent = min(max(error_count - 1, 0), 16)
    delay = min(interval * (1 << exponent), max(MAX_BACKOFF, interval))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, MAX_DELAY)


def next_fetch_time(
    now: datetime,
    interval: timedelta,
    fresh_for: float | None = None,
    max_fresh: timedelta = timedelta(seconds=MAX_FRESH_FOR),
) -> datetime:
    """When a feed that answered is due again: after the normal period, or once the answer stops
    being fresh if its server said so (Cache-Control max-age / Expires), waiting at most
    ``max_fresh`` (``BRIEFBOT_MAX_CACHE_HOURS``, a day by default; zero ignores the server).

    The normal period ends a little early, so the next periodic run (started a period after this
    one) finds the feed due instead of missing it by the seconds this refresh took. The server's
    freshness is honoured exactly: we never ask again while it says the answer is fresh.
    """
    due = now + interval - min(interval / 10, timedelta(minutes=1))
    if fresh_for and max_fresh > timedelta(0):
        due = max(due, now + min(timedelta(seconds=fresh_for), max_fresh))
    return due


def store_outcomes(
    session: Session,
    outcomes: Sequence[FetchOutcome],
    *,
    now: datetime,
    policy: StorePolicy,
    fresh: bool = False,
) -> list[FeedOutcome]:
    """Store a batch of worker outcomes; return one ``FeedOutcome`` per input, in order.

    ``fresh`` stores new items as fresh even on a feed's first fetch (the offline demo);
    normally a first fetch is backlog.
    """
    feeds = {
        f.id: f for f in session.scalars(select(Feed).where(Feed.id.in_([o.job.feed_id for o in outcomes])))
    }
    parsed = [o for o in outcomes if o.kind == "parsed" and o.job.feed_id in feeds]
    counts = _store_entries(session, parsed, now=now, policy=policy, fresh=fresh) if parsed else {}
    results: list[FeedOutcome] = []
    for outcome in outcomes:
        feed = feeds.get(outcome.job.feed_id)
        if feed is None:  # removed while it was being fetched
            results.append(
                FeedOutcome(
                    outcome.job.feed_id,
                    outcome.job.name or outcome.job.url,
                    outcome.job.url,
                    "failed",
                    error="feed was removed during the refresh",
                )
            )
            continue
        results.append(_apply(session, feed, outcome, counts.get(feed.id), now=now, policy=policy))
    return results


def _apply(
    session: Session,
    feed: Feed,
    outcome: FetchOutcome,
    counts: tuple[int, int, int, int] | None,
    *,
    now: datetime,
    policy: StorePolicy,
) -> FeedOutcome:
    feed.last_fetched_at = now
    feed.last_status = outcome.status
    if outcome.kind in ("parsed", "not_modified"):
        return _apply_success(session, feed, outcome, counts, now=now, policy=policy)
    if outcome.kind == "gone":
        feed.status = "gone"
        feed.next_fetch_at = None
        feed.last_error = (
            "HTTP 410 Gone: the publisher removed this feed; it was deactivated (resume to retry)"
        )
        feed.last_error_at = now
        record(session, Actor.system(), "feed.gone", feed.url, feed_id=feed.id, status=410)
        name = feed.display_name
        return FeedOutcome(feed.id, name, feed.url, "gone", status=410, error=feed.last_error)
    # failed or rate_limited: count it, remember why, back off.
    feed.error_count = (feed.error_count or 0) + 1
    feed.last_error = (outcome.error or "unknown error")[:2000]
    feed.last_error_at = now
    delay = next_delay(feed.error_count, policy.interval, outcome.retry_after)
    feed.next_fetch_at = now + delay
    return FeedOutcome(
        feed.id,
        feed.display_name,
        feed.url,
        outcome.kind,
        status=outcome.status,
        error=feed.last_error,
        next_fetch_at=feed.next_fetch_at,
    )


def _apply_success(
    session: Session,
    feed: Feed,
    outcome: FetchOutcome,
    counts: tuple[int, int, int, int] | None,
    *,
    now: datetime,
    policy: StorePolicy,
) -> FeedOutcome:
    """A feed that answered (parsed or 304): healthy again, due after its period or max-age."""
    moved_to = _move(session, feed, outcome.moved_to)
    name = feed.display_name
    feed.error_count = 0
    feed.last_error = None
    feed.last_success_at = now
    feed.next_fetch_at = next_fetch_time(now, policy.interval, outcome.fresh_for, policy.max_fresh)
    if outcome.etag is not None or outcome.last_modified is not None or outcome.kind == "parsed":
        feed.etag = outcome.etag
        feed.last_modified = outcome.last_modified
    if outcome.kind == "not_modified":
        return FeedOutcome(
            feed.id,
            name,
            feed.url,
            "not_modified",
            status=outcome.status,
            moved_to=moved_to,
            next_fetch_at=feed.next_fetch_at,
        )
    assert outcome.parsed is not None
    feed.body_hash = outcome.body_hash
    feed.primed = True
    feed.last_warning = outcome.parsed.warning
    if outcome.parsed.damaged:
        # Fetch it whole next time: no validators or hash of a damaged answer are kept.
        feed.body_hash = feed.etag = feed.last_modified = None
        if not feed.title and outcome.parsed.title:
            feed.title = outcome.parsed.title[:512]
    else:
        if outcome.parsed.title:
            feed.title = outcome.parsed.title[:512]
        if outcome.parsed.site_url:
            feed.site_url = outcome.parsed.site_url
    new, updated, unchanged, backlog = counts or (0, 0, 0, 0)
    kind = "new" if new else ("updated" if updated else "unchanged")
    return FeedOutcome(
        feed.id,
        feed.display_name,
        feed.url,
        kind,
        new=new,
        updated=updated,
        unchanged=unchanged,
        backlog=backlog,
        status=outcome.status,
        warning=outcome.parsed.warning,
        moved_to=moved_to,
        next_fetch_at=feed.next_fetch_at,
    )


def _move(session: Session, feed: Feed, target: str | None) -> str | None:
    """Follow a permanent redirect: store the new URL unless another feed already has it."""
    if not target or target == feed.url:
        return None
    other = session.scalar(select(Feed.id).where(Feed.url == target, Feed.id != feed.id))
    if other is not None:
        feed.last_warning = f"moved permanently to {target}, which is already feed #{other}"
        return None
    record(session, Actor.system(), "feed.moved", feed.url, feed_id=feed.id, new_url=target)
    feed.url = target
    return target


def _store_entries(
    session: Session, outcomes: Sequence[FetchOutcome], *, now: datetime, policy: StorePolicy, fresh: bool
) -> dict[int, tuple[int, int, int, int]]:
    existing = _existing_items(session, outcomes)
    redated = _redated_items(session, outcomes, existing)
    new_rows: list[tuple[int, EntryData, bool]] = []
    updates: list[dict[str, Any]] = []
    rekeys: list[dict[str, Any]] = []
    counts: dict[int, list[int]] = {}
    for outcome in outcomes:
        job = outcome.job
        assert outcome.parsed is not None
        tally = counts.setdefault(job.feed_id, [0, 0, 0, 0])
        stale_before = job.last_success_at - policy.grace if job.last_success_at else None
        for entry in outcome.parsed.entries:
            found = existing.get((job.feed_id, entry.key))
            if found is None and (moved := redated.get((job.feed_id, entry.key))) is not None:
                # The same entry, saying the same, with a new date: it keeps its item.
                rekeys.append({"b_id": moved, "entry_key": entry.key})
                existing[(job.feed_id, entry.key)] = (moved, entry.content_hash)
                tally[2] += 1
                continue
            if found is None:
                backlog = not fresh and (
                    not job.primed
                    # An entry we never saw but dated well before our last successful check is an
                    # old item resurfacing (newer ones removed from the feed), not news.
                    or (entry.dated and stale_before is not None and entry.published_at < stale_before)
                )
                new_rows.append((job.feed_id, entry, backlog))
                existing[(job.feed_id, entry.key)] = (-1, entry.content_hash)
                tally[0] += 1
                tally[3] += int(backlog)
            # A damaged answer (cut short, text garbled) never replaces what is stored.
            elif found[1] != entry.content_hash and found[0] > 0 and not outcome.parsed.damaged:
                updates.append(_update_row(found[0], entry, now))
                existing[(job.feed_id, entry.key)] = (found[0], entry.content_hash)
                tally[1] += 1
            else:
                tally[2] += 1
    if new_rows:
        story_ids = _assign_stories(session, [(e, fid) for fid, e, _b in new_rows], now=now)
        rows = [
            _insert_row(fid, e, backlog, story_ids[i], now) for i, (fid, e, backlog) in enumerate(new_rows)
        ]
        insert_many(session, _table(Item), rows, skip_conflicts_on=["feed_id", "entry_key"])
    table = _table(Item)
    for rows in (rekeys, updates):
        if rows:
            stmt = update(table).where(table.c.id == bindparam("b_id"))
            for start in range(0, len(rows), _CHUNK):
                session.execute(stmt, rows[start : start + _CHUNK])
    return {fid: (t[0], t[1], t[2], t[3]) for fid, t in counts.items()}


def _existing_items(
    session: Session, outcomes: Iterable[FetchOutcome]
) -> dict[tuple[int, str], tuple[int, str]]:
    found: dict[tuple[int, str], tuple[int, str]] = {}
    for outcome in outcomes:
        assert outcome.parsed is not None
        if outcome.job.last_success_at is None:
            continue  # never stored anything: items only arrive with a successful fetch
        keys = [e.key for e in outcome.parsed.entries]
        rows = session.execute(
            select(Item.id, Item.entry_key, Item.content_hash).where(
                Item.feed_id == outcome.job.feed_id, one_of(session, Item.entry_key, keys)
            )
        )
        for item_id, key, content_hash in rows:
            found[(outcome.job.feed_id, key)] = (item_id, content_hash)
    return found


def _redated_items(
    session: Session, outcomes: Iterable[FetchOutcome], existing: dict[tuple[int, str], tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Stored items that GUID-less entries with unknown keys are: same feed, same link, same
    content, and not themselves in the document (an entry that only changed its date).

    A GUID-less entry's key includes its date, so that entries sharing one link stay apart; an
    entry re-dated by its publisher must still not come back as news. Items stored before that
    key included the date (the link alone) are found the same way, and take their new key.
    """
    found: dict[tuple[int, str], int] = {}
    for outcome in outcomes:
        assert outcome.parsed is not None
        feed_id = outcome.job.feed_id
        if outcome.job.last_success_at is None:
            continue
        unmatched = [
            e
            for e in outcome.parsed.entries
            if e.guid is None and e.link and (feed_id, e.key) not in existing
        ]
        if not unmatched:
            continue
        keys = {e.key for e in outcome.parsed.entries}
        candidates: dict[tuple[str, str], list[int]] = defaultdict(list)
        rows = session.execute(
            select(Item.id, Item.entry_key, Item.link, Item.content_hash)
            .where(
                Item.feed_id == feed_id,
                Item.guid.is_(None),
                one_of(session, Item.link, sorted({str(e.link) for e in unmatched})),
            )
            .order_by(Item.id)
        )
        for item_id, key, link, content_hash in rows:
            if key not in keys:
                candidates[(str(link), content_hash)].append(item_id)
        for entry in unmatched:
            ids = candidates.get((str(entry.link), entry.content_hash))
            if ids:
                found[(feed_id, entry.key)] = ids.pop(0)
    return found


def _assign_stories(
    session: Session, entries: Sequence[tuple[EntryData, int]], *, now: datetime
) -> list[int]:
    """A story id for every new entry: the story with the same canonical URL, else one with the
    same title key published within the window, else a new story.

    A URL names one story only when it names one entry: entries of a feed that all link to one
    page (release notes), or a page whose story is far older and titled otherwise, are matched
    by their title like entries without a URL, and their new stories keep no URL (it belongs to
    the first story told there).
    """
    urls = sorted({e.canonical_url for e, _ in entries if e.canonical_url})
    keys = sorted({e.title_key for e, _ in entries if e.title_key})
    by_url: dict[str, _StoryRef] = {}
    if urls:
        rows = session.execute(
            select(Story.canonical_url, Story.id, Story.title, Story.title_key, Story.published_at).where(
                one_of(session, Story.canonical_url, urls)
            )
        )
        by_url.update(
            (str(url), _StoryRef(int(sid), title, tkey, published))
            for url, sid, title, tkey, published in rows
        )
    by_title: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    if keys:
        same_title = one_of(session, Story.title_key, keys)
        for key, story_id, published in session.execute(
            select(Story.title_key, Story.id, Story.published_at).where(same_title)
        ):
            by_title[key].append((story_id, published))

    # Stories still to create are referred to by negative placeholders until inserted.
    pending: list[dict[str, Any]] = []
    assigned: list[int] = []
    for entry, _feed_id in entries:
        story: int | None = None
        known = by_url.get(entry.canonical_url) if entry.canonical_url else None
        if known is not None and _same_story(known, entry):
            story = known.id
        if story is None and entry.title_key:
            for candidate, published in by_title.get(entry.title_key, ()):
                if abs(published - entry.published_at) <= STORY_TITLE_WINDOW:
                    story = candidate
                    break
        if story is None:
            url = entry.canonical_url if entry.canonical_url and known is None else None
            pending.append(
                {
                    "canonical_url": url,
                    "title_key": entry.title_key,
                    "title": entry.title,
                    "first_seen_at": now,
                    "published_at": entry.published_at,
                }
            )
            story = -len(pending)
            if url:
                by_url[url] = _StoryRef(story, entry.title, entry.title_key, entry.published_at)
            if entry.title_key:
                by_title[entry.title_key].append((story, entry.published_at))
        assigned.append(story)
    if not pending:
        return assigned
    real = _insert_stories(session, pending)
    return [real[-s - 1] if s < 0 else s for s in assigned]


@dataclass(frozen=True, slots=True)
class _StoryRef:
    id: int
    title: str
    title_key: str
    published_at: datetime


def _same_story(story: _StoryRef, entry: EntryData) -> bool:
    """Whether ``entry``, whose canonical URL is ``story``'s, tells that story."""
    if story.title == entry.title or (entry.title_key and story.title_key == entry.title_key):
        return True
    return not entry.shared_link and abs(story.published_at - entry.published_at) <= STORY_TITLE_WINDOW


def _insert_stories(session: Session, pending: list[dict[str, Any]]) -> list[int]:
    table = _table(Story)
    ids: list[int | None] = [None] * len(pending)
    with_url = [i for i, row in enumerate(pending) if row["canonical_url"]]
    without_url = [i for i, row in enumerate(pending) if not row["canonical_url"]]
    if with_url:
        insert_many(session, table, [pending[i] for i in with_url], skip_conflicts_on=["canonical_url"])
        urls = [pending[i]["canonical_url"] for i in with_url]
        lookup: dict[str, int] = dict(
            session.execute(
                select(table.c.canonical_url, table.c.id).where(one_of(session, table.c.canonical_url, urls))
            ).all()
        )
        for i in with_url:
            ids[i] = lookup[pending[i]["canonical_url"]]
    if without_url:
        stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        for start in range(0, len(without_url), _CHUNK):
            chunk = without_url[start : start + _CHUNK]
            result = session.execute(stmt, [pending[i] for i in chunk])
            for i, story_id in zip(chunk, result.scalars().all(), strict=True):
                ids[i] = story_id
    assert all(i is not None for i in ids)
    return [int(i) for i in ids]  # type: ignore[arg-type]


def _insert_row(feed_id: int, e: EntryData, backlog: bool, story_id: int, now: datetime) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "entry_key": e.key,
        "guid": e.guid,
        "link": e.link,
        "canonical_url": e.canonical_url,
        "title": e.title,
        "summary": e.summary,
        "author": e.author,
        "categories": list(e.categories),
        "published_at": e.published_at,
        "first_seen_at": now,
        "updated_at": now,
        "content_hash": e.content_hash,
        "is_backlog": backlog,
        "dated": e.dated,
        "story_id": story_id,
    }


def _update_row(item_id: int, e: EntryData, now: datetime) -> dict[str, Any]:
    # published_at and story_id stay as first recorded: an edited date must not re-surface an item.
    return {
        "b_id": item_id,
        "guid": e.guid,
        "link": e.link,
        "canonical_url": e.canonical_url,
        "title": e.title,
        "summary": e.summary,
        "author": e.author,
        "categories": list(e.categories),
        "content_hash": e.content_hash,
        "updated_at": now,
    }


def _table(model: type[Item] | type[Story]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
