"""Story votes and channel keyword filters: what a channel told us about its briefings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class StoryVote(Base):
    """One user's vote on one story in one channel (changeable: the unique key keeps one).

    ``terms`` (space-separated content words of the headline) and ``source`` are copied at vote
    time, so learning never depends on the story still being stored.
    """

    __tablename__ = "story_votes"
    __table_args__ = (
        UniqueConstraint("channel_id", "department", "story_id", "user_id", name="uq_story_votes_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    department: Mapped[str] = mapped_column(String(32))
    story_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    vote: Mapped[int] = mapped_column(Integer)  # +1 useful, -1 not useful
    terms: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChannelFilter(Base):
    """A phrase a channel muted (stories with it are dropped) or boosted (ranked up)."""

    __tablename__ = "channel_filters"
    __table_args__ = (UniqueConstraint("channel_id", "kind", "phrase", name="uq_channel_filters"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "mute" or "boost"
    phrase: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
