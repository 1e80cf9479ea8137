"""The risk layer: trading state and its history, monitoring events, NAV marks, order plans;
and smart-algo orders in the order book (parent/child links, the algo spec, the task id).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_state",
        sa.Column("scope", sa.String(), primary_key=True, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "trading_state_change",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("from_state", sa.String(), nullable=False),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_trading_state_change_scope", "trading_state_change", ["scope", "id"])
    op.create_table(
        "monitor_event",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("context_json", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_monitor_event_kind", "monitor_event", ["kind", "id"])
    op.create_index("ix_monitor_event_account", "monitor_event", ["account_id", "id"])
    op.create_table(
        "account_nav",
        sa.Column("account_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("trading_day", sa.Date(), primary_key=True, nullable=False),
        sa.Column("sod_nav", sa.Float(), nullable=False),
        sa.Column("high_nav", sa.Float(), nullable=False),
        sa.Column("low_nav", sa.Float(), nullable=False),
        sa.Column("last_nav", sa.Float(), nullable=False),
        sa.Column("peak_nav", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "order_plan",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("strategy", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("payload_json", sa.String(), nullable=False),
    )
    op.create_index("ix_order_plan_account", "order_plan", ["account_id", "id"])
    op.add_column("trade_order", sa.Column("parent_client_order_id", sa.String(), nullable=True))
    op.add_column("trade_order", sa.Column("algo_json", sa.String(), nullable=True))
    op.add_column("trade_order", sa.Column("algo_task_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trade_order") as batch:
        batch.drop_column("algo_task_id")
        batch.drop_column("algo_json")
        batch.drop_column("parent_client_order_id")
    op.drop_index("ix_order_plan_account", table_name="order_plan")
    op.drop_table("order_plan")
    op.drop_table("account_nav")
    op.drop_index("ix_monitor_event_account", table_name="monitor_event")
    op.drop_index("ix_monitor_event_kind", table_name="monitor_event")
    op.drop_table("monitor_event")
    op.drop_index("ix_trading_state_change_scope", table_name="trading_state_change")
    op.drop_table("trading_state_change")
    op.drop_table("trading_state")
