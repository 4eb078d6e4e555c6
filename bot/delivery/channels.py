"""Slack's names for destinations and people: what a channel ID looks like, who can be DMed,
and how people invite the app."""

from __future__ import annotations

import re

from briefings.errors import InvalidChannel

# The app's name in Slack (slack/manifest.yml display_information.name and bot_user.display_name):
# what people type to invite it, and what they see in the sidebar.
APP_NAME = "AI Briefings"
INVITE = f"/invite @{APP_NAME}"
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{1,31}$")


def check_channel_id(channel_id: str) -> str:
    """A Slack channel ID such as ``C0123ABCD`` (upper-cased); a clear error for ``#general``."""
    value = (channel_id or "").strip().upper()
    if not _CHANNEL.match(value):
        raise InvalidChannel(
            f"{(channel_id or '').strip()[:40]!r} is not a Slack channel ID. Use the ID (e.g. C0123ABCD: "
            "open the channel details in Slack, it is at the bottom), not the #name."
        )
    return value


def is_person(ref: str) -> bool:
    """Whether ``ref`` is a Slack user ID (a person who can be DMed), not ``cli`` or a bot."""
    return ref[:1] in ("U", "W")


class SlackChannels:
    """Slack's rule for destinations (``briefings.delivery.port.Destinations``)."""

    def check(self, ref: str) -> str:
        return check_channel_id(ref)
