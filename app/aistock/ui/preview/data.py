"""What the preview page shows, read from the PreviewService — no Qt, so it runs on a worker.

The page never reads the store on the GUI thread: :func:`load_page` (the instance list and the
chart's curves) and :func:`load_details` (one instance's holdings and trades) build plain
records here, inside a job, and the page only hands them to its widgets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QCoreApplication
from sqlmodel import col, func, select

from aistock.core.calendar import SHANGHAI
from aistock.store import PreviewTrade, Store
from aistock.trading.preview.service import PreviewError, PreviewService, PreviewSummary
from aistock.ui.jobs import CancelToken

BENCHMARK = "000001.SH"
BENCH_COLUMN = f"bench:{BENCHMARK}"
ACTIVE_STATUSES = ("running", "stopped")
ALL_STATUSES = ("running", "stopped", "archived")


def curve_label(preview_id: int, name: str) -> str:
    """How an instance is named in the chart: its id first, so two of the same name differ."""
    return f"#{preview_id} {name}"


def nav_column(preview_id: int, name: str) -> str:
    """The column :meth:`PreviewService.nav` gives the instance."""
    return f"{preview_id}:{name}"


@dataclass(frozen=True)
class InstanceRow:
    """One instance as the list shows it: the summary flattened, with its trade count."""

    id: int
    name: str
    status: str
    source_kind: str
    source_ref: str
    start_date: dt.date
    settled_through: dt.date | None
    initial_capital: float
    total_value: float | None
    trades: int
    total_return: float | None = None
    annual_return: float | None = None
    max_drawdown: float | None = None
    sharpe: float | None = None
    volatility: float | None = None
    turnover: float | None = None
    win_rate: float | None = None

    @property
    def label(self) -> str:
        return curve_label(self.id, self.name)

    @property
    def nav(self) -> float | None:
        return None if self.total_value is None else self.total_value / self.initial_capital

    @property
    def cum_pnl(self) -> float | None:
        return None if self.total_value is None else self.total_value - self.initial_capital

    @property
    def source(self) -> str:
        """Short: a file's name, or the loop reference."""
        if self.source_kind == "file":
            return self.source_ref.replace("\\", "/").rsplit("/", 1)[-1]
        return self.source_ref

    @property
    def has_history(self) -> bool:
        return self.settled_through is not None


def _metric(metrics: dict[str, float], key: str) -> float | None:
    value = metrics.get(key)
    return None if value is None or not math.isfinite(value) else float(value)


def instance_row(summary: PreviewSummary, trades: int) -> InstanceRow:
    kind, _, ref = summary.source.partition(":")
    m = summary.metrics
    return InstanceRow(
        id=summary.id,
        name=summary.name,
        status=summary.status,
        source_kind=kind,
        source_ref=ref,
        start_date=summary.start_date,
        settled_through=summary.settled_through,
        initial_capital=summary.initial_capital,
        total_value=summary.total_value,
        trades=trades,
        total_return=_metric(m, "total_return"),
        annual_return=_metric(m, "annual_return"),
        max_drawdown=_metric(m, "max_drawdown"),
        sharpe=_metric(m, "sharpe"),
        volatility=_metric(m, "volatility"),
        turnover=_metric(m, "turnover"),
        win_rate=_metric(m, "win_rate"),
    )


def trade_counts(store: Store) -> dict[int, int]:
    """Trades per instance in one query (the summaries do not count them)."""
    with store.session() as session:
        rows = session.exec(
            select(PreviewTrade.preview_id, func.count()).group_by(col(PreviewTrade.preview_id))
        ).all()
    return {int(pid): int(count) for pid, count in rows}


@dataclass(frozen=True)
class ChartData:
    """The chart's input, or the reason there is none (``message``)."""

    dates: list[dt.date] = field(default_factory=list)
    curves: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    benchmark: tuple[str, npt.NDArray[np.float64]] | None = None
    message: str = ""


@dataclass(frozen=True)
class PageData:
    rows: list[InstanceRow]
    chart: ChartData
    charted: tuple[int, ...]
    """The instance ids the chart was asked for (the page reloads when its ticks differ)."""


def load_page(
    service: PreviewService, statuses: Sequence[str], chart_ids: Sequence[int], token: CancelToken
) -> PageData:
    summaries = service.summaries(statuses=statuses)
    token.check()
    counts = trade_counts(service.store)
    rows = [instance_row(s, counts.get(s.id, 0)) for s in summaries]
    token.check()
    return PageData(rows, load_chart(service, rows, chart_ids), tuple(chart_ids))


def load_chart(service: PreviewService, rows: Sequence[InstanceRow], chart_ids: Sequence[int]) -> ChartData:
    translate = QCoreApplication.translate
    by_id = {row.id: row for row in rows}
    wanted = [by_id[i] for i in chart_ids if i in by_id]
    if not wanted:
        return ChartData(
            message=translate("PreviewPage", "Tick instances in the list above to compare their NAV curves.")
        )
    charted = [row for row in wanted if row.has_history]
    if not charted:
        return ChartData(
            message=translate(
                "PreviewPage",
                "The ticked instances have no settled day yet: replay them, or let them run past a close.",
            )
        )
    ids = [row.id for row in charted]
    try:
        frame = service.nav(ids)
        benchmark_note = ""
    except PreviewError as first:
        try:
            frame = service.nav(ids, benchmarks=())
        except PreviewError:
            return ChartData(message=first.what)
        benchmark_note = first.what
    dates = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in frame.index]
    curves = {
        row.label: frame[nav_column(row.id, row.name)].to_numpy(dtype=np.float64, copy=True)
        for row in charted
    }
    benchmark = (
        (BENCHMARK, frame[BENCH_COLUMN].to_numpy(dtype=np.float64, copy=True))
        if BENCH_COLUMN in frame.columns
        else None
    )
    return ChartData(dates, curves, benchmark, benchmark_note)


@dataclass(frozen=True)
class HoldingRow:
    code: str
    volume: int
    sellable: int
    avg_cost: float
    last_price: float
    market_value: float
    cost: float
    weight: float | None

    @property
    def pnl(self) -> float:
        return self.market_value - self.cost

    @property
    def pnl_pct(self) -> float | None:
        return None if self.cost <= 0 else self.pnl / self.cost


@dataclass(frozen=True)
class TradeRow:
    id: int
    trading_day: dt.date
    at: dt.datetime
    code: str
    side: str
    price: float
    volume: int
    amount: float
    fees: float
    reason: str


@dataclass(frozen=True)
class Details:
    """One instance's latest holdings and all its trades (newest first)."""

    preview_id: int
    day: dt.date | None
    total_value: float | None
    holdings: list[HoldingRow]
    trades: list[TradeRow]


def _local(moment: dt.datetime) -> dt.datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(SHANGHAI)


def load_details(service: PreviewService, preview_id: int, token: CancelToken) -> Details:
    positions = service.positions(preview_id)
    token.check()
    accounts = service.accounts(preview_id, settled_only=False)
    total = float(accounts["total_value"].iloc[-1]) if not accounts.empty else None
    day = positions[0].trading_day if positions else None
    holdings = sorted(
        (
            HoldingRow(
                code=p.code,
                volume=p.volume,
                sellable=p.sellable,
                avg_cost=p.avg_cost,
                last_price=p.last_price,
                market_value=p.market_value,
                cost=p.cost_fen / 100.0,
                weight=p.market_value / total if total else None,
            )
            for p in positions
        ),
        key=lambda h: -h.market_value,
    )
    token.check()
    trades = [
        TradeRow(
            id=t.id or 0,
            trading_day=t.trading_day,
            at=_local(t.at),
            code=t.code,
            side=t.side,
            price=t.price,
            volume=t.volume,
            amount=t.amount,
            fees=t.fees,
            reason=t.reason,
        )
        for t in reversed(service.trades(preview_id))
    ]
    return Details(preview_id, day, total, holdings, trades)
