"""Shortcuts (message and global). Each module exposes ``register(app)``."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.shortcuts import ask_policy


def register(app: App) -> None:
    ask_policy.register(app)
