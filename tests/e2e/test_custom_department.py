"""A department an admin adds with a description and five example headlines, and no phrases.

It is taggable, subscribable and briefed through the CLI like a bundled one, and its briefing
carries the stories that are about its subject although none uses a phrase it defined.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefbot.cli import cli
from briefbot.services import make_services
from foundation.settings import Settings
from tests.briefings.factory import NOW, NewsFactory

SECURITY = Path(__file__).resolve().parents[1] / "data" / "security_profile.yaml"


def test_security_from_a_description_is_taggable_subscribable_and_briefed(sqlite_url: str) -> None:
    env = {
        "DATABASE_URL": sqlite_url,
        "BRIEFBOT_PROFILES_FILE": str(SECURITY),
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "1",
        "SLACK_BOT_TOKEN": "",
        "BRIEFBOT_ADMINS": "",
    }
    runner = CliRunner()
    added = runner.invoke(
        cli, ["feeds", "add", "http://127.0.0.1:9/sec.xml", "-d", "infosec", "--force"], env=env
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(cli, ["feeds", "list", "--json"], env=env).stdout)
    assert listed[0]["departments"] == ["security"]

    services = make_services(Settings(database_url=sqlite_url, briefbot_profiles_file=SECURITY))
    news = NewsFactory(services.db)
    wire = news.feed("Wire")
    news.item(
        wire,
        "Hackers hide instructions in shared documents to hijack office assistants",
        "Attackers planted invisible text that made the AI chatbot leak files and credentials.",
    )
    news.item(
        wire,
        "Fake invoices written by chatbots fool accounts staff",
        "The phishing emails impersonated suppliers and asked for new bank details.",
    )
    news.item(
        wire, "Museum uses AI to restore faded manuscripts", "Conservators revealed lost lines of text."
    )
    news.item(wire, "Chess engine plays more human-like moves", "It was trained on amateur games.")
    services.close()

    brief = runner.invoke(cli, ["brief", "security", "--json", "--as-of", NOW.isoformat()], env=env)
    assert brief.exit_code == 0, brief.output
    titles = [s["title"] for s in json.loads(brief.stdout)["stories"]]
    assert titles and "Museum" not in " ".join(titles) and "Chess" not in " ".join(titles)
    assert titles[0].startswith("Hackers hide instructions")

    sub = runner.invoke(cli, ["subscribe", "C0SEC", "secops", "--schedule", "daily 08:00"], env=env)
    assert sub.exit_code == 0, sub.output
    assert sub.stdout.startswith("Subscribed C0SEC to the security briefing")
    rows = json.loads(runner.invoke(cli, ["subscriptions", "list", "--json"], env=env).stdout)
    assert [(r["channel_id"], r["department"]) for r in rows] == [("C0SEC", "security")]
    # Without the profiles file the department does not exist, and says so.
    plain = {k: v for k, v in env.items() if k != "BRIEFBOT_PROFILES_FILE"}
    unknown = runner.invoke(cli, ["brief", "security"], env=plain)
    assert unknown.exit_code != 0 and "Unknown department 'security'" in unknown.output
