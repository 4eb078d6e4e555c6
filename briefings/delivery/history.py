"""Finding a slot's message in its channel: has an earlier attempt (or a post whose answer was
lost) already delivered it? Only our own bot's messages with the slot's key count."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from briefings.delivery.sink import SlackSink, describe
from briefings.delivery.slots import Due

log = logging.getLogger(__name__)

EVENT_TYPE = "briefbot_briefing"
# Looking for an earlier attempt's message: start this long before that attempt claimed the slot
# (our clock and Slack's may disagree), read pages of this size, and give up after so many pages
# (a busy channel; apps outside the Slack Marketplace get 15 messages a request, once a minute).
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_PAGE = 200
HISTORY_PAGES = 5
_SCOPE_HINT = " (the app needs the channels:history and groups:history scopes)"


def slack_ts(moment: datetime) -> str:
    """``moment`` as a Slack timestamp (``oldest``/``latest`` arguments)."""
    return f"{moment.timestamp():.6f}"


class HistoryTooLong(Exception):
    """More messages since the earlier attempt than we page through."""


class History:
    """Searches channels for a slot's message; remembers our bot's ID per token. Thread-safe."""

    def __init__(self) -> None:
        self._bot_ids: dict[str, str] = {}
        self._guard = threading.Lock()

    def bot_id(self, client: SlackSink) -> str | None:
        """Our bot's ID (``auth.test``, asked once per token): only its messages count as a
        slot's post, or any app could suppress a briefing by posting our metadata. None, with a
        warning, when Slack does not say: then any message with the key counts."""
        token = client.token or ""
        with self._guard:
            known = self._bot_ids.get(token)
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
        with self._guard:
            self._bot_ids[token] = found
        return found

    def search(
        self, client: SlackSink, channel: str, key: str, *, oldest: datetime
    ) -> tuple[tuple[str, Any] | None, str | None]:
        """``scan_history`` for our bot's messages that never raises: (found, None), or (None,
        why the history could not be read)."""
        try:
            return scan_history(client, channel, key, oldest=oldest, bot_id=self.bot_id(client)), None
        except HistoryTooLong as exc:
            return None, str(exc)
        except Exception as exc:  # Slack unreachable, missing_scope...: the caller decides what next
            return None, describe(exc)


def scan_history(
    client: SlackSink, channel: str, key: str, *, oldest: datetime, bot_id: str | None
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


def warn_posting_again(due: Due, what: str, reason: str, when: str = "") -> None:
    """The channel history could not be read, so the slot is posted again: say why."""
    log.warning(
        "could not check whether %s the %s briefing for %s due %s%s (%s); posting it again%s",
        what,
        due.department,
        due.channel_id,
        due.scheduled_for.isoformat(),
        when,
        reason,
        _SCOPE_HINT if reason == "missing_scope" else "",
    )
