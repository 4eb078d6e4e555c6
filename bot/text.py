"""Parsing helpers for slash-command text (Slack text rules live in ``bot.slack_text``)."""

from __future__ import annotations

import re

from bot.slack_text import escape_mrkdwn

# Slack clients (macOS above all) turn a typed "--" into an em dash, or an en dash, or another
# dash-like character: "—top 3" is "--top 3".
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Slack may send links as <https://x> or <https://x|label> when it formats the command text.
_SLACK_LINK = re.compile(r"^<([^|>]+)(?:\|[^>]*)?>$")


def is_switch(word: str, name: str) -> bool:
    """Whether ``word`` is the switch ``--name`` (a value-less flag), however Slack dashed it."""
    return word[:1] in DASHES and word.lstrip(DASHES).lower() == name


def split_command(text: str | None) -> tuple[str, list[str]]:
    """``"subscribe legal weekdays 09:00"`` -> ``("subscribe", ["legal", "weekdays", "09:00"])``."""
    parts = (text or "").split()
    if not parts:
        return "", []
    return parts[0].lower(), parts[1:]


def clean_url(token: str) -> str:
    """A URL as typed, with Slack's ``<url|label>`` formatting removed."""
    match = _SLACK_LINK.match(token.strip())
    return match.group(1) if match else token.strip()


__all__ = ["DASHES", "clean_url", "escape_mrkdwn", "is_switch", "split_command"]
