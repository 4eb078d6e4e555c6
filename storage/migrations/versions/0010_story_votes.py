"""story_votes and channel_filters: story feedback and channel keyword filters

Revision ID: 0010_story_votes
Revises: 0009_delivery_permalink
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0010_story_votes"
down_revision: str | None = "0009_delivery_permalink"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("vote", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("voted_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel_id", "department", "story_id", "user_id", name="uq_story_votes_user"),
    )
    op.create_index("ix_story_votes_channel_id", "story_votes", ["channel_id"])
    op.create_table(
        "channel_filters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel_id", "kind", "phrase", name="uq_channel_filters"),
    )
    op.create_index("ix_channel_filters_channel_id", "channel_filters", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_filters_channel_id", table_name="channel_filters")
    op.drop_table("channel_filters")
    op.drop_index("ix_story_votes_channel_id", table_name="story_votes")
    op.drop_table("story_votes")
