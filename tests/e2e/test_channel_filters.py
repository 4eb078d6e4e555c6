"""Channel keyword filters end to end: signed /ai-brief mute|boost|filters into the real Bolt
app, the CLI twin, and what the channel's next posted briefing shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefbot.cli import cli
from briefings.delivery import ChannelPacer
from storage.audit import Actor, recent
from tests.briefings.factory import NewsFactory
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def command(
    bot: BotServer, fake: FakeSlack, text: str, *, user: str = "UADMIN", channel: str = "CMUTE"
) -> Any:
    before = len(fake.calls_to("response_url"))
    assert bot.slack.command("/ai-brief", text, user_id=user, channel_id=channel).status_code == 200
    return fake.wait_for("response_url", count=before + 1, timeout=10)


def _titles(fake: FakeSlack, channel: str) -> list[str]:
    call = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel][-1]
    return [
        b["text"]["text"] for b in call.args["blocks"] if b["type"] == "section" and "*<" in b["text"]["text"]
    ]


def test_mute_and_boost_shape_only_this_channels_briefing(
    bot_server: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    svc = bot_server.services
    svc.briefings.clock = lambda: T0
    svc.briefings.deliverer.pacer = ChannelPacer(0)
    news = NewsFactory(svc.db)
    when = T0 - timedelta(hours=2)
    for i, title in enumerate(
        [
            "Crypto exchange fined by privacy regulator over its AI chatbot",
            "Regulator opens GDPR probe into chatbot",
            "Court weighs copyright lawsuit over AI-generated lyrics",
            "Privacy watchdog reviews AI facial recognition",
        ]
    ):
        news.item(news.feed(f"Outlet {i}", "legal"), title, "", published_at=when, first_seen_at=when)

    answer = command(bot_server, fake_slack, "mute Crypto")
    assert "muted “crypto”" in answer.args["text"] and answer.args["response_type"] == "in_channel"
    again = command(bot_server, fake_slack, "mute crypto")
    assert "is already muted" in again.args["text"]
    assert (
        "boosted “privacy watchdog”" in command(bot_server, fake_slack, "boost privacy watchdog").args["text"]
    )
    listing = command(bot_server, fake_slack, "filters").args
    assert listing["response_type"] == "ephemeral"
    assert "Muted: crypto" in listing["text"] and "Boosted: privacy watchdog" in listing["text"]
    assert "Which phrase?" in command(bot_server, fake_slack, "mute").args["text"]
    with svc.db.read() as session:
        actions = [(e.action, e.target) for e in recent(session)]
    assert ("filter.mute", "CMUTE") in actions and ("filter.boost", "CMUTE") in actions

    client = make_web_client(settings)
    for channel in ("CMUTE", "CPLAIN"):
        svc.briefings.send_now(SlackSink(client), channel, "legal", actor=Actor.slack("UADMIN"), now=T0)
    muted, plain = _titles(fake_slack, "CMUTE"), _titles(fake_slack, "CPLAIN")
    assert not any("Crypto" in t for t in muted) and any("Crypto" in t for t in plain)

    def rank(titles: list[str]) -> int:
        return next(i for i, t in enumerate(titles) if "Privacy watchdog" in t)

    assert rank(muted) < rank(plain)
    assert "boosted here: privacy watchdog" in json.dumps(
        [c.args["blocks"] for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "CMUTE"]
    )

    assert "unmuted “crypto”" in command(bot_server, fake_slack, "unmute crypto").args["text"]
    assert "was not muted" in command(bot_server, fake_slack, "unmute crypto").args["text"]


def test_cli_twin_changes_lists_and_shows_filters_in_subscriptions_list(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SLACK_BOT_TOKEN": "", "BRIEFBOT_ADMINS": ""}
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    done = runner.invoke(cli, ["filters", "C0FILTERS", "mute", "Model", "launch"], env=env)
    assert done.exit_code == 0, done.output
    assert "mute 'model launch': done." in done.output
    runner.invoke(cli, ["filters", "C0FILTERS", "boost", "GDPR"], env=env)
    shown = runner.invoke(cli, ["filters", "C0FILTERS", "--json"], env=env)
    data = json.loads(shown.stdout)
    assert data["mute"] == ["model launch"] and data["boost"] == ["gdpr"] and data["learned"] == []
    text = runner.invoke(cli, ["filters", "C0FILTERS"], env=env).stdout
    assert "Muted: model launch" in text and "Learned from votes: nothing yet" in text
    runner.invoke(cli, ["subscribe", "C0FILTERS", "legal"], env=env)
    listing = runner.invoke(cli, ["subscriptions", "list"], env=env).stdout
    assert "filters: muted model launch; boosted gdpr" in listing
    bad = runner.invoke(cli, ["filters", "C0FILTERS", "mute"], env=env)
    assert bad.exit_code != 0 and "Which phrase?" in bad.output and "Traceback" not in bad.output
