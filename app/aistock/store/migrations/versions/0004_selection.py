"""Selection runs and their candidates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "selection_run",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("task_run_id", sa.String(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("universe_json", sa.String(), nullable=False),
        sa.Column("topk", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("data_source", sa.String(), nullable=False),
        sa.Column("model_path", sa.String(), nullable=False),
        sa.Column("details_json", sa.String(), nullable=False),
    )
    op.create_index("ix_selection_run_loop", "selection_run", ["task_run_id", "loop_id", "workspace_id"])
    op.create_table(
        "selection_candidate",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column(
            "run_id", sa.Integer(), sa.ForeignKey("selection_run.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("target_weight", sa.Float(), nullable=False),
    )
    op.create_index("ix_selection_candidate_run_day", "selection_candidate", ["run_id", "trade_date"])


def downgrade() -> None:
    op.drop_index("ix_selection_candidate_run_day", table_name="selection_candidate")
    op.drop_table("selection_candidate")
    op.drop_index("ix_selection_run_loop", table_name="selection_run")
    op.drop_table("selection_run")
