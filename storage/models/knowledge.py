"""Policy documents split into searchable sections, the certification catalogue, and pack state.

Full-text search needs more than these ORM columns; migration 0004 adds it per dialect:
SQLite gets an external-content FTS5 table ``policy_sections_fts`` (rowid = section id, porter
stemming) kept in step by triggers; PostgreSQL gets a generated ``search_vector`` tsvector column with a
GIN index. Neither is mapped here because the ORM never reads or writes them directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(512))
    owner: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    updated: Mapped[str | None] = mapped_column(String(32))
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_file: Mapped[str] = mapped_column(String(1024), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Slack channel ID of the policy's owners (front matter ``owner_channel``, migration 0005).
    owner_channel: Mapped[str | None] = mapped_column(String(32))

    sections: Mapped[list[PolicySection]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="PolicySection.position"
    )


class PolicySection(Base):
    """A heading and its text: the unit of policy search."""

    __tablename__ = "policy_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    heading: Mapped[str] = mapped_column(String(512))
    anchor: Mapped[str] = mapped_column(String(512), default="")
    level: Mapped[int] = mapped_column(Integer, default=2)
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=1)
    # Copied from the policy so one row carries everything the full-text index weighs.
    policy_title: Mapped[str] = mapped_column(String(512), default="")

    policy: Mapped[Policy] = relationship(back_populates="sections")


class Certification(Base):
    __tablename__ = "certifications"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    provider: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2048))
    level: Mapped[str] = mapped_column(String(32))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[float | None] = mapped_column()
    cost: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgePack(Base):
    """Which pack each catalogue ("policies", "certifications") holds, so restarts can skip work.

    ``fingerprint`` identifies the content now in the catalogue; ``configured_fingerprint`` the
    BRIEFBOT_POLICY_DIR / BRIEFBOT_CERTS_FILE content last applied at start, so an unchanged
    configured pack is not re-applied over an admin's later import. ``version`` increases on
    every replacement; processes compare it to drop their in-memory caches.
    """

    __tablename__ = "knowledge_packs"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # "bundled", "configured" or "import"
    location: Mapped[str] = mapped_column(String(1024), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    configured_fingerprint: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    items: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(255), default="")


class KnowledgeGap(Base):
    """One question no policy answered ("no_match") or only touched ("related").

    ``concept_key`` (the question's concepts, sorted) groups rephrasings of the same question;
    ``policy_id`` names the closest policy for "related" asks (no foreign key: catalogue
    replacements delete policies, and the log should outlive them).
    """

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    question: Mapped[str] = mapped_column(String(500))
    concept_key: Mapped[str] = mapped_column(String(500))
    verdict: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(64))
    policy_id: Mapped[str | None] = mapped_column(String(128))


class PolicyNews(Base):
    """A story a briefing linked to a policy section (migration 0007): one row per (policy,
    story), however many channels got it, so the owner's weekly message lists it once.

    ``policy_id`` has no foreign key for the same reason as the gaps log; the story's does, so
    the link goes when retention prunes the story.
    """

    __tablename__ = "policy_news"
    __table_args__ = (UniqueConstraint("policy_id", "story_id", name="uq_policy_news_policy_story"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(128))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    policy_title: Mapped[str] = mapped_column(String(512))
    heading: Mapped[str] = mapped_column(String(512))
    section_url: Mapped[str | None] = mapped_column(String(2048))
    story_title: Mapped[str] = mapped_column(String(1000))
    story_url: Mapped[str | None] = mapped_column(String(2048))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class WeeklyPost(Base):
    """A weekly message claimed by one replica (migration 0007): the primary key (kind, ISO
    week) lets exactly one insert win, so several replicas never send the same week twice."""

    __tablename__ = "weekly_posts"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    worker: Mapped[str] = mapped_column(String(255), default="")
