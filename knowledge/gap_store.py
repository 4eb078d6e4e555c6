"""The unanswered-questions log (``knowledge_gaps``): appends and the reads reports need.

Every function takes the caller's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models.knowledge import KnowledgeGap


@dataclass(frozen=True)
class GapRow:
    asked_at: datetime
    question: str
    concept_key: str
    verdict: str
    department: str | None
    policy_id: str | None


def add_gap(session: Session, row: GapRow) -> None:
    session.add(
        KnowledgeGap(
            asked_at=row.asked_at,
            question=row.question[:500],
            concept_key=row.concept_key[:500],
            verdict=row.verdict,
            department=row.department[:64] if row.department else None,
            policy_id=row.policy_id,
        )
    )


def gaps_since(session: Session, since: datetime) -> list[GapRow]:
    """Every logged ask at or after ``since``, oldest first."""
    rows = session.scalars(
        select(KnowledgeGap)
        .where(KnowledgeGap.asked_at >= since)
        .order_by(KnowledgeGap.asked_at, KnowledgeGap.id)
    )
    return [GapRow(r.asked_at, r.question, r.concept_key, r.verdict, r.department, r.policy_id) for r in rows]
