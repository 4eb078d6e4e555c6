"""items.dated: whether the feed dated an item (undated backlog items are never news)

Revision ID: 0007_items_dated
Revises: 0006_knowledge_gaps
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_items_dated"
down_revision: str | None = "0006_knowledge_gaps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows stored before this column were either dated or are long past their briefing window,
    # so "dated" is the safe default for them.
    op.add_column("items", sa.Column("dated", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("dated")
