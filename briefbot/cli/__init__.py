"""The ``briefbot`` command line: its commands and options are a public contract (README, "Command line").

Each top-level command's module is imported only when that command runs: ``briefbot feeds
refresh`` (run from cron, or timed by an admin) should not pay for importing Slack's SDK, the
briefing ranker and the policy index it never uses. ``--help`` reads the one-line summaries
below; ``tests/test_cli_startup.py`` holds them equal to each command's own help.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import sys
from typing import Any

import click

from briefbot.cli.common import BriefbotGroup
from briefbot.logs import choose_level, configure_logging, parse_level
from foundation import __version__

# name -> (module, attribute, the command's short help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": (
        "briefbot.cli.core",
        "run",
        "Run the bot: Slack (HTTP or Socket Mode), the scheduler and feed refresh.",
    ),
    "demo": (
        "briefbot.cli.core",
        "demo",
        "Offline demo: bundled sample feeds -> the four department briefings, plus sample lookups.",
    ),
    "db": ("briefbot.cli.core", "db", "Database maintenance."),
    "feeds": (
        "briefbot.cli.feeds",
        "feeds",
        "Curate the feeds briefings are built from (add, list, pause, refresh, OPML).",
    ),
    "items": ("briefbot.cli.feeds", "items", "Stored feed items."),
    "brief": (
        "briefbot.cli.briefings",
        "brief",
        "Build DEPARTMENT's briefing now and print it (nothing is posted).",
    ),
    "subscribe": (
        "briefbot.cli.subscriptions",
        "subscribe",
        'Give CHANNEL_ID (or #name) the DEPARTMENT briefing on a schedule (default "weekdays 09:00" UTC).',
    ),
    "subscriptions": (
        "briefbot.cli.subscriptions",
        "subscriptions",
        "List, pause, resume or remove channel subscriptions.",
    ),
    "send": (
        "briefbot.cli.briefings",
        "send",
        "Deliver one DEPARTMENT briefing to CHANNEL_ID now (claimed like a scheduled slot).",
    ),
    "filters": (
        "briefbot.cli.briefings",
        "filters",
        "Show CHANNEL_ID's keyword filters and what its votes taught its briefings, or change them: "
        "mute|unmute|boost|unboost PHRASE.",
    ),
    "policy": (
        "briefbot.cli.knowledge",
        "policy_command",
        "Answer a policy question (same answer as /ai-policy); no QUERY lists the policies.",
    ),
    "certs": (
        "briefbot.cli.knowledge",
        "certs_command",
        "Recommend AI certifications (same as /ai-certs); no arguments gives an overview.",
    ),
    "knowledge": ("briefbot.cli.knowledge", "knowledge_group", "Policy and certification data packs."),
    "audit": (
        "briefbot.cli.audit",
        "audit_group",
        "The audit log: every curation change and every refused attempt.",
    ),
    "doctor": (
        "briefbot.cli.doctor",
        "doctor",
        "Check the database, the feeds, the Slack token and scopes, and every subscribed channel.",
    ),
    "starter": (
        "briefbot.cli.starter",
        "starter",
        "Add the bundled starter pack of real AI news feeds (all departments, or --department D).",
    ),
}


class LazyGroup(BriefbotGroup):
    """The top-level group: a command's module is imported when the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command = getattr(importlib.import_module(entry[0]), entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        width = formatter.width - 6 - max(len(name) for name in COMMANDS)
        # A stand-in command shortens each summary exactly as click shortens a real one.
        rows = [
            (name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(width))
            for name in sorted(COMMANDS)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(__version__, "--version", prog_name="briefbot", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """AI briefings bot: department-tailored AI news, policies and certifications in Slack.

    Shell completion: eval "$(_BRIEFBOT_COMPLETE=bash_source briefbot)" (zsh_source, fish_source).
    """
    # The bot tells what it does at INFO; a one-shot command stays quiet unless asked.
    default = logging.INFO if ctx.invoked_subcommand == "run" else logging.WARNING
    try:
        level = choose_level(verbose=verbose, env_value=os.environ.get("BRIEFBOT_LOG_LEVEL"), default=default)
        libraries = os.environ.get("BRIEFBOT_LIBRARY_LOG_LEVEL", "").strip()
        configure_logging(
            level,
            os.environ.get("BRIEFBOT_LOG_FORMAT", "text").strip().lower() or "text",
            library_level=parse_level(libraries, "BRIEFBOT_LIBRARY_LOG_LEVEL")
            if libraries
            else logging.WARNING,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.ensure_object(dict)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point (``briefbot`` and ``python -m briefbot``); never returns.

    The command has closed what it opened (database, parse workers, HTTP clients) by the time
    click returns, so the process ends at once instead of tearing down every imported module
    one by one, which took 0.15-0.2 s after a ``feeds refresh``.
    """
    # The bot's collector settings (briefbot.runtime): a command allocates in bursts (a
    # refresh makes about ten objects per item stored) over a heap of long-lived module
    # objects, and the default thresholds spent 0.18 s of a 10,000-item refresh re-scanning it.
    gc.set_threshold(50_000, 20, 100)
    try:
        cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="briefbot")
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (``briefbot feeds list | head``) is not an error of ours.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
