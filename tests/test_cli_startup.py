"""Start-up of a short CLI command: each command's module loads only when it runs.

``briefbot --help`` shows summaries kept in ``briefbot.cli.COMMANDS``; they must stay the
commands' own help, and a feeds command must not pay for Slack, the ranker or Alembic.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from briefbot.cli import COMMANDS, cli


def test_help_summaries_are_the_commands_own() -> None:
    ctx = click.Context(cli)
    for name, (_module, _attr, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=10**6) == summary, name


def test_help_lists_every_command_and_unknown_ones_are_refused() -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["--help"])
    assert shown.exit_code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in shown.output
    unknown = runner.invoke(cli, ["fedes", "list"])
    assert unknown.exit_code == 2 and "No such command 'fedes'" in unknown.output


_PROBE = """
import json, sys
from briefbot.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="briefbot")
except SystemExit:
    pass
loaded = [m for m in ("slack_sdk", "slack_bolt", "alembic", "sqlalchemy", "briefings.service", "feedparser")
          if m in sys.modules]
print(json.dumps(loaded), file=sys.stderr)
"""


def _loaded(args: list[str], tmp_path: Path) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return loaded


def test_help_imports_no_database_or_slack_code(tmp_path: Path) -> None:
    assert _loaded(["--help"], tmp_path) == []


def test_a_feeds_command_on_a_current_database_skips_slack_and_alembic(tmp_path: Path) -> None:
    first = _loaded(["feeds", "list"], tmp_path)  # a new database: Alembic creates the schema
    assert "alembic" in first
    again = _loaded(["feeds", "list"], tmp_path)
    assert again == ["sqlalchemy"]
