"""Strategies as the backtest runs them: a day's scores and the book in, orders out.

The TopkDropout family follows qlib's ``generate_trade_decision`` step by step — which names
to drop and buy (:mod:`aistock.trading.portfolio.topk`), sells in holding order, the cash a
sale would free (priced by the exchange with its costs), ``cash × risk_degree / len(buy)``
per new name, amounts rounded by the exchange's lot rule — because that is what makes a
backtest agree with qlib to the cent. The weight strategies go through the
:class:`~aistock.trading.portfolio.engine.PortfolioEngine` like preview, paper and live do.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from aistock.core.calendar import SHANGHAI
from aistock.core.fees import Side
from aistock.core.orders import OrderRequest
from aistock.core.risk import AccountSnapshot, NavMarks, Quote
from aistock.data.service import DataService
from aistock.trading.backtest.ashare_rules import AShareAccount, AShareExchange
from aistock.trading.backtest.orders import Order, SimAccount, SimExchange, Trade
from aistock.trading.portfolio.config import (
    EnhancedTopkDropoutConfig,
    ScoreWeightConfig,
    StrategyConfig,
    TargetWeightConfig,
    TopkDropoutConfig,
)
from aistock.trading.portfolio.engine import PortfolioEngine
from aistock.trading.portfolio.topk import DayScores, pick_topk_dropout
from aistock.trading.rebalance import RebalanceRules, book_snapshot, rebalance, target_weights
from aistock.trading.risk.quotes import InstrumentFacts


class DailyStrategy(Protocol):
    def decide(
        self,
        day: int,
        scores: DayScores | None,
        weights: dict[int, float] | None,
        account: SimAccount,
        exchange: SimExchange,
    ) -> list[Order]: ...


@dataclass
class TopkDropoutRunner:
    """qlib's ``TopkDropoutStrategy`` (and RD-Agent's enhanced variant when configured)."""

    config: TopkDropoutConfig
    enhanced: EnhancedTopkDropoutConfig | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def decide(
        self,
        day: int,
        scores: DayScores | None,
        weights: dict[int, float] | None,
        account: SimAccount,
        exchange: SimExchange,
    ) -> list[Order]:
        if scores is None:
            return []
        cfg = self.config
        holdings = account.holdings()
        pick = pick_topk_dropout(
            scores, holdings, cfg, tradable=lambda i: exchange.tradable(i, day, None), rng=self.rng
        )
        sell = set(pick.sell)
        buy = pick.buy
        if self.enhanced is not None:
            sell |= self._stopped(day, holdings, account, exchange)
            score = scores.lookup()
            buy = [i for i in buy if score.get(i, -np.inf) >= self.enhanced.min_score]
        return self._orders(day, holdings, sell, buy, account, exchange)

    def _stopped(
        self, day: int, holdings: Sequence[int], account: SimAccount, exchange: SimExchange
    ) -> set[int]:
        """Holdings whose price has fallen to the stop-loss below their entry price."""
        assert self.enhanced is not None
        floor = 1.0 + self.enhanced.stop_loss
        stopped = set()
        for i in holdings:
            if exchange.tradable(i, day, Side.SELL):
                entry = account.entry_price(i)
                if entry > 0 and exchange.deal_price(i, day, Side.SELL) <= floor * entry:
                    stopped.add(i)
        return stopped

    def _orders(
        self,
        day: int,
        holdings: Sequence[int],
        sell: Collection[int],
        buy: Sequence[int],
        account: SimAccount,
        exchange: SimExchange,
    ) -> list[Order]:
        cfg = self.config
        sell_side = None if cfg.forbid_all_trade_at_limit else Side.SELL
        buy_side = None if cfg.forbid_all_trade_at_limit else Side.BUY
        cash = account.cash
        sells: list[Order] = []
        sold_value = 0.0
        for i in holdings:
            if not exchange.tradable(i, day, sell_side) or i not in sell:
                continue
            if account.hold_days(i) < cfg.hold_thresh:
                continue
            order = Order(i, Side.SELL, account.amount(i))
            if exchange.tradable(i, day, Side.SELL):
                sells.append(order)
                value, cost = exchange.preview_sell(account, cash, order, day)
                cash += value - cost
                sold_value += value
        budget = cash * cfg.risk_degree
        if self.enhanced is not None:
            room = self.enhanced.max_position_ratio * account.total_value() - (
                account.stock_value() - sold_value
            )
            budget = max(0.0, min(budget, room))
        value_each = budget / len(buy) if len(buy) > 0 else 0.0
        buys: list[Order] = []
        for i in buy:
            if not exchange.tradable(i, day, buy_side):
                continue
            price = exchange.deal_price(i, day, Side.BUY)
            buys.append(Order(i, Side.BUY, exchange.round_buy(i, day, value_each / price)))
        return sells + buys


@dataclass
class WeightTargetRunner:
    """Score-weighted or ``target_weight`` portfolios: rebalance to the engine's weights."""

    config: ScoreWeightConfig | TargetWeightConfig
    codes: Sequence[str]
    engine: PortfolioEngine = field(default_factory=PortfolioEngine)

    def decide(
        self,
        day: int,
        scores: DayScores | None,
        weights: dict[int, float] | None,
        account: SimAccount,
        exchange: SimExchange,
    ) -> list[Order]:
        if scores is None:
            return []
        signal = {self.codes[i]: s for i, s in scores.lookup().items()}
        if isinstance(self.config, TargetWeightConfig):
            if not weights:
                return []
            signal = {self.codes[i]: w for i, w in weights.items()}
        holdings = account.holdings()
        prices = {i: self._price(i, day, account, exchange) for i in holdings}
        total = account.cash + sum(account.amount(i) * prices[i] for i in holdings)
        current = (
            {self.codes[i]: account.amount(i) * prices[i] / total for i in holdings} if total > 0 else {}
        )
        target = self.engine.compute_target_portfolio(self.config, signal, current)
        index = {code: i for i, code in enumerate(self.codes)}
        wanted = {index[c]: w for c, w in target.items()}
        sells: list[Order] = []
        for i in holdings:
            goal = wanted.get(i, 0.0) * total / prices[i]
            if goal < account.amount(i) and exchange.tradable(i, day, Side.SELL):
                amount = account.amount(i) if goal <= 0 else account.amount(i) - goal
                sells.append(Order(i, Side.SELL, amount))
        buys: list[Order] = []
        for i, w in sorted(wanted.items(), key=lambda kv: (-kv[1], kv[0])):
            if not exchange.tradable(i, day, Side.BUY):
                continue
            price = exchange.deal_price(i, day, Side.BUY)
            extra = w * total / price - account.amount(i)
            amount = exchange.round_buy(i, day, extra) if extra > 0 else 0.0
            if amount > 0:
                buys.append(Order(i, Side.BUY, amount))
        return sells + buys

    @staticmethod
    def _price(i: int, day: int, account: SimAccount, exchange: SimExchange) -> float:
        """Today's price, or the last marked one while the name cannot trade."""
        price = exchange.deal_price(i, day, Side.SELL)
        return price if np.isfinite(price) and price > 0 else account.price(i)


def runner_for(config: StrategyConfig, codes: Sequence[str], seed: int = 0) -> DailyStrategy:
    rng = np.random.default_rng(seed)
    if isinstance(config, TopkDropoutConfig):
        return TopkDropoutRunner(config, rng=rng)
    if isinstance(config, EnhancedTopkDropoutConfig):
        return TopkDropoutRunner(config.base, enhanced=config, rng=rng)
    return WeightTargetRunner(config, codes)


class WorkstationRunner:
    """The backtest on the workstation's one path: PortfolioEngine → planner → risk → fills.

    The TopkDropout runner above reproduces qlib's strategy to the cent; this one trades what the
    preview, paper and live modes would trade from the same scores (:mod:`aistock.trading.rebalance`),
    on the A-share exchange. It is the reference a preview replay is checked against.
    """

    def __init__(
        self,
        config: StrategyConfig,
        codes: Sequence[str],
        rules: RebalanceRules,
        *,
        data: DataService,
        initial_value: float,
        account_id: str = "backtest",
    ) -> None:
        self.config = config
        self.codes = tuple(codes)
        self.rules = rules
        self.today = dt.date.min
        self.facts = InstrumentFacts(data, lambda: self.today)
        self.account_id = account_id
        self.peak = initial_value
        self._index = {code: i for i, code in enumerate(self.codes)}

    def run_day(
        self,
        day: int,
        scores: DayScores | None,
        account: SimAccount,
        exchange: SimExchange,
    ) -> list[Trade]:
        assert isinstance(account, AShareAccount) and isinstance(exchange, AShareExchange)
        if scores is None:
            return []
        self.today = exchange.market.days[day]
        now = decision_time(self.today)
        venue = _ExchangeVenue(self, day, account, exchange, now)
        signal = {self.codes[i]: s for i, s in scores.lookup().items()}
        snapshot = venue.snapshot()
        quotes = venue.quotes(sorted(set(signal) | set(snapshot.positions)))
        entry = {code: pos.avg_cost for code, pos in account.book.positions.items()}
        target = target_weights(self.config, signal, snapshot, quotes, entry_prices=entry)
        rebalance(venue, target, self.rules, now=now, strategy="backtest")
        return venue.trades

    def after_close(self, value: float) -> None:
        self.peak = max(self.peak, value)


def decision_time(day: dt.date) -> dt.datetime:
    """When a daily-bar decision is taken: at the close, the only price a daily bar knows."""
    return dt.datetime.combine(day, dt.time(15, 0), tzinfo=SHANGHAI)


class _ExchangeVenue:
    """The A-share exchange as a rebalance venue for one day."""

    def __init__(
        self,
        runner: WorkstationRunner,
        day: int,
        account: AShareAccount,
        exchange: AShareExchange,
        now: dt.datetime,
    ) -> None:
        self.runner, self.day, self.account, self.exchange, self.now = runner, day, account, exchange, now
        self.trades: list[Trade] = []
        self.sod = account.total_value()

    def snapshot(self) -> AccountSnapshot:
        value = self.account.total_value()
        marks = NavMarks(
            sod_nav=self.sod,
            intraday_high=max(self.sod, value),
            peak_nav=max(self.runner.peak, self.sod, value),
        )
        filled = sum(1 for t in self.trades if t.deal_amount > 0)
        return book_snapshot(self.runner.account_id, self.account.book, marks=marks, orders_today=filled)

    def quotes(self, codes: Iterable[str]) -> dict[str, Quote]:
        market, t = self.exchange.market, self.day
        out: dict[str, Quote] = {}
        for code in codes:
            i = self.runner._index.get(code)
            if i is None:
                continue
            suspended = bool(self.exchange.suspended[i, t])
            last = float(market.raw_close[i, t])
            held = self.account.last_price.get(i, math.nan)
            is_st, industry = self.runner.facts(code)
            up, down = float(market.up_limit[i, t]), float(market.down_limit[i, t])
            out[code] = Quote(
                code=code,
                last=math.nan if suspended else last,
                pre_close=held,
                up_limit=up if up > 0 else None,
                down_limit=down if down > 0 else None,
                suspended=suspended,
                is_st=is_st,
                industry=industry,
                as_of=self.now,
            )
        return out

    def fill(self, order: OrderRequest) -> bool:
        i = self.runner._index[order.code]
        trade = self.exchange.execute(self.account, Order(i, order.side, float(order.volume)), self.day)
        self.trades.append(trade)
        return trade.deal_amount > 0
