"""A slot: one subscription's briefing due at one moment, what happened to it, and its key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The cause recorded when a slot is given up on after its retries (the admins are told once).
RETRIES_EXHAUSTED = "retries exhausted"


@dataclass(frozen=True)
class Slot:
    """The key and channel of a slot."""

    subscription_id: int
    scheduled_for: datetime
    channel_id: str


@dataclass(frozen=True)
class Due:
    """One slot to deliver, with the subscription fields delivery needs."""

    subscription_id: int
    channel_id: str
    department: str
    timezone: str
    quiet_mode: str
    top_n: int
    cert_rotation: int
    created_by: str
    scheduled_for: datetime
    one_off: bool = False
    # A one-off send is keyed by its minute but built from what is stored when it runs: an item
    # a refresh stored earlier in that minute is news to it (the minute's start would miss it).
    built_at: datetime | None = None

    @property
    def as_of(self) -> datetime:
        """The moment the briefing is built "as of": news first seen up to then counts."""
        return self.built_at or self.scheduled_for

    @property
    def slot(self) -> Slot:
        """The ledger's key for this slot."""
        return Slot(self.subscription_id, self.scheduled_for, self.channel_id)


@dataclass(frozen=True)
class SlotOutcome:
    """What happened to one slot.

    ``status``: ``sent`` (posted), ``quiet`` (nothing above the bar, subscription skips quiet
    weeks), ``failed`` (will be retried), ``paused`` (Slack refused the channel), ``busy``
    (another process holds the claim or the slot is already done). ``recovered``: ``sent`` by an
    earlier attempt that died before recording it, or by this attempt's post whose answer was lost;
    found in the channel, not posted again.
    """

    subscription_id: int
    channel_id: str
    department: str
    scheduled_for: datetime
    status: str
    message_ts: str | None = None
    stories: int = 0
    error: str | None = None
    recovered: bool = False


class ClaimLost(Exception):
    """Another process took the slot over (our lease ran out): leave it to them."""


def delivery_key(due: Due) -> str:
    """The slot's key in its message metadata: stable across attempts and processes."""
    return f"{due.subscription_id}@{due.scheduled_for.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def outcome(due: Due, status: str, **kw: Any) -> SlotOutcome:
    """``due``'s outcome with ``status``."""
    return SlotOutcome(due.subscription_id, due.channel_id, due.department, due.scheduled_for, status, **kw)
