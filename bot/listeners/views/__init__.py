"""Modal submissions (``view_submission``) and the options their external selects load
(``block_suggestion``). Each module exposes ``register(app)``."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import add_feed, department_options, subscribe_channel


def register(app: App) -> None:
    add_feed.register(app)
    subscribe_channel.register(app)
    department_options.register(app)
