"""Block action listeners (buttons in briefings, previews, App Home and modals)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import home


def register(app: App) -> None:
    """Link buttons need only an ack; App Home's buttons live in ``home``."""
    app.action({"action_id": "open_link"})(lambda ack: ack())
    home.register(app)
