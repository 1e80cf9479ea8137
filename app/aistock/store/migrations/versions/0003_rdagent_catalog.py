"""RD-Agent catalogs: factors, strategies, loops, models, sync history, file hashes, bundles.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seen_columns() -> list[sa.Column[object]]:
    """The bookkeeping every catalog table shares (a fresh list: a Column belongs to one table)."""
    return [
        sa.Column("first_seen_run", sa.Integer(), nullable=True),
        sa.Column("last_seen_run", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "rdagent_factor",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("expression", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("tags_json", sa.String(), nullable=False),
        sa.Column("raw_json", sa.String(), nullable=False),
        *_seen_columns(),
        sa.UniqueConstraint("name", "source", name="uq_rdagent_factor_name_source"),
    )
    op.create_table(
        "rdagent_strategy",
        sa.Column("strategy_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("action", sa.String(), nullable=True),
        sa.Column("step_name", sa.String(), nullable=True),
        sa.Column("portfolio_config_json", sa.String(), nullable=False),
        sa.Column("raw_json", sa.String(), nullable=False),
        *_seen_columns(),
    )
    op.create_table(
        "rdagent_loop",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("task_run_id", sa.String(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("workspace_path", sa.String(), nullable=True),
        sa.Column("log_dir", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("has_result", sa.Boolean(), nullable=True),
        sa.Column("materialization_status", sa.String(), nullable=True),
        sa.Column("is_solidified", sa.Boolean(), nullable=True),
        sa.Column("asset_bundle_id", sa.String(), nullable=True),
        sa.Column("strategy_id", sa.String(), nullable=True),
        sa.Column("factor_names_json", sa.String(), nullable=False),
        sa.Column("metrics_json", sa.String(), nullable=False),
        sa.Column("paths_json", sa.String(), nullable=False),
        sa.Column("decision", sa.Boolean(), nullable=True),
        sa.Column("raw_json", sa.String(), nullable=False),
        *_seen_columns(),
        sa.UniqueConstraint("task_run_id", "loop_id", "workspace_id", name="uq_rdagent_loop_key"),
    )
    op.create_index("ix_rdagent_loop_run_loop", "rdagent_loop", ["task_run_id", "loop_id"])
    op.create_table(
        "rdagent_model",
        sa.Column("model_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("task_run_id", sa.String(), nullable=True),
        sa.Column("loop_id", sa.Integer(), nullable=True),
        sa.Column("workspace_id", sa.String(), nullable=True),
        sa.Column("model_type", sa.String(), nullable=True),
        sa.Column("model_config_json", sa.String(), nullable=False),
        sa.Column("dataset_config_json", sa.String(), nullable=False),
        sa.Column("feature_schema_json", sa.String(), nullable=False),
        sa.Column("flattened_feature_list_json", sa.String(), nullable=False),
        sa.Column("model_artifacts_json", sa.String(), nullable=False),
        sa.Column("raw_json", sa.String(), nullable=False),
        *_seen_columns(),
    )
    op.create_index("ix_rdagent_model_loop", "rdagent_model", ["task_run_id", "loop_id", "workspace_id"])
    op.create_table(
        "rdagent_sync_run",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("origin_kind", sa.String(), nullable=False),
        sa.Column("origin_location", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("counts_json", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
    )
    op.create_table(
        "rdagent_sync_item",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("catalog", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["rdagent_sync_run.id"]),
    )
    op.create_index("ix_rdagent_sync_item_run_id", "rdagent_sync_item", ["run_id"])
    op.create_table(
        "rdagent_artifact_file",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("task_run_id", sa.String(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("relpath", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "task_run_id", "loop_id", "workspace_id", "relpath", name="uq_rdagent_artifact_file_key"
        ),
    )
    op.create_table(
        "rdagent_bundle",
        sa.Column("asset_bundle_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("task_run_id", sa.String(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("primary_workspace_id", sa.String(), nullable=False),
        sa.Column("local_dir", sa.String(), nullable=False),
        sa.Column("manifest_json", sa.String(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rdagent_bundle")
    op.drop_table("rdagent_artifact_file")
    op.drop_index("ix_rdagent_sync_item_run_id", table_name="rdagent_sync_item")
    op.drop_table("rdagent_sync_item")
    op.drop_table("rdagent_sync_run")
    op.drop_index("ix_rdagent_model_loop", table_name="rdagent_model")
    op.drop_table("rdagent_model")
    op.drop_index("ix_rdagent_loop_run_loop", table_name="rdagent_loop")
    op.drop_table("rdagent_loop")
    op.drop_table("rdagent_strategy")
    op.drop_table("rdagent_factor")
