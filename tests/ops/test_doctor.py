"""`briefbot doctor` as an operator runs it: the real CLI, a real database, the fake Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from briefbot.cli import cli
from storage import Database
from storage.models import Feed
from tests.mock_web_api_server import FakeSlack


@pytest.fixture
def env(db_url: str, fake_slack: FakeSlack) -> Iterator[dict[str, str]]:
    database = Database(db_url)
    database.upgrade()
    database.dispose()
    yield {
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "1",
    }


def doctor(env: dict[str, str]) -> tuple[int, list[dict[str, str]]]:
    result = CliRunner().invoke(cli, ["doctor", "--json"], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def by_check(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["check"]: r for r in rows}


def test_healthy_install_passes_every_check(env: dict[str, str]) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["subscribe", "C0LEGAL", "legal", "--schedule", "weekdays 09:00"], env=env
        ).exit_code
        == 0
    )
    code, rows = doctor(env)
    checks = by_check(rows)
    assert code == 0, rows
    assert checks["database"]["status"] == "ok"
    assert checks["slack token"]["status"] == "ok"
    assert checks["token scopes"]["status"] == "ok"
    assert checks["channel C0LEGAL"]["status"] == "ok"
    assert {r["status"] for r in rows} <= {"ok", "warn"}


def test_missing_scope_and_channel_problems_fail_with_what_to_do(
    env: dict[str, str], fake_slack: FakeSlack
) -> None:
    runner = CliRunner()
    for channel in ("C0GONE", "C0PRIV", "C0PUB"):
        result = runner.invoke(cli, ["subscribe", channel, "hr", "--schedule", "daily 09:00"], env=env)
        assert result.exit_code == 0, result.output
    assert fake_slack.scopes is not None
    fake_slack.scopes.remove("channels:history")
    fake_slack.channels["C0GONE"] = {"is_archived": True}
    fake_slack.channels["C0PRIV"] = {"is_member": False, "is_private": True}
    fake_slack.channels["C0PUB"] = {"is_member": False}
    code, rows = doctor(env)
    checks = by_check(rows)
    assert code == 1
    assert checks["token scopes"]["status"] == "fail"
    assert "channels:history" in checks["token scopes"]["detail"]
    assert checks["channel C0GONE"]["status"] == "fail" and "archived" in checks["channel C0GONE"]["detail"]
    assert checks["channel C0PRIV"]["status"] == "fail" and "/invite" in checks["channel C0PRIV"]["detail"]
    assert checks["channel C0PUB"]["status"] == "warn"


def test_refused_token_is_a_failure(env: dict[str, str], fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    code, rows = doctor(env)
    assert code == 1
    assert by_check(rows)["slack token"]["status"] == "fail"
    assert "invalid_auth" in by_check(rows)["slack token"]["detail"]


def test_feed_failing_for_over_a_day_fails(env: dict[str, str], db_url: str) -> None:
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "feeds",
            "add",
            "http://127.0.0.1:9/feed.xml",
            "--department",
            "legal",
            "--name",
            "Dead feed",
            "--force",
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    database = Database(db_url)
    with database.session() as session:
        session.execute(
            update(Feed).values(
                error_count=9,
                last_error="connection refused",
                last_error_at=datetime.now(UTC),
                last_success_at=datetime.now(UTC) - timedelta(days=3),
            )
        )
    database.dispose()
    code, rows = doctor(env)
    failing = [r for r in rows if r["check"].startswith("feed ")]
    assert code == 1
    assert len(failing) == 1 and failing[0]["status"] == "fail"
    assert "Dead feed" in failing[0]["detail"] and "connection refused" in failing[0]["detail"]


def test_stale_schema_fails_and_names_the_fix(tmp_path: Path, fake_slack: FakeSlack) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    database.upgrade("0001")
    database.dispose()
    result = CliRunner().invoke(
        cli,
        ["doctor"],
        env={"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.url},
    )
    assert result.exit_code == 1
    assert "briefbot db upgrade" in result.stdout
    assert result.stdout.startswith("fail")
