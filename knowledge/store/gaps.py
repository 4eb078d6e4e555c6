"""The unanswered-questions log on SQLAlchemy (``knowledge.store.protocols.GapStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from knowledge.store.protocols import GapRow
from storage import Database
from storage.models.knowledge import KnowledgeGap


class SqlGapStore:
    """``GapStore`` on the ``knowledge_gaps`` table: one transaction per call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, row: GapRow) -> None:
        with self.db.session() as session:
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

    def since(self, since: datetime) -> list[GapRow]:
        with self.db.read() as session:
            rows = session.scalars(
                select(KnowledgeGap)
                .where(KnowledgeGap.asked_at >= since)
                .order_by(KnowledgeGap.asked_at, KnowledgeGap.id)
            )
            return [
                GapRow(r.asked_at, r.question, r.concept_key, r.verdict, r.department, r.policy_id)
                for r in rows
            ]
