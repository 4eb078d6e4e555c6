"""knowledge tables and full-text search

Revision ID: 0004
Revises: 0003

Search is dialect-specific: SQLite gets an FTS5 table (BM25 ranking, porter stemming; external content
over policy_sections, kept in step by triggers);
PostgreSQL gets a generated tsvector column and a GIN index (ts_rank, websearch_to_tsquery).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Heading weighs most, then the body, then the policy title (shared by all its sections).
PG_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(heading, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(policy_title, '')), 'C')"
)


# External-content FTS5 table over policy_sections, kept in step by triggers (the pattern in the
# SQLite FTS5 documentation), so the index can never drift from the rows it describes.
# A later batch migration that recreates policy_sections must recreate these triggers.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE policy_sections_fts USING fts5("
    "heading, body, policy_title, content='policy_sections', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER policy_sections_fts_ai AFTER INSERT ON policy_sections BEGIN "
    "INSERT INTO policy_sections_fts(rowid, heading, body, policy_title) "
    "VALUES (new.id, new.heading, new.body, new.policy_title); END",
    "CREATE TRIGGER policy_sections_fts_ad AFTER DELETE ON policy_sections BEGIN "
    "INSERT INTO policy_sections_fts(policy_sections_fts, rowid, heading, body, policy_title) "
    "VALUES ('delete', old.id, old.heading, old.body, old.policy_title); END",
    "CREATE TRIGGER policy_sections_fts_au AFTER UPDATE ON policy_sections BEGIN "
    "INSERT INTO policy_sections_fts(policy_sections_fts, rowid, heading, body, policy_title) "
    "VALUES ('delete', old.id, old.heading, old.body, old.policy_title); "
    "INSERT INTO policy_sections_fts(rowid, heading, body, policy_title) "
    "VALUES (new.id, new.heading, new.body, new.policy_title); END",
]


def sqlite_has_fts5(bind: sa.engine.Connection) -> bool:
    """Whether this SQLite build was compiled with FTS5 (most are; some minimal builds are not)."""
    options = {row[0] for row in bind.exec_driver_sql("PRAGMA compile_options")}
    return "ENABLE_FTS5" in options


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("updated", sa.String(length=32), nullable=True),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(length=1024), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )

    op.create_table(
        "policy_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=128), nullable=False),
        sa.Column("heading", sa.String(length=512), nullable=False),
        sa.Column("anchor", sa.String(length=512), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("policy_title", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_policy_sections_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_sections")),
    )
    with op.batch_alter_table("policy_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_sections_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "certifications",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("provider", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=True),
        sa.Column("cost", sa.String(length=255), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
    )

    op.create_table(
        "knowledge_packs",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(length=1024), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("configured_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("loaded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_knowledge_packs")),
    )

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Without FTS5 the service falls back to ranking in Python (and logs that it does).
        if sqlite_has_fts5(bind):
            for statement in SQLITE_FTS:
                op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE policy_sections ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_SEARCH_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_policy_sections_search ON policy_sections USING GIN (search_vector)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS policy_sections_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS policy_sections_fts")
    op.drop_table("knowledge_packs")
    op.drop_table("certifications")
    op.drop_table("policy_sections")
    op.drop_table("policies")
