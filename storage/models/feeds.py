"""Feeds, their department tags, fetched items and cross-feed stories."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


def feed_label(name: str | None, title: str | None, url: str) -> str:
    """How a feed is named to people: the admin's name, else its own title, else its URL."""
    return name or title or url


class Feed(Base):
    """A curated feed. ``status``: ``active``, ``paused`` (by an admin) or ``gone`` (HTTP 410).

    Health: ``error_count`` consecutive failures, ``last_error``/``last_error_at``, ``last_success_at``;
    ``next_fetch_at`` carries back-off and Retry-After.
    """

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(512))
    site_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Hash of the last parsed body: a 200 with identical bytes costs no parsing.
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # False until the first successful fetch (and again after resume): the items of that fetch
    # are stored as backlog, so adding or re-enabling a feed never floods a briefing.
    primed: Mapped[bool] = mapped_column(Boolean, default=False)

    departments: Mapped[list[FeedDepartment]] = relationship(
        back_populates="feed", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def display_name(self) -> str:
        """The admin's name for the feed, else its own title, else its URL."""
        return feed_label(self.name, self.title, self.url)


class FeedDepartment(Base):
    __tablename__ = "feed_departments"

    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)

    feed: Mapped[Feed] = relationship(back_populates="departments")


class Story(Base):
    """One news story, possibly published by several feeds (cross-feed de-duplication)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    title_key: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Item(Base):
    """One entry of one feed. Identity is (feed, entry_key); edits update it in place."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key", name="uq_items_feed_entry"),
        Index("ix_items_published_at", "published_at"),
        Index("ix_items_first_seen_at", "first_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(String(2048))
    link: Mapped[str | None] = mapped_column(String(2048))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(512))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    is_backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    # False when the feed gave no date and published_at is the fetch time: such a backlog item
    # says nothing about when it was news, so it is never news.
    dated: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)

    feed: Mapped[Feed] = relationship()
    story: Mapped[Story | None] = relationship()
