"""Modal submissions (``view_submission``). Each module exposes ``register(app)``."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import add_feed, subscribe_channel


def register(app: App) -> None:
    add_feed.register(app)
    subscribe_channel.register(app)
