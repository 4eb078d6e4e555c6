"""`briefbot run` as an operator starts it: a real OS process, HTTP mode, fake Slack."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SIGNING_SECRET
from tests.e2e.bot_process import BRIEFBOT, _free_port, start_bot
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient


def _env(db_url: str, fake: FakeSlack | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
    env["DATABASE_URL"] = db_url
    if fake is not None:
        env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url)
    env.update(extra)
    return env


@pytest.fixture
def running_bot(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    url, proc = start_bot(_env(db_url, fake_slack), tmp_path)
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_run_answers_signed_help_and_refuses_bad_signature(
    running_bot: tuple[str, subprocess.Popen], fake_slack: FakeSlack
) -> None:
    url, proc = running_bot
    client = SignedSlackClient(url, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
    ok = client.command("/ai-brief", "help")
    assert ok.status_code == 200
    assert "/ai-policy" in ok.text
    bad = SignedSlackClient(url, "wrong-secret").command("/ai-brief", "help")
    assert bad.status_code == 401
    health = httpx.get(url + "/healthz").json()
    assert health["database"]["ok"] is True
    assert health["scheduler"]["running"] is True
    # The first question after a start finds the policy index already built.
    first = client.command("/ai-policy", "can I paste customer data into ChatGPT?")
    assert first.status_code == 200 and first.json().get("blocks")

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    output = proc.stdout.read() if proc.stdout else ""
    assert "lookup indexes ready in" in output
    assert "Traceback" not in output
    assert "xoxb-test" not in output  # secrets are never logged


def _failed_run(env: dict[str, str], cwd: Path) -> str:
    """Run ``briefbot run`` expecting it to refuse to start; return its stderr."""
    result = subprocess.run(
        [*BRIEFBOT, "run", "--port", "0"], env=env, cwd=cwd, capture_output=True, text=True, timeout=90
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    return result.stderr


def test_run_without_token_names_the_variable(sqlite_url: str, tmp_path: Path) -> None:
    assert "SLACK_BOT_TOKEN" in _failed_run(_env(sqlite_url, None), tmp_path)


def test_run_without_signing_secret_names_the_variable(sqlite_url: str, tmp_path: Path) -> None:
    stderr = _failed_run(_env(sqlite_url, None, SLACK_BOT_TOKEN="xoxb-test"), tmp_path)
    assert "SLACK_SIGNING_SECRET" in stderr


def test_run_with_unreachable_slack_says_so(sqlite_url: str, tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    env = _env(
        sqlite_url,
        None,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=f"http://127.0.0.1:{port}/api/",
    )
    assert "Slack" in _failed_run(env, tmp_path)
