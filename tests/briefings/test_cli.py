"""The briefing commands of the CLI, and `briefbot demo`, as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefbot.cli import cli
from briefbot.services import make_services
from foundation.settings import Settings
from tests.briefings.factory import NOW, NewsFactory
from tests.mock_web_api_server import FakeSlack


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SLACK_BOT_TOKEN": "", "BRIEFBOT_ADMINS": ""}


def test_demo_prints_four_briefings_and_lookups_without_touching_the_database(env: dict[str, str]) -> None:
    code, out, err = run(["demo"], env)
    assert code == 0, err
    for name in ("Finance", "Legal", "Operations", "HR"):
        assert f"=== {name} AI briefing · Mon 18 May 2026" in out
    # The samples are a real week of news: every briefing is full, five stories each.
    assert out.count("5 most relevant of ") == 4
    assert "Why it matters to Legal:" in out
    assert "matched:" in out
    # Stories not about AI from feeds tagged for a department stay out of its briefing.
    assert "Share of women on company boards" not in out  # CFO Dive, tagged finance
    assert "Bank of England lays down roadmap" not in out  # Finextra, tagged finance
    assert "/ai-policy" in out and "/ai-certs legal" in out
    # The demo used a throwaway database: the operator's stays empty.
    code, out, _ = run(["subscriptions", "list", "--json"], env)
    assert json.loads(out) == []
    code, out, _ = run(["brief", "legal", "--json"], env)
    assert json.loads(out)["stories"] == []


def test_subscribe_list_pause_resume_unsubscribe(env: dict[str, str]) -> None:
    code, out, err = run(
        ["subscribe", "c0legal", "compliance", "--schedule", "weekdays 08:30", "--tz", "Europe/Berlin"], env
    )
    assert code == 0, err
    assert out.startswith(
        "Subscribed C0LEGAL to the legal briefing (#1): weekdays 08:30 (Europe/Berlin); next "
    )
    code, out, _ = run(["subscribe", "C0LEGAL", "legal", "--schedule", "daily 07:00"], env)
    assert out.startswith(
        "Updated the legal briefing of C0LEGAL (#1): schedule changed to daily 07:00 "
        "(Europe/Berlin, unchanged). Unchanged: 5 stories per briefing, quiet weeks posted as a short "
        "note. Next "
    )
    code, out, _ = run(["subscribe", "C0LEGAL", "legal", "--top", "3", "--quiet", "skip"], env)
    assert out.startswith(
        "Updated the legal briefing of C0LEGAL (#1): 3 stories per briefing (was 5); quiet weeks now skipped "
        "(were posted as a short note). Unchanged: schedule daily 07:00 (Europe/Berlin)."
    )
    code, out, _ = run(["subscriptions", "list", "--json"], env)
    (row,) = json.loads(out)
    assert (row["channel_id"], row["cron"], row["timezone"], row["status"]) == (
        "C0LEGAL",
        "0 7 * * *",
        "Europe/Berlin",
        "active",
    )
    assert (row["top_n"], row["quiet_mode"]) == (3, "skip")
    assert run(["subscriptions", "pause", "1"], env)[1].startswith("Paused #1")
    code, out, _ = run(["subscriptions", "list"], env)
    assert "PAUSED: paused by an admin" in out
    assert "Resumed #1" in run(["subscriptions", "resume", "1"], env)[1]
    assert "Removed #1" in run(["subscriptions", "unsubscribe", "1"], env)[1]
    assert "No subscriptions yet" in run(["subscriptions", "list"], env)[1]


def test_a_change_keeps_every_setting_not_given_and_a_paused_subscription_stays_paused(
    env: dict[str, str],
) -> None:
    run(["subscribe", "C0LEGAL", "legal", "--tz", "Europe/Berlin", "--top", "3", "--quiet", "skip"], env)
    run(["subscriptions", "pause", "1"], env)
    code, out, err = run(["subscribe", "C0LEGAL", "legal", "--schedule", "weekly fri 16:00"], env)
    assert code == 0, err
    assert out == (
        "Updated the legal briefing of C0LEGAL (#1): schedule changed to weekly fri 16:00 (Europe/Berlin, "
        "unchanged). Unchanged: 3 stories per briefing, quiet weeks skipped. Still PAUSED (paused by an "
        "admin): resume it with: briefbot subscriptions resume 1\n"
    )
    (row,) = json.loads(run(["subscriptions", "list", "--json"], env)[1])
    assert (row["schedule"], row["timezone"], row["top_n"], row["quiet_mode"], row["status"]) == (
        "weekly fri 16:00",
        "Europe/Berlin",
        3,
        "skip",
        "paused",
    )
    code, out, _ = run(["subscribe", "C0LEGAL", "legal"], env)
    assert out.startswith(
        "Nothing to change for the legal briefing of C0LEGAL (#1): schedule weekly fri 16:00"
    )
    # A new subscription still gets the defaults: UTC, 5 stories, quiet weeks posted.
    code, out, _ = run(["subscribe", "C0HR", "hr", "--schedule", "weekly fri 16:00"], env)
    assert out.startswith("Subscribed C0HR to the hr briefing (#2): weekly fri 16:00 (UTC); next Fri ")


def test_changing_commands_print_the_changed_subscription_as_json(env: dict[str, str]) -> None:
    code, out, err = run(["subscribe", "C0LEGAL", "legal", "--tz", "Europe/Berlin", "--json"], env)
    assert code == 0, err
    created = json.loads(out)
    assert created["created"] is True and created["before"] is None
    assert created["changed"] == ["schedule", "timezone", "top_n", "quiet_mode"]
    sub = created["subscription"]
    assert (sub["id"], sub["channel_id"], sub["timezone"], sub["status"]) == (
        1,
        "C0LEGAL",
        "Europe/Berlin",
        "active",
    )
    assert sub["next_run"]

    changed = json.loads(
        run(["subscribe", "C0LEGAL", "legal", "--schedule", "daily 07:00", "--json"], env)[1]
    )
    assert (changed["created"], changed["changed"]) == (False, ["schedule"])
    assert changed["before"]["schedule"] == "weekdays 09:00"
    assert (changed["subscription"]["schedule"], changed["subscription"]["timezone"]) == (
        "daily 07:00",
        "Europe/Berlin",
    )

    paused = json.loads(run(["subscriptions", "pause", "1", "--json"], env)[1])
    assert (paused["id"], paused["status"], paused["paused_reason"], paused["next_run"]) == (
        1,
        "paused",
        "paused by an admin",
        None,
    )
    resumed = json.loads(run(["subscriptions", "resume", "1", "--json"], env)[1])
    assert (resumed["status"], resumed["paused_reason"]) == ("active", None) and resumed["next_run"]
    removed = json.loads(run(["subscriptions", "unsubscribe", "1", "--json"], env)[1])
    assert (removed["id"], removed["channel_id"], removed["department"]) == (1, "C0LEGAL", "legal")
    assert json.loads(run(["subscriptions", "list", "--json"], env)[1]) == []


@pytest.mark.parametrize(
    "args",
    [
        ["subscriptions", "pause", "7", "--json"],
        ["subscriptions", "resume", "7", "--json"],
        ["subscriptions", "unsubscribe", "7", "--json"],
        ["subscribe", "C0LEGAL", "legal", "--tz", "Moon/Base", "--json"],
    ],
)
def test_a_refused_change_with_json_is_one_line_on_stderr_and_nothing_on_stdout(
    env: dict[str, str], args: list[str]
) -> None:
    code, out, err = run(args, env)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and (
        "No subscription with ID 7" in err or "Unknown timezone" in err
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["subscribe", "#general", "legal"], "not a Slack channel ID"),
        (["subscribe", "C1", "legal", "--schedule", "sometimes"], "`weekly mon 09:00`"),
        (["subscribe", "C1", "legal", "--tz", "Moon/Base"], "Unknown timezone"),
        (["subscribe", "C1", "marketing"], "Unknown department 'marketing'"),
        (["subscriptions", "unsubscribe", "42"], "No subscription with ID 42"),
        (["brief", "nope"], "Unknown department"),
        (["brief", "legal", "--as-of", "yesterday"], "--as-of must be an ISO date"),
        (["send", "C1", "legal"], "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(
    env: dict[str, str], args: list[str], words: str
) -> None:
    code, out, err = run(args, env)
    assert code == 1
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err
    assert json.loads(run(["subscriptions", "list", "--json"], env)[1]) == []


def test_brief_prints_text_json_and_blocks(env: dict[str, str]) -> None:
    services = make_services(Settings(database_url=env["DATABASE_URL"]))
    news = NewsFactory(services.db)
    news.item(news.feed("Reg", "legal"), "EU AI Act fines <!channel>", "The GDPR regulator fined a chatbot.")
    services.close()
    as_of = ["--as-of", NOW.isoformat()]
    code, text, _ = run(["brief", "legal", *as_of, "--tz", "Europe/Berlin"], env)
    assert code == 0
    assert "1. EU AI Act fines <!channel>" in text  # terminal text is plain; Slack output is escaped
    code, out, _ = run(["brief", "legal", "--json", *as_of], env)
    data = json.loads(out)
    assert data["department"] == "legal" and data["stories"][0]["matched"][0] == "EU AI Act"
    _, out, _ = run(["brief", "legal", "--blocks", *as_of], env)
    message = json.loads(out)
    assert "&lt;!channel&gt;" in json.dumps(message["blocks"]) and "<!channel>" not in json.dumps(message)


def test_send_posts_once_through_the_claimed_path(env: dict[str, str], fake_slack: FakeSlack) -> None:
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.url}
    code, out, err = run(["send", "C0OPS", "ops"], env)
    assert code == 0, err
    assert out.startswith("Sent the operations briefing to C0OPS (0 stories, ts ")
    code, out, _ = run(["send", "C0OPS", "operations"], env)
    assert "not posted twice" in out
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    fake_slack.fail("chat.postMessage", "not_in_channel")
    code, _, err = run(["send", "C0HR", "hr"], env)
    assert code == 1 and "not_in_channel" in err and "/invite @AI Briefings" in err
    # A failed one-off send leaves nothing a user can see or trip on.
    code, out, _ = run(["subscriptions", "list"], env)
    assert code == 0 and "No subscriptions yet" in out


def test_invalid_profiles_override_stops_the_cli_with_the_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "profiles.yaml"
    bad.write_text("legal:\n  phrases:\n    - {phrase: fines, weight: heavy, why: x}\n", encoding="utf-8")
    code, out, err = run(["brief", "legal"], {**env, "BRIEFBOT_PROFILES_FILE": str(bad)})
    assert code == 1
    assert f"{bad}, line 3" in err and "weight of 'fines'" in err
    assert "Traceback" not in out + err
