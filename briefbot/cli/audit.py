"""``briefbot audit list``: who changed or tried to change what, and when (newest first)."""

from __future__ import annotations

import json

import click

from briefbot.cli.common import echo_json, with_services
from briefbot.services import Services
from storage.audit import recent


@click.group("audit")
def audit_group() -> None:
    """The audit log: every curation change and every refused attempt."""


@audit_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--action", help="Only this action, e.g. `refused` for refused attempts.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def list_cmd(services: Services, limit: int, action: str | None, as_json: bool) -> None:
    """The newest audit entries: when, who (and through which door), what, on what, and why."""
    with services.db.read() as session:
        entries = recent(session, limit, action=action)
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo("No audit entries yet.")
        return
    for entry in entries:
        detail = f" {json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)}" if entry.detail else ""
        target = f" {entry.target}" if entry.target else ""
        who = f"{entry.actor} ({entry.source})"
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {who}  {entry.action}{target}{detail}")
