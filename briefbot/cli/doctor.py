"""``briefbot doctor``: one line per check an admin can act on, non-zero exit on any failure."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import click

from bot.doctor import FAIL, OK, WARN, Check, channel_checks, token_checks
from briefbot.cli.common import echo_json, settings_from
from briefbot.services import Services, make_services
from storage import Database, StorageError

# A feed that has not worked for this long is a failure, not a hiccup (see the README's alert).
FAILING_TOO_LONG = timedelta(days=1)


def database_check(db: Database) -> Check:
    state = db.check()
    if "error" in state:
        return Check("database", FAIL, f"cannot query {db.safe_url} ({state['error']})")
    if state["revision"] != state["head"]:
        return Check(
            "database",
            FAIL,
            f"schema at revision {state['revision'] or '(empty)'}, code expects {state['head']}: "
            "run `briefbot db upgrade`",
        )
    return Check("database", OK, f"{state['dialect']} at revision {state['revision']}")


def feed_checks(services: Services, now: datetime) -> list[Check]:
    feeds = services.feeds.list()
    checks = []
    for feed in feeds:
        if feed.health != "failing":
            continue
        since = feed.last_success_at or feed.created_at
        status = FAIL if now - since > FAILING_TOO_LONG else WARN
        last_ok = feed.last_success_at.strftime("%Y-%m-%d %H:%M UTC") if feed.last_success_at else "never"
        checks.append(
            Check(
                f"feed {feed.id}",
                status,
                f"{feed.display_name}: {feed.error_count} failures in a row, last success {last_ok}: "
                f"{feed.last_error or 'no error recorded'}",
            )
        )
    if not checks:
        active = sum(1 for f in feeds if f.status == "active")
        checks.append(
            Check(
                "feeds",
                OK if feeds else WARN,
                f"{active} active, none failing"
                if feeds
                else "no feeds yet: `briefbot feeds add URL --department D`",
            )
        )
    return checks


def model_check(services: Services) -> Check:
    """The optional language model answers (only checked when BRIEFBOT_LLM_BASE_URL is set)."""
    model = services.model
    assert model is not None
    where = f"{model.config.model or '(no BRIEFBOT_LLM_MODEL)'} at {model.config.base_url}"
    started = time.monotonic()
    try:
        model.ping()
    except Exception as exc:  # connection refused, 401, 404 model, timeout: all reported
        return Check(
            "language model",
            FAIL,
            f"{where} did not answer ({type(exc).__name__}: {str(exc)[:160]}); briefings and "
            "answers fall back to the deterministic texts",
        )
    return Check("language model", OK, f"{where} answered in {time.monotonic() - started:.1f} s")


def run_checks(services: Services) -> list[Check]:
    from bot.client import make_web_client

    checks = [database_check(services.db)]
    if checks[0].status == FAIL:
        return checks  # nothing below can be read from a database at the wrong schema
    checks += feed_checks(services, datetime.now(UTC))
    if services.model is not None:
        checks.append(model_check(services))
    settings = services.settings
    if not settings.slack_bot_token:
        checks.append(Check("slack token", FAIL, "SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)"))
        return checks
    client = make_web_client(settings)
    token = token_checks(client)
    checks += token
    if token[0].status == FAIL:
        return checks
    channels = {s.channel_id for s in services.briefings.subscriptions() if s.status != "manual"}
    checks += channel_checks(client, channels)
    return checks


@click.command()
@click.option("--json", "as_json", is_flag=True, help='A list of {"check", "status", "detail"}.')
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check the database, the feeds, the Slack token and scopes, and every subscribed channel."""
    settings = settings_from(ctx)
    try:
        services = make_services(settings, upgrade=False, load_packs=False)
    except StorageError as exc:
        checks = [Check("database", FAIL, str(exc))]
    else:
        try:
            checks = run_checks(services)
        finally:
            services.close()
    if as_json:
        echo_json([{"check": c.check, "status": c.status, "detail": c.detail} for c in checks])
    else:
        for c in checks:
            click.echo(f"{c.status:<4}  {c.check}: {c.detail}")
    if any(c.status == FAIL for c in checks):
        ctx.exit(1)
