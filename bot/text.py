"""Parsing helpers for slash-command text (Slack text rules live in ``bot.slack_text``)."""

from __future__ import annotations

from bot.slack_text import escape_mrkdwn


def split_command(text: str | None) -> tuple[str, list[str]]:
    """``"subscribe legal weekdays 09:00"`` -> ``("subscribe", ["legal", "weekdays", "09:00"])``."""
    parts = (text or "").split()
    if not parts:
        return "", []
    return parts[0].lower(), parts[1:]


__all__ = ["escape_mrkdwn", "split_command"]
