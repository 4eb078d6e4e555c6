"""One department registry: any name or alias the profiles know works for every front door.

Before, `/ai-brief` accepted `controlling` or `personnel` while `/ai-feeds` refused them, and an
alias added in BRIEFBOT_PROFILES_FILE worked for briefings only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from briefbot.cli import cli
from foundation.settings import Settings
from tests.conftest import BotServer, serve_app
from tests.e2e.test_ai_feeds import answer, command
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient

PROFILES = """\
hr:
  name: HR
  aliases: [people, workforce-team]
  concerns: Workforce, skills and hiring.
  phrases:
    - phrase: hiring
      weight: 1.0
      why: who the company hires
"""


@pytest.fixture
def profiles_file(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    return path


def _feeds(env: dict[str, str]) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["feeds", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_bundled_aliases_work_for_feeds_as_for_briefings(sqlite_url: str) -> None:
    env = {"DATABASE_URL": sqlite_url, "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "1"}
    runner = CliRunner()
    for alias in ("controlling", "personnel", "it-ops", "peopleops"):
        assert runner.invoke(cli, ["brief", alias], env=env).exit_code == 0, alias
    url = "http://127.0.0.1:9/feed.xml"  # nothing listens: --force saves the feed, its fetch fails
    added = runner.invoke(
        cli, ["feeds", "add", url, "-d", "controlling", "-d", "personnel", "--force"], env=env
    )
    assert added.exit_code == 0, added.output
    assert _feeds(env)[0]["departments"] == ["finance", "hr"]
    edited = runner.invoke(cli, ["feeds", "edit", "1", "-d", "it-ops"], env=env)
    assert edited.exit_code == 0, edited.output
    assert _feeds(env)[0]["departments"] == ["operations"]


def test_profiles_file_alias_works_in_cli_feeds_and_briefings(sqlite_url: str, profiles_file: Path) -> None:
    env = {
        "DATABASE_URL": sqlite_url,
        "BRIEFBOT_PROFILES_FILE": str(profiles_file),
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "1",
    }
    runner = CliRunner()
    opml = profiles_file.parent / "in.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        '<outline type="rss" text="A" xmlUrl="http://127.0.0.1:9/a.xml" category="workforce-team"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    imported = runner.invoke(cli, ["feeds", "import", str(opml)], env=env)
    assert imported.exit_code == 0, imported.output
    assert _feeds(env)[0]["departments"] == ["hr"]
    brief = runner.invoke(cli, ["brief", "workforce-team", "--json"], env=env)
    assert brief.exit_code == 0, brief.output
    unknown = runner.invoke(cli, ["feeds", "edit", "1", "-d", "workforce"], env=env)
    assert unknown.exit_code == 1 and "workforce-team" not in unknown.output  # the choices show keys
    assert "Unknown department 'workforce'" in unknown.output


@pytest.fixture
def custom_bot(sqlite_url: str, fake_slack: FakeSlack, profiles_file: Path) -> Iterator[BotServer]:
    from briefbot.services import make_services

    settings = Settings(
        database_url=sqlite_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret="test-secret",
        slack_api_url=fake_slack.url,
        briefbot_allow_private_feeds=True,
        briefbot_admins="UADMIN",
        briefbot_profiles_file=profiles_file,
    )
    services = make_services(settings)
    app, server, thread = serve_app(services)
    client = SignedSlackClient(
        f"http://127.0.0.1:{server.effective_port}",
        "test-secret",
        response_url_factory=fake_slack.response_url,
    )
    yield BotServer(
        url=client.base_url if hasattr(client, "base_url") else "", slack=client, app=app, services=services
    )
    client.close()
    server.close()
    thread.join(timeout=5)
    services.close()


def test_profiles_file_alias_works_in_slash_commands(custom_bot: BotServer, fake_slack: FakeSlack) -> None:
    command(custom_bot, "add http://127.0.0.1:9/feed.xml workforce-team --force")
    reply = answer(fake_slack)
    assert "Unknown department" not in reply["text"]
    feeds = custom_bot.services.feeds.list()
    assert [f.departments for f in feeds] == [("hr",)]
    usage = command(custom_bot, "nonsense")
    assert "`hr` (`people`)" in json.dumps(usage)
