"""Slash commands. Each module exposes ``register(app)``; handlers read services from context."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands import ai_brief, ai_certs, ai_feeds, ai_policy


def register(app: App) -> None:
    ai_brief.register(app)
    ai_policy.register(app)
    ai_certs.register(app)
    ai_feeds.register(app)
