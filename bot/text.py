"""Parsing helpers for slash-command text and mrkdwn escaping."""

from __future__ import annotations


def split_command(text: str | None) -> tuple[str, list[str]]:
    """``"subscribe legal weekdays 09:00"`` -> ``("subscribe", ["legal", "weekdays", "09:00"])``."""
    parts = (text or "").split()
    if not parts:
        return "", []
    return parts[0].lower(), parts[1:]


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences (``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
