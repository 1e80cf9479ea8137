"""The A-share exchange qlib does not model: real shares, real prices, real fees, T+1.

Under these rules a backtest trades what a broker account could have traded:

* exchange (raw) prices on the 0.01 grid, and the day's limit band from the exchange's stored
  limit prices (or the board rules): no buy at or above limit-up, no sell at or below
  limit-down; no trade at all on a suspended day (no bar, no close or no volume);
* board lots: 100-share lots on the main boards and ChiNext, 200 then +1 on STAR, 100 then +1
  on BJ; an odd remainder is only sold whole;
* T+1: shares bought today cannot be sold before the next trading day;
* the broker's fee schedule (commission with its minimum, stamp duty on sells, transfer fee),
  in integer fen through :class:`~aistock.core.book.Book`, whose identity
  ``cash + cost basis = initial cash + realised P&L`` is checked after every day;
* corporate actions: when the adjustment factor moves, holders are credited in cash what the
  ex-rights reference price takes from them (``shares × previous close × (1 − 1/ratio)``) —
  a cash dividend exactly, a bonus issue as its value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from aistock.core.boards import LotRule, lot_rule_for
from aistock.core.book import Book, Fill
from aistock.core.codes import parse_code
from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.trading.backtest.market import MarketArrays
from aistock.trading.backtest.orders import Order, SimAccount, Trade


@dataclass(slots=True)
class AShareAccount:
    """A :class:`Book` plus what the report needs: last prices, holding days, running totals."""

    book: Book
    codes: tuple[str, ...]
    last_price: dict[int, float] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    total_turnover: float = 0.0
    total_cost: float = 0.0
    income: float = 0.0
    _index: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {code: i for i, code in enumerate(self.codes)}

    @property
    def cash(self) -> float:
        return self.book.cash_fen / 100.0

    def holdings(self) -> list[int]:
        return sorted(self._index[code] for code in self.book.positions)

    def amount(self, instrument: int) -> float:
        return float(self.book.position(self.codes[instrument]).volume)

    def sellable(self, instrument: int) -> int:
        return self.book.sellable(self.codes[instrument])

    def hold_days(self, instrument: int) -> int:
        return self.counts.get(instrument, 0)

    def entry_price(self, instrument: int) -> float:
        return self.book.position(self.codes[instrument]).avg_cost

    def price(self, instrument: int) -> float:
        return self.last_price[instrument]

    def stock_value(self) -> float:
        total_fen = 0
        for code, pos in self.book.positions.items():
            total_fen += pos.volume * yuan_to_fen(self.last_price[self._index[code]])
        return total_fen / 100.0

    def total_value(self) -> float:
        return self.stock_value() + self.cash


class AShareExchange:
    """Fills against raw daily bars with board lots, limit bands, T+1 and the broker's fees."""

    def __init__(self, market: MarketArrays, *, fees: FeeSchedule | None = None) -> None:
        self.market = market
        self.fees = fees or FeeSchedule()
        with np.errstate(invalid="ignore"):
            self.suspended = ~market.listed | np.isnan(market.raw_close) | ~(market.volume > 0)
            self.at_up_limit = market.raw_buy_price >= market.up_limit - 1e-9
            self.at_down_limit = market.raw_sell_price <= market.down_limit + 1e-9
        self.lots: list[LotRule | None] = []
        for code in market.codes:
            parsed = parse_code(code)
            self.lots.append(lot_rule_for(parsed) if parsed.is_stock else None)

    def new_account(self, cash: float, first_day: dt.date) -> AShareAccount:
        return AShareAccount(
            Book(initial_cash_fen=yuan_to_fen(cash), trading_day=first_day), self.market.codes
        )

    # -- market questions --------------------------------------------------------------------
    def tradable(self, instrument: int, day: int, side: Side | None) -> bool:
        if self.suspended[instrument, day] or self.lots[instrument] is None:
            return False
        if side is None:
            return not (self.at_up_limit[instrument, day] or self.at_down_limit[instrument, day])
        limited = self.at_up_limit if side is Side.BUY else self.at_down_limit
        return not limited[instrument, day]

    def deal_price(self, instrument: int, day: int, side: Side) -> float:
        prices = self.market.raw_buy_price if side is Side.BUY else self.market.raw_sell_price
        price = float(prices[instrument, day])
        if math.isnan(price) or price <= 0:
            price = float(self.market.raw_close[instrument, day])
        return price

    def round_buy(self, instrument: int, day: int, amount: float) -> float:
        lot = self.lots[instrument]
        if lot is None or not amount > 0:
            return 0.0
        return float(lot.round_buy(int(amount)))

    # -- dealing -------------------------------------------------------------------------------
    def _sell_volume(self, account: AShareAccount, order: Order) -> tuple[int, str]:
        lot = self.lots[order.instrument]
        assert lot is not None
        sellable = account.sellable(order.instrument)
        wanted = round(order.amount)
        reason = "t+1" if wanted > sellable else ""
        volume = lot.round_sell(wanted, sellable)
        if volume < min(wanted, sellable):
            reason = reason or "lot"
        return volume, reason

    def _buy_volume(self, order: Order, price: float, cash_fen: int) -> tuple[int, str]:
        lot = self.lots[order.instrument]
        assert lot is not None
        volume = lot.round_buy(int(order.amount))
        reason = "" if volume == int(order.amount) else "lot"
        price_fen = yuan_to_fen(price)
        while (
            volume > 0 and volume * price_fen + self.fees.fees(Side.BUY, volume * price_fen).total > cash_fen
        ):
            # Shrink to what the cash covers: an estimate with a little room for the transfer fee
            # and rounding, then (rarely) one lot step at a time until the fill is affordable.
            affordable = int(cash_fen / (price_fen * (1 + float(self.fees.commission_rate) + 1e-4)))
            smaller = lot.round_buy(min(affordable, volume - lot.step))
            volume, reason = smaller, "cash"
        return volume, reason

    def preview_sell(self, account: SimAccount, cash: float, order: Order, day: int) -> tuple[float, float]:
        assert isinstance(account, AShareAccount)
        if not self.tradable(order.instrument, day, Side.SELL):
            return 0.0, 0.0
        volume, _ = self._sell_volume(account, order)
        price_fen = yuan_to_fen(self.deal_price(order.instrument, day, Side.SELL))
        fees = self.fees.fees(Side.SELL, volume * price_fen).total if volume else 0
        return volume * price_fen / 100.0, fees / 100.0

    def execute(self, account: SimAccount, order: Order, day: int) -> Trade:
        assert isinstance(account, AShareAccount)
        i = order.instrument
        if not self.tradable(i, day, order.side):
            reason = "suspended" if self.suspended[i, day] or self.lots[i] is None else "limit"
            return Trade(day, i, order.side, order.amount, 0.0, math.nan, 0.0, 0.0, reason)
        price = self.deal_price(i, day, order.side)
        if order.side is Side.SELL:
            volume, reason = self._sell_volume(account, order)
        else:
            volume, reason = self._buy_volume(order, price, account.book.cash_fen)
        if volume <= 0:
            return Trade(day, i, order.side, order.amount, 0.0, price, 0.0, 0.0, reason or "lot")
        amount_fen = volume * yuan_to_fen(price)
        fees = self.fees.fees(order.side, amount_fen)
        account.book.apply_fill(
            Fill(self.market.codes[i], order.side, volume, price, fees, account.book.trading_day)
        )
        account.total_turnover += amount_fen / 100.0
        account.total_cost += fees.total / 100.0
        if order.side is Side.BUY:
            account.last_price.setdefault(i, price)
        return Trade(
            day,
            i,
            order.side,
            order.amount,
            float(volume),
            price,
            amount_fen / 100.0,
            fees.total / 100.0,
            reason,
        )

    # -- the day's edges -------------------------------------------------------------------------
    def open_day(self, account: SimAccount, day: int) -> None:
        """Roll T+1 and settle corporate actions before the day's first order."""
        assert isinstance(account, AShareAccount)
        today = self.market.days[day]
        if today > account.book.trading_day:
            account.book.roll_to(today)
        for i in account.holdings():
            ratio = float(self.market.corporate_ratio[i, day])
            if abs(ratio - 1.0) > 1e-9 and ratio > 0:
                code = self.market.codes[i]
                volume = account.book.position(code).volume
                credit = yuan_to_fen(volume * account.last_price[i] * (1.0 - 1.0 / ratio))
                if credit > 0:
                    account.book.credit_income(code, credit)
                    account.income += credit / 100.0
                account.last_price[i] = round(account.last_price[i] / ratio, 2)

    def close_day(self, account: SimAccount, day: int) -> None:
        assert isinstance(account, AShareAccount)
        for i in account.holdings():
            if not self.suspended[i, day]:
                account.last_price[i] = float(self.market.raw_close[i, day])
            account.counts[i] = account.counts.get(i, 0) + 1
        for i in list(account.counts):
            if self.market.codes[i] not in account.book.positions:
                del account.counts[i]
                account.last_price.pop(i, None)
        account.book.check_invariants()
