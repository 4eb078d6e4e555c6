"""OPML import and export of the curated feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feeds.config import FeedConfig
from feeds.curation import NAME_MAX
from feeds.errors import InvalidFeedURL
from feeds.opml import ExportFeed, Outline, export_opml, parse_opml
from feeds.records import ImportLine, ImportReport
from feeds.safety import check_literal_host
from feeds.store.protocols import FeedStore, Imported, NewFeed
from feeds.text import clean_text
from feeds.urls import host_of, normalise_feed_url
from storage.audit import Actor
from storage.types import utcnow


@dataclass(frozen=True)
class _Wanted:
    """A valid outline: the feed it asks for and its categories that name no department."""

    feed: NewFeed
    unknown: tuple[str, ...]


def _line(entry: _Wanted, done: Imported) -> ImportLine:
    """The report line of a valid outline, once the store has handled its feed."""
    feed = entry.feed
    if done.added:
        result, reason = "added", ""
    elif done.retagged:
        result, reason = (
            "retagged",
            f"already curated as #{done.feed_id}; the outline's departments were added",
        )
    else:
        result, reason = "skipped", f"already curated as #{done.feed_id}"
    return ImportLine(
        result,
        feed.url,
        feed.name or "",
        reason,
        done.feed_id,
        done.departments,
        unknown=entry.unknown,
        old_departments=done.old_departments if done.retagged else None,
        paused=feed.paused and done.added,
    )


class OpmlTransfer:
    """Curated feeds in and out as OPML 2.0. Thread-safe: it holds only its config and store."""

    def __init__(self, store: FeedStore, config: FeedConfig) -> None:
        self.store = store
        self.config = config

    def import_opml(
        self, data: bytes | str, *, actor: Actor, default_departments: Sequence[str]
    ) -> ImportReport:
        """Add every new feed of an OPML document; report each outline as added, skipped or invalid.

        Departments come from the outline's categories (or enclosing folders), else from
        ``default_departments``; categories naming no department are reported per outline. A
        feed already curated gets the outline's departments added (reported as ``retagged``);
        a new one keeps the outline's ``briefbot:paused``. One transaction: an unexpected
        failure changes nothing.
        """
        registry = self.config.departments
        defaults = registry.resolve_many(default_departments)
        checked = [self._check(outline, defaults) for outline in parse_opml(data)]
        wanted = [c for c in checked if isinstance(c, _Wanted)]
        results = iter(
            self.store.import_feeds(actor, [w.feed for w in wanted], invalid=len(checked) - len(wanted))
        )
        lines: list[ImportLine] = []
        for entry in checked:
            if isinstance(entry, ImportLine):
                lines.append(entry)
                continue
            done = next(results)
            lines.append(_line(entry, done))
        return ImportReport(tuple(lines))

    def _check(self, outline: Outline, defaults: tuple[str, ...]) -> _Wanted | ImportLine:
        """The feed an outline asks for, or the line saying why it is invalid."""
        title = clean_text(outline.title, NAME_MAX)
        if not outline.url:
            return ImportLine("invalid", "", title, "the outline has no xmlUrl")
        try:
            url = normalise_feed_url(outline.url)
            check_literal_host(host_of(url), allow_private=self.config.allow_private_feeds)
        except InvalidFeedURL as exc:
            return ImportLine("invalid", outline.url[:300], title, str(exc))
        registry = self.config.departments
        named = [(category, registry.normalise(category)) for category in outline.categories]
        depts = tuple(dict.fromkeys(key for _category, key in named if key))
        unknown = tuple(dict.fromkeys(clean_text(c, 60) for c, key in named if not key and clean_text(c, 60)))
        depts = depts or defaults
        if not depts:
            shown = ", ".join(outline.categories) or "none"
            return ImportLine(
                "invalid",
                url,
                title,
                f"no department (categories: {shown}); use a category such as "
                f"{registry.choices()} or pass a default department",
                unknown=unknown,
            )
        return _Wanted(NewFeed(url, title or None, depts, paused=outline.paused), unknown)

    def export_opml(self) -> str:
        """All curated feeds as OPML 2.0, departments as category tags."""
        entries = [
            ExportFeed(
                f.url,
                f.display_name,
                f.title,
                f.site_url,
                f.departments,
                paused=f.status == "paused",
            )
            for f in self.store.list()
        ]
        return export_opml(entries, now=utcnow())
