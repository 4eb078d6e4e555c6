"""CLI commands for the feeds package: ``briefbot feeds ...`` and ``briefbot items list``."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefbot.cli.common import echo_json, with_services
from feeds.errors import FeedCheckFailed, FeedError
from feeds.records import FeedInfo, FeedOutcome, FeedPreview, ImportLine, ImportReport, RefreshReport
from storage.audit import Actor

if TYPE_CHECKING:
    from briefbot.services import Services
    from feeds.service import FeedChange


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@click.group()
def feeds() -> None:
    """Curate the feeds briefings are built from (add, list, pause, refresh, OPML)."""


@feeds.command("add")
@click.argument("url")
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    required=True,
    help="finance, legal, operations (ops) or hr (people); repeat for several.",
)
@click.option("--name", help="Display name (defaults to the feed's own title).")
@click.option(
    "--no-fetch", is_flag=True, help="Do not fetch now (the next refresh will); nothing is checked."
)
@click.option("--force", is_flag=True, help="Store the URL even if its first fetch finds no readable feed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def add_cmd(
    services: Services,
    url: str,
    departments: tuple[str, ...],
    name: str | None,
    no_fetch: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Add a feed tagged with one or more departments. Its current items become backlog.

    The URL is fetched first and refused unless it gives a readable feed (--force stores it
    anyway); a web page that names its feed in an alternate link gives that feed.
    """
    try:
        result = services.feeds.add(
            url, list(departments), name=name, actor=Actor.cli(), fetch=not no_fetch, check=not force
        )
    except FeedCheckFailed as exc:
        message = f"{exc}; store it anyway with --force"
        if as_json:
            echo_json({"error": message, "url": exc.url, "status": exc.status, "added": False})
        raise FeedError(message) from None
    if as_json:
        echo_json(result)
        return
    feed = result.feed
    if result.discovered_from:
        click.echo(f"Found the feed {feed.url} on that page ({result.discovered_from}); added it.")
    click.echo(f"Added feed #{feed.id} {feed.display_name} ({', '.join(feed.departments)}): {feed.url}")
    first = result.first_fetch
    if first is None:
        click.echo("It will be fetched at the next refresh.")
    elif first.outcome in ("failed", "rate_limited", "gone") or result.forced:
        error = first.error or first.outcome
        click.echo(f"Stored anyway (--force), although its first fetch failed: {error}. It will be retried.")
    else:
        click.echo(
            f"First fetch: {first.backlog} current items stored as backlog "
            "(used for ranking, never posted as news)."
        )
        if first.warning:
            click.echo(f"Warning from the parser: {first.warning}")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def list_cmd(services: Services, as_json: bool) -> None:
    """List curated feeds with their health (errors, last success, next fetch)."""
    items: list[FeedInfo] = services.feeds.list()
    if as_json:
        echo_json([{**_asdict(f), "display_name": f.display_name} for f in items])
        return
    if not items:
        click.echo("No feeds yet. Add one with: briefbot feeds add URL --department finance")
        return
    click.echo(
        f"{'ID':>4}  {'STATUS':<7} {'HEALTH':<13} {'ITEMS':>5}  {'LAST SUCCESS':<20}  "
        f"{'NEXT FETCH':<20}  DEPARTMENTS / NAME"
    )
    for f in items:
        click.echo(
            f"{f.id:>4}  {f.status:<7} {f.health:<13} {f.item_count:>5}  {_when(f.last_success_at):<20}  "
            f"{_next(f):<20}  {','.join(f.departments)}  {f.display_name}"
        )
        click.echo(f"{'':>6}{f.url}")
        if f.error_count:
            errors = f"{f.error_count} consecutive error(s)"
            click.echo(f"{'':>6}{errors}, last at {_when(f.last_error_at)}: {f.last_error}")
        elif f.status == "gone" and f.last_error:
            click.echo(f"{'':>6}{f.last_error}")
        if f.last_warning:
            click.echo(f"{'':>6}warning: {f.last_warning}")


def _next(feed: FeedInfo) -> str:
    """When the feed is fetched next: only active feeds are, and one never fetched is due now."""
    if feed.status != "active":
        return "-"
    return _when(feed.next_fetch_at) if feed.next_fetch_at else "due now"


@feeds.command("edit")
@click.argument("feed")
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    help="Replace the departments with these (repeat for several).",
)
@click.option("--add-department", "add_departments", multiple=True, help="Also tag with this department.")
@click.option("--remove-department", "remove_departments", multiple=True, help="Untag this department.")
@click.option("--name", help='New display name ("" goes back to the feed\'s own title).')
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def edit_cmd(
    services: Services,
    feed: str,
    departments: tuple[str, ...],
    add_departments: tuple[str, ...],
    remove_departments: tuple[str, ...],
    name: str | None,
    as_json: bool,
) -> None:
    """Re-tag or rename a feed (by ID or URL), keeping its items and history."""
    result = services.feeds.edit(
        feed,
        departments=list(departments) if departments else None,
        add_departments=list(add_departments),
        remove_departments=list(remove_departments),
        name=name,
        actor=Actor.cli(),
    )
    if as_json:
        echo_json(
            {
                **_asdict(result.feed),
                "display_name": result.feed.display_name,
                "changed": result.changed,
                "old_departments": list(result.old_departments),
                "old_name": result.old_name,
            }
        )
        return
    info = result.feed
    if not result.changed:
        click.echo(f"Feed #{info.id} {info.display_name} unchanged ({', '.join(info.departments)}).")
        return
    if result.departments_changed:
        click.echo(
            f"Feed #{info.id} {info.display_name}: departments {', '.join(result.old_departments)} -> "
            f"{', '.join(info.departments)}."
        )
    if result.name_changed:
        new = info.name or f"(none: the feed's title {info.display_name} shows)"
        click.echo(f"Feed #{info.id}: name {result.old_name or '(none)'} -> {new}.")


@feeds.command("remove")
@click.argument("feed")
@click.option("--json", "as_json", is_flag=True, help="Print the removed feed as JSON.")
@with_services
def remove_cmd(services: Services, feed: str, as_json: bool) -> None:
    """Remove a feed (by ID or URL) and its items."""
    info = services.feeds.remove(feed, actor=Actor.cli())
    if as_json:
        echo_json({**_asdict(info), "display_name": info.display_name, "changed": True, "removed": True})
        return
    click.echo(f"Removed feed #{info.id} {info.display_name} ({info.item_count} items).")


@feeds.command("pause")
@click.argument("feed")
@click.option("--json", "as_json", is_flag=True, help="Print the feed as JSON.")
@with_services
def pause_cmd(services: Services, feed: str, as_json: bool) -> None:
    """Stop refreshing a feed (by ID or URL); its items stay."""
    change = services.feeds.pause(feed, actor=Actor.cli())
    if as_json:
        echo_json(_change_json(change))
        return
    verb = "Paused" if change.changed else "Already paused:"
    click.echo(f"{verb} feed #{change.feed.id} {change.feed.display_name}.")


@feeds.command("resume")
@click.argument("feed")
@click.option("--json", "as_json", is_flag=True, help="Print the feed as JSON.")
@with_services
def resume_cmd(services: Services, feed: str, as_json: bool) -> None:
    """Refresh a paused (or gone) feed again; it is fetched at the next refresh."""
    change = services.feeds.resume(feed, actor=Actor.cli())
    if as_json:
        echo_json(_change_json(change))
        return
    if change.changed:
        click.echo(f"Resumed feed #{change.feed.id} {change.feed.display_name}; it is due now.")
    else:
        click.echo(f"Feed #{change.feed.id} {change.feed.display_name} is already active.")


def _change_json(change: FeedChange) -> dict[str, Any]:
    """A paused or resumed feed in the shape ``feeds edit --json`` prints."""
    return {**_asdict(change.feed), "display_name": change.feed.display_name, "changed": change.changed}


@feeds.command("refresh")
@click.option("--all", "force", is_flag=True, help="Every active feed, ignoring schedule and back-off.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with status 1 if any feed failed, was rate limited or is gone (for cron).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def refresh_cmd(services: Services, force: bool, strict: bool, as_json: bool) -> None:
    """Fetch all due feeds now and print each feed's outcome and the totals."""
    report: RefreshReport = services.feeds.refresh(force=force)
    if as_json:
        echo_json(report.to_dict())
    elif not report.outcomes:
        click.echo("No feeds are due (use --all to refresh every active feed).")
    else:
        for outcome in report.outcomes:
            click.echo(outcome_line(outcome))
        click.echo(totals_line(report))
    failed = failed_count(report)
    if strict and failed:
        raise FeedError(
            f"{failed} of {len(report.outcomes)} feeds failed this refresh (failed, rate limited or gone)"
        )


def failed_count(report: RefreshReport) -> int:
    """Feeds of this refresh that need an admin: failed, rate limited or gone."""
    t = report.totals
    return t["failed"] + t["rate_limited"] + t["gone"]


def outcome_line(o: FeedOutcome) -> str:
    """One human line (plus notes) for a refresh outcome."""
    head = f"#{o.feed_id} {o.name}: "
    if o.outcome in ("new", "updated", "unchanged"):
        body = f"{o.new} new"
        if o.backlog:
            body += f" ({o.backlog} as backlog)"
        body += f", {o.updated} updated, {o.unchanged} unchanged"
    elif o.outcome == "not_modified":
        body = "unchanged (304 Not Modified)" if o.status == 304 else "unchanged (same content, not parsed)"
    elif o.outcome == "gone":
        body = "gone (HTTP 410): deactivated"
    else:
        label = "rate limited" if o.outcome == "rate_limited" else "FAILED"
        body = f"{label}: {o.error} (next try {_when(o.next_fetch_at)})"
    lines = [head + body]
    if o.moved_to:
        lines.append(f"    moved permanently: URL updated to {o.moved_to}")
    if o.warning:
        lines.append(f"    warning: {o.warning}")
    return "\n".join(lines)


def totals_line(report: RefreshReport) -> str:
    t = report.totals
    return (
        f"{t['feeds']} feeds in {report.seconds:.1f} s: {t['new']} with new items, {t['updated']} updated, "
        f"{t['unchanged'] + t['not_modified']} unchanged ({t['not_modified']} not modified), "
        f"{t['failed'] + t['rate_limited']} failed, {t['gone']} gone; "
        f"{t['new_items']} new items ({t['backlog_items']} backlog), {t['updated_items']} updated"
    )


@feeds.command("test")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def test_cmd(services: Services, url: str, as_json: bool) -> None:
    """Fetch a feed and preview its first items without saving anything."""
    preview: FeedPreview = services.feeds.test(url)
    if as_json:
        echo_json(preview)
        return
    if preview.discovered_from:
        click.echo(f"Found the feed {preview.url} on that page ({preview.discovered_from}).")
    click.echo(f"{preview.title or '(untitled feed)'}: {preview.item_count} items at {preview.final_url}")
    if preview.already_added_as:
        click.echo(f"(already curated as feed #{preview.already_added_as})")
    for item in preview.items:
        when = item.published_at.strftime("%Y-%m-%d") if item.dated else "undated"
        click.echo(f"  - [{when}] {item.title}")
    if preview.warning:
        click.echo(f"warning: {preview.warning}")


@feeds.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    help="Department for outlines without a department category.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def import_cmd(services: Services, file: Path, departments: tuple[str, ...], as_json: bool) -> None:
    """Import an OPML 2.0 file (department as category); reports every outline."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {file}: {exc.strerror}") from None
    report: ImportReport = services.feeds.import_opml(
        data, actor=Actor.cli(), default_departments=departments
    )
    if as_json:
        echo_json(report.to_dict())
        _fail_if_nothing_valid(report)
        return
    for line in report.lines:
        click.echo(import_line(line))
    added, skipped, invalid, retagged = (report.count(k) for k in ("added", "skipped", "invalid", "retagged"))
    summary = f"{added} added, {skipped} skipped, {invalid} invalid"
    if retagged:
        summary += f", {retagged} re-tagged"
    click.echo(f"{summary}. New feeds are fetched at the next refresh; their current items become backlog.")
    _fail_if_nothing_valid(report)


def import_line(line: ImportLine) -> str:
    """One outline's fate, with the categories that named no department."""
    label = line.title or line.url or "(outline)"
    if line.result == "added":
        text = f"added    #{line.feed_id} {label} ({', '.join(line.departments)})"
        if line.paused:
            text += ", paused"
    elif line.result == "retagged":
        old = ", ".join(line.old_departments or ())
        text = f"re-tagged #{line.feed_id} {label}: {old} → {', '.join(line.departments)}"
    else:
        text = f"{line.result:<8} {label}: {line.reason}"
    if line.unknown and line.result != "invalid":  # an invalid line's reason lists its categories
        text += f"; unknown departments skipped: {', '.join(line.unknown)}"
    return text


def _fail_if_nothing_valid(report: ImportReport) -> None:
    """Exit non-zero when the file held no valid outline (already curated ones count as valid)."""
    if report.count("added") or report.count("skipped") or report.count("retagged"):
        return
    invalid = report.count("invalid")
    raise FeedError(
        f"nothing imported: all {invalid} outlines were invalid"
        if invalid
        else "nothing imported: no outlines"
    )


@feeds.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_services
def export_cmd(services: Services, file: Path | None) -> None:
    """Export all feeds as OPML 2.0 to FILE (or stdout)."""
    text = services.feeds.export_opml()
    if file is None:
        click.echo(text, nl=False)
        return
    # Write beside the target, then rename: an interrupted export never leaves half a file.
    target = file.resolve()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise FeedError(f"cannot write {file}: {exc.strerror}") from None
    click.echo(f"Exported {text.count('<outline ')} feeds to {file}")


@feeds.command("prune")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def prune_cmd(services: Services, as_json: bool) -> None:
    """Delete items older than BRIEFBOT_RETENTION_DAYS (never those a delivery references)."""
    report = services.feeds.prune()
    if as_json:
        echo_json(report)
        return
    click.echo(f"Pruned {report.items} items and {report.stories} stories older than {_when(report.cutoff)}.")


@click.group()
def items() -> None:
    """Stored feed items."""


@items.command("list")
@click.option("--department", "-d", help="Only items of feeds tagged with this department.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--fresh-only", is_flag=True, help="Leave out backlog items (imported when a feed was added).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def items_list_cmd(
    services: Services, department: str | None, limit: int, fresh_only: bool, as_json: bool
) -> None:
    """The newest stored items."""
    rows = services.feeds.items(department=department, limit=limit, include_backlog=not fresh_only)
    if as_json:
        echo_json(rows)
        return
    if not rows and fresh_only and services.feeds.items(department=department, limit=1):
        click.echo(
            "No fresh items yet: every stored item is backlog (imported when its feed was added or "
            "resumed, never posted as news). List them without --fresh-only: briefbot items list"
        )
        return
    if not rows:
        click.echo("No items yet. Add feeds and run: briefbot feeds refresh")
        return
    for item in rows:
        flag = " [backlog]" if item.is_backlog else ""
        click.echo(f"{item.published_at:%Y-%m-%d %H:%M}  #{item.id} {item.title}{flag}")
        click.echo(f"{'':18}{item.feed} · story {item.story_id} · {item.link or '(no link)'}")


def _asdict(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)
