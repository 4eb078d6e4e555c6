"""Channels as Slack knows them: an argument typed by people (a channel ID, or ``#name`` resolved
via conversations.list), the channels a user is in, and whether the bot is in one."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.channels import INVITE
from foundation.errors import BriefbotError

log = logging.getLogger(__name__)

# Slack channel IDs: C (public), G (private) or D (direct), then letters and digits, always with a
# digit somewhere, so that a name such as "general" is not taken for the ID "GENERAL".
_CHANNEL_ID = re.compile(r"^[CGD](?=[A-Z0-9]*[0-9])[A-Z0-9]+$")
_NAME = re.compile(r"^#([a-z0-9][a-z0-9_-]{0,79})$")
PAGE_SIZE = 200
CHANNEL_PAGES = 5  # users.conversations pages (200 channels each) read for a reader's Home


class ChannelNotFound(BriefbotError):
    """The argument is neither a channel ID nor the ``#name`` of a channel the bot can see."""


def looks_like_channel_id(value: str) -> bool:
    """True for ``C0123ABCD``-style IDs (given in either case)."""
    return bool(_CHANNEL_ID.match(value.strip().upper()))


def channel_id_of(value: str, client: WebClient | None) -> str:
    """The channel ID for ``value``: an ID as given (upper-cased), or ``#name`` looked up with
    conversations.list (needs ``client``). Anything else is a ``ChannelNotFound`` saying what to type."""
    text = (value or "").strip()
    if looks_like_channel_id(text):
        return text.upper()
    match = _NAME.match(text.lower())
    if not match:
        raise ChannelNotFound(
            f"{text[:40]!r} is not a Slack channel ID or #name. Use the ID (e.g. C0123ABCD: open the "
            "channel details in Slack, it is at the bottom) or the name with its #, e.g. #general."
        )
    if client is None:
        raise ChannelNotFound(
            f"{text[:40]} is a name, not a Slack channel ID: set SLACK_BOT_TOKEN to look it up, "
            "or use the ID (e.g. C0123ABCD)"
        )
    name = match.group(1)
    cursor = None
    try:
        while True:
            page = client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=PAGE_SIZE, cursor=cursor
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        raise ChannelNotFound(
            f"could not look up #{name} in Slack ({exc.response.get('error')}); use the channel ID"
        ) from exc
    raise ChannelNotFound(f"no channel #{name} that the bot can see; check the name or use the channel ID")


def member_channels(client: WebClient, user_id: str) -> set[str] | None:
    """The channels ``user_id`` is in (as far as the bot may see), None when Slack refuses."""
    found: set[str] = set()
    cursor = None
    try:
        for _ in range(CHANNEL_PAGES):
            page = client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            found.update(c["id"] for c in page.get("channels") or [] if c.get("id"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        log.warning("users.conversations failed for %s: %s", user_id, exc.response.get("error"))
        return None
    return found


def membership_warning(client: WebClient, channel_id: str, *, here: bool = False) -> str:
    """A warning when the bot is not in the channel (its briefings would be refused and paused);
    ``here``: the channel the command was typed in."""
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError:
        return ""
    if info.get("is_member") is False:
        if here:
            return f"\n:warning: I am not in this channel yet: `{INVITE}` before the first briefing."
        return f"\n:warning: I am not in that channel yet: `{INVITE}` there before the first briefing."
    return ""
