"""Frozen dataclasses that cross layers: what the service returns to the CLI and Slack views,
and what refresh workers hand to the storage step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.models.feeds import feed_label

# The health warning of a feed that parsed but lists nothing (set by feeds.parse).
EMPTY_WARNING = "the feed lists no items"


@dataclass(frozen=True, slots=True)
class EntryData:
    """One normalised feed entry, ready to store."""

    key: str
    guid: str | None
    link: str | None
    canonical_url: str | None
    title: str
    summary: str
    author: str | None
    categories: tuple[str, ...]
    published_at: datetime
    dated: bool  # False when the feed gave no usable date (published_at is then first-seen time)
    content_hash: str
    title_key: str
    # Several entries of the document link to this same page (release notes, a changelog): the
    # link then names the page, not the entry, and says nothing about which story it is.
    shared_link: bool = False


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed document: channel metadata, entries and a parser warning if any."""

    title: str
    site_url: str | None
    entries: tuple[EntryData, ...]
    warning: str | None
    version: str
    # ``cut`` (the answer stopped early) or ``garbled`` (its text could not be decoded as
    # itself): its new entries are kept, but nothing it says replaces what is stored
    # (``warning`` says why).
    damage: str | None = None

    @property
    def damaged(self) -> bool:
        return self.damage is not None


@dataclass(frozen=True)
class FeedInfo:
    """A curated feed with its health, as shown by ``feeds list`` and ``/ai-feeds list``."""

    id: int
    url: str
    name: str | None
    title: str | None
    site_url: str | None
    departments: tuple[str, ...]
    status: str  # active | paused | gone
    health: str  # ok | empty | failing | never fetched | paused | gone
    error_count: int
    last_error: str | None
    last_error_at: datetime | None
    last_warning: str | None
    last_success_at: datetime | None
    last_fetched_at: datetime | None
    next_fetch_at: datetime | None
    last_status: int | None
    item_count: int
    created_at: datetime
    created_by: str

    def __post_init__(self) -> None:
        # A feed that answers but lists nothing is a warning, not "ok": its last parse said so.
        if self.health == "ok" and (self.last_warning or "").startswith(EMPTY_WARNING):
            object.__setattr__(self, "health", "empty")

    @property
    def display_name(self) -> str:
        """The admin's name for the feed, else its own title, else its URL."""
        return feed_label(self.name, self.title, self.url)


@dataclass(frozen=True)
class FeedEdit:
    """The feed after ``edit``, with its departments and name from before."""

    feed: FeedInfo
    old_departments: tuple[str, ...]
    old_name: str | None

    @property
    def departments_changed(self) -> bool:
        return self.feed.departments != self.old_departments

    @property
    def name_changed(self) -> bool:
        return self.feed.name != self.old_name

    @property
    def changed(self) -> bool:
        return self.departments_changed or self.name_changed


@dataclass(frozen=True)
class FeedJob:
    """A snapshot of one feed row, handed to a refresh worker thread."""

    feed_id: int
    url: str
    name: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    primed: bool
    last_success_at: datetime | None
    error_count: int


@dataclass(frozen=True)
class FetchOutcome:
    """What a worker found for one feed, before anything is stored.

    ``kind``: ``parsed`` | ``not_modified`` | ``gone`` | ``rate_limited`` | ``failed``.
    """

    job: FeedJob
    kind: str
    status: int | None = None
    parsed: ParsedFeed | None = None
    body_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    retry_after: float | None = None
    error: str | None = None
    identical_body: bool = False
    fresh_for: float | None = None  # seconds the server says the answer stays fresh (see fetch)


@dataclass(frozen=True)
class FeedOutcome:
    """One line of a refresh report.

    ``outcome``: ``new`` (new items stored), ``updated`` (only edits), ``unchanged`` (parsed, nothing
    new), ``empty`` (parsed, no items at all: ``warning`` says why), ``not_modified`` (304 or
    identical bytes: not parsed), ``failed``, ``rate_limited``, ``gone``.
    """

    feed_id: int
    name: str
    url: str
    outcome: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    backlog: int = 0
    status: int | None = None
    error: str | None = None
    warning: str | None = None
    moved_to: str | None = None
    next_fetch_at: datetime | None = None


OUTCOMES = ("new", "updated", "unchanged", "empty", "not_modified", "failed", "rate_limited", "gone")


@dataclass(frozen=True)
class RefreshReport:
    """Per-feed outcomes of one refresh and their totals."""

    outcomes: tuple[FeedOutcome, ...]
    started_at: datetime
    seconds: float

    @property
    def totals(self) -> dict[str, int]:
        """Counts per outcome plus item totals (``new_items``, ``updated_items``, ...)."""
        counts: dict[str, int] = {"feeds": len(self.outcomes)}
        for kind in OUTCOMES:
            counts[kind] = sum(1 for o in self.outcomes if o.outcome == kind)
        counts["new_items"] = sum(o.new for o in self.outcomes)
        counts["backlog_items"] = sum(o.backlog for o in self.outcomes)
        counts["updated_items"] = sum(o.updated for o in self.outcomes)
        return counts

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``--json``)."""
        return {
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "totals": self.totals,
            "feeds": list(self.outcomes),
        }


@dataclass(frozen=True)
class AddResult:
    """A newly added feed and, when it was fetched at once, how that first fetch went."""

    feed: FeedInfo
    first_fetch: FeedOutcome | None
    discovered_from: str | None = None  # the HTML page the feed was found on
    forced: bool = False  # stored although its first fetch found no readable feed


@dataclass(frozen=True)
class PreviewItem:
    title: str
    link: str | None
    published_at: datetime
    dated: bool
    summary: str


@dataclass(frozen=True)
class FeedPreview:
    """``/ai-feeds test <url>``: what the feed would give, nothing saved."""

    url: str
    final_url: str
    title: str
    item_count: int
    items: tuple[PreviewItem, ...]
    warning: str | None
    already_added_as: int | None = None
    discovered_from: str | None = None  # the HTML page ``url`` was found on (``feeds.discovery``)


@dataclass(frozen=True)
class ImportLine:
    """One OPML outline's fate, with the reason: ``added``, ``retagged`` (already curated; the
    outline's departments were added to it: ``old_departments`` were its tags before),
    ``skipped`` (already curated, nothing to change) or ``invalid``.

    ``unknown`` lists the outline's categories that name no department (skipped, never silently
    dropped); ``paused`` is the outline's ``briefbot:paused``, kept by a feed it adds."""

    result: str
    url: str
    title: str
    reason: str = ""
    feed_id: int | None = None
    departments: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    old_departments: tuple[str, ...] | None = None
    paused: bool = False


IMPORT_RESULTS = ("added", "retagged", "skipped", "invalid")


@dataclass(frozen=True)
class ImportReport:
    lines: tuple[ImportLine, ...] = field(default_factory=tuple)

    def count(self, result: str) -> int:
        return sum(1 for line in self.lines if line.result == result)

    def to_dict(self) -> dict[str, object]:
        return {**{result: self.count(result) for result in IMPORT_RESULTS}, "outlines": list(self.lines)}


@dataclass(frozen=True)
class ItemInfo:
    """A stored item as listed by ``briefbot items list``."""

    id: int
    feed_id: int
    feed: str
    title: str
    link: str | None
    summary: str
    author: str | None
    categories: tuple[str, ...]
    published_at: datetime
    first_seen_at: datetime
    is_backlog: bool
    story_id: int | None
    departments: tuple[str, ...]


@dataclass(frozen=True)
class PruneReport:
    items: int
    stories: int
    cutoff: datetime
