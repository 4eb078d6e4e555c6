"""CLI commands for the feeds package."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this package's commands to the top-level group."""
