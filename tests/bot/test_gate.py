"""The one admin gate (``bot.gate.AdminGate``) on every surface that changes curation, through
signed requests into the real Bolt app: a non-admin is refused with the refusal table's text and
exactly one ``refused`` audit row, and nothing of the listener runs; an admin passes.

``BRIEFBOT_SUBSCRIBE_ADMINS_ONLY`` is on here, so the subscription surfaces are gated too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.gate import AdminGate
from bot.refusals import CANNOT_CHECK, REFUSALS, Subject, Surface
from foundation.settings import Settings
from storage.audit import recent_entries
from tests.bot.test_modals import feed_values, subscribe_values
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import block_actions, view_submission

READER = "UREADER"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"briefbot_subscribe_admins_only": True})


@dataclass(frozen=True)
class Case:
    """One curation surface: how to send it, where its refusal shows, what the audit row names."""

    name: str
    surface: Surface
    subject: Subject
    target: str
    send: Callable[[BotServer, str], Any]  # (bot, user_id) -> the ack body

    @property
    def text(self) -> str:
        return REFUSALS[self.surface, self.subject]


def _command(command: str, text: str) -> Callable[[BotServer, str], Any]:
    def send(bot: BotServer, user_id: str) -> Any:
        response = bot.slack.command(command, text, user_id=user_id, channel_id="CLEGAL")
        assert response.status_code == 200
        return response.json() if response.content else {}

    return send


def _click(action_id: str, value: str | None = None) -> Callable[[BotServer, str], Any]:
    def send(bot: BotServer, user_id: str) -> Any:
        started = time.monotonic()
        response = bot.slack.interaction(block_actions(action_id, user_id=user_id, value=value))
        assert response.status_code == 200 and time.monotonic() - started < 3.0
        return response.json() if response.content else {}

    return send


def _submit(callback_id: str, values: dict[str, Any], metadata: str = "") -> Callable[[BotServer, str], Any]:
    def send(bot: BotServer, user_id: str) -> Any:
        payload = view_submission(callback_id, values, user_id=user_id, private_metadata=metadata)
        response = bot.slack.interaction(payload)
        assert response.status_code == 200
        return response.json() if response.content else {}

    return send


FEED_URL = "https://feeds.example.com/ai.xml"
SLASH, MODAL, HOME = Surface.SLASH_COMMAND, Surface.MODAL, Surface.APP_HOME
FEEDS, BRIEFINGS = Subject.FEEDS, Subject.BRIEFINGS
CASES = [
    Case("ai-feeds", SLASH, FEEDS, "/ai-feeds remove 3", _command("/ai-feeds", "remove 3")),
    Case(
        "ai-brief subscribe",
        SLASH,
        BRIEFINGS,
        "/ai-brief subscribe legal",
        _command("/ai-brief", "subscribe legal"),
    ),
    Case("ai-brief mute", SLASH, BRIEFINGS, "/ai-brief mute crypto", _command("/ai-brief", "mute crypto")),
    Case("home_add_feed", HOME, FEEDS, "home_add_feed", _click("home_add_feed")),
    Case("home_starter", HOME, FEEDS, "home_starter", _click("home_starter")),
    Case("feed_pause", HOME, FEEDS, "feed_pause 7", _click("feed_pause", "7")),
    Case("feed_resume", HOME, FEEDS, "feed_resume 7", _click("feed_resume", "7")),
    Case("feed_refresh", HOME, FEEDS, "feed_refresh 7", _click("feed_refresh", "7")),
    Case("home_subscribe", HOME, BRIEFINGS, "home_subscribe", _click("home_subscribe")),
    Case(
        "home_edit_subscription",
        HOME,
        BRIEFINGS,
        "home_edit_subscription 4",
        _click("home_edit_subscription", "4"),
    ),
    Case("add_feed", MODAL, FEEDS, "add_feed", _submit("add_feed", feed_values(FEED_URL, ["legal"]))),
    Case(
        "add_feed_preview",
        MODAL,
        FEEDS,
        "add_feed_preview",
        _submit("add_feed_preview", {}, json.dumps({"url": FEED_URL, "departments": ["legal"]})),
    ),
    Case(
        "subscribe_channel",
        MODAL,
        BRIEFINGS,
        "subscribe_channel",
        _submit("subscribe_channel", subscribe_values()),
    ),
]


def _refused(bot: BotServer) -> list[Any]:
    return [e for e in recent_entries(bot.services.db, 20) if e.action == "refused"]


def _shown(case: Case, ack: Any, fake: FakeSlack) -> str:
    """The refusal text the user reads on ``case``'s surface."""
    if case.surface is SLASH:
        assert ack["response_type"] == "ephemeral"
        return str(ack["text"])
    if case.surface is MODAL:
        if ack["response_action"] == "errors":
            [text] = ack["errors"].values()
            return str(text)
        assert ack["response_action"] == "update" and ack["view"]["callback_id"] == "refused"
        return str(ack["view"]["blocks"][0]["text"]["text"])
    assert ack == {}
    view = fake.wait_for("views.open", timeout=5).args["view"]
    assert view["callback_id"] == "refused"
    return str(view["blocks"][0]["text"]["text"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_non_admin_is_refused_with_the_tables_text_and_one_audit_row(
    bot_server: BotServer, fake_slack: FakeSlack, case: Case
) -> None:
    ack = case.send(bot_server, READER)
    assert _shown(case, ack, fake_slack) == case.text
    [row] = _refused(bot_server)
    assert (row.actor, row.target, row.detail) == (
        READER,
        case.target,
        {"surface": str(case.surface), "reason": "not an admin"},
    )
    # Nothing of the listener ran: nothing changed, nothing was fetched or opened for curation.
    services = bot_server.services
    assert services.feeds.list() == [] and services.briefings.subscriptions() == []
    assert fake_slack.calls_to("response_url") == []
    if case.surface is HOME:  # the stale Home is republished without admin controls
        view = fake_slack.wait_for("views.publish", timeout=10).args["view"]
        assert "home_add_feed" not in json.dumps(view)
    assert [c.args["view"]["callback_id"] for c in fake_slack.calls_to("views.open")] in ([], ["refused"])


UNSURE = [CASES[0], CASES[3], CASES[10]]  # one of each kind: slash command, Home button, modal


@pytest.mark.parametrize("case", UNSURE, ids=[c.name for c in UNSURE])
def test_when_slack_cannot_say_the_user_is_asked_to_retry_on_every_kind_of_surface(
    bot_server: BotServer, fake_slack: FakeSlack, case: Case
) -> None:
    fake_slack.rate_limit("users.info", times=10, retry_after=30)
    ack = case.send(bot_server, "UMAYBE")
    assert _shown(case, ack, fake_slack) == CANNOT_CHECK
    [row] = _refused(bot_server)
    assert row.detail == {"surface": str(case.surface), "reason": "admin rights could not be checked"}


def test_an_admin_passes_the_gate_on_every_kind_of_surface(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    # Slash command: the listener runs (and answers about the feed on the response URL).
    assert "only briefing admins" not in json.dumps(_command("/ai-feeds", "remove 3")(bot_server, "UADMIN"))
    answer = fake_slack.wait_for("response_url", timeout=10).args
    assert "No feed #3" in json.dumps(answer)
    # block_actions: the button opens its modal.
    assert _click("home_add_feed")(bot_server, "UADMIN") == {}
    assert fake_slack.wait_for("views.open", timeout=5).args["view"]["callback_id"] == "add_feed"
    # view_submission: the form is checked (here: its URL), not refused.
    ack = _submit("add_feed", feed_values("not a url", ["legal"]))(bot_server, "UADMIN")
    assert ack["response_action"] == "errors" and "only briefing admins" not in ack["errors"]["url"]
    # A workspace admin (from users.info, not BRIEFBOT_ADMINS) passes as well.
    fake_slack.users["UWSADMIN"] = {"is_admin": True}
    assert _click("home_subscribe")(bot_server, "UWSADMIN") == {}
    opened = fake_slack.wait_for("views.open", count=2, timeout=5).args["view"]
    assert opened["callback_id"] == "subscribe_channel"
    assert _refused(bot_server) == []


CURATION_IDS = {
    "/ai-feeds",
    "/ai-brief",
    "home_add_feed",
    "home_starter",
    "home_subscribe",
    "home_edit_subscription",
    "feed_pause",
    "feed_resume",
    "feed_refresh",
    "add_feed",
    "add_feed_preview",
    "subscribe_channel",
}


def test_every_curation_listener_is_behind_the_gate(bot_server: BotServer) -> None:
    """A new curation listener registered without the gate fails here, not in production."""
    gated: set[str] = set()
    for listener in bot_server.app._listeners:
        if not any(isinstance(m, AdminGate) for m in listener.middleware):
            continue
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            for cell in getattr(func, "__closure__", None) or ():
                if isinstance(cell.cell_contents, str) and cell.cell_contents in CURATION_IDS:
                    gated.add(cell.cell_contents)
    assert gated == CURATION_IDS
