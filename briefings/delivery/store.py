"""The claim ledger (``deliveries``) and channel memory (``delivered_stories``) behind a protocol.

A slot is (subscription, scheduled_for), unique in the table. A claim is an INSERT that does
nothing on conflict; a re-claim is an UPDATE guarded by the row's state and attempt count, so
exactly one process wins either. Every later write of an attempt (renew, finish, fail) matches
only that attempt (status ``claimed``, this worker, the attempt count): a process whose slot was
taken over changes nothing. Each method is one transaction; datetimes are aware UTC. The SQL is
in ``briefings.delivery.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from briefings.slots.slot import Slot

DONE = frozenset({"sent", "quiet", "skipped"})


@dataclass(frozen=True)
class Claim:
    """A slot this process may post, claimed ``at``. ``attempts``: the row's count when this
    attempt claimed it (with the worker, what tells this attempt from a later one);
    ``previous_at``: when the attempt it took over (a stale ``claimed`` or a ``failed`` one)
    claimed the slot, None for a first claim; ``started``: the ``monotonic`` reading at the
    claim."""

    delivery_id: int
    at: datetime
    attempts: int = 1
    previous_at: datetime | None = None
    started: float = 0.0


@dataclass(frozen=True)
class SlotRow:
    """A slot's row as planning and one-off sends read it."""

    status: str
    claimed_at: datetime
    attempts: int
    error: str | None
    message_ts: str | None


@dataclass(frozen=True)
class Finished:
    """How an attempt ended: ``sent`` (with the message's ID and link) or ``quiet``, and the
    stories the channel now remembers."""

    status: str
    message_id: str | None
    story_ids: tuple[int, ...]
    permalink: str | None = None


class DeliveriesStore(Protocol):
    """The claim ledger of one process (``worker``). Thread-safe; each call is a transaction."""

    worker: str

    def claim(self, slot: Slot, *, now: datetime, lease: timedelta, started: float) -> Claim | None:
        """Claim ``slot`` at ``now``: new, ``failed``, or ``claimed`` longer than ``lease`` ago
        (taken over). None when another process has it or it is done."""
        ...

    def renew(self, claim: Claim, at: datetime) -> bool:
        """Move this attempt's claim time to ``at``; False when the slot was taken over."""
        ...

    def finish(self, claim: Claim, slot: Slot, done: Finished, *, now: datetime) -> bool:
        """Record the attempt done (``sent``/``quiet``) and its stories in the channel's memory;
        a ``sent`` slot also advances the subscription's certification rotation and clears its
        failure alert, all in one transaction. False when the slot was taken over meanwhile
        (memory is still recorded: the message is in the channel)."""
        ...

    def fail(self, claim: Claim, error: str) -> None:
        """Mark this attempt ``failed`` (retried by a later tick)."""
        ...

    def give_up(self, slot: Slot, reason: str, now: datetime) -> None:
        """Mark a missing, ``failed`` or stale ``claimed`` slot ``skipped``."""
        ...

    def rows(self, keys: list[tuple[int, datetime]]) -> dict[tuple[int, datetime], SlotRow]:
        """The rows of these (subscription, scheduled_for) slots that exist."""
        ...

    def previous_done(self, subscription_id: int, before: datetime) -> datetime | None:
        """The newest ``sent``/``quiet`` slot of the subscription before ``before``."""
        ...

    def known_stories(self, ids: list[int]) -> list[int]:
        """Those of ``ids`` that are stored stories (memory may refer only to them)."""
        ...

    def prune(self, cutoff: datetime) -> int:
        """Delete old rows (see ``BriefingService.prune_deliveries``); how many went."""
        ...
