"""Data sources and the append-only journal.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_source",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("details_json", sa.String(), nullable=False, server_default="{}"),
        sa.UniqueConstraint("name", name="uq_data_source_name"),
    )
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("payload_json", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_journal_source_kind", "journal", ["source", "kind"])
    op.create_index("ix_journal_key", "journal", ["key"])


def downgrade() -> None:
    op.drop_index("ix_journal_key", table_name="journal")
    op.drop_index("ix_journal_source_kind", table_name="journal")
    op.drop_table("journal")
    op.drop_table("data_source")
