"""``briefbot starter``: add the bundled starter pack of real AI news feeds (``feeds/data/starter.yaml``).

Each feed is fetched before it is added, so the pack never leaves a feed behind that cannot be
read: one that fails (offline, blocked, gone) is reported on a line of its own and not added.
What the added feeds hold now is stored as backlog, exactly as ``feeds add`` stores it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources

import click
import yaml

from briefbot.cli.common import echo_json, with_services
from briefbot.services import Services
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


@click.command("starter")
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    help="Only this department's feeds (repeat for several); default: every department.",
)
@click.option("--list", "list_only", is_flag=True, help="Show the pack; add nothing, fetch nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_services
def starter(services: Services, departments: tuple[str, ...], list_only: bool, as_json: bool) -> None:
    """Add the bundled starter pack of real AI news feeds (all departments, or --department D)."""
    registry = services.departments
    try:
        wanted = registry.resolve_many(departments)
    except BriefbotError as exc:
        raise click.ClickException(str(exc)) from exc
    chosen = select(load_pack(registry), wanted)
    if list_only:
        _show_pack(chosen, as_json)
        return
    lines = _add(services, chosen)
    if as_json:
        echo_json(lines)
    else:
        for line in lines:
            click.echo(_text(line))
    added = sum(line.result == "added" for line in lines)
    failed = sum(line.result == "failed" for line in lines)
    if not as_json:
        click.echo(
            f"Starter pack: {added} added, {len(lines) - added - failed} already there, {failed} failed."
        )
    if failed and not added and failed == len(lines):
        raise click.ClickException(
            "no starter feed could be fetched, so none was added: check that this machine reaches "
            "the outlets over HTTPS, then run `briefbot starter` again"
        )


def _show_pack(chosen: list[StarterFeed], as_json: bool) -> None:
    if as_json:
        echo_json(chosen)
        return
    for feed in chosen:
        click.echo(f"{feed.outlet} [{feed.kind}] ({', '.join(feed.departments)}): {feed.url}")


def _add(services: Services, chosen: list[StarterFeed]) -> list[StarterLine]:
    present = {normalise_feed_url(f.url): f.id for f in services.feeds.list()}
    todo = [f for f in chosen if normalise_feed_url(f.url) not in present]

    def check(feed: StarterFeed) -> str:
        try:
            services.feeds.test(feed.url, limit=1)
        except BriefbotError as exc:
            return str(exc)
        return ""

    with ThreadPoolExecutor(max_workers=CHECK_THREADS, thread_name_prefix="starter") as pool:
        errors = dict(zip((f.url for f in todo), pool.map(check, todo), strict=True))
    ids: dict[str, int] = {}
    for feed in todo:
        if not errors[feed.url]:
            result = services.feeds.add(
                feed.url, list(feed.departments), name=feed.outlet, actor=Actor.cli(), fetch=False
            )
            ids[feed.url] = result.feed.id
    # One refresh for all of them: fetched in parallel, what they hold stored as backlog.
    report = services.feeds.refresh(feed_ids=list(ids.values()), force=True) if ids else None
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


def _text(line: StarterLine) -> str:
    tags = ", ".join(line.departments)
    if line.result == "added":
        return f"added   #{line.feed_id} {line.outlet} ({tags}): {line.backlog} current items kept as backlog"
    if line.result == "present":
        return f"present #{line.feed_id} {line.outlet} ({tags}): already curated"
    return f"failed  {line.outlet} ({tags}): {line.error}; not added"
