"""Signed but malformed payloads (``bot.payloads``): a 400 and one log line, never a 500 or a
traceback, whatever field has the wrong type; well-formed but impossible values get a polite
answer from the listener."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import (
    app_home_opened,
    block_actions,
    message_action,
    message_block_actions,
    view_submission,
)

Payload = Callable[[], dict[str, Any]]

MALFORMED: dict[str, Payload] = {
    "user is a list": lambda: {
        **block_actions("feed_pause", user_id="UADMIN", value="1"),
        "user": ["UADMIN"],
    },
    "user id is a list": lambda: {**block_actions("feed_pause", value="1"), "user": {"id": ["UADMIN"]}},
    "user id is not a Slack id": lambda: block_actions("feed_pause", user_id="²", value="1"),
    "button value is a list": lambda: block_actions("feed_pause", user_id="UADMIN", value=["1"]),  # type: ignore[arg-type]
    "button value of 100 kB": lambda: block_actions("feed_pause", user_id="UADMIN", value="9" * 100_000),
    "actions is a string": lambda: {**block_actions("feed_pause", user_id="UADMIN"), "actions": "x"},
    "an action is a string": lambda: {**block_actions("feed_pause", user_id="UADMIN"), "actions": ["x"]},
    "view without type": lambda: {
        **view_submission("add_feed", {}, user_id="UADMIN"),
        "view": {"id": "V1", "callback_id": "add_feed"},
    },
    "view values is a list": lambda: {
        **view_submission("add_feed", {}, user_id="UADMIN"),
        "view": {"id": "V1", "type": "modal", "callback_id": "add_feed", "state": {"values": []}},
    },
    "input value is a list": lambda: view_submission(
        "subscribe_channel", {"top": {"top": {"type": "number_input", "value": ["3"]}}}, user_id="UADMIN"
    ),
    "vote channel is a list": lambda: {
        **message_block_actions("story_useful", channel_id="C1", message_ts="1.1", value="legal:1"),
        "channel": ["C1"],
    },
    "shortcut message is a list": lambda: {**message_action("ask_policy", "x"), "message": ["x"]},
    "shortcut text is a list": lambda: {**message_action("ask_policy", "x"), "message": {"text": ["x"]}},
}

MALFORMED_EVENTS: dict[str, Payload] = {
    "home user is a list": lambda: app_home_opened(["U1"]),  # type: ignore[arg-type]
    "event is a list": lambda: {**app_home_opened("U1"), "event": ["x"]},
    "home tab is a list": lambda: {
        **app_home_opened("U1"),
        "event": {"type": "app_home_opened", "user": "U1", "tab": ["home"]},
    },
}


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # the test's client


def _one_line_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    deadline = time.monotonic() + 1
    while not _ours(caplog) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # anything a listener would log after the answer shows up by now
    records = _ours(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None
    assert len(records[0].getMessage()) < 400, "the log line names the field, not the payload"


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_interactions_get_400_and_one_log_line(
    bot_server: BotServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    response = bot_server.slack.interaction(MALFORMED[name]())
    assert response.status_code == 400
    _one_line_no_traceback(caplog)
    assert [c.method for c in fake_slack.calls if c.method != "auth.test"] == [], "nothing was done with it"


@pytest.mark.parametrize("name", list(MALFORMED_EVENTS))
def test_malformed_events_get_400_and_one_log_line(
    bot_server: BotServer, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    response = bot_server.slack.event(MALFORMED_EVENTS[name]())
    assert response.status_code == 400
    _one_line_no_traceback(caplog)


@pytest.mark.parametrize("value", ["²", "1" * 25, "0", "-3", "#"])
def test_impossible_feed_ids_on_a_button_get_a_polite_notice(
    bot_server: BotServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    caplog.set_level(logging.WARNING)
    response = bot_server.slack.interaction(block_actions("feed_refresh", user_id="UADMIN", value=value))
    assert response.status_code == 200
    notice = fake_slack.wait_for("views.open").args["view"]
    assert "That feed id is not valid." in str(notice)
    assert not [r for r in caplog.records if r.exc_info]
