"""A `send` right after a feed is added and refreshed posts what `brief` shows, nothing else.

Seen in production: the first `send` to a legal channel in the minute its feed was refreshed
posted two non-AI archive items (a football result, a weather warning); a minute later the right
stories. The feed and Slack are real HTTP on loopback; the commands are the operator's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from briefbot.cli import cli
from tests.feeds.conftest import FeedServer, feed_reply, item
from tests.mock_web_api_server import FakeSlack

NON_AI = {
    "Local football club wins the county cup after extra time",
    "Weather service warns of storms and flooding this weekend",
}


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def archive(now: datetime) -> list[dict[str, object]]:
    ago = lambda hours: now - timedelta(hours=hours)  # noqa: E731
    return [
        item(
            "fine",
            title="Regulator fines chatbot maker under the EU AI Act for training on personal data",
            description="The data protection authority says the AI company had no lawful basis.",
            date=ago(30),
        ),
        item(
            "sanction",
            title="Court sanctions lawyers for AI-invented citations in a brief",
            description="The judge said generative AI output must be checked before filing.",
            date=ago(50),
        ),
        item("football", title=sorted(NON_AI)[0], description="A late goal settled the final.", date=ago(20)),
        item("weather", title=sorted(NON_AI)[1], description="Rivers may burst their banks.", date=ago(25)),
        item(
            "old",
            title="Older story: state AI law on automated decisions takes effect",
            description="Employers using AI in hiring must give notice.",
            date=ago(24 * 20),
        ),
    ]


def test_send_right_after_refresh_posts_only_what_brief_shows(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'send.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BRIEFBOT_ADMINS": "",
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "true",
    }
    server = FeedServer()
    try:
        now = datetime.now(UTC)
        url = server.route("/legal.xml", feed_reply(archive(now), title="Legal wire"))
        code, _, err = run(["feeds", "add", url, "-d", "legal"], env)
        assert code == 0, err
        fresh = item(
            "live",
            title="Privacy regulator opens inquiry into AI hiring tool's use of employee data",
            description="The watchdog asks whether the AI vendor complied with data protection law.",
        )
        server.route("/legal.xml", feed_reply([fresh, *archive(now)], title="Legal wire"))
        code, _, err = run(["feeds", "refresh", "--all"], env)
        assert code == 0, err

        code, out, err = run(["send", "C0LEGAL", "legal", "--json"], env)
        assert code == 0, err
        assert json.loads(out)["status"] == "sent"
        (posted,) = fake_slack.calls_to("chat.postMessage")
        message = json.dumps(posted.args)
        code, out, _ = run(["brief", "legal", "--json"], env)
        shown = {s["title"] for s in json.loads(out)["stories"]}
    finally:
        server.close()

    assert shown, "the preview shows the week's legal AI stories"
    for title in NON_AI:
        assert title not in message
    posted_titles = {t for t in shown | {fresh["title"], *(i["title"] for i in archive(now))} if t in message}
    assert posted_titles, "the briefing posted stories"
    assert posted_titles <= shown, f"posted but not in the preview: {posted_titles - shown}"
    # The story the refresh just stored is news to a send in the same minute.
    assert fresh["title"] in message
    assert "Catch-up" in message  # the channel's first briefing says it looks back a week
