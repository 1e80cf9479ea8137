"""One rebalance as every mode runs it: scores → target weights → planner → risk → fills.

This is the one path of DESIGN §2 in a single function. The backtest's workstation runner,
the preview's virtual books and (through the OMS) paper and live all turn a day's scores into
trades here; only the :class:`Venue` differs — a simulated exchange, a virtual book, a broker.
Because the preview and the backtest share it, a preview replay and a backtest of the same
signals under the same rules agree to the fen, which is what lets an analyst trust either.

A rebalance runs in two phases. Sells are planned, judged by the risk rules and filled first;
then the buys are planned on the book the sells left behind. A venue that fills at once (a
simulated exchange, a virtual book) therefore spends its sale proceeds the same day, as a
backtest does; against a broker the second phase simply finds the proceeds not yet there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aistock.core.book import Book
from aistock.core.fees import FeeSchedule, Side
from aistock.core.orders import OrderRequest
from aistock.core.planning import PlannerConfig, SkippedTarget, plan_orders
from aistock.core.risk import (
    AccountSnapshot,
    HeldPosition,
    NavMarks,
    Quote,
    RiskContext,
    RiskDecision,
    RiskLimits,
    validate,
)
from aistock.core.trading_state import TradingState
from aistock.trading.portfolio.config import StrategyConfig
from aistock.trading.portfolio.engine import PortfolioEngine

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class RebalanceRules:
    """The rules a rebalance runs under, shared by a preview and the backtest it is checked against.

    The defaults are the seed's preview: no fees (§7.8 asks for zero by default), no minimum
    order value, and the standard risk limits, so a preview trades what a live account with
    those limits would.
    """

    fees: FeeSchedule = field(default_factory=FeeSchedule.zero)
    planner: PlannerConfig = field(default_factory=lambda: PlannerConfig(min_order_value=0.0))
    limits: RiskLimits | None = field(default_factory=RiskLimits)
    """``None`` skips the risk rules (a raw research run); previews keep them on."""


class Venue(Protocol):
    """Where a rebalance reads the book and the market, and sends what it decided."""

    def snapshot(self) -> AccountSnapshot: ...

    def quotes(self, codes: Iterable[str]) -> Mapping[str, Quote]: ...

    def fill(self, order: OrderRequest) -> bool:
        """Execute (or send) one approved order; False when the venue refused it."""
        ...


@dataclass(frozen=True, slots=True)
class RebalanceOutcome:
    target: Mapping[str, float]
    sent: tuple[OrderRequest, ...]
    refused: tuple[OrderRequest, ...]
    """Approved orders the venue did not fill."""
    skipped: tuple[SkippedTarget, ...]
    decisions: tuple[RiskDecision, ...]
    """The risk verdict on every planned order (approved, shrunk and denied)."""

    @property
    def denied(self) -> tuple[RiskDecision, ...]:
        return tuple(d for d in self.decisions if d.order is None)

    @property
    def shrunk(self) -> tuple[RiskDecision, ...]:
        return tuple(d for d in self.decisions if d.order is not None and d.order.volume != d.request.volume)


def book_snapshot(
    account_id: str, book: Book, *, marks: NavMarks | None = None, orders_today: int = 0
) -> AccountSnapshot:
    """A virtual book as the planner and the risk rules see an account: nothing open, all cash free."""
    cash = book.cash_fen / 100.0
    return AccountSnapshot(
        account_id=account_id,
        cash=cash,
        available=cash,
        positions={
            code: HeldPosition(code, pos.volume, pos.sellable) for code, pos in book.positions.items()
        },
        nav_marks=marks or NavMarks(),
        orders_today=orders_today,
    )


def tradable_now(quote: Quote | None) -> bool:
    """qlib's ``forbid_all_trade_at_limit``: a priced, unsuspended name off both limits."""
    if quote is None or quote.suspended or not quote.last > 0 or not math.isfinite(quote.last):
        return False
    if quote.up_limit is not None and quote.last >= quote.up_limit - _EPS:
        return False
    return not (quote.down_limit is not None and quote.last <= quote.down_limit + _EPS)


def current_weights(account: AccountSnapshot, quotes: Mapping[str, Quote]) -> dict[str, float]:
    """Each holding's share of NAV at the quotes' reference prices (empty for an empty NAV)."""
    values = {
        code: pos.volume * quotes[code].reference for code, pos in account.positions.items() if code in quotes
    }
    total = account.cash + sum(values.values())
    if not total > 0:
        return {}
    return {code: value / total for code, value in values.items()}


def target_weights(
    strategy: StrategyConfig,
    scores: Mapping[str, float],
    account: AccountSnapshot,
    quotes: Mapping[str, Quote],
    *,
    entry_prices: Mapping[str, float] | None = None,
    engine: PortfolioEngine | None = None,
) -> dict[str, float]:
    """The PortfolioEngine's answer for this book at these prices (the step all modes share)."""
    entry_returns = {
        code: quotes[code].reference / price - 1.0
        for code, price in (entry_prices or {}).items()
        if price > 0 and code in quotes and code in account.positions
    }
    return (engine or PortfolioEngine()).compute_target_portfolio(
        strategy,
        scores,
        current_weights(account, quotes),
        tradable=lambda code: tradable_now(quotes.get(code)),
        entry_returns=entry_returns,
    )


def rebalance(
    venue: Venue,
    target: Mapping[str, float],
    rules: RebalanceRules,
    *,
    now: dt.datetime | None,
    strategy: str = "",
    state: TradingState = TradingState.ACTIVE,
) -> RebalanceOutcome:
    """Move the venue's book towards ``target``: sells planned, judged and filled, then buys."""
    sent: list[OrderRequest] = []
    refused: list[OrderRequest] = []
    skipped: list[SkippedTarget] = []
    decisions: list[RiskDecision] = []
    codes = set(target)
    for side in (Side.SELL, Side.BUY):
        account = venue.snapshot()
        quotes = venue.quotes(sorted(codes | set(account.positions)))
        plan = plan_orders(account, quotes, target, fees=rules.fees, config=rules.planner, strategy=strategy)
        skipped.extend(s for s in plan.skipped if s.side is side or (s.side is None and side is Side.SELL))
        orders = plan.sells if side is Side.SELL else plan.buys
        if not orders:
            continue
        approved: list[OrderRequest]
        if rules.limits is None:
            approved = list(orders)
        else:
            context = RiskContext(account, quotes, state=state, now=now, fees=rules.fees)
            verdict = validate(orders, context, rules.limits)
            decisions.extend(verdict.decisions)
            approved = verdict.approved
        for order in approved:
            (sent if venue.fill(order) else refused).append(order)
    return RebalanceOutcome(dict(target), tuple(sent), tuple(refused), _unique(skipped), tuple(decisions))


def _unique(skipped: list[SkippedTarget]) -> tuple[SkippedTarget, ...]:
    """The planner runs twice; a target skipped in both phases is reported once."""
    seen: set[tuple[str, Side | None, str]] = set()
    out: list[SkippedTarget] = []
    for s in skipped:
        key = (s.code, s.side, s.reason.value)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return tuple(out)
