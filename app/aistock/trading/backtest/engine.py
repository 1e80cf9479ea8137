"""``StrategyEngine.run_backtest``: a daily simulator driven by a signal (seed §3.1).

Each trading day ``t`` it does what qlib's ``backtest_daily`` does: read the scores dated the
previous trading day (a score computed from day ``t-1``'s data trades on day ``t``), let the
strategy turn them into orders, fill the orders on the simulated exchange in the strategy's
order (sells first), mark the book to the close, and write one report row with qlib's columns
``account, return, total_turnover, turnover, total_cost, cost, value, cash, bench``.

``rules="qlib"`` reproduces qlib's exchange (to the cent, see :mod:`.qlib_rules`);
``rules="ashare"`` trades what a broker account could (see :mod:`.ashare_rules`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError
from aistock.core.fees import FeeSchedule, QlibCostModel
from aistock.data.service import DataService
from aistock.trading.backtest.ashare_rules import AShareExchange
from aistock.trading.backtest.market import MarketArrays, load_market, qlib_name_order
from aistock.trading.backtest.orders import SimAccount, SimExchange, Trade
from aistock.trading.backtest.qlib_rules import QlibAccount, QlibExchange
from aistock.trading.backtest.result import BacktestResult
from aistock.trading.backtest.signal import SignalFrame, index_signal, normalize_signal
from aistock.trading.backtest.strategies import WorkstationRunner, runner_for
from aistock.trading.portfolio.config import StrategyConfig, TargetWeightConfig
from aistock.trading.rebalance import RebalanceRules

Progress = Callable[[int, int], None]
REPORT_COLUMNS = (
    "account",
    "return",
    "total_turnover",
    "turnover",
    "total_cost",
    "cost",
    "value",
    "cash",
    "bench",
)


class BacktestError(AistockError, ValueError):
    """A backtest that cannot run as asked."""


@dataclass(frozen=True, slots=True)
class BacktestSettings:
    """Everything but the strategy and the signal. Defaults are RD-Agent's exchange settings."""

    start: dt.date
    end: dt.date
    rules: Literal["qlib", "ashare"] = "qlib"
    account: float = 1e8
    benchmark: str | None = "000300.SH"
    deal_price: str = "close"
    limit_threshold: float | None = 0.095
    costs: QlibCostModel = field(default_factory=QlibCostModel)
    trade_unit: int | None = 100
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    drop_unknown: bool = False
    seed: int = 0
    workstation: RebalanceRules | None = None
    """Decide on the workstation's one path (PortfolioEngine → planner → risk) under these rules
    instead of the strategy's qlib runner: the backtest a preview replay must equal."""

    def __post_init__(self) -> None:
        if self.rules not in ("qlib", "ashare"):
            raise BacktestError(f"rule set {self.rules!r} is unknown", "use 'qlib' or 'ashare'")
        if self.start > self.end:
            raise BacktestError(
                f"the backtest starts ({self.start}) after it ends ({self.end})", "swap the dates"
            )
        if not self.account > 0:
            raise BacktestError(f"the account must start with cash, got {self.account}", "give e.g. 1e8")
        if self.workstation is not None and (self.rules != "ashare" or self.deal_price != "close"):
            raise BacktestError(
                "the workstation path trades A-share books at the current price (the close of a daily bar)",
                "use rules='ashare' and deal_price='close' with it",
            )


class StrategyEngine:
    """Runs strategies over history on a :class:`DataService` (no Qt, no broker)."""

    def __init__(self, data: DataService) -> None:
        self.data = data

    def run_backtest(
        self,
        signal: pd.DataFrame | pd.Series | SignalFrame,
        strategy: StrategyConfig,
        settings: BacktestSettings,
        *,
        progress: Progress | None = None,
    ) -> BacktestResult:
        calendar = list(self.data.trading_calendar().sessions)
        days = self._days(calendar, settings)
        universe = self.data.instruments("all")
        checked = (
            signal
            if isinstance(signal, SignalFrame)
            else normalize_signal(
                signal, calendar=calendar, universe=universe, drop_unknown=settings.drop_unknown
            )
        )
        if isinstance(strategy, TargetWeightConfig) and not checked.has_target_weights():
            raise BacktestError(
                "the strategy trades target weights but the signal has none", "use signals.parquet"
            )
        codes = self._codes(days, checked)
        market = load_market(
            self.data, codes, days, buy_price=settings.deal_price, sell_price=settings.deal_price
        )
        book = index_signal(checked, codes)
        exchange, account = self._venue(market, settings)
        runner = runner_for(strategy, codes, settings.seed)
        workstation = (
            WorkstationRunner(
                strategy,
                codes,
                settings.workstation,
                data=self.data,
                initial_value=settings.account,
            )
            if settings.workstation is not None
            else None
        )
        bench = self._bench(settings, calendar, days)
        notes = list(checked.notes)

        position = {day: i for i, day in enumerate(calendar)}
        rows: list[tuple[float, ...]] = []
        holdings: list[tuple[int, str, float, float, int]] = []
        trades: list[Trade] = []
        last = (settings.account, 0.0, 0.0)
        quiet = 0
        for t, day in enumerate(days):
            exchange.open_day(account, t)
            signal_day = calendar[position[day] - 1]
            scores = book.on(signal_day)
            quiet += scores is None
            if workstation is not None:
                trades.extend(workstation.run_day(t, scores, account, exchange))
            else:
                for order in runner.decide(t, scores, book.weights_by_day.get(signal_day), account, exchange):
                    trades.append(exchange.execute(account, order, t))
            exchange.close_day(account, t)
            if workstation is not None:
                workstation.after_close(account.total_value())
            row, last = _report_row(account, last, bench[t])
            rows.append(row)
            for i in account.holdings():
                holdings.append((t, codes[i], account.amount(i), account.price(i), account.hold_days(i)))
            if progress is not None:
                progress(t + 1, len(days))
        if quiet:
            notes.append(
                f"{quiet} of {len(days)} day(s) had no signal on the previous trading day: no trades then"
            )
        return BacktestResult.build(
            days=days,
            report=np.array(rows, dtype=np.float64).reshape(len(rows), len(REPORT_COLUMNS)),
            columns=REPORT_COLUMNS,
            holdings=holdings,
            trades=trades,
            codes=codes,
            settings=settings,
            strategy=strategy,
            notes=notes,
        )

    # -- set-up -------------------------------------------------------------------------------
    @staticmethod
    def _days(calendar: list[dt.date], settings: BacktestSettings) -> list[dt.date]:
        first, last = calendar[0], calendar[-1]
        if settings.end < first or settings.start > last:
            raise BacktestError(
                f"the backtest {settings.start}..{settings.end} lies outside the provider's calendar "
                f"{first}..{last}",
                "choose dates the provider covers",
            )
        days = [d for d in calendar if settings.start <= d <= settings.end]
        if not days:
            raise BacktestError(
                f"no trading day between {settings.start} and {settings.end}", "widen the range"
            )
        if settings.start < first or settings.end > last:
            raise BacktestError(
                f"the backtest {settings.start}..{settings.end} reaches beyond the provider's calendar "
                f"{first}..{last}",
                f"use --start {max(settings.start, calendar[1])} --end {min(settings.end, last)}",
            )
        if days[0] == first:
            raise BacktestError(
                f"the backtest cannot start on the provider's first trading day {first}: "
                "its orders use the previous day's scores",
                f"start on {calendar[1]} or later",
            )
        return days

    def _codes(self, days: list[dt.date], signal: SignalFrame) -> list[str]:
        """qlib's exchange universe: ``all`` members during the backtest, plus signal codes."""
        spans = self.data.source.instruments("all")
        active = {s.code for s in spans if s.start <= days[-1] and s.end >= days[0]}
        return qlib_name_order(sorted(active | set(signal.codes)))

    @staticmethod
    def _venue(market: MarketArrays, settings: BacktestSettings) -> tuple[SimExchange, SimAccount]:
        if settings.rules == "qlib":
            qlib = QlibExchange(
                market,
                limit_threshold=settings.limit_threshold,
                costs=settings.costs,
                trade_unit=settings.trade_unit,
            )
            return qlib, QlibAccount(init_cash=settings.account)
        ashare = AShareExchange(market, fees=settings.fees)
        return ashare, ashare.new_account(settings.account, market.days[0])

    def _bench(self, settings: BacktestSettings, calendar: list[dt.date], days: list[dt.date]) -> np.ndarray:
        """qlib's bench: float32 ``$close/Ref($close,1)-1``, NaN as 0, then ``(1+x).prod()-1``."""
        if settings.benchmark is None:
            return np.zeros(len(days))
        code = str(parse_code(settings.benchmark))
        previous = calendar[calendar.index(days[0]) - 1]
        frame = self.data.history([code], previous, days[-1], ["close"], adjust="front")
        if frame.empty:
            raise BacktestError(
                f"the benchmark {settings.benchmark} has no data in {previous}..{days[-1]}",
                "choose a benchmark the provider stores, e.g. 000300.SH or 000001.SH",
            )
        close = frame["close"].droplevel("instrument")
        close.index = [t.date() for t in pd.DatetimeIndex(close.index)]
        values = close.to_numpy(dtype=np.float32)
        change = np.full(len(values), np.nan, dtype=np.float32)
        change[1:] = values[1:] / values[:-1] - np.float32(1)
        by_day = dict(zip(close.index, change, strict=True))
        one = np.float32(1)
        out = np.zeros(len(days))
        for t, day in enumerate(days):
            x = by_day.get(day)
            if x is None:
                continue
            x = np.float32(0) if np.isnan(x) else x
            out[t] = float((x + one) - one)
        return out


def _report_row(
    account: SimAccount, last: tuple[float, float, float], bench: float
) -> tuple[tuple[float, ...], tuple[float, float, float]]:
    """qlib's ``update_portfolio_metrics``: rates against the previous day's account value."""
    last_value, last_cost, last_turnover = last
    stock_value = account.stock_value()
    value = stock_value + account.cash
    turnover_total = account.total_turnover
    cost_total = account.total_cost
    now_cost = cost_total - last_cost
    now_turnover = turnover_total - last_turnover
    row = (
        value,
        (value - last_value + now_cost) / last_value,
        turnover_total,
        now_turnover / last_value,
        cost_total,
        now_cost / last_value,
        stock_value,
        account.cash,
        bench,
    )
    return row, (value, cost_total, turnover_total)
