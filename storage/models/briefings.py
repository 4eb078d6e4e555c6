"""Channel subscriptions, claimed delivery slots and per-channel delivery memory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("channel_id", "department", name="uq_subscriptions_channel_dept"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(32))
    schedule: Mapped[str] = mapped_column(String(128))
    cron: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_reason: Mapped[str | None] = mapped_column(Text)
    quiet_mode: Mapped[str] = mapped_column(String(8), default="post")
    top_n: Mapped[int] = mapped_column(Integer, default=5)
    cert_rotation: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The latest failed delivery and when; ``alerted_error`` is the cause the admins were last
    # told about (cleared by the next posted briefing), so each cause is announced once.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alerted_error: Mapped[str | None] = mapped_column(String(255))


class Delivery(Base):
    """One briefing slot. The unique key makes a slot deliverable exactly once across replicas."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "scheduled_for", name="uq_deliveries_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    message_ts: Mapped[str | None] = mapped_column(String(64))
    # Asked of Slack once, when posted, so views never look it up per render.
    permalink: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subscription: Mapped[Subscription] = relationship()


class DeliveredStory(Base):
    """A story already posted to a channel: never repeated there."""

    __tablename__ = "delivered_stories"
    __table_args__ = (UniqueConstraint("channel_id", "story_id", name="uq_delivered_channel_story"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
