"""Block action listeners (buttons in briefings and previews)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """No interactive actions yet; link buttons need only an ack."""
    app.action({"action_id": "open_link"})(lambda ack: ack())
