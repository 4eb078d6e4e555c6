"""What the optional language model wrote, and how many tokens it used each day.

A text is stored once per input, model and prompt version (``key`` is their digest), so a story
is written once however many channels get it and replicas never pay twice. A text that failed
its grounding check is stored too, with ``text`` empty: it would fail again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime, utcnow


class ModelText(Base):
    """One model-written text (a story's "why it matters", a briefing's intro, a policy answer)."""

    __tablename__ = "model_texts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # empty: written, but refused by the check
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow, index=True)


class ModelUsage(Base):
    """Tokens used on one UTC day (the daily budget is counted here, across replicas)."""

    __tablename__ = "model_usage"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    tokens: Mapped[int] = mapped_column(Integer, default=0)
