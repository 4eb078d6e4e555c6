"""``run``, ``demo`` and ``db`` commands."""

from __future__ import annotations

import click

from briefbot.cli.common import echo_json, services_from, settings_from


@click.command()
@click.option(
    "--port",
    default=3000,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar="BRIEFBOT_PORT",
    help="HTTP port (/slack/events, /healthz, /metrics); default from BRIEFBOT_PORT.",
)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option(
    "--threads", default=32, show_default=True, type=click.IntRange(1, 256), help="HTTP worker threads."
)
@click.pass_context
def run(ctx: click.Context, port: int, host: str, threads: int) -> None:
    """Run the bot: Slack (HTTP or Socket Mode), the scheduler and feed refresh."""
    from bot.app import check_slack_settings
    from briefbot.runtime import run as run_bot
    from foundation.errors import ConfigurationError

    try:
        check_slack_settings(settings_from(ctx))
        # In Socket Mode the port only serves health checks: a busy default port is not fatal.
        explicit = ctx.get_parameter_source("port") != click.core.ParameterSource.DEFAULT
        run_bot(services_from(ctx), host=host, port=port, threads=threads, port_required=explicit)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Offline demo: bundled sample feeds -> the four department briefings, plus sample lookups."""
    from briefbot.demo import run_demo

    run_demo(settings_from(ctx))


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--json", "as_json", is_flag=True, help="The revision before and after, as JSON.")
@click.pass_context
def db_upgrade(ctx: click.Context, as_json: bool) -> None:
    """Apply migrations up to the newest schema."""
    from storage import Database

    database = Database(settings_from(ctx).database_url)
    try:
        before = database.check().get("revision")
        database.upgrade()
        after = database.check()["revision"]
        if as_json:
            echo_json({"database": database.safe_url, "before": before, "revision": after})
        else:
            click.echo(f"database at {database.safe_url} is at revision {after}")
    finally:
        database.dispose()
