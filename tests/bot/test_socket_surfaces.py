"""App Home, the ask_policy shortcut and story votes over Socket Mode: a real ``briefbot run``
process, the fake Socket Mode server delivering ``events_api`` and ``interactive`` envelopes, the
fake Web API."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefings.feedback.sql import SqlFeedback
from storage import Database
from storage.models import DeliveredStory
from tests.briefings.factory import NewsFactory
from tests.e2e.test_run_process import BRIEFBOT
from tests.e2e.test_socket_mode import _socket_env
from tests.mock_web_api_server import FakeSlack, validate_blocks, validate_view
from tests.slack_requests import (
    app_home_opened,
    assistant_message,
    assistant_thread_started,
    block_actions,
    message_action,
    message_block_actions,
)
from tests.socket_mode_server import FakeSocketMode


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake_slack.socket_mode_url = server.url
        yield server


@pytest.fixture
def socket_bot(
    sqlite_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> Iterator[subprocess.Popen]:
    env = _socket_env(sqlite_url, fake_slack, BRIEFBOT_ADMINS="UADMIN")
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", "0", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if not socket_mode.wait_connected(timeout=30):
        proc.kill()
        pytest.fail(f"no Socket Mode connection:\n{proc.stdout.read() if proc.stdout else ''}")
    yield proc
    proc.kill()
    proc.wait()


def test_home_and_its_add_feed_button_work_over_socket_mode(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    ack = socket_mode.wait_ack(socket_mode.send_envelope("events_api", app_home_opened("UADMIN")))
    assert ack.latency < 3.0
    home = fake_slack.wait_for("views.publish", timeout=10).args
    assert home["user_id"] == "UADMIN" and validate_view(home["view"]) == []
    assert "home_add_feed" in str(home["view"]["blocks"])

    ack = socket_mode.wait_ack(
        socket_mode.send_envelope("interactive", block_actions("home_add_feed", user_id="UADMIN"))
    )
    assert ack.latency < 3.0
    modal = fake_slack.wait_for("views.open", timeout=10).args["view"]
    assert modal["callback_id"] == "add_feed" and validate_view(modal) == []


def test_ask_policy_answers_over_socket_mode(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    payload = message_action(
        "ask_policy", "can I paste customer data into ChatGPT?", response_url=fake_slack.response_url()
    )
    started = time.monotonic()
    socket_mode.wait_ack(socket_mode.send_envelope("interactive", payload))
    assert time.monotonic() - started < 3.0
    answer = fake_slack.wait_for("response_url", timeout=10).args
    assert answer["response_type"] == "ephemeral" and validate_blocks(answer["blocks"]) == []
    assert "Customer and personal data in prompts" in str(answer["blocks"])


def test_a_story_vote_is_stored_and_thanked_over_socket_mode(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack, sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    news = NewsFactory(db)
    _, story_id = news.item(news.feed("Reg Watch", "legal"), "Court weighs copyright lawsuit over lyrics")
    with db.session() as session:  # a briefing posted it in the channel
        session.add(DeliveredStory(channel_id="CSOCK", story_id=story_id))
    payload = message_block_actions(
        "story_not_useful", channel_id="CSOCK", message_ts="1.1", value=f"legal:{story_id}", user_id="U7"
    )
    ack = socket_mode.wait_ack(socket_mode.send_envelope("interactive", payload))
    assert ack.latency < 3.0
    thanks = fake_slack.wait_for("chat.postEphemeral", timeout=10).args
    assert thanks["channel"] == "CSOCK" and thanks["user"] == "U7"
    assert "fewer stories like it" in thanks["text"]
    votes = SqlFeedback(db).votes("CSOCK", "legal")
    assert [(v.user_id, v.useful, v.source) for v in votes] == [("U7", False, "Reg Watch")]
    db.dispose()


def test_a_malformed_envelope_is_acked_and_logged_once_without_a_traceback(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    malformed = {**block_actions("feed_pause", user_id="UADMIN", value="1"), "actions": "not a list"}
    ack = socket_mode.wait_ack(socket_mode.send_envelope("interactive", malformed))
    assert ack.latency < 3.0
    home = socket_mode.wait_ack(socket_mode.send_envelope("events_api", app_home_opened("UADMIN")))
    assert home.latency < 3.0  # the connection is still serving
    fake_slack.wait_for("views.publish", timeout=10)
    socket_bot.kill()
    output = socket_bot.communicate(timeout=10)[0]
    assert "refused a Socket Mode interactive envelope: block_actions payload: actions" in output
    assert "Traceback" not in output


def test_assistant_pane_answers_over_socket_mode(
    socket_bot: subprocess.Popen, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    ack = socket_mode.wait_ack(socket_mode.send_envelope("events_api", assistant_thread_started("U1")))
    assert ack.latency < 3.0
    prompts = fake_slack.wait_for("assistant.threads.setSuggestedPrompts", timeout=10).args
    assert prompts["channel_id"] == "DU1"
    message = assistant_message("U1", "Can I paste customer data into ChatGPT?")
    ack = socket_mode.wait_ack(socket_mode.send_envelope("events_api", message))
    assert ack.latency < 3.0
    fake_slack.wait_for("assistant.threads.setStatus", timeout=10)
    answer = fake_slack.wait_for("chat.postMessage", count=2, timeout=10).args
    assert answer["thread_ts"] == message["event"]["thread_ts"]
    assert "Customer and personal data in prompts" in answer["text"]
    assert validate_blocks(answer["blocks"]) == []
