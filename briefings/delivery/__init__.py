"""The delivery step: posting briefings exactly once, through a port the front door implements.

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

A process can die after the door accepted the post but before the database recorded it. So every
slot's post carries the slot's key (``delivery_key``) and its story IDs, and whoever re-claims a
slot first asks the sink for a message with that key posted since the slot's time (any earlier
attempt, not only the last one, may have posted): one found is recorded as the delivery, with its
ID and stories, and nothing is posted again. When the sink cannot search (``Unreadable``) the slot
is posted again, with a warning: a rare duplicate beats a lost briefing.

A database error anywhere in a slot (while recording a message found in the channel, say) leaves
the slot ``failed`` for a retry (or ``claimed`` until its lease runs out, when even that cannot be
written), never treated as "not posted": ``deliver()`` returns a ``failed`` outcome and the tick's
other slots go on.

After a post the slot becomes ``sent`` with the message ID, and its stories enter the channel's
memory (``delivered_stories``) in the same transaction. A failure the sink classifies as
``PAUSE`` pauses the subscription and tells the admins; ``PERSISTENT`` failures, and a slot given
up on after its retries, are remembered on the subscription (``/ai-brief status`` shows them) and
tell the admins once per subscription and cause, until a briefing is posted again.

The post itself is never retried by the sink (re-sending a post whose answer was lost posts the
briefing twice); delivery sorts the failures by the sink's ``classify``:

* *not sent*: the door never had the whole request: the post is retried after a pause;
* *ambiguous*: the door may have stored the message: after a pause, the destination is searched
  for the slot's key since the claim; a message found is recorded as the delivery, else the post
  is retried. Once an answer was lost, every later re-post is preceded by such a search, even
  after a *not sent* failure. When the search cannot read, the post is retried with a warning.

When ``POST_RETRY_PAUSES`` run out the slot is marked ``failed`` and left to the next tick, whose
re-claim searches first. Any other answer takes that path at once.

Nothing here imports a front door: Slack's sink (metadata, history, retry handlers, error codes)
is ``bot.delivery``.
"""

from briefings.delivery.deliverer import HISTORY_MARGIN, Deliverer
from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.port import BriefingSink, Failure, FailureKind, Notice, Outgoing, Posted, Unreadable

__all__ = [
    "HISTORY_MARGIN",
    "BriefingSink",
    "ChannelPacer",
    "Deliverer",
    "Failure",
    "FailureKind",
    "Notice",
    "Outgoing",
    "Posted",
    "Unreadable",
]
