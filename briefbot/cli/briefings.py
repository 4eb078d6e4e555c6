"""CLI commands for briefings: ``brief``, ``subscribe``, ``subscriptions``, ``send``, ``filters``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from briefbot.cli.common import ID, echo_json, with_services
from briefings.feedback.service import FILTER_ACTIONS, describe
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


def _channel(services: Services, value: str) -> str:
    """A channel ID as typed, or ``#name`` looked up in Slack; a clear error for anything else."""
    from bot.channels import channel_id_of
    from bot.client import make_web_client

    token = services.settings.slack_bot_token
    return channel_id_of(value, make_web_client(services.settings) if token else None)


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M %Z}"


def _as_of(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BriefbotError(
            f"--as-of must be an ISO date or time such as 2026-11-24T09:00, not {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command()
@click.argument("department")
@click.option("--json", "as_json", is_flag=True, help="The briefing as one JSON document.")
@click.option("--blocks", is_flag=True, help="The Slack message (fallback text and Block Kit) as JSON.")
@click.option(
    "--top", type=click.IntRange(1, MAX_TOP_N), default=5, show_default=True, help="Stories to show."
)
@click.option(
    "--tz", "timezone", default="UTC", show_default=True, help="Timezone for dates, e.g. Europe/Berlin."
)
@click.option("--as-of", "as_of", help="Build as of this ISO time instead of now (e.g. 2026-11-24T09:00Z).")
@click.option(
    "--include-backlog",
    is_flag=True,
    help="Also show the items of feeds added or resumed this week (never posted as news).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="With --json: add every story of the window in rank order, shown or why left out.",
)
@click.option(
    "--channel",
    "channel",
    default=None,
    help="Preview as this channel ID would get it: its filters, votes and what it already had.",
)
@with_services
def brief(
    services: Services,
    department: str,
    as_json: bool,
    blocks: bool,
    top: int,
    timezone: str,
    as_of: str | None,
    include_backlog: bool,
    explain: bool,
    channel: str | None,
) -> None:
    """Build DEPARTMENT's briefing now and print it (nothing is posted)."""
    if explain and not as_json:
        raise BriefbotError("--explain adds the candidates to the JSON: use it with --json")
    briefing = services.briefings.build(
        department,
        as_of=_as_of(as_of),
        timezone=timezone,
        top_n=top,
        include_backlog=include_backlog,
        explain=explain,
        channel_id=_channel(services, channel) if channel else None,
    )
    note = briefing.held_back_note(f"`briefbot brief {briefing.department} --include-backlog`")
    if blocks:
        message = services.briefings.render(briefing, note=note)
        echo_json({"text": message.text, "blocks": message.blocks})
    elif as_json:
        data = asdict(briefing)
        for key in ("intro", "written_by"):  # the optional model's parts: absent when it is off
            if data[key] is None:
                del data[key]
        candidates = data.pop("candidates")
        if explain:
            data["candidates"] = [
                {k: v for k, v in c.items() if k != "left_out" or not c["shown"]} for c in candidates
            ]
        echo_json(data)
    else:
        click.echo(services.briefings.render_text(briefing))
        if note:
            click.echo(f"\n{note}")


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
        _channel(services, channel_id),
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
    rows = services.briefings.subscriptions(_channel(services, channel) if channel else None)
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


@click.command()
@click.argument("channel_id")
@click.argument("department")
@click.option("--json", "as_json", is_flag=True, help="The outcome as one JSON document.")
@with_services
def send(services: Services, channel_id: str, department: str, as_json: bool) -> None:
    """Deliver one DEPARTMENT briefing to CHANNEL_ID now (claimed like a scheduled slot)."""
    if not services.settings.slack_bot_token:
        raise BriefbotError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...): cannot post to Slack")
    outcome = services.briefings.send_now(
        services.delivery_sink, _channel(services, channel_id), department, actor=Actor.cli()
    )
    if as_json:
        echo_json(outcome)
    elif outcome.status == "done":
        click.echo(
            f"Already delivered to {outcome.channel_id} this minute (ts {outcome.message_ts}); "
            "not posted twice."
        )
    elif outcome.status == "quiet":
        click.echo(f"Nothing new above the bar for {outcome.department}; nothing posted.")
    else:
        click.echo(
            f"Sent the {outcome.department} briefing to {outcome.channel_id} "
            f"({outcome.stories} stories, ts {outcome.message_ts})."
        )


@click.command()
@click.argument("channel_id")
@click.argument("action", required=False, type=click.Choice(sorted(FILTER_ACTIONS)))
@click.argument("phrase", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="The channel's filters as one JSON document.")
@with_services
def filters(
    services: Services, channel_id: str, action: str | None, phrase: tuple[str, ...], as_json: bool
) -> None:
    """Show CHANNEL_ID's keyword filters and what its votes taught its briefings, or change them:
    mute|unmute|boost|unboost PHRASE."""
    feedback = services.briefings.feedback
    channel = _channel(services, channel_id)
    if action is not None:
        text, changed = feedback.change_filter(channel, action, " ".join(phrase), actor=Actor.cli())
        if not as_json:
            click.echo(f"{action} {text!r}: {'done' if changed else 'nothing to change'}.")
    elif phrase:
        raise BriefbotError("Say what to do with the phrase: mute, unmute, boost or unboost.")
    shown, learned = feedback.filters(channel), feedback.learned(channel)
    if as_json:
        echo_json({"channel_id": channel, "mute": shown.mutes, "boost": shown.boosts, "learned": learned})
    elif action is None:
        click.echo("\n".join(describe(shown, learned)))
