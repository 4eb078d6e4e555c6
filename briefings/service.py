"""Briefing assembly, subscriptions, scheduling and delivery: the one façade every door uses.

The CLI, the ``/ai-brief`` listeners, the APScheduler jobs, the demo and the benchmark all call
this class, so a briefing previewed in Slack, printed by ``briefbot brief`` and posted on schedule
are built by the same code. It runs no SQL: the rows are behind ``subscriptions.store`` and
``delivery.store``. The scheduled path runs top-down: ``slots.runner`` (APScheduler) →
``slots.planner`` (due slots) → ``delivery.deliverer`` (claim, build with ``building``, post,
record) → a ``delivery.port.BriefingSink`` the front door implements (Slack's is
``bot.delivery.SlackSink``). Time comes from ``self.clock`` (tests inject one) or a ``now``
argument; nothing here sleeps except pacing and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from briefings.assembly.briefing import Briefing
from briefings.assembly.building import BriefingBuilder
from briefings.assembly.profile_file import load_profiles
from briefings.assembly.profiles import Profiles
from briefings.assembly.rank import Ranker
from briefings.assembly.render import RenderedMessage, Renderer, render_terminal
from briefings.assembly.written import BriefingWriter, Writer
from briefings.config import BriefingConfig
from briefings.delivery.deliverer import Deliverer
from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.port import BriefingSink, Destinations
from briefings.delivery.sql import SqlDeliveries
from briefings.feedback.service import ChannelFeedback
from briefings.feedback.sql import SqlFeedback
from briefings.slots.planner import DeliveriesPruned, Planner, TickReport
from briefings.slots.runner import Runner
from briefings.slots.slot import SlotOutcome
from briefings.subscribing import SubscriptionDesk
from briefings.subscriptions.sql import SqlSubscriptions
from storage import Database
from storage.audit import Actor
from storage.types import utcnow

__all__ = ["BriefingConfig", "BriefingService", "DeliveriesPruned", "TickReport"]


class BriefingService(SubscriptionDesk):
    """Builds, schedules and delivers department briefings."""

    def __init__(
        self,
        *,
        db: Database,
        config: BriefingConfig,
        knowledge: object,
        renderer: Renderer,
        destinations: Destinations,
        model: Writer | None = None,
    ) -> None:
        """``renderer`` turns a briefing into the front door's message for previews
        (``bot.views.briefing.render_blocks``); ``destinations``: the door's rule for channel
        names; ``model``: the optional language model that writes "why it matters" lines."""
        self.db = db
        self.renderer = renderer
        self.destinations = destinations
        self.config = config
        self.profiles: Profiles = load_profiles(config.profiles_file)
        self.ranker = Ranker(self.profiles)
        self.clock: Callable[[], datetime] = utcnow
        self.workers = 8
        self.subscription_store = SqlSubscriptions(db)
        self.deliveries = SqlDeliveries(db)
        self.feedback = ChannelFeedback(SqlFeedback(db), self.profiles, lambda: self.clock(), destinations)
        self.builder = BriefingBuilder(
            db=db,
            profiles=self.profiles,
            ranker=self.ranker,
            deliveries=self.deliveries,
            knowledge=knowledge,
            clock=lambda: self.clock(),
            feedback=self.feedback,
            writer=BriefingWriter(model, self.profiles, deadline_seconds=config.model_deadline_seconds)
            if model is not None
            else None,
        )
        self.deliverer = Deliverer(
            deliveries=self.deliveries,
            subscriptions=self.subscription_store,
            admins=config.admin_ids,
            builder=self.builder,
            lease=timedelta(seconds=config.delivery_lease_seconds),
            pacer=ChannelPacer(1.0),
        )
        self.planner = Planner(
            deliverer=self.deliverer,
            deliveries=self.deliveries,
            subscriptions=self.subscription_store,
            grace=timedelta(hours=config.grace_hours),
            retention=timedelta(days=config.retention_days),
            clock=lambda: self.clock(),
            workers=self.workers,
        )
        self.runner = Runner(subscriptions=self.subscription_store, planner=self.planner)

    @property
    def knowledge(self) -> object:
        """Where certification spotlights and policy reminders come from (optional)."""
        return self.builder.knowledge

    @knowledge.setter
    def knowledge(self, value: object) -> None:
        self.builder.knowledge = value

    # ================================================================== building
    def build(
        self,
        department: str,
        *,
        as_of: datetime | None = None,
        timezone: str = "UTC",
        top_n: int = 5,
        rotation: int = 0,
        include_backlog: bool = False,
        explain: bool = False,
        channel_id: str | None = None,
    ) -> Briefing:
        """A preview briefing (no posting, no memory): the week's best stories for ``department``;
        ``include_backlog`` adds the items of feeds added or resumed this week, whatever their date;
        ``explain`` lists every story of the window with why it was or was not shown;
        ``channel_id`` previews as that channel would get it (its filters, votes and memory)."""
        return self.build_all(
            [department],
            as_of=as_of,
            timezone=timezone,
            top_n=top_n,
            rotation=rotation,
            include_backlog=include_backlog,
            explain=explain,
            channel_id=channel_id,
        )[0]

    def build_all(
        self,
        departments: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
        timezone: str = "UTC",
        top_n: int = 5,
        rotation: int = 0,
        include_backlog: bool = False,
        explain: bool = False,
        channel_id: str | None = None,
    ) -> list[Briefing]:
        """Preview briefings for several departments from one read of the stored items."""
        keys = [self.resolve_department(d).key for d in (departments or self.profiles.keys)]
        return self.builder.build_all(
            keys,
            as_of=as_of,
            timezone=timezone,
            top_n=top_n,
            rotation=rotation,
            include_backlog=include_backlog,
            explain=explain,
            channel_id=channel_id,
        )

    def preview_as_of(self) -> datetime:
        """The newest stored item's date (the demo and benchmark build "as of" then), else now."""
        return self.builder.preview_as_of()

    def render(self, briefing: Briefing, *, note: str | None = None) -> RenderedMessage:
        """Block Kit and fallback text for ``briefing`` (``note``: our own line under the header)."""
        return self.renderer(briefing, note=note)

    def render_text(self, briefing: Briefing) -> str:
        """``briefing`` as readable terminal text."""
        return render_terminal(briefing)

    # ================================================================== delivery
    def send_now(
        self,
        sink: BriefingSink,
        channel_id: str,
        department: str,
        *,
        actor: Actor,
        now: datetime | None = None,
    ) -> SlotOutcome:
        """Deliver one briefing now through the scheduled path (claim, post, record, memory).

        The slot is this minute: running it twice within a minute posts once.
        """
        channel_id = self.destinations.check(channel_id)
        key = self.resolve_department(department).key
        now = now or self.clock()
        sub = self.subscription_store.one_off(channel_id=channel_id, department=key, actor=actor, now=now)
        return self.planner.send_one_off(sink, sub, now)

    def tick(
        self, sink: BriefingSink, *, now: datetime | None = None, only: set[int] | None = None
    ) -> TickReport:
        """Deliver every due slot (missed ones younger than the grace period included) once."""
        return self.planner.tick(sink, now=now or self.clock(), only=only, workers=self.workers)

    # ================================================================== retention
    def prune_deliveries(self, *, now: datetime | None = None) -> DeliveriesPruned:
        """Delete delivery rows of slots older than ``retention_days`` (see ``Planner.prune``)."""
        return self.planner.prune(
            now=now or self.clock(), retention=timedelta(days=self.config.retention_days)
        )

    # ================================================================== scheduling
    def schedule(self, scheduler: Any, sink: BriefingSink) -> None:
        """Add one job per active subscription, a one-minute tick and a daily prune of old
        delivery rows to ``scheduler``; the jobs deliver to ``sink``.

        The tick runs at start (delivering slots missed while the bot was down, if younger than
        the grace period), retries failed slots, takes over stale claims, and re-reads
        subscriptions so changes made by other processes (CLI, other replicas) are scheduled.
        """
        self.runner.schedule(scheduler, sink)
