"""Slack as the briefings' delivery port (``briefings.delivery.port.BriefingSink``).

``SlackSink`` posts a slot's briefing with Slack message metadata (event type
``briefbot_briefing``, the slot's ``delivery_key`` and the story IDs) so a re-claimed slot can be
found in ``conversations.history`` (``include_all_metadata``; only our own bot's messages, by the
``bot_id`` of ``auth.test``, count) instead of being posted twice; reaches admins by DM
(``conversations.open``); links posted briefings (``chat.getPermalink``); and says what Slack's
answers mean (``errors``): ``not_in_channel``, ``channel_not_found`` and ``is_archived`` pause a
subscription; ``invalid_auth``, ``account_inactive`` and ``token_revoked`` are persistent.

Retry policy: 429 honours Retry-After (``RateLimitErrorRetryHandler``), 5xx, connection errors
and timeouts retry with back-off, added once to the client the sink is built on
(``ensure_retry_handlers``, in ``briefbot.services``). The briefing post itself goes through a
copy of that client that keeps only the 429 handler (a rate-limited call did nothing), and
``post_failure`` sorts the rest: urllib raises ``URLError`` only while connecting or writing the
request (refused, unreachable, DNS, TLS handshake, a timeout before the request was out), so Slack
never had the whole request (*not sent*); an HTTP 5xx, or any other network error (a read
timeout, ``RemoteDisconnected``, a reset, a truncated answer) comes after the request was written,
and Slack may have stored the message (*ambiguous*). Slack's ``ok: false`` answers are neither
(among them ``internal_error``, which Slack's docs say may follow a partial success): the slot is
left for the next tick's re-claim, which searches first. History reads that fail
(``missing_scope``: the app lacks ``channels:history``/``groups:history``; ``not_in_channel``;
rate limits after retries; too many messages to page through) make the slot post again, with a
warning.
"""

from bot.delivery.sink import SlackSink, ensure_retry_handlers

__all__ = ["SlackSink", "ensure_retry_handlers"]
