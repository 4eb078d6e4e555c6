"""The bundled starter pack of real AI news feeds (``feeds/data/starter.yaml``).

Each feed is fetched before it is added, so the pack never leaves a feed behind that cannot be
read: one that fails (offline, blocked, gone) is reported on a line of its own and not added.
What the added feeds hold now is stored as backlog, exactly as ``feeds add`` stores it. The CLI
(``briefbot starter``) and App Home's empty state both add it through here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources

import yaml

from feeds.service import FeedService
from feeds.urls import normalise_feed_url
from foundation.departments import DepartmentRegistry
from foundation.errors import BriefbotError
from storage.audit import Actor

# Fetching the pack's ~25 feeds one by one would take a minute on a slow network.
CHECK_THREADS = 8


@dataclass(frozen=True)
class StarterFeed:
    """One entry of the pack: the outlet's name, what kind of source it is, its tags and feed URL."""

    outlet: str
    kind: str
    departments: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class StarterLine:
    """What happened to one feed: ``added``, ``present`` (already curated) or ``failed``."""

    outlet: str
    url: str
    departments: tuple[str, ...]
    result: str
    feed_id: int | None = None
    backlog: int = 0
    error: str = ""


def load_pack(registry: DepartmentRegistry) -> list[StarterFeed]:
    """The bundled pack, departments resolved to the registry's keys (unknown ones dropped)."""
    text = (resources.files("feeds") / "data" / "starter.yaml").read_text(encoding="utf-8")
    pack = []
    for entry in yaml.safe_load(text)["feeds"]:
        departments = tuple(key for d in entry["departments"] if (key := registry.normalise(d)))
        if departments:
            pack.append(StarterFeed(str(entry["outlet"]), str(entry["kind"]), departments, str(entry["url"])))
    return pack


def select(pack: list[StarterFeed], wanted: tuple[str, ...]) -> list[StarterFeed]:
    """The entries for ``wanted`` departments (all when empty), tagged with those departments only."""
    if not wanted:
        return pack
    chosen = []
    for feed in pack:
        departments = tuple(d for d in feed.departments if d in wanted)
        if departments:
            chosen.append(StarterFeed(feed.outlet, feed.kind, departments, feed.url))
    return chosen


def add_pack(feeds: FeedService, chosen: list[StarterFeed], *, actor: Actor) -> list[StarterLine]:
    """Add ``chosen``: each fetched first (in parallel), the readable ones added with what they
    hold stored as backlog, one line per feed."""
    present = {normalise_feed_url(f.url): f.id for f in feeds.list()}
    todo = [f for f in chosen if normalise_feed_url(f.url) not in present]

    def check(feed: StarterFeed) -> str:
        try:
            feeds.test(feed.url, limit=1)
        except BriefbotError as exc:
            return str(exc)
        return ""

    with ThreadPoolExecutor(max_workers=CHECK_THREADS, thread_name_prefix="starter") as pool:
        errors = dict(zip((f.url for f in todo), pool.map(check, todo), strict=True))
    ids: dict[str, int] = {}
    for feed in todo:
        if not errors[feed.url]:
            result = feeds.add(feed.url, list(feed.departments), name=feed.outlet, actor=actor, fetch=False)
            ids[feed.url] = result.feed.id
    # One refresh for all of them: fetched in parallel, what they hold stored as backlog.
    report = feeds.refresh(feed_ids=list(ids.values()), force=True) if ids else None
    backlog = {o.feed_id: o.backlog for o in report.outcomes} if report else {}
    lines = []
    for feed in chosen:
        key = normalise_feed_url(feed.url)
        if key in present:
            lines.append(StarterLine(feed.outlet, feed.url, feed.departments, "present", present[key]))
        elif errors.get(feed.url):
            lines.append(
                StarterLine(feed.outlet, feed.url, feed.departments, "failed", error=errors[feed.url])
            )
        else:
            feed_id = ids[feed.url]
            lines.append(
                StarterLine(
                    feed.outlet, feed.url, feed.departments, "added", feed_id, backlog.get(feed_id, 0)
                )
            )
    return lines


def summary(lines: list[StarterLine]) -> str:
    """``Starter pack: N added, N already there, N failed.``"""
    added = sum(line.result == "added" for line in lines)
    failed = sum(line.result == "failed" for line in lines)
    return f"Starter pack: {added} added, {len(lines) - added - failed} already there, {failed} failed."
