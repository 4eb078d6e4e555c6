"""Block action listeners (buttons in briefings, previews, App Home and modals)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import feedback, home


def register(app: App) -> None:
    """Link buttons need only an ack; App Home's buttons live in ``home``, the story votes of
    briefings in ``feedback``."""
    app.action({"action_id": "open_link"})(lambda ack: ack())
    home.register(app)
    feedback.register(app)
