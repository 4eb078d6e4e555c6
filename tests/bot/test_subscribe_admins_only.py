"""With BRIEFBOT_SUBSCRIBE_ADMINS_ONLY, subscribe_channel follows /ai-brief subscribe: admins only."""

from __future__ import annotations

import pytest

from foundation.settings import Settings
from storage.audit import recent_entries as recent_audit
from tests.bot.test_app_home import click
from tests.bot.test_modals import submit, subscribe_values
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"briefbot_subscribe_admins_only": True})


def test_readers_cannot_open_or_submit_subscribe_channel(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    click(bot_server, "home_subscribe", user_id="UREADER")
    assert fake_slack.wait_for("views.open").args["view"]["callback_id"] == "refused"
    ack = submit(bot_server, "subscribe_channel", subscribe_values(), user_id="UREADER")
    assert ack["response_action"] == "errors" and "only briefing admins" in ack["errors"]["channel"]
    assert bot_server.services.briefings.subscriptions() == []
    targets = {e.target for e in recent_audit(bot_server.services.db, 5) if e.action == "refused"}
    assert targets == {"home_subscribe", "subscribe_channel"}

    click(bot_server, "home_subscribe", user_id="UADMIN")
    assert fake_slack.wait_for("views.open", count=2).args["view"]["callback_id"] == "subscribe_channel"


def test_when_admin_rights_cannot_be_checked_commands_are_refused_and_audited(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit("users.info", times=10, retry_after=30)
    for command, text in (("/ai-feeds", "remove 3"), ("/ai-brief", "subscribe legal")):
        response = bot_server.slack.command(command, text, user_id="UMAYBE")
        assert response.status_code == 200 and "couldn't check your admin rights" in response.json()["text"]
    refused = [e for e in recent_audit(bot_server.services.db, 5) if e.action == "refused"]
    assert sorted((e.actor, e.target, e.detail["reason"]) for e in refused) == [
        ("UMAYBE", "/ai-brief subscribe legal", "admin rights could not be checked"),
        ("UMAYBE", "/ai-feeds remove 3", "admin rights could not be checked"),
    ]
