"""qlib's exchange and account, reproduced operation for operation.

RD-Agent's numbers come out of ``qlib.backtest.exchange.Exchange`` and
``qlib.backtest.position.Position``. To agree with them to the cent we repeat their float64
arithmetic in the same order:

* amounts are *adjusted* shares; the trade unit is 100 real shares, so a buy is rounded with
  ``(amount × factor + 0.1) // 100 × 100 / factor`` — unless any quote row has a close but no
  factor, in which case qlib trades on adjusted prices without a trade unit, and so do we;
* a stock is suspended without a quote row or with a NaN close, limited up when the float32
  ``$change`` ≥ the float32 threshold and down when ≤ its negative (qlib's pandas comparison);
* a missing or non-positive deal price falls back to the close;
* costs are ``max(value × rate, min_cost)``, nothing when the value is ≤ 1e-5; a buy that the
  cash cannot cover is cut to ``cash / (1 + rate) / price`` (or ``(cash − min_cost) / price``
  near the minimum) and re-rounded;
* holdings store ``value / price`` (not the order amount), are deleted when a sale is
  ``np.isclose`` to what is held, and are marked to the close unless suspended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from aistock.core.fees import QlibCostModel, Side
from aistock.trading.backtest.market import MarketArrays
from aistock.trading.backtest.orders import Order, SimAccount, Trade


@dataclass(slots=True)
class _Holding:
    amount: float
    price: float
    count: int = 0
    paid: float = 0.0  # value paid for what is held (no costs), for the average entry price
    bought: float = 0.0


@dataclass(slots=True)
class QlibAccount:
    """qlib's ``Position`` + ``AccumulatedInfo``: float cash, adjusted amounts, running totals."""

    init_cash: float
    cash: float = field(init=False)
    positions: dict[int, _Holding] = field(default_factory=dict)
    total_turnover: float = 0.0
    total_cost: float = 0.0

    def __post_init__(self) -> None:
        self.cash = float(self.init_cash)

    def holdings(self) -> list[int]:
        return sorted(self.positions)

    def amount(self, instrument: int) -> float:
        held = self.positions.get(instrument)
        return held.amount if held is not None else 0.0

    def price(self, instrument: int) -> float:
        return self.positions[instrument].price

    def hold_days(self, instrument: int) -> int:
        held = self.positions.get(instrument)
        return held.count if held is not None else 0

    def entry_price(self, instrument: int) -> float:
        held = self.positions[instrument]
        return held.paid / held.bought if held.bought > 0 else held.price

    def stock_value(self) -> float:
        value = 0.0
        for held in self.positions.values():
            value += held.amount * held.price
        return value

    def total_value(self) -> float:
        return self.stock_value() + self.cash

    def buy(self, instrument: int, value: float, cost: float, price: float) -> None:
        amount = value / price
        held = self.positions.get(instrument)
        if held is None:
            self.positions[instrument] = _Holding(amount=amount, price=price, paid=value, bought=amount)
        else:
            held.amount += amount
            held.paid += value
            held.bought += amount
        self.cash -= value + cost
        self.total_turnover += value
        self.total_cost += cost

    def sell(self, instrument: int, value: float, cost: float, price: float) -> None:
        amount = value / price
        held = self.positions[instrument]
        self.total_turnover += value
        self.total_cost += cost
        if _isclose(held.amount, amount):
            del self.positions[instrument]
        else:
            share = amount / held.amount
            held.amount -= amount
            held.paid -= held.paid * share
            held.bought -= held.bought * share
            if held.amount < -1e-5:  # qlib raises here too: the engine never sells more than held
                raise ValueError(
                    f"sold {amount} of instrument {instrument} but held only {held.amount + amount}"
                )
        self.cash += value - cost


def _isclose(a: float, b: float) -> bool:
    """``np.isclose(a, b)`` for two finite floats (rtol 1e-5, atol 1e-8), without numpy's
    per-call overhead — it is called for every sale."""
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)


class QlibExchange:
    """qlib's ``Exchange`` over :class:`MarketArrays` (daily, no volume limit, no impact cost)."""

    def __init__(
        self,
        market: MarketArrays,
        *,
        limit_threshold: float | None = 0.095,
        costs: QlibCostModel | None = None,
        trade_unit: int | None = 100,
    ) -> None:
        self.market = market
        self.costs = costs or QlibCostModel()
        self.trade_unit = trade_unit
        suspended = ~market.listed | np.isnan(market.close)
        if limit_threshold is None:
            self.limit_buy = suspended
            self.limit_sell = suspended
        else:
            threshold = np.float32(limit_threshold)
            with np.errstate(invalid="ignore"):
                self.limit_buy = (market.change >= threshold) | suspended
                self.limit_sell = (market.change <= -threshold) | suspended
        self.suspended = suspended
        # qlib switches to adjusted-price trading (no trade unit) if a close has no factor.
        self.adjusted_price_mode = bool(
            (np.isnan(market.factor) & market.listed & ~np.isnan(market.close)).any()
        )

    # -- market questions --------------------------------------------------------------------
    def tradable(self, instrument: int, day: int, side: Side | None) -> bool:
        if self.suspended[instrument, day]:
            return False
        if side is None:
            return not (self.limit_buy[instrument, day] or self.limit_sell[instrument, day])
        limited = self.limit_buy if side is Side.BUY else self.limit_sell
        return not limited[instrument, day]

    def deal_price(self, instrument: int, day: int, side: Side) -> float:
        prices = self.market.buy_price if side is Side.BUY else self.market.sell_price
        price = float(prices[instrument, day])
        if math.isnan(price) or price <= 1e-08:
            price = float(self.market.close[instrument, day])
        return price

    def factor(self, instrument: int, day: int) -> float:
        return float(self.market.factor[instrument, day])

    def round_amount(self, amount: float, factor: float) -> float:
        if not self.adjusted_price_mode and self.trade_unit is not None:
            unit = self.trade_unit
            return (amount * factor + 0.1) // unit * unit / factor
        return amount

    def round_buy(self, instrument: int, day: int, amount: float) -> float:
        return self.round_amount(amount, self.factor(instrument, day))

    # -- dealing -------------------------------------------------------------------------------
    def _deal(self, order: Order, day: int, held: float, cash: float) -> tuple[float, float, float, str]:
        """(deal amount, price, cost) for ``order`` against a book with ``held`` and ``cash``."""
        price = self.deal_price(order.instrument, day, order.side)
        factor = self.factor(order.instrument, day)
        deal = order.amount
        reason = ""
        min_cost = self.costs.min_cost
        if order.side is Side.SELL:
            rate = self.costs.close_cost
            if not _isclose(deal, held):
                deal = self.round_amount(min(held, deal), factor)
            if cash + deal * price < max(deal * price * rate, min_cost):
                deal, reason = 0.0, "cash"
        else:
            rate = self.costs.open_cost
            value = deal * price
            if cash < max(value * rate, min_cost):
                deal, reason = 0.0, "cash"
            elif cash < value + max(value * rate, min_cost):
                deal = self.round_amount(min(self._affordable(price, cash, rate), deal), factor)
                reason = "cash"
            else:
                deal = self.round_amount(deal, factor)
        value = deal * price
        cost = max(value * rate, min_cost)
        if value <= 1e-5:
            cost = 0.0
        return deal, price, cost, reason

    def _affordable(self, price: float, cash: float, rate: float) -> float:
        min_cost = self.costs.min_cost
        if cash < min_cost:
            return 0.0
        if cash >= min_cost / rate + min_cost:
            return cash / (1 + rate) / price
        return (cash - min_cost) / price

    def preview_sell(self, account: SimAccount, cash: float, order: Order, day: int) -> tuple[float, float]:
        if not self.tradable(order.instrument, day, order.side):
            return 0.0, 0.0
        deal, price, cost, _ = self._deal(order, day, account.amount(order.instrument), cash)
        return deal * price, cost

    def execute(self, account: SimAccount, order: Order, day: int) -> Trade:
        assert isinstance(account, QlibAccount)
        i = order.instrument
        if not self.tradable(i, day, order.side):
            reason = "suspended" if self.suspended[i, day] else "limit"
            return Trade(day, i, order.side, order.amount, 0.0, math.nan, 0.0, 0.0, reason)
        deal, price, cost, reason = self._deal(order, day, account.amount(i), account.cash)
        value = deal * price
        if value > 1e-5:
            if order.side is Side.SELL:
                account.sell(i, value, cost, price)
            else:
                account.buy(i, value, cost, price)
        return Trade(day, i, order.side, order.amount, deal, price, value, cost, reason)

    def open_day(self, account: SimAccount, day: int) -> None:
        """qlib has no T+1 and no corporate actions (its prices are adjusted)."""

    def close_day(self, account: SimAccount, day: int) -> None:
        assert isinstance(account, QlibAccount)
        for i, held in account.positions.items():
            if not self.suspended[i, day]:
                held.price = float(self.market.close[i, day])
            held.count += 1
