"""OPML import and export of the curated feeds."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.config import FeedConfig
from feeds.curation import NAME_MAX
from feeds.errors import InvalidFeedURL
from feeds.opml import ExportFeed, Outline, export_opml, parse_opml
from feeds.records import ImportLine, ImportReport
from feeds.safety import check_literal_host
from feeds.store.protocols import FeedStore, NewFeed
from feeds.text import clean_text
from feeds.urls import host_of, normalise_feed_url
from storage.audit import Actor
from storage.types import utcnow


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
        ``default_departments``. One transaction: an unexpected failure adds nothing.
        """
        registry = self.config.departments
        defaults = registry.resolve_many(default_departments)
        checked = [self._check(outline, defaults) for outline in parse_opml(data)]
        wanted = [c for c in checked if isinstance(c, NewFeed)]
        results = iter(self.store.import_feeds(actor, wanted, invalid=len(checked) - len(wanted)))
        lines: list[ImportLine] = []
        for entry in checked:
            if isinstance(entry, ImportLine):
                lines.append(entry)
                continue
            feed_id, added = next(results)
            title = entry.name or ""
            if added:
                lines.append(ImportLine("added", entry.url, title, "", feed_id, entry.departments))
            else:
                lines.append(
                    ImportLine(
                        "skipped",
                        entry.url,
                        title,
                        f"already curated as #{feed_id}",
                        feed_id,
                        entry.departments,
                    )
                )
        return ImportReport(tuple(lines))

    def _check(self, outline: Outline, defaults: tuple[str, ...]) -> NewFeed | ImportLine:
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
        depts = tuple(dict.fromkeys(k for k in map(registry.normalise, outline.categories) if k))
        depts = depts or defaults
        if not depts:
            shown = ", ".join(outline.categories) or "none"
            return ImportLine(
                "invalid",
                url,
                title,
                f"no department (categories: {shown}); use a category such as "
                f"{registry.choices()} or pass a default department",
            )
        return NewFeed(url, title or None, depts)

    def export_opml(self) -> str:
        """All curated feeds as OPML 2.0, departments as category tags."""
        entries = [
            ExportFeed(f.url, f.name or f.title or f.url, f.title, f.site_url, f.departments)
            for f in self.store.list()
        ]
        return export_opml(entries, now=utcnow())
