"""Validation at the door (issue 9): impossible feed hosts, channel arguments, empty schedules,
OPML imports with nothing valid; through the CLI and the slash commands as people use them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefbot.cli import cli
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack, validate_blocks


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(sqlite_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    return {
        "DATABASE_URL": sqlite_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BRIEFBOT_ADMINS": "",
    }


@pytest.mark.parametrize("url", ["ht!tp://::", "http://{{7*7}}/feed", "http://a_b!$'()*+,;=.test/"])
def test_slash_command_refuses_impossible_hosts_with_a_reason(
    bot_server: BotServer, fake_slack: FakeSlack, url: str
) -> None:
    started = time.monotonic()
    assert bot_server.slack.command("/ai-feeds", f"add {url} finance", user_id="UADMIN").status_code == 200
    assert time.monotonic() - started < 3.0
    answer = fake_slack.wait_for("response_url", timeout=10).args
    assert "invalid host name" in answer["text"] and "InvalidURL" not in answer["text"]
    assert validate_blocks(answer["blocks"]) == []
    assert bot_server.services.feeds.list() == []


def test_a_bare_name_is_not_taken_for_a_channel_id(env: dict[str, str]) -> None:
    code, _out, err = run(["subscribe", "general", "hr"], env)
    assert code == 1 and "not a Slack channel ID or #name" in err
    assert json.loads(run(["subscriptions", "list", "--json"], env)[1]) == []


def test_a_hash_name_is_resolved_with_conversations_list(env: dict[str, str], fake_slack: FakeSlack) -> None:
    fake_slack.channels.update({f"C0{i:07d}": {"name": f"team-{i}"} for i in range(250)})
    fake_slack.channels["C0GENERAL1"] = {"name": "general"}
    code, out, err = run(["subscribe", "#general", "hr"], env)
    assert code == 0, err
    assert out.startswith("Subscribed C0GENERAL1 to the hr briefing")
    assert len(fake_slack.calls_to("conversations.list")) == 2  # paged past the first 200
    code, _out, err = run(["subscribe", "#nowhere", "hr"], env)
    assert code == 1 and "no channel #nowhere" in err


def test_an_explicitly_empty_schedule_is_an_error(env: dict[str, str]) -> None:
    code, _out, err = run(["subscribe", "C0LEGAL", "legal", "--schedule", ""], env)
    assert code == 1 and "--schedule is empty" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(["subscribe", "C0LEGAL", "legal"], env)  # none given: the default
    assert code == 0 and "weekdays 09:00" in out, err


def _opml(tmp_path: Path, *outlines: str) -> str:
    path = tmp_path / "feeds.opml"
    path.write_text('<opml version="2.0"><body>' + "".join(outlines) + "</body></opml>")
    return str(path)


def test_an_import_with_nothing_valid_fails_and_a_partial_one_says_what_was_skipped(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = _opml(
        tmp_path,
        '<outline type="rss" text="X" xmlUrl="http://{{7*7}}/feed" category="hr"/>',
        '<outline type="rss" text="Y" xmlUrl="javascript:alert(1)" category="hr"/>',
    )
    code, out, err = run(["feeds", "import", bad], env)
    assert code == 1 and "nothing imported: all 2 outlines were invalid" in err
    assert "invalid  X: invalid host name" in out
    code, out, _err = run(["feeds", "import", bad, "--json"], env)
    assert code == 1 and json.loads(out)["invalid"] == 2

    mixed = _opml(
        tmp_path,
        '<outline type="rss" text="A" xmlUrl="https://a.example/feed" category="finance"/>',
        '<outline type="rss" text="X" xmlUrl="http://{{7*7}}/feed" category="hr"/>',
    )
    code, out, err = run(["feeds", "import", mixed], env)
    assert code == 0, err
    assert "1 added, 0 skipped, 1 invalid" in out and "invalid  X: invalid host name" in out
