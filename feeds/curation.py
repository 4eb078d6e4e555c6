"""Feed curation: add, test, list, edit, pause, resume and remove curated feeds.

Every change is audited in its own transaction (``FeedStore``). Department names are checked
against the registry; URLs are normalised and their hosts checked before anything is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

from feeds.config import FeedConfig
from feeds.errors import DuplicateFeed, FeedError, FeedNotFound, FetchError, InvalidFeedURL
from feeds.records import FeedEdit, FeedInfo
from feeds.safety import check_host, check_literal_host
from feeds.store.protocols import FeedKey, FeedPatch, FeedStore, NewFeed
from feeds.text import clean_text
from feeds.urls import host_of, normalise_feed_url
from foundation.ids import parse_id
from storage.audit import Actor

log = logging.getLogger(__name__)

NAME_MAX = 255
T = TypeVar("T")


class FeedCuration:
    """The admin's side of feeds. Thread-safe: it holds only its config and store."""

    def __init__(self, store: FeedStore, config: FeedConfig) -> None:
        self.store = store
        self.config = config

    def add(self, url: str, departments: Sequence[str], *, name: str | None, actor: Actor) -> FeedInfo:
        """Curate a new, not yet fetched feed; raises ``DuplicateFeed`` if it is curated already."""
        return self.store.add(actor, self.prepare(url, departments, name=name))

    def prepare(self, url: str, departments: Sequence[str], *, name: str | None) -> NewFeed:
        """The feed ``add`` would store, checked without storing anything: the URL normalised and
        its host checked, the departments known, the name cleaned, the feed not curated yet."""
        normalised = normalise_feed_url(url)
        depts = self.config.departments.resolve_many(departments)
        if not depts:
            raise FeedError(f"tag the feed with at least one department: {self.config.departments.choices()}")
        clean_name = clean_text(name or "", NAME_MAX) or None
        self.preflight(normalised)
        existing = self.find(normalised)
        if existing is not None:
            raise DuplicateFeed(
                f"that feed is already curated as #{existing.id} ({existing.display_name}); nothing added",
                feed_id=existing.id,
            )
        return NewFeed(normalised, clean_name, tuple(depts))

    def store_new(self, feed: NewFeed, actor: Actor) -> FeedInfo:
        """Store a feed ``prepare`` checked (the store refuses a duplicate added meanwhile)."""
        return self.store.add(actor, feed)

    def check_address(self, url: str) -> str:
        """The normalised ``url`` if its form and a literal host are acceptable, without touching
        the network (a front door's ack path); :meth:`vet` adds the DNS answer."""
        normalised = normalise_feed_url(url)
        check_literal_host(host_of(normalised), allow_private=self.config.allow_private_feeds)
        return normalised

    def vet(self, url: str) -> str:
        """The normalised ``url`` if a feed may be fetched from it (``InvalidFeedURL`` if not):
        the checks a typed URL passes, for a URL found on a page."""
        normalised = normalise_feed_url(url)
        self.preflight(normalised)
        return normalised

    def get(self, ref: int | str) -> FeedInfo:
        """One feed by id (``3`` or ``#3``) or URL."""
        key, shown = _key(ref)
        return _found(self.store.get(key) if key is not None else None, shown)

    def find(self, url: str) -> FeedInfo | None:
        """The curated feed with the identity of the normalised ``url``, if any."""
        return self.store.get(url)

    def edit(
        self,
        ref: int | str,
        *,
        departments: Sequence[str] | None,
        add_departments: Sequence[str],
        remove_departments: Sequence[str],
        name: str | None,
        actor: Actor,
    ) -> FeedEdit:
        """Re-tag and/or rename a feed in place (see ``FeedService.edit``)."""
        replace = self.config.departments.resolve_many(departments) if departments is not None else None
        adding = self.config.departments.resolve_many(add_departments)
        removing = self.config.departments.resolve_many(remove_departments)
        if replace is not None and not replace:
            raise FeedError(f"tag the feed with at least one department: {self.config.departments.choices()}")
        conflict = [d for d in removing if d in adding or (replace is not None and d in replace)]
        if conflict:
            raise FeedError(f"{conflict[0]} is both added and removed; say which you mean")
        if replace is None and not adding and not removing and name is None:
            raise FeedError("nothing to change: give departments to set, add or remove, or a new name")
        new_name = (clean_text(name, NAME_MAX) or None) if name is not None else None

        def plan(feed_id: int, old_depts: tuple[str, ...], old_name: str | None) -> FeedPatch:
            wanted = [d for d in (replace if replace is not None else old_depts) if d not in removing]
            wanted += [d for d in adding if d not in wanted]
            if not wanted:
                raise FeedError(
                    f"feed #{feed_id} would be left without a department; keep at least one of "
                    f"{self.config.departments.choices()} (or remove the feed)"
                )
            return FeedPatch(tuple(wanted), new_name if name is not None else old_name)

        key, shown = _key(ref)
        return _found(self.store.edit(key, plan, actor) if key is not None else None, shown)

    def set_status(self, ref: int | str, status: str, actor: Actor) -> tuple[FeedInfo, bool]:
        key, shown = _key(ref)
        return _found(self.store.set_status(key, status, actor) if key is not None else None, shown)

    def remove(self, ref: int | str, actor: Actor) -> FeedInfo:
        key, shown = _key(ref)
        return _found(self.store.remove(key, actor) if key is not None else None, shown)

    def preflight(self, url: str) -> None:
        """Refuse unsafe hosts before saving anything. The fetch checks again on every connection;
        this only gives an admin the answer at once. A host that does not resolve yet is allowed."""
        host = host_of(url)
        allow = self.config.allow_private_feeds
        check_literal_host(host, allow_private=allow)
        port = 443 if url.startswith("https:") else 80
        try:
            check_host(host, port, allow_private=allow)
        except InvalidFeedURL:
            raise
        except FetchError:
            log.info("feed host %s does not resolve yet; the fetch will report it", host)


def _key(ref: int | str) -> tuple[FeedKey | None, str]:
    """The store key of an admin's reference (``3``, ``#3`` or a URL) and how to name it if missing."""
    text = str(ref).strip()
    digits = text.lstrip("#")
    if digits.isdigit():
        feed_id = parse_id(digits)
        # A well-formed number that cannot be an id (0, 25 digits, "²") names no feed.
        return feed_id, "#" + digits[:30]
    shown = text[:100] or "(empty)"
    if not text:
        return None, shown
    try:
        return normalise_feed_url(text), shown
    except InvalidFeedURL:
        return None, shown


def _found(value: T | None, shown: str) -> T:
    if value is None:
        raise FeedNotFound(f"no feed {shown}; list them with `feeds list`")
    return value
