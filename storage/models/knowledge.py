"""Policy documents split into searchable sections, and the certification catalogue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(512))
    owner: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    updated: Mapped[str | None] = mapped_column(String(32))
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_file: Mapped[str] = mapped_column(String(1024), default="")

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
