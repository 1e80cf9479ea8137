"""The preview's virtual books: instances, trades, positions, daily accounts, events, signals.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instance() -> sa.Column[int]:
    return sa.Column(
        "preview_id", sa.Integer(), sa.ForeignKey("preview_strategy.id", ondelete="CASCADE"), nullable=False
    )


def _instance_key() -> sa.Column[int]:
    return sa.Column(
        "preview_id",
        sa.Integer(),
        sa.ForeignKey("preview_strategy.id", ondelete="CASCADE"),
        primary_key=True,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "preview_strategy",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source_kind", sa.String(), nullable=False),
        sa.Column("source_ref", sa.String(), nullable=False),
        sa.Column("strategy_id", sa.String(), nullable=False),
        sa.Column("experiment_id", sa.String(), nullable=False),
        sa.Column("initial_capital", sa.Float(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("config_json", sa.String(), nullable=False),
        sa.Column("config_hash", sa.String(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("settled_through", sa.Date(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_preview_strategy_name", "preview_strategy", ["name"])
    op.create_table(
        "preview_trade",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        _instance(),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("fees", sa.Float(), nullable=False),
        sa.Column("reference_price", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_preview_trade_day", "preview_trade", ["preview_id", "trading_day"])
    op.create_table(
        "preview_position",
        _instance_key(),
        sa.Column("trading_day", sa.Date(), primary_key=True, nullable=False),
        sa.Column("code", sa.String(), primary_key=True, nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("sellable", sa.Integer(), nullable=False),
        sa.Column("cost_fen", sa.Integer(), nullable=False),
        sa.Column("avg_cost", sa.Float(), nullable=False),
        sa.Column("last_price", sa.Float(), nullable=False),
        sa.Column("market_value", sa.Float(), nullable=False),
    )
    op.create_table(
        "preview_account",
        _instance_key(),
        sa.Column("trading_day", sa.Date(), primary_key=True, nullable=False),
        sa.Column("cash_fen", sa.Integer(), nullable=False),
        sa.Column("realized_pnl_fen", sa.Integer(), nullable=False),
        sa.Column("fees_paid_fen", sa.Integer(), nullable=False),
        sa.Column("cash", sa.Float(), nullable=False),
        sa.Column("market_value", sa.Float(), nullable=False),
        sa.Column("total_value", sa.Float(), nullable=False),
        sa.Column("daily_pnl", sa.Float(), nullable=False),
        sa.Column("cum_pnl", sa.Float(), nullable=False),
        sa.Column("peak_value", sa.Float(), nullable=False),
        sa.Column("sod_value", sa.Float(), nullable=False),
        sa.Column("high_value", sa.Float(), nullable=False),
        sa.Column("rebalances", sa.String(), nullable=False),
        sa.Column("turnover", sa.Float(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "preview_event",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        _instance(),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("context_json", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_preview_event_instance", "preview_event", ["preview_id", "id"])
    op.create_table(
        "preview_signal",
        _instance_key(),
        sa.Column("signal_day", sa.Date(), primary_key=True, nullable=False),
        sa.Column("code", sa.String(), primary_key=True, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("preview_signal")
    op.drop_index("ix_preview_event_instance", table_name="preview_event")
    op.drop_table("preview_event")
    op.drop_table("preview_account")
    op.drop_table("preview_position")
    op.drop_index("ix_preview_trade_day", table_name="preview_trade")
    op.drop_table("preview_trade")
    op.drop_index("ix_preview_strategy_name", table_name="preview_strategy")
    op.drop_table("preview_strategy")
