"""End to end through the real Bolt app over HTTP: help, signature checks, health."""

from __future__ import annotations

import time

import httpx

from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack


def test_signed_help_answers_within_three_seconds(bot_server: BotServer) -> None:
    started = time.monotonic()
    response = bot_server.slack.command("/ai-brief", "help")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    rendered = str(body["blocks"])
    for command in ("/ai-brief", "/ai-policy", "/ai-certs", "/ai-feeds"):
        assert command in rendered
    assert elapsed < 3.0


def test_unknown_subcommand_gets_help_naming_it(bot_server: BotServer) -> None:
    body = bot_server.slack.command("/ai-brief", "frobnicate now").json()
    assert "frobnicate" in str(body["blocks"])
    assert "/ai-policy" in str(body["blocks"])


def test_empty_text_gets_help(bot_server: BotServer) -> None:
    body = bot_server.slack.command("/ai-brief", "").json()
    assert "/ai-certs" in str(body["blocks"])


def test_bad_signature_is_rejected(bot_server: BotServer) -> None:
    body = bot_server.slack.command_body("/ai-brief", "help")
    headers = bot_server.slack.signed_headers(body, content_type="application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    response = httpx.post(bot_server.slack.url, content=body, headers=headers)
    assert response.status_code == 401


def test_unsigned_request_is_rejected(bot_server: BotServer) -> None:
    body = bot_server.slack.command_body("/ai-brief", "help")
    response = httpx.post(
        bot_server.slack.url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 401


def test_stale_request_is_rejected(bot_server: BotServer) -> None:
    response = bot_server.slack.command("/ai-brief", "help", timestamp=int(time.time()) - 360)
    assert response.status_code == 401


def test_healthz_reports_the_database(bot_server: BotServer) -> None:
    response = httpx.get(bot_server.url + "/healthz")
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "ok"
    assert payload["database"]["ok"] is True
    assert payload["database"]["dialect"] in ("sqlite", "postgresql")


def test_app_verifies_its_token_with_auth_test(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    assert fake_slack.calls_to("auth.test")
