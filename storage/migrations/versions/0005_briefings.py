"""subscriptions remember their latest delivery failure; one-off rows are never paused

Revision ID: 0005_briefings
Revises: 0004

``last_error``/``last_error_at`` feed ``/ai-brief status``; ``alerted_error`` is the cause the
admins were last told about, so each persistent failure is announced once. Rows a one-off
``briefbot send`` created (schedule "(one-off sends only)") that an earlier version paused, or
that ``subscriptions resume`` then turned into a yearly briefing, go back to ``manual``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005_briefings"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OFF_SCHEDULE = "(one-off sends only)"


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("alerted_error", sa.String(length=255), nullable=True))
    subscriptions = sa.table(
        "subscriptions",
        sa.column("schedule", sa.String()),
        sa.column("status", sa.String()),
        sa.column("paused_reason", sa.Text()),
    )
    op.execute(
        subscriptions.update()
        .where(subscriptions.c.schedule == ONE_OFF_SCHEDULE, subscriptions.c.status != "manual")
        .values(status="manual", paused_reason=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("alerted_error")
        batch.drop_column("last_error_at")
        batch.drop_column("last_error")
