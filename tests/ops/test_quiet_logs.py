"""What ``briefbot run`` writes to its log: one line per refused request and never its body,
no third-party chatter by default, and ``BRIEFBOT_LOG_LEVEL``.

A real process in HTTP mode against the fake Slack Web API, with signed and forged requests.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
from pathlib import Path

import httpx

from briefbot.logs import DropRequestBodies, choose_level, parse_level
from tests.conftest import SIGNING_SECRET
from tests.e2e.bot_process import start_bot as _start
from tests.e2e.test_run_process import BRIEFBOT, _env
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient

SECRET_TEXT = "the-merger-code-is-BLUEBIRD"


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    return proc.stdout.read() if proc.stdout else ""


def _post_oversized(url: str) -> int:
    """A 2 MB body, sent as raw HTTP so the client cannot shortcut it; returns the status."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        body = b"x" * (2 * 1024 * 1024)
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        # Refused from the headers: the server may close before the whole body is sent.
        with contextlib.suppress(OSError):
            sock.sendall(body)
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_refused_requests_are_logged_once_each_and_never_with_their_body(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url, proc = _start(_env(sqlite_url, fake_slack), tmp_path)
    try:
        good = SignedSlackClient(url, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
        assert good.command("/ai-brief", "help").status_code == 200
        forged = SignedSlackClient(url, "not-the-secret").command("/ai-policy", SECRET_TEXT)
        assert forged.status_code == 401
        assert _post_oversized(url) == 413
        malformed = httpx.post(
            url + "/slack/events",
            content=b"payload=%5B1%5D&x=" + SECRET_TEXT.encode(),
            headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"},
        )
        assert malformed.status_code == 400
    finally:
        output = _stop(proc) if proc.poll() is None else ""
    refusals = [line for line in output.splitlines() if "refused a request" in line]
    assert len(refusals) == 3, output
    assert any("signature does not match" in line for line in refusals)
    assert any("413" in line for line in refusals)
    assert any("payload is JSON but not an object" in line for line in refusals)
    assert SECRET_TEXT not in output  # not even URL-encoded: the marker has no characters to escape
    assert "Invalid request signature" not in output
    # Third-party chatter stays out of the default log.
    assert "will be unused" not in output
    assert " apscheduler" not in output and " httpx:" not in output
    assert "lookup indexes ready" in output  # our own INFO lines are still there


def test_log_level_warning_keeps_only_warnings(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url, proc = _start(_env(sqlite_url, fake_slack, BRIEFBOT_LOG_LEVEL="warning"), tmp_path)
    assert SignedSlackClient(url, "forged").command("/ai-brief", "help").status_code == 401
    output = _stop(proc)
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(" WARNING " in line or " ERROR " in line for line in lines), output
    assert any("refused a request" in line for line in lines)


def test_an_unknown_log_level_is_one_clear_line(sqlite_url: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [*BRIEFBOT, "feeds", "list"],
        env=_env(sqlite_url, None, BRIEFBOT_LOG_LEVEL="loud"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "BRIEFBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'loud'" in result.stderr
    assert "Traceback" not in result.stderr


def test_library_log_level_shows_the_schedulers_lines_but_never_a_body(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url, proc = _start(_env(sqlite_url, fake_slack, BRIEFBOT_LIBRARY_LOG_LEVEL="debug"), tmp_path)
    forged = SignedSlackClient(url, "not-the-secret").command("/ai-policy", SECRET_TEXT)
    assert forged.status_code == 401
    output = _stop(proc)
    assert " apscheduler" in output  # its start-up lines are back
    assert SECRET_TEXT not in output


def test_level_choice_and_the_body_filter() -> None:
    assert choose_level(verbose=0, env_value=None, default=logging.INFO) == logging.INFO
    assert choose_level(verbose=0, env_value="error", default=logging.INFO) == logging.ERROR
    assert choose_level(verbose=2, env_value="error", default=logging.INFO) == logging.DEBUG
    assert parse_level(" Warn ") == logging.WARNING
    body_record = logging.LogRecord(
        "slack_bolt.RequestVerification", logging.INFO, __file__, 1, "body: %s", ("x",), None
    )
    ours = logging.LogRecord("bot.http", logging.WARNING, __file__, 1, "refused", (), None)
    assert not DropRequestBodies().filter(body_record)
    assert DropRequestBodies().filter(ours)
