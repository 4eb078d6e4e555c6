"""``briefbot audit list``: who changed or tried to change what, and when (newest first)."""

from __future__ import annotations

import difflib
import json
from typing import Any

import click

from briefbot.cli.common import echo_json, with_services
from briefbot.services import Services
from storage.audit import recent, stored_actions

# What the code records (storage.audit.record's callers). An action missing here but present in
# the log (a newer release wrote it) is still accepted: the known set is this plus the stored ones.
ACTIONS = frozenset(
    {
        "feed.add",
        "feed.edit",
        "feed.gone",
        "feed.moved",
        "feed.pause",
        "feed.remove",
        "feed.resume",
        "feeds.import",
        "filter.boost",
        "filter.mute",
        "filter.unboost",
        "filter.unmute",
        "knowledge.import",
        "knowledge.load",
        "refused",
        "subscription.create",
        "subscription.delete",
        "subscription.manual",
        "subscription.pause",
        "subscription.resume",
        "subscription.update",
    }
)


@click.group("audit")
def audit_group() -> None:
    """The audit log: every curation change and every refused attempt."""


@audit_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--action", help="Only this action, e.g. `refused` for refused attempts, `feed.add`.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def list_cmd(services: Services, limit: int, action: str | None, as_json: bool) -> None:
    """The newest audit entries: when, who (and through which door), what, on what, and why."""
    action = action.strip() if action is not None else None
    anything = True
    with services.db.read() as session:
        if action is not None:
            _check_action(action, ACTIONS | stored_actions(session))
        entries = recent(session, limit, action=action)
        if not entries and action:
            anything = bool(recent(session, 1))
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo(
            f"No audit entries match --action {action}." if action and anything else "No audit entries yet."
        )
        return
    for entry in entries:
        detail = f"  {_detail_text(entry.detail)}" if entry.detail else ""
        target = f" {entry.target}" if entry.target else ""
        who = f"{entry.actor} ({entry.source})"
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {who}  {entry.action}{target}{detail}")


def _check_action(action: str, known: set[str] | frozenset[str]) -> None:
    if action in known:
        return
    close = difflib.get_close_matches(action, sorted(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise click.ClickException(
        f"unknown audit action {action!r}{hint}; known actions: {', '.join(sorted(known))}"
    )


def _detail_text(detail: dict[str, Any]) -> str:
    """``key=value`` pairs for a terminal (``--json`` keeps the structure)."""
    return "  ".join(f"{key}={_value_text(value)}" for key, value in sorted(detail.items()))


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_value_text(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in sorted(value.items())) + "}"
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f'"{text}"' if (" " in text or not text) else text
