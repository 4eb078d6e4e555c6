"""/ai-feeds."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App


def ai_feeds_callback(ack: Ack, command: dict[str, Any]) -> None:
    ack(text="/ai-feeds is not available yet. Try /ai-brief help.", response_type="ephemeral")


def register(app: App) -> None:
    app.command("/ai-feeds")(ai_feeds_callback)
