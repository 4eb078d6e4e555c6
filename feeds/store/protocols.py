"""What the feeds services need from storage, one protocol per resource.

The services (``feeds.service`` and its parts) run no SQL: they call these protocols, which
``feeds.store`` implements on SQLAlchemy (SQLite and PostgreSQL). The contract every
implementation keeps:

* **Threading**: every method may be called from any thread at any time; each call opens and
  commits (or rolls back) its own transaction, so a method is atomic and nothing is shared
  between calls. Several processes (replicas) may use one database at once.
* **Datetimes** are timezone-aware UTC, in and out.
* **Lifecycle**: a store holds only its database handle; the owner of the ``Database`` disposes
  of it. Audit entries of a change are written in the change's transaction.
* **Keys**: a ``FeedKey`` is a feed id, or a normalised feed URL matched on its identity
  (``feeds.urls.feed_identity``: scheme and ``www.`` do not matter).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from feeds.records import FeedEdit, FeedInfo, FeedJob, FeedOutcome, FetchOutcome, ItemInfo
from storage.audit import Actor

FeedKey = int | str


@dataclass(frozen=True)
class NewFeed:
    """A feed to curate: a normalised URL, an optional display name and its department tags
    (``paused``: stored paused, as an OPML import of a paused feed is)."""

    url: str
    name: str | None
    departments: tuple[str, ...]
    paused: bool = False


@dataclass(frozen=True)
class Imported:
    """What ``import_feeds`` did with one feed: added it, or found it curated as ``feed_id``
    with ``old_departments`` and left it with ``departments`` (more, when the import added some)."""

    feed_id: int
    added: bool
    departments: tuple[str, ...]
    old_departments: tuple[str, ...]

    @property
    def retagged(self) -> bool:
        return not self.added and self.departments != self.old_departments


@dataclass(frozen=True)
class FeedPatch:
    """The wanted departments and display name of a feed being edited (None clears the name)."""

    departments: tuple[str, ...]
    name: str | None


# Given a feed's id, departments and name as they are under the edit's row lock, the patch to
# apply; raising refuses the edit and changes nothing.
EditPlan = Callable[[int, tuple[str, ...], str | None], FeedPatch]


class FeedStore(Protocol):
    """Curated feeds: their rows, department tags and health (``feeds``, ``feed_departments``)."""

    def add(self, actor: Actor, feed: NewFeed) -> FeedInfo:
        """Insert an active, not yet fetched feed, audited as ``feed.add``.

        Raises ``DuplicateFeed`` if a feed with the same identity exists (also when another
        process added it concurrently)."""
        ...

    def get(self, key: FeedKey) -> FeedInfo | None:
        """One feed, or None."""
        ...

    def list(self) -> builtins.list[FeedInfo]:
        """Every feed with its item count, oldest first."""
        ...

    def items_since(self, since: datetime) -> dict[int, int]:
        """Per feed id, the items first seen at or after ``since`` (backlog included)."""
        ...

    def edit(self, key: FeedKey, plan: EditPlan, actor: Actor) -> FeedEdit | None:
        """Apply ``plan`` to the locked feed row, audited as ``feed.edit`` (None: no such feed)."""
        ...

    def set_status(self, key: FeedKey, status: str, actor: Actor) -> tuple[FeedInfo, bool] | None:
        """Set ``active`` or ``paused``; return the feed and whether it changed (None: no such feed).

        Resuming makes the feed due at once, forgives its errors and stores its next fetch as
        backlog. Audited as ``feed.pause`` / ``feed.resume``."""
        ...

    def remove(self, key: FeedKey, actor: Actor) -> FeedInfo | None:
        """Delete the feed and its items, audited as ``feed.remove`` (None: no such feed)."""
        ...

    def import_feeds(
        self, actor: Actor, feeds: Sequence[NewFeed], *, invalid: int
    ) -> builtins.list[Imported]:
        """Add the feeds not yet curated and add the departments they name to those that are
        (never removing one), in one transaction audited as ``feeds.import`` (with ``invalid``
        counted; each re-tag also as ``feed.edit``); per input, what was done."""
        ...

    def ensure(self, actor: Actor, feeds: Sequence[NewFeed], *, via: str) -> builtins.list[FeedJob]:
        """Add the feeds whose exact URL is not curated yet; return every one's refresh job."""
        ...


class ItemStore(Protocol):
    """Stored feed entries and the stories they make up (``items``, ``stories``)."""

    def newest(self, *, department: str | None, limit: int, include_backlog: bool) -> builtins.list[ItemInfo]:
        """The newest items (by publication date), optionally of feeds tagged ``department``."""
        ...

    def prune(self, cutoff: datetime) -> tuple[int, int]:
        """Delete items published and first seen before ``cutoff`` unless their story was
        delivered, then stories left without items, never delivered and first seen before it;
        return how many items and stories went."""
        ...


class RefreshStore(Protocol):
    """The refresh side of feeds: claiming due feeds and storing what their fetches returned."""

    def claim(
        self, *, now: datetime, force: bool, feed_ids: Sequence[int] | None, lease: timedelta
    ) -> builtins.list[FeedJob]:
        """Jobs for the active feeds due at ``now`` (every active one with ``force``), optionally
        only ``feed_ids``. Claimed feeds are not due again for ``lease`` unless stored sooner, and
        rows another process holds locked are skipped, so replicas claim different feeds."""
        ...

    def renew(self, feed_ids: Sequence[int], *, held_until: datetime, until: datetime) -> set[int]:
        """Move the claims on ``feed_ids`` that still end at ``held_until`` (ours, not stored yet,
        not taken over) to ``until``; return the ids renewed."""
        ...

    def failing(self, *, since: datetime) -> int:
        """How many active feeds have failed without a success since ``since`` (and were added
        before it)."""
        ...

    def store(
        self, outcomes: Sequence[FetchOutcome], *, now: datetime, fresh: bool = False
    ) -> builtins.list[FeedOutcome]:
        """Store a batch of fetch outcomes (items, stories, feed health); one result per input.

        ``fresh`` stores new items as news even on a feed's first fetch (the offline samples)."""
        ...
