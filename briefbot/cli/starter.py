"""``briefbot starter``: add the bundled starter pack of real AI news feeds (see ``feeds.starter``)."""

from __future__ import annotations

import click

from briefbot.cli.common import echo_json, with_services
from briefbot.services import Services
from feeds.starter import StarterFeed, StarterLine, add_pack, load_pack, select, summary
from foundation.errors import BriefbotError
from storage.audit import Actor


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
    lines = add_pack(services.feeds, chosen, actor=Actor.cli())
    if as_json:
        echo_json(lines)
    else:
        for line in lines:
            click.echo(_text(line))
    if not as_json:
        click.echo(summary(lines))
    if lines and all(line.result == "failed" for line in lines):
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


def _text(line: StarterLine) -> str:
    tags = ", ".join(line.departments)
    if line.result == "added":
        return f"added   #{line.feed_id} {line.outlet} ({tags}): {line.backlog} current items kept as backlog"
    if line.result == "present":
        return f"present #{line.feed_id} {line.outlet} ({tags}): already curated"
    return f"failed  {line.outlet} ({tags}): {line.error}; not added"
