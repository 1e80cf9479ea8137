"""The preview's tables (revision 0007): virtual books that never touch a broker (seed §7.8).

``preview_strategy`` is one instance (a loop or a signal file run under a strategy config);
``preview_trade`` every virtual fill; ``preview_position`` the holdings per trading day (the
current day's rows are refreshed every minute, earlier days are end-of-day snapshots); and
``preview_account`` one row per trading day with cash, total value, P&L and the running peak.
The book state is stored to the fen (cash, cost basis, realised P&L, sellable shares), so an
instance restored after a restart continues exactly where it stopped.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from aistock.store.tables import UTCDateTime, utc_now


class PreviewStrategy(SQLModel, table=True):
    __tablename__ = "preview_strategy"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    source_kind: str
    """``loop`` (the loop's model scores the days) or ``file`` (a signal file's scores)."""
    source_ref: str
    """The loop reference ``task_run_id/loop_id[/workspace_id]`` or the signal file's path."""
    strategy_id: str = ""
    experiment_id: str = ""
    initial_capital: float
    status: str = "running"
    config_json: str = "{}"
    config_hash: str = ""
    start_date: date
    """The first trading day the instance trades."""
    settled_through: date | None = None
    """The last trading day whose end-of-day settlement is stored."""
    note: str = ""
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class PreviewTrade(SQLModel, table=True):
    __tablename__ = "preview_trade"
    __table_args__ = (
        Index("ix_preview_trade_day", "preview_id", "trading_day"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    preview_id: int = Field(foreign_key="preview_strategy.id", ondelete="CASCADE")
    trading_day: date
    at: datetime = Field(sa_type=UTCDateTime)
    code: str
    side: str
    price: float
    volume: int
    amount: float
    fees: float = 0.0
    reference_price: float = 0.0
    """The price the planner sized the order at (slippage = fill price against it)."""
    reason: str = ""


class PreviewPosition(SQLModel, table=True):
    __tablename__ = "preview_position"

    preview_id: int = Field(foreign_key="preview_strategy.id", ondelete="CASCADE", primary_key=True)
    trading_day: date = Field(primary_key=True)
    code: str = Field(primary_key=True)
    volume: int
    sellable: int
    cost_fen: int
    avg_cost: float
    last_price: float
    market_value: float


class PreviewAccount(SQLModel, table=True):
    __tablename__ = "preview_account"

    preview_id: int = Field(foreign_key="preview_strategy.id", ondelete="CASCADE", primary_key=True)
    trading_day: date = Field(primary_key=True)
    cash_fen: int
    realized_pnl_fen: int
    fees_paid_fen: int
    cash: float
    market_value: float
    total_value: float
    daily_pnl: float
    cum_pnl: float
    peak_value: float
    """The highest end-of-day total value up to and including this day (drawdown's reference)."""
    sod_value: float = 0.0
    """Total value at the day's open (after corporate actions): the intraday drawdown's reference."""
    high_value: float = 0.0
    """The day's highest mark so far."""
    rebalances: str = ""
    """Rebalance times already run this day (``HH:MM`` comma-separated; ``close`` for daily bars),
    so a restart never runs one twice."""
    turnover: float = 0.0
    """Value traded this day (buys and sells), in yuan."""
    orders: int = 0
    rejected: int = 0
    """Planned orders the risk rules or the virtual exchange refused this day."""
    settled: bool = False
    """True once the end-of-day settlement with closing prices has run; until then the values
    are the latest minute's marks."""
    marked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PreviewEvent(SQLModel, table=True):
    """What happened to an instance besides trades: risk refusals, catch-ups, notes (LiveFeedback)."""

    __tablename__ = "preview_event"
    __table_args__ = (Index("ix_preview_event_instance", "preview_id", "id"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    preview_id: int = Field(foreign_key="preview_strategy.id", ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime)
    trading_day: date
    kind: str
    code: str = ""
    message: str = ""
    context_json: str = "{}"


class PreviewSignal(SQLModel, table=True):
    """Scores an instance traded on, per signal day: computed once, reused by replays and exports."""

    __tablename__ = "preview_signal"

    preview_id: int = Field(foreign_key="preview_strategy.id", ondelete="CASCADE", primary_key=True)
    signal_day: date = Field(primary_key=True)
    code: str = Field(primary_key=True)
    score: float


PREVIEW_TABLES: tuple[type[SQLModel], ...] = (
    PreviewStrategy,
    PreviewTrade,
    PreviewPosition,
    PreviewAccount,
    PreviewEvent,
    PreviewSignal,
)
"""The preview's tables (revision 0007)."""
