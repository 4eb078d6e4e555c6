"""model_texts and model_usage: the optional language model's cache and daily token count

Revision ID: 0011_model_texts
Revises: 0010_story_votes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0011_model_texts"
down_revision: str | None = "0010_story_votes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_texts",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_model_texts_created_at", "model_texts", ["created_at"])
    op.create_table(
        "model_usage",
        sa.Column("day", sa.String(length=10), primary_key=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("model_usage")
    op.drop_index("ix_model_texts_created_at", table_name="model_texts")
    op.drop_table("model_texts")
