"""Finding a slot's message in its Slack channel: has an earlier attempt (or a post whose answer
was lost) already delivered it? Only our own bot's messages with the slot's key count.

Every slot's post carries Slack message metadata (event type ``briefbot_briefing``, the slot's
``delivery_key`` and the story IDs); the history is read with ``include_all_metadata``. A message
of our own bot (its ``bot_id``, from ``auth.test``) with the same key is the slot's post. Another
app's message with our metadata does not count; when ``auth.test`` cannot be read, any message
with the key counts, with a warning.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.delivery.errors import describe
from briefings.delivery.port import Posted, Unreadable

if TYPE_CHECKING:
    from bot.delivery.sink import WebApi

log = logging.getLogger(__name__)

EVENT_TYPE = "briefbot_briefing"
# Read pages of this size, and give up after so many pages (a busy channel; apps outside the
# Slack Marketplace get 15 messages a request, once a minute).
HISTORY_PAGE = 200
HISTORY_PAGES = 5
SCOPE_HINT = " (the app needs the channels:history and groups:history scopes)"


def slack_ts(moment: datetime) -> str:
    """``moment`` as a Slack timestamp (``oldest``/``latest`` arguments)."""
    return f"{moment.timestamp():.6f}"


class HistoryTooLong(Exception):
    """More messages since the earlier attempt than we page through."""


# Our bot's ID per (Slack API URL, token), asked once per process.
_BOT_IDS: dict[tuple[str, str], str] = {}
_BOT_IDS_GUARD = threading.Lock()


class History:
    """Searches channels for a slot's message. Thread-safe."""

    def bot_id(self, client: WebApi) -> str | None:
        """Our bot's ID (``auth.test``, asked once per token): only its messages count as a
        slot's post, or any app could suppress a briefing by posting our metadata. None, with a
        warning, when Slack does not say: then any message with the key counts."""
        token = (str(getattr(client, "base_url", "")), client.token or "")
        with _BOT_IDS_GUARD:
            known = _BOT_IDS.get(token)
        if known is not None:
            return known
        try:
            found = client.auth_test().get("bot_id")
        except Exception as exc:
            log.warning(
                "auth.test failed (%s): a message of any app carrying a slot's key counts as posted",
                describe(exc),
            )
            return None
        if not isinstance(found, str) or not found:
            log.warning("auth.test named no bot_id: a message of any app carrying a slot's key counts")
            return None
        with _BOT_IDS_GUARD:
            _BOT_IDS[token] = found
        return found

    def search(
        self, client: WebApi, channel: str, key: str, *, oldest: datetime
    ) -> Posted | Unreadable | None:
        """``scan_history`` for our bot's messages that never raises: what was found (None:
        nothing), or why the history could not be read."""
        try:
            found = scan_history(client, channel, key, oldest=oldest, bot_id=self.bot_id(client))
        except HistoryTooLong as exc:
            return Unreadable(str(exc))
        except Exception as exc:  # Slack unreachable, missing_scope...: the caller decides what next
            reason = describe(exc)
            return Unreadable(reason, SCOPE_HINT if reason == "missing_scope" else "")
        return None if found is None else Posted(*found)


def scan_history(
    client: WebApi, channel: str, key: str, *, oldest: datetime, bot_id: str | None
) -> tuple[str, Any] | None:
    """(ts, story IDs from the metadata) of the channel's message carrying ``key``, posted by
    ``bot_id`` (any bot when None), newest first since ``oldest``; None when there is none.
    Raises what the Web API raises."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=channel,
            oldest=slack_ts(oldest),
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if bot_id is not None and message.get("bot_id") != bot_id:
                continue
            if metadata.get("event_type") == EVENT_TYPE and payload.get("delivery_key") == key:
                return str(message["ts"]), payload.get("story_ids")
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    raise HistoryTooLong(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages since the earlier attempt")
