"""stories linked to policy sections; weekly message claims

Revision ID: 0008_policy_news
Revises: 0007_items_dated
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008_policy_news"
down_revision: str | None = "0007_items_dated"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=128), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("policy_title", sa.String(length=512), nullable=False),
        sa.Column("heading", sa.String(length=512), nullable=False),
        sa.Column("section_url", sa.String(length=2048), nullable=True),
        sa.Column("story_title", sa.String(length=1000), nullable=False),
        sa.Column("story_url", sa.String(length=2048), nullable=True),
        sa.Column("linked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_policy_news_story_id_stories"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_news")),
        sa.UniqueConstraint("policy_id", "story_id", name="uq_policy_news_policy_story"),
    )
    with op.batch_alter_table("policy_news", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_news_linked_at"), ["linked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_news_story_id"), ["story_id"], unique=False)
    op.create_table(
        "weekly_posts",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("kind", "week", name=op.f("pk_weekly_posts")),
    )


def downgrade() -> None:
    op.drop_table("weekly_posts")
    with op.batch_alter_table("policy_news", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_news_story_id"))
        batch_op.drop_index(batch_op.f("ix_policy_news_linked_at"))
    op.drop_table("policy_news")
