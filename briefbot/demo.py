"""``briefbot demo``: offline, from the bundled sample feeds, no Slack account."""

from __future__ import annotations

from pathlib import Path

import click

from briefbot.services import Services

SAMPLES = Path(__file__).resolve().parent.parent / "feeds" / "data" / "samples"


def run_demo(services: Services) -> None:
    click.echo(f"Sample feeds from {SAMPLES}; database {services.db.safe_url}")
