"""unanswered policy questions log; policy owner channel

Revision ID: 0006_knowledge_gaps
Revises: 0005_briefings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006_knowledge_gaps"
down_revision: str | None = "0005_briefings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both dialects: no table copy, so sections and their FTS5 triggers
    # stay as they are.
    op.add_column("policies", sa.Column("owner_channel", sa.String(length=32), nullable=True))
    op.create_table(
        "knowledge_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("concept_key", sa.String(length=500), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("policy_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_gaps")),
    )
    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_gaps_asked_at"), ["asked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_gaps_asked_at"))
    op.drop_table("knowledge_gaps")
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+): a batch copy of policies would cascade-delete sections.
        op.execute("ALTER TABLE policies DROP COLUMN owner_channel")
    else:
        op.drop_column("policies", "owner_channel")
