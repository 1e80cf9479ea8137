"""RiskEngine (seed §7.6): the account and the market as the pure rules need them, and the record.

It reads the account through AccountService (cash after open buys, T+1 sellable after open
sells), prices through a :class:`QuoteSource`, the trading state through the state service and
the NAV marks from the store; hands everything to :func:`aistock.core.risk.validate`; and
records every denial, shrink, stale quote and drawdown breach with MonitoringService. What it
cannot find stays missing, and the rules deny on it: no account row, no quote, no position.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sqlmodel import col, func, select

from aistock.core.calendar import shanghai_now
from aistock.core.fees import FeeSchedule, Side
from aistock.core.orders import OrderRequest
from aistock.core.risk import (
    AccountSnapshot,
    HeldPosition,
    NavMarks,
    Outcome,
    Quote,
    RateWindow,
    RiskCode,
    RiskContext,
    RiskLimits,
    RiskVerdict,
    validate,
)
from aistock.store import Store
from aistock.store.tables import AccountAsset, TradeOrder
from aistock.trading.account_service import AccountService
from aistock.trading.monitoring import MonitoringService, MonitorKind, Severity
from aistock.trading.risk.nav import NavMarksRepository
from aistock.trading.risk.quotes import QuoteSource
from aistock.trading.risk.state import TradingStateService

_DRAWDOWN_CODES = {RiskCode.DRAWDOWN_INTRADAY, RiskCode.DRAWDOWN_CUMULATIVE}


class RiskEngine:
    def __init__(
        self,
        store: Store,
        accounts: AccountService,
        quotes: QuoteSource,
        state: TradingStateService,
        *,
        limits: RiskLimits | None = None,
        monitoring: MonitoringService | None = None,
        clock: Callable[[], dt.datetime] = shanghai_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.quotes = quotes
        self.state = state
        self.limits = limits or RiskLimits()
        self.monitoring = monitoring
        self.nav = NavMarksRepository(store)
        self._clock = clock
        self._monotonic = monotonic
        self._alerted: set[tuple[str, str, str]] = set()
        self._rates: dict[tuple[str, str], RateWindow] = {}
        self._rate_lock = threading.Lock()

    @property
    def fees(self) -> FeeSchedule:
        return self.accounts.fees

    # -- the context ---------------------------------------------------------------------------------
    def account_snapshot(self, account_id: str) -> AccountSnapshot | None:
        with self.store.session() as session:
            asset = session.get(AccountAsset, account_id)
        if asset is None:
            return None
        cash = self.accounts.get_cash_and_asset(account_id)
        positions = {
            p.code: HeldPosition(p.code, p.volume, p.sellable)
            for p in self.accounts.get_current_positions(account_id)
        }
        open_buy_value: dict[str, float] = {}
        open_sells: set[str] = set()
        for order in self.accounts.get_open_orders(account_id):
            if order.side is Side.BUY and order.remaining:
                open_buy_value[order.code] = (
                    open_buy_value.get(order.code, 0.0) + order.remaining * order.price
                )
            elif order.side is Side.SELL and order.remaining:
                open_sells.add(order.code)
        orders_today, cancels_today = self._counts(account_id, cash.trading_day)
        return AccountSnapshot(
            account_id=account_id,
            cash=cash.cash,
            available=cash.available,
            positions=positions,
            open_buy_value=open_buy_value,
            open_sell_codes=frozenset(open_sells),
            buy_blocked=cash.buy_blocked,
            block_reason=cash.block_reason,
            orders_today=orders_today,
            cancels_today=cancels_today,
        )

    def _counts(self, account_id: str, day: dt.date | None) -> tuple[int, int]:
        if day is None:
            return 0, 0
        where = (col(TradeOrder.account_id) == account_id, col(TradeOrder.trading_day) == day)
        # Our own orders only: not those placed at the terminal, and not the child orders a
        # smart-algo task placed for one parent (the parent is the order we sent).
        own = (col(TradeOrder.origin) != "external") & col(TradeOrder.parent_client_order_id).is_(None)
        with self.store.session() as session:
            orders = session.exec(select(func.count()).select_from(TradeOrder).where(*where, own)).one()
            cancels = session.exec(
                select(func.count())
                .select_from(TradeOrder)
                .where(*where, own, col(TradeOrder.cancel_requested) == True)  # noqa: E712
            ).one()
        return int(orders), int(cancels)

    def context(self, account_id: str, codes: Sequence[str] = ()) -> RiskContext:
        """Everything the rules need to judge orders in ``codes`` (held codes are always priced)."""
        account = self.account_snapshot(account_id)
        wanted = set(codes) | (set(account.positions) if account else set())
        quotes = self.quotes.quotes(sorted(wanted))
        now = self._clock()
        if account is not None:
            nav = _nav(account, quotes)
            if nav is not None and nav > 0:
                marks = self.nav.observe(account_id, now.date(), nav)
            else:
                marks = self.nav.marks(account_id, now.date())
            account = _with_marks(account, marks)
        return RiskContext(account, quotes, self.state.current().state, now, self.fees)

    # -- judging -------------------------------------------------------------------------------------
    def validate(self, account_id: str, batch: Sequence[OrderRequest], *, origin: str = "") -> RiskVerdict:
        context = self.context(account_id, [r.code for r in batch])
        verdict = validate(batch, context, self.limits)
        self.record_verdict(account_id, verdict, origin)
        return verdict

    def record_verdict(self, account_id: str, verdict: RiskVerdict, origin: str) -> None:
        """Denials and shrinks to MonitoringService (and drawdown / stale-quote alerts, once)."""
        if self.monitoring is None:
            return
        day = self._clock().date().isoformat()
        for decision in verdict.decisions:
            if decision.outcome is Outcome.APPROVED:
                continue
            request = decision.request
            kind = MonitorKind.RISK_DENIAL if decision.outcome is Outcome.DENIED else MonitorKind.RISK_SHRINK
            self.monitoring.record(
                kind,
                decision.describe(),
                severity=Severity.WARNING,
                account_id=account_id,
                code=request.code,
                context={
                    "codes": [c.value for c in decision.codes],
                    "side": request.side.value,
                    "volume": request.volume,
                    "approved_volume": decision.order.volume if decision.order else 0,
                    "price": request.price,
                    "price_type": request.price_type.value,
                    "strategy": request.strategy,
                    "origin": origin,
                },
            )
            for reason in decision.reasons:
                self._alert_once(account_id, day, request.code, reason.code, reason.message)

    def _alert_once(self, account_id: str, day: str, code: str, rule: RiskCode, message: str) -> None:
        """A drawdown breach once per account and day; a stale quote once per code and day."""
        assert self.monitoring is not None
        if rule in _DRAWDOWN_CODES:
            key, kind, severity = (account_id, rule.value, day), MonitorKind.DRAWDOWN, Severity.CRITICAL
        elif rule is RiskCode.STALE_QUOTE:
            key, kind, severity = (account_id, code, day), MonitorKind.STALE_QUOTE, Severity.WARNING
        else:
            return
        if key in self._alerted:
            return
        self._alerted.add(key)
        self.monitoring.record(kind, message, severity=severity, account_id=account_id, code=code)

    # -- pacing --------------------------------------------------------------------------------------
    def pace(self, account_id: str, action: str = "order", *, max_wait_s: float = 5.0) -> bool:
        """Wait for a slot under the per-second limit; False when the day's budget is spent or
        the wait would exceed ``max_wait_s``. Call once per order (or cancel) actually sent."""
        deadline = self._monotonic() + max_wait_s
        while True:
            with self._rate_lock:
                window = self._window(account_id, action)
                wait = window.wait_needed(self._monotonic())
                if wait == 0.0:
                    window.record(self._monotonic())
                    return True
            if math.isinf(wait) or self._monotonic() + wait > deadline:
                return False
            time.sleep(wait)

    def _window(self, account_id: str, action: str) -> RateWindow:
        key = (account_id, action)
        window = self._rates.get(key)
        if window is None:
            with self.store.session() as session:
                asset = session.get(AccountAsset, account_id)
            orders, cancels = self._counts(account_id, asset.trading_day if asset else None)
            if action == "cancel":
                window = RateWindow(
                    self.limits.max_cancels_per_second, self.limits.max_cancels_per_day, cancels
                )
            else:
                window = RateWindow(self.limits.max_orders_per_second, self.limits.max_orders_per_day, orders)
            self._rates[key] = window
        return window


def _nav(account: AccountSnapshot, quotes: Mapping[str, Quote]) -> float | None:
    """Cash plus holdings at their reference prices; None when a holding has no price."""
    total = account.cash
    for code, position in account.positions.items():
        quote = quotes.get(code)
        price = quote.reference if quote is not None else math.nan
        if position.volume > 0 and not price > 0:
            return None
        total += position.volume * price
    return total


def _with_marks(account: AccountSnapshot, marks: NavMarks) -> AccountSnapshot:
    return replace(account, nav_marks=marks)
