"""The subscription side of the briefings façade: subscribe, change, list, remove, pause (above
the subscriptions wing and the scheduler's runner, beside ``service``).

``BriefingService`` is built on it (one façade for every door); kept apart so each part reads on
its own. Every change re-syncs the scheduler's jobs through the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from briefings.assembly.profiles import Profile, Profiles
from briefings.delivery.port import Destinations
from briefings.slots.runner import Runner
from briefings.subscriptions import model as subs
from briefings.subscriptions.schedule import Schedule, parse_schedule
from briefings.subscriptions.store import Subscribe, SubscriptionsStore
from storage.audit import Actor


class SubscriptionDesk:
    """Subscriptions as the doors change them (the attributes are set by ``BriefingService``)."""

    subscription_store: SubscriptionsStore
    runner: Runner
    destinations: Destinations
    profiles: Profiles
    clock: Callable[[], datetime]

    def resolve_department(self, name: str | None) -> Profile:
        """The profile for a name or alias (``ops``, ``People``); a clear error otherwise."""
        return self.profiles.resolve(name)

    def subscribe(
        self,
        channel_id: str,
        department: str,
        schedule: str | None = None,
        *,
        timezone: str | None = None,
        default_timezone: str | None = None,
        actor: Actor,
        top_n: int | str | None = None,
        quiet_mode: str | None = None,
        now: datetime | None = None,
    ) -> tuple[subs.SubscriptionView, bool]:
        """:meth:`change_subscription`, as (the subscription, whether it is new)."""
        change = self.change_subscription(
            channel_id,
            department,
            schedule,
            timezone=timezone,
            default_timezone=default_timezone,
            actor=actor,
            top_n=top_n,
            quiet_mode=quiet_mode,
            now=now,
        )
        return change.after, change.created

    def change_subscription(
        self,
        channel_id: str,
        department: str,
        schedule: str | None = None,
        *,
        timezone: str | None = None,
        default_timezone: str | None = None,
        actor: Actor,
        top_n: int | str | None = None,
        quiet_mode: str | None = None,
        now: datetime | None = None,
    ) -> subs.SubscriptionChange:
        """Subscribe a channel, or change only the settings given; what it was and is now.

        None keeps what an existing subscription has: ``schedule``, ``timezone`` (a new schedule
        is read in the subscription's own zone, not the caller's), ``top_n``, ``quiet_mode``, and
        its status (a paused one stays paused: resuming is its own command). A new subscription
        gets the default schedule, 5 stories and quiet weeks posted; a timezone not given is
        ``default_timezone`` (the caller's in Slack), else UTC. Everything is checked before
        anything is written.
        """
        channel_id = self.destinations.check(channel_id)
        key = self.resolve_department(department).key
        top, quiet = subs.check_top_n(top_n), subs.check_quiet_mode(quiet_mode)

        def choose(existing: subs.SubscriptionView | None) -> Schedule:
            if existing is None:
                return parse_schedule(schedule, timezone or default_timezone)
            return parse_schedule(schedule or existing.schedule, timezone or existing.timezone)

        intent = Subscribe(channel_id, key, choose, top_n=top, quiet_mode=quiet)
        change = self.subscription_store.subscribe(intent, actor, now=now or self.clock())
        self.runner.sync()
        return change

    def subscriptions(
        self, channel_id: str | None = None, *, now: datetime | None = None
    ) -> list[subs.SubscriptionView]:
        """All subscriptions (or one channel's), with next run, last post and last failure.
        Rows that only carry one-off sends are not subscriptions to anyone: never listed."""
        return self.subscription_store.listing(channel_id, now=now or self.clock())

    def unsubscribe(
        self,
        *,
        actor: Actor,
        subscription_id: int | None = None,
        channel_id: str | None = None,
        department: str | None = None,
    ) -> subs.SubscriptionView:
        """Remove a subscription by ID, or by channel (and department when the channel has several)."""
        if subscription_id is None:
            key = self.resolve_department(department).key if department is not None else None
            rows = self.subscriptions(channel_id or "")
            subscription_id = subs.channel_subscription(rows, key, self.profiles).id
        shown = self.subscription_store.remove(subscription_id, actor)
        self.runner.unschedule(shown.id)
        return shown

    def set_paused(
        self, subscription_id: int, *, paused: bool, actor: Actor, reason: str | None = None
    ) -> subs.SubscriptionView:
        """Pause or resume a subscription by ID."""
        status = subs.PAUSED if paused else subs.ACTIVE
        shown = self.subscription_store.set_status(
            subscription_id, status, reason or "paused by an admin", actor, now=self.clock()
        )
        self.runner.sync()
        return shown
