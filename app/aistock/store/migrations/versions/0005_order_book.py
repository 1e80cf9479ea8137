"""The order book: orders, fills, the account ledger, the broker-event journal, reconciliations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_event",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("payload_json", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_order_event_account", "order_event", ["account_id", "id"])
    op.create_table(
        "oms_cursor",
        sa.Column("account_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("next_order_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "trade_order",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("client_order_id", sa.String(), nullable=False, unique=True),
        sa.Column("broker_order_id", sa.Integer(), nullable=True),
        sa.Column("order_sysid", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("price_type", sa.String(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("strategy", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("broker_status", sa.Integer(), nullable=True),
        sa.Column("status_msg", sa.String(), nullable=False),
        sa.Column("reject_source", sa.String(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("filled_volume", sa.Integer(), nullable=False),
        sa.Column("filled_amount_fen", sa.Integer(), nullable=False),
        sa.Column("fees_fen", sa.Integer(), nullable=False),
        sa.Column("broker_traded_volume", sa.Integer(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("not_found_checks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_trade_order_broker_id", "trade_order", ["account_id", "broker_order_id"], unique=True)
    op.create_index("ix_trade_order_account_day", "trade_order", ["account_id", "trading_day"])
    op.create_table(
        "trade_fill",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("trade_id", sa.String(), nullable=False),
        sa.Column("client_order_id", sa.String(), nullable=False),
        sa.Column("broker_order_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("fees_fen", sa.Integer(), nullable=False),
        sa.Column("traded_at", sa.DateTime(), nullable=True),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("account_id", "trade_id", name="uq_trade_fill_account_trade"),
    )
    op.create_index("ix_trade_fill_account_day", "trade_fill", ["account_id", "trading_day"])
    op.create_index("ix_trade_fill_order", "trade_fill", ["account_id", "client_order_id"])
    op.create_table(
        "account_asset",
        sa.Column("account_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=True),
        sa.Column("sod_cash_fen", sa.Integer(), nullable=False),
        sa.Column("cash_fen", sa.Integer(), nullable=False),
        sa.Column("broker_cash", sa.Float(), nullable=True),
        sa.Column("broker_frozen_cash", sa.Float(), nullable=True),
        sa.Column("broker_market_value", sa.Float(), nullable=True),
        sa.Column("broker_total_asset", sa.Float(), nullable=True),
        sa.Column("broker_at", sa.DateTime(), nullable=True),
        sa.Column("reconcile_state", sa.String(), nullable=False),
        sa.Column("buy_blocked", sa.Boolean(), nullable=False),
        sa.Column("block_reason", sa.String(), nullable=False),
        sa.Column("reconciled_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "account_position",
        sa.Column("account_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("code", sa.String(), primary_key=True, nullable=False),
        sa.Column("sod_volume", sa.Integer(), nullable=False),
        sa.Column("bought_today", sa.Integer(), nullable=False),
        sa.Column("sold_today", sa.Integer(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("broker_volume", sa.Integer(), nullable=True),
        sa.Column("broker_can_use", sa.Integer(), nullable=True),
        sa.Column("avg_price", sa.Float(), nullable=False),
        sa.Column("last_price", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "account_reconcile",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("details_json", sa.String(), nullable=False),
    )
    op.create_index("ix_account_reconcile_account", "account_reconcile", ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_account_reconcile_account", table_name="account_reconcile")
    op.drop_table("account_reconcile")
    op.drop_table("account_position")
    op.drop_table("account_asset")
    op.drop_index("ix_trade_fill_order", table_name="trade_fill")
    op.drop_index("ix_trade_fill_account_day", table_name="trade_fill")
    op.drop_table("trade_fill")
    op.drop_index("ix_trade_order_account_day", table_name="trade_order")
    op.drop_index("ux_trade_order_broker_id", table_name="trade_order")
    op.drop_table("trade_order")
    op.drop_table("oms_cursor")
    op.drop_index("ix_order_event_account", table_name="order_event")
    op.drop_table("order_event")
