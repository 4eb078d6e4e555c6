"""CLI commands for channel subscriptions: ``subscribe`` and ``subscriptions``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from briefbot.cli.briefings import channel_arg
from briefbot.cli.common import ID, echo_json, with_services
from briefings.subscriptions.model import (
    MAX_TOP_N,
    PAUSED,
    QUIET_MODES,
    SubscriptionChange,
    SubscriptionView,
    change_summary,
)
from foundation.errors import BriefbotError
from storage.audit import Actor

if TYPE_CHECKING:
    from briefbot.services import Services


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M %Z}"


def _describe(sub: SubscriptionView) -> str:
    if sub.status == "active":
        state = f"next {_when(sub.next_run, sub.timezone)}"
    elif sub.status == "paused":
        state = f"PAUSED: {sub.paused_reason or 'paused'}"
    else:
        state = "one-off sends only"
    return f"{sub.schedule} ({sub.timezone}); {state}"


def _change_text(change: SubscriptionChange) -> str:
    """What a subscribe did, in the CLI's words: what changed, what was kept, when it runs."""
    sub = change.after
    if change.created:
        return f"Subscribed {sub.channel_id} to the {sub.department} briefing (#{sub.id}): {_describe(sub)}"
    changed, kept = change_summary(change)
    what = f"the {sub.department} briefing of {sub.channel_id} (#{sub.id})"
    if changed:
        text = f"Updated {what}: {'; '.join(changed)}."
        if kept:
            text += f" Unchanged: {', '.join(kept)}."
    else:
        text = f"Nothing to change for {what}: {', '.join(kept)}."
    if sub.status == PAUSED:
        return (
            f"{text} Still PAUSED ({sub.paused_reason or 'paused'}): "
            f"resume it with: briefbot subscriptions resume {sub.id}"
        )
    return f"{text} Next {_when(sub.next_run, sub.timezone)}."


@click.command()
@click.argument("channel_id")
@click.argument("department")
@click.option(
    "--schedule",
    default=None,
    help='e.g. "weekdays 09:00", "daily 08:30", "weekly mon 09:00" or cron (default: unchanged; '
    'new: "weekdays 09:00").',
)
@click.option(
    "--tz",
    "timezone",
    default=None,
    help="IANA timezone such as Europe/Berlin (default: unchanged; new: UTC).",
)
@click.option(
    "--top",
    type=click.IntRange(1, MAX_TOP_N),
    default=None,
    help="Stories per briefing (default: unchanged; new: 5).",
)
@click.option(
    "--quiet",
    type=click.Choice(QUIET_MODES),
    default=None,
    help="Quiet weeks: post a short note or skip (default: unchanged; new: post).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="The subscription (and what it was) as one JSON document."
)
@with_services
def subscribe(
    services: Services,
    channel_id: str,
    department: str,
    schedule: str | None,
    timezone: str | None,
    top: int | None,
    quiet: str | None,
    as_json: bool,
) -> None:
    """Give CHANNEL_ID (or #name) the DEPARTMENT briefing on a schedule (default "weekdays 09:00" UTC).

    On a channel that has it already, only the options given change: its time zone, stories per
    briefing, quiet weeks and a paused state are kept.
    """
    if schedule is not None and not schedule.strip():
        raise BriefbotError(
            '--schedule is empty: give one such as "weekdays 09:00", or leave it out for the default'
        )
    change = services.briefings.change_subscription(
        channel_arg(services, channel_id),
        department,
        schedule,
        timezone=timezone,
        actor=Actor.cli(),
        top_n=top,
        quiet_mode=quiet,
    )
    if as_json:
        echo_json(
            {
                "subscription": change.after,
                "created": change.created,
                "changed": list(change.changed()),
                "before": change.before,
            }
        )
        return
    click.echo(_change_text(change))


@click.group()
def subscriptions() -> None:
    """List, pause, resume or remove channel subscriptions."""


@subscriptions.command("list")
@click.option("--channel", default=None, help="Only this channel ID.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@with_services
def subscriptions_list(services: Services, channel: str | None, as_json: bool) -> None:
    """Every subscription with its schedule, next run and last post."""
    rows = services.briefings.subscriptions(channel_arg(services, channel) if channel else None)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(
            'No subscriptions yet. Add one: briefbot subscribe C0123ABCD legal --schedule "weekdays 09:00"'
        )
        return
    filters = services.briefings.feedback.all_filters()
    for sub in rows:
        last = _when(sub.last_sent_at, sub.timezone) if sub.last_sent_at else "never"
        click.echo(
            f"{sub.id:>4}  {sub.channel_id:<12} {sub.department:<10} {_describe(sub)}; last sent {last}"
        )
        shown = filters.pop(sub.channel_id, None)  # once per channel, under its first row
        if shown is not None:
            muted, boosted = ", ".join(shown.mutes) or "-", ", ".join(shown.boosts) or "-"
            click.echo(f"      {'':<12} filters: muted {muted}; boosted {boosted}")


@subscriptions.command("unsubscribe")
@click.argument("subscription_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="The removed subscription as one JSON document.")
@with_services
def subscriptions_unsubscribe(services: Services, subscription_id: int, as_json: bool) -> None:
    """Remove subscription SUBSCRIPTION_ID (see `subscriptions list`)."""
    sub = services.briefings.unsubscribe(subscription_id=subscription_id, actor=Actor.cli())
    if as_json:
        echo_json(sub)
        return
    click.echo(f"Removed #{sub.id}: {sub.channel_id} no longer gets the {sub.department} briefing.")


@subscriptions.command("pause")
@click.argument("subscription_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="The paused subscription as one JSON document.")
@with_services
def subscriptions_pause(services: Services, subscription_id: int, as_json: bool) -> None:
    """Stop posting SUBSCRIPTION_ID until resumed."""
    sub = services.briefings.set_paused(subscription_id, paused=True, actor=Actor.cli())
    if as_json:
        echo_json(sub)
        return
    click.echo(f"Paused #{sub.id} ({sub.channel_id}, {sub.department}).")


@subscriptions.command("resume")
@click.argument("subscription_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="The resumed subscription as one JSON document.")
@with_services
def subscriptions_resume(services: Services, subscription_id: int, as_json: bool) -> None:
    """Resume SUBSCRIPTION_ID (e.g. after the bot was invited back to the channel)."""
    sub = services.briefings.set_paused(subscription_id, paused=False, actor=Actor.cli())
    if as_json:
        echo_json(sub)
        return
    click.echo(f"Resumed #{sub.id} ({sub.channel_id}, {sub.department}): {_describe(sub)}")
