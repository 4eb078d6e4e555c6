"""The ``briefbot`` command line: its commands and options are a public contract (README, "Command line")."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from briefbot.cli import audit as audit_cli
from briefbot.cli import briefings as briefings_cli
from briefbot.cli import core as core_cli
from briefbot.cli import doctor as doctor_cli
from briefbot.cli import feeds as feeds_cli
from briefbot.cli import knowledge as knowledge_cli
from briefbot.cli.common import BriefbotGroup
from briefbot.logs import configure_logging


@click.group(cls=BriefbotGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """AI briefings bot: department-tailored AI news, policies and certifications in Slack."""
    level = logging.WARNING - 10 * min(verbose, 2)
    try:
        configure_logging(level, os.environ.get("BRIEFBOT_LOG_FORMAT", "text").strip().lower() or "text")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.ensure_object(dict)


for module in (core_cli, feeds_cli, briefings_cli, knowledge_cli, audit_cli, doctor_cli):
    module.register(cli)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="briefbot")
