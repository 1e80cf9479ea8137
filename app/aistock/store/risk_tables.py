"""The risk layer's tables (revision 0006): trading state, monitoring events, NAV marks, plans.

``trading_state`` holds one row per scope (``global`` is the kill-switch) and is only ever
changed together with a ``trading_state_change`` row saying who changed it and why, so a halt
survives a restart and its history survives an argument. ``monitor_event`` is the record
MonitoringService keeps and LiveFeedback reads: risk denials, state changes, disconnects, stale
quotes, drawdown alerts and rejected orders, each with its context as JSON.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from aistock.store.tables import UTCDateTime, utc_now


class TradingStateRow(SQLModel, table=True):
    __tablename__ = "trading_state"

    scope: str = Field(primary_key=True)
    state: str
    reason: str = ""
    changed_by: str = ""
    source: str = ""
    version: int = 0
    changed_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TradingStateChange(SQLModel, table=True):
    __tablename__ = "trading_state_change"
    __table_args__ = (Index("ix_trading_state_change_scope", "scope", "id"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    scope: str
    from_state: str
    to_state: str
    reason: str = ""
    changed_by: str = ""
    source: str = ""
    changed_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class MonitorEvent(SQLModel, table=True):
    __tablename__ = "monitor_event"
    __table_args__ = (
        Index("ix_monitor_event_kind", "kind", "id"),
        Index("ix_monitor_event_account", "account_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    kind: str
    severity: str = "info"
    account_id: str = ""
    code: str = ""
    message: str = ""
    context_json: str = "{}"


class AccountNav(SQLModel, table=True):
    """One account's NAV marks for one trading day: where it started, its high, its running peak."""

    __tablename__ = "account_nav"

    account_id: str = Field(primary_key=True)
    trading_day: date = Field(primary_key=True)
    sod_nav: float
    high_nav: float
    low_nav: float
    last_nav: float
    peak_nav: float
    """The highest NAV seen up to and including this day (cumulative drawdown's reference)."""
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class OrderPlan(SQLModel, table=True):
    """A planned batch (a rebalance, a reduction to cash) with the risk engine's verdict on it."""

    __tablename__ = "order_plan"
    __table_args__ = (Index("ix_order_plan_account", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    kind: str
    status: str = "proposed"
    strategy: str = ""
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = ""
    note: str = ""
    payload_json: str = "{}"


RISK_TABLES: tuple[type[SQLModel], ...] = (
    TradingStateRow,
    TradingStateChange,
    MonitorEvent,
    AccountNav,
    OrderPlan,
)
"""The risk layer's tables (revision 0006)."""
