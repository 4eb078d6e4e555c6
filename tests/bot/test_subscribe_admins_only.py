"""With BRIEFBOT_SUBSCRIBE_ADMINS_ONLY, subscribe_channel follows /ai-brief subscribe: admins only."""

from __future__ import annotations

import pytest

from foundation.settings import Settings
from storage.home_read import recent_audit
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
