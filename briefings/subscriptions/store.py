"""The ``subscriptions`` table behind a protocol: which channel gets which briefing, and when.

Every method is one transaction; every change a person (or the system) makes is audited in it.
Datetimes are aware UTC. ``manual`` rows (one-off sends) exist only so those sends can be claimed
like scheduled slots: listings, ``get`` and status changes never see them. The SQL is in
``briefings.subscriptions.sql``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from briefings.subscriptions.model import SubscriptionChange, SubscriptionView
from briefings.subscriptions.schedule import Schedule
from storage.audit import Actor

ONE_OFF_SCHEDULE = "(one-off sends only)"


# Given the channel's visible subscription as it is inside the transaction (None: new, or only
# one-off sends so far), the schedule to store.
SchedulePlan = Callable[[SubscriptionView | None], Schedule]


@dataclass(frozen=True)
class Subscribe:
    """A channel's subscription to create or change. None ``top_n`` / ``quiet_mode`` keep what
    an existing subscription has (a new one gets the defaults)."""

    channel_id: str
    department: str
    schedule: SchedulePlan
    top_n: int | None = None
    quiet_mode: str | None = None


@dataclass(frozen=True)
class SubscriptionRow:
    """What scheduling and delivery need of a subscription."""

    id: int
    channel_id: str
    department: str
    cron: str
    timezone: str
    status: str
    quiet_mode: str
    top_n: int
    cert_rotation: int
    created_by: str
    created_at: datetime


class SubscriptionsStore(Protocol):
    """Reads and writes subscriptions. Thread-safe (each call opens its own transaction)."""

    def subscribe(self, intent: Subscribe, actor: Actor, *, now: datetime) -> SubscriptionChange:
        """Create or change the channel's subscription; what it was before and is now. A change
        keeps the status (a paused subscription stays paused); a new one is active."""
        ...

    def listing(self, channel_id: str | None, *, now: datetime) -> list[SubscriptionView]:
        """Visible subscriptions (all, or one channel's) with next run and last post."""
        ...

    def get(self, subscription_id: int, *, now: datetime | None = None) -> SubscriptionView:
        """A visible subscription; ``SubscriptionNotFound`` otherwise."""
        ...

    def remove(self, subscription_id: int, actor: Actor) -> SubscriptionView:
        """Delete it (its delivery rows go with it; channel memory stays)."""
        ...

    def set_status(
        self, subscription_id: int, status: str, reason: str | None, actor: Actor, *, now: datetime
    ) -> SubscriptionView:
        """Pause (with ``reason``) or re-activate a visible subscription."""
        ...

    def one_off(self, *, channel_id: str, department: str, actor: Actor, now: datetime) -> SubscriptionRow:
        """The row a one-off send is claimed under: the channel's subscription, else a new
        ``manual`` one."""
        ...

    def active(self, only: set[int] | None = None) -> list[SubscriptionRow]:
        """Active subscriptions (only those IDs, when given)."""
        ...

    def pause_refused(self, subscription_id: int, reason: str) -> bool:
        """Pause a subscription the front door refused (audited as the system); one-off rows stay
        ``manual``. False when there is nothing to pause (gone, or one-off)."""
        ...

    def record_failure(self, subscription_id: int, error: str, cause: str | None, at: datetime) -> bool:
        """Remember the latest failure; True when ``cause`` (None: a transient one, never
        announced) is news to the admins: it is then marked told."""
        ...
