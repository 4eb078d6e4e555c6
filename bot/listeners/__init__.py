"""Register every listener on the app (no decorators firing at import time)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, assistant, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    events.register(app)
    views.register(app)
    shortcuts.register(app)
    assistant.register(app)
