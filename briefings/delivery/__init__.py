"""The delivery step: posting briefings to Slack exactly once.

A slot is (subscription, scheduled_for). Before posting, a process *claims* it with an INSERT
that does nothing on conflict with the unique key: if the insert adds no row, another process
(or an earlier tick) has it. Re-claiming is an UPDATE guarded by the row's state, so only one
process can win it:

* ``failed`` slots are retried on later ticks (with a growing pause between attempts) until the
  grace period is over, then marked ``skipped``; their stories are not lost, because the channel's
  memory never recorded them, they stay candidates for the next briefing;
* ``claimed`` slots older than the lease belong to a process that crashed mid-way and are taken
  over.

``claimed_at`` is the moment of the claim (a tick delivers its slots one after another for
minutes, so not the tick's start). A post's retries stop at half the lease, and each re-post first
renews the claim with an UPDATE that matches only this attempt (status, worker, attempt count): if
another process has taken the slot over meanwhile, this one stops and leaves it to them.

A process can die after Slack accepted the post but before the database recorded it. So every
slot's post carries Slack message metadata (event type ``briefbot_briefing``, the slot's
``delivery_key`` and the story IDs), and whoever re-claims a slot first reads the channel's
history since the slot's time (``conversations.history`` with ``include_all_metadata``; any
earlier attempt, not only the last one, may have posted): a message of our own bot (its
``bot_id``, from ``auth.test``) with the same key is recorded as the delivery, with its ``ts`` and
stories, and nothing is posted again. Another app's message with our metadata does not count;
when ``auth.test`` cannot be read, any message with the key counts, with a warning. When the
history cannot be read (``missing_scope``: the app lacks ``channels:history``/``groups:history``;
``not_in_channel``; rate limits after retries; too many messages to page through) the slot is
posted again, with a warning: a rare duplicate beats a lost briefing.

A database error anywhere in a slot (while recording a message found in the channel, say) leaves
the slot ``failed`` for a retry (or ``claimed`` until its lease runs out, when even that cannot be
written), never treated as "not posted": ``deliver()`` returns a ``failed`` outcome and the tick's
other slots go on.

After a post the slot becomes ``sent`` with the message ``ts``, and its stories enter the
channel's memory (``delivered_stories``) in the same transaction. ``not_in_channel``,
``channel_not_found`` and ``is_archived`` pause the subscription and tell the admins by DM.
Persistent failures (``invalid_auth``, ``account_inactive``, ``token_revoked``, a slot given up
on after its retries) are remembered on the subscription (``/ai-brief status`` shows them) and
DM the admins once per subscription and cause, until a briefing is posted again.

This package is the only part of ``briefings`` that knows Slack: the service hands it any
``SlackSink`` (a ``slack_sdk.WebClient`` in practice): 429 honours Retry-After
(``RateLimitErrorRetryHandler``), 5xx, connection errors and timeouts retry with back-off; the
handlers are added to a client that lacks them.

Except for the briefing post itself: re-sending a ``chat.postMessage`` whose answer was lost posts
the briefing twice. The post goes through a copy of the client that keeps only the 429 handler (a
rate-limited call did nothing), and delivery sorts the other failures itself:

* *not sent*: urllib raises ``URLError`` only while connecting or writing the request (refused,
  unreachable, DNS, TLS handshake, a timeout before the request was out), so Slack never had the
  whole request: the post is retried after a pause;
* *ambiguous*: an HTTP 5xx, or any other network error (a read timeout, ``RemoteDisconnected``,
  a connection reset, a truncated answer), comes after the request was written, and Slack may
  have stored the message: after a pause, the channel's history since the claim is searched for
  the slot's key; a message found is recorded as the delivery, else the post is retried. Once an
  answer was lost, every later re-post is preceded by such a search, even after a *not sent*
  failure. When the history cannot be read, the post is retried with a warning, as for a
  re-claimed slot.

When ``POST_RETRY_PAUSES`` run out the slot is marked ``failed`` and left to the next tick, whose
re-claim searches the history first. Slack's ``ok: false`` answers take that path at once (among
them ``internal_error``, which Slack's docs say may follow a partial success).
"""

from briefings.delivery.deliverer import Deliverer
from briefings.delivery.history import EVENT_TYPE, slack_ts
from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.sink import SlackSink, ensure_retry_handlers
from briefings.delivery.slots import Due, SlotOutcome

__all__ = [
    "EVENT_TYPE",
    "ChannelPacer",
    "Deliverer",
    "Due",
    "SlackSink",
    "SlotOutcome",
    "ensure_retry_handlers",
    "slack_ts",
]
