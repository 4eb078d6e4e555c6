"""deliveries.permalink: the posted briefing's link, stored when it is posted

Revision ID: 0009_delivery_permalink
Revises: 0008_policy_news
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_delivery_permalink"
down_revision: str | None = "0008_policy_news"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("permalink", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("permalink")
