"""CLI commands for briefings: ``brief``, ``send``, ``filters`` (``subscribe`` and ``subscriptions``
are in :mod:`briefbot.cli.subscriptions`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from briefbot.cli.common import echo_json, with_services
from briefings.feedback.service import FILTER_ACTIONS, describe
from briefings.subscriptions.model import (
    MAX_TOP_N,
)
from foundation.errors import BriefbotError
from storage.audit import Actor

if TYPE_CHECKING:
    from briefbot.services import Services


def channel_arg(services: Services, value: str) -> str:
    """A channel ID as typed, or ``#name`` looked up in Slack; a clear error for anything else."""
    from bot.channels import channel_id_of
    from bot.client import make_web_client

    token = services.settings.slack_bot_token
    return channel_id_of(value, make_web_client(services.settings) if token else None)


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
        channel_id=channel_arg(services, channel) if channel else None,
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
        services.delivery_sink, channel_arg(services, channel_id), department, actor=Actor.cli()
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
    channel = channel_arg(services, channel_id)
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
