"""SignalPreviewEngine: previews trade on virtual books through the one path, never a broker.

Each running instance owns a :class:`~aistock.core.book.Book` (integer fen, T+1, fees) kept in
memory and stored after every change. Its day runs like a broker account's:

* **open** — the book rolls (yesterday's buys become sellable) and corporate actions are paid,
  exactly as the backtest's A-share exchange pays them;
* **rebalance** at the configured times — yesterday's scores through the PortfolioEngine, the
  planner and the risk rules (:func:`aistock.trading.rebalance.rebalance`), filled at the last
  price known at that minute (the close on daily bars);
* **refresh** every minute — one batch for all instances: marks, market values, total values;
* **settle** after the close — closing prices, P&L, the running peak; the day's positions stay
  as its end-of-day snapshot.

Everything is driven by :meth:`advance` ("bring this instance up to that moment"), which a live
clock, a restart's catch-up and a replay all call, so the three cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, text
from sqlmodel import col, select

from aistock.core.book import Book, BookError, Fill, Position
from aistock.core.calendar import SHANGHAI
from aistock.core.fees import Side, yuan_to_fen
from aistock.core.orders import OrderRequest
from aistock.core.risk import AccountSnapshot, NavMarks, Quote
from aistock.store import (
    PreviewAccount,
    PreviewEvent,
    PreviewPosition,
    PreviewStrategy,
    PreviewTrade,
    Store,
)
from aistock.store.tables import utc_now
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.preview.market import PreviewMarket
from aistock.trading.preview.signals import PreviewSignals
from aistock.trading.rebalance import book_snapshot, rebalance, target_weights

CLOSE_TAG = "close"
SETTLE_AFTER = dt.time(15, 0)
"""When the day's closing prices are taken as final (a live feed may want a few minutes more)."""

Progress = Callable[[int, int], None]


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=SHANGHAI)


@dataclass
class _Live:
    """One instance's state between store writes."""

    row: PreviewStrategy
    config: PreviewConfig
    book: Book
    marks: dict[str, float]
    opened: bool
    settled: bool
    sod: float
    high: float
    prev_total: float
    peak: float
    turnover: float = 0.0
    orders: int = 0
    rejected: int = 0
    done: set[str] = field(default_factory=set)

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id

    @property
    def day(self) -> dt.date:
        return self.book.trading_day

    def stock_fen(self) -> int:
        return sum(p.volume * yuan_to_fen(self.marks[c]) for c, p in self.book.positions.items())

    def total(self) -> float:
        return (self.book.cash_fen + self.stock_fen()) / 100.0


class SignalPreviewEngine:
    """Runs preview instances: open, rebalance, refresh and settle, stored in ``preview_*``."""

    def __init__(
        self,
        store: Store,
        market: PreviewMarket,
        signals: PreviewSignals,
    ) -> None:
        self.store = store
        self.market = market
        self.signals = signals
        self.calendar = market.calendar
        self._live: dict[int, _Live] = {}

    # -- loading ------------------------------------------------------------------------------------
    def forget(self, preview_id: int) -> None:
        self._live.pop(preview_id, None)

    def live(self, preview_id: int) -> _Live:
        if preview_id not in self._live:
            self._live[preview_id] = self._load(preview_id)
        return self._live[preview_id]

    def _load(self, preview_id: int) -> _Live:
        with self.store.session() as session:
            row = session.get(PreviewStrategy, preview_id)
            if row is None:
                raise KeyError(preview_id)
            last = session.exec(
                select(PreviewAccount)
                .where(col(PreviewAccount.preview_id) == preview_id)
                .order_by(col(PreviewAccount.trading_day).desc())
                .limit(1)
            ).first()
            settled_before = session.exec(
                select(PreviewAccount)
                .where(col(PreviewAccount.preview_id) == preview_id, col(PreviewAccount.settled))
                .order_by(col(PreviewAccount.trading_day).desc())
                .limit(2)
            ).all()
            positions = (
                session.exec(
                    select(PreviewPosition).where(
                        col(PreviewPosition.preview_id) == preview_id,
                        col(PreviewPosition.trading_day) == last.trading_day,
                    )
                ).all()
                if last is not None
                else []
            )
        config = PreviewConfig.from_json(row.config_json)
        initial_fen = yuan_to_fen(row.initial_capital)
        if last is None:
            book = Book(
                initial_cash_fen=initial_fen, trading_day=self.calendar.previous_session(row.start_date)
            )
            capital = row.initial_capital
            return _Live(row, config, book, {}, False, True, capital, capital, capital, capital)
        book = Book.restore(
            initial_cash_fen=initial_fen,
            trading_day=last.trading_day,
            cash_fen=last.cash_fen,
            realized_pnl_fen=last.realized_pnl_fen,
            fees_paid_fen=last.fees_paid_fen,
            positions={p.code: Position(p.code, p.volume, p.sellable, p.cost_fen) for p in positions},
        )
        earlier = [a for a in settled_before if a.trading_day < last.trading_day]
        prev_total = earlier[0].total_value if earlier else row.initial_capital
        prev_peak = earlier[0].peak_value if earlier else row.initial_capital
        return _Live(
            row=row,
            config=config,
            book=book,
            marks={p.code: p.last_price for p in positions},
            opened=True,
            settled=last.settled,
            sod=last.sod_value,
            high=last.high_value,
            prev_total=last.total_value if last.settled else prev_total,
            peak=last.peak_value if last.settled else prev_peak,
            turnover=last.turnover,
            orders=last.orders,
            rejected=last.rejected,
            done={t for t in last.rebalances.split(",") if t},
        )

    # -- driving ------------------------------------------------------------------------------------
    def advance(self, preview_id: int, until: dt.datetime, *, progress: Progress | None = None) -> int:
        """Bring an instance up to ``until``: every missed open, rebalance and settlement, in order.

        Returns the number of days settled. Days beyond the market data are left for later.
        """
        live = self.live(preview_id)
        local = until.astimezone(SHANGHAI)
        last_day = min(local.date(), self.calendar.last)
        first_day = live.day if not live.settled else self._next_day(live)
        if first_day is None or first_day > last_day:
            return 0
        days = self.calendar.between(first_day, last_day)
        settled = 0
        for n, day in enumerate(days):
            cutoff = local if day == local.date() else at(day, dt.time(23, 59))
            if not live.opened or live.day < day:
                self.open_day(live, day)
            self._rebalances(live, day, cutoff)
            if cutoff.time() >= SETTLE_AFTER and not live.settled:
                self.settle(live)
                settled += 1
            if progress is not None:
                progress(n + 1, len(days))
        return settled

    def _next_day(self, live: _Live) -> dt.date | None:
        if not live.opened:
            return live.row.start_date
        if live.day >= self.calendar.last:
            return None
        return self.calendar.next_session(live.day)

    def _rebalances(self, live: _Live, day: dt.date, cutoff: dt.datetime) -> None:
        probe = list(live.book.positions) or list(
            self.signals.scores(live.row, self.calendar.previous_session(day))
        )
        minute = live.config.bars == "minute" and bool(probe) and self.market.has_minutes(day, probe)
        if minute:
            for t in live.config.rebalance_times:
                tag = f"{t:%H:%M}"
                if tag not in live.done and at(day, t) <= cutoff:
                    self.rebalance(live, at(day, t), tag)
        elif CLOSE_TAG not in live.done and cutoff.time() >= SETTLE_AFTER:
            if live.config.bars == "minute":
                self._event(live, "note", f"{day}: no minute bars; rebalanced at the close instead")
            self.rebalance(live, None, CLOSE_TAG)

    # -- the day ------------------------------------------------------------------------------------
    def open_day(self, live: _Live, day: dt.date) -> None:
        """Roll T+1 and pay corporate actions, as the backtest's exchange does at each open."""
        if live.opened and not live.settled:
            self.settle(live)  # a day left open (data arrived late): close it on its own prices
        live.book.roll_to(day)
        ratios = self.market.ratios(day, list(live.book.positions))
        for code, ratio in sorted(ratios.items()):
            if abs(ratio - 1.0) > 1e-9 and ratio > 0:
                volume = live.book.position(code).volume
                credit = yuan_to_fen(volume * live.marks[code] * (1.0 - 1.0 / ratio))
                if credit > 0:
                    live.book.credit_income(code, credit)
                live.marks[code] = round(live.marks[code] / ratio, 2)
        live.opened, live.settled = True, False
        live.sod = live.high = live.total()
        live.turnover, live.orders, live.rejected = 0.0, 0, 0
        live.done = set()
        self._save(live, trades=(), events=())

    def rebalance(self, live: _Live, moment: dt.datetime | None, tag: str) -> None:
        """One rebalance on yesterday's scores at ``moment``'s prices (``None``: the close)."""
        day = live.day
        now = moment or at(day, SETTLE_AFTER)
        signal_day = self.calendar.previous_session(day)
        scores = self.signals.scores(live.row, signal_day)
        live.done.add(tag)
        if not scores:
            self._save(
                live, (), [self._event_row(live, "note", f"no scores dated {signal_day}: no trades", now)]
            )
            return
        venue = _BookVenue(self, live, moment, now)
        snapshot = venue.snapshot()
        quotes = venue.quotes(sorted(set(scores) | set(snapshot.positions)))
        entry = {code: pos.avg_cost for code, pos in live.book.positions.items()}
        target = target_weights(live.config.strategy, scores, snapshot, quotes, entry_prices=entry)
        outcome = rebalance(venue, target, live.config.rules, now=now, strategy=f"preview:{live.id}")
        events = list(venue.events)
        for decision in outcome.decisions:
            if decision.order is None:
                events.append(
                    self._event_row(live, "risk_denial", decision.describe(), now, decision.request.code)
                )
            elif decision.order.volume != decision.request.volume:
                events.append(
                    self._event_row(live, "risk_shrink", decision.describe(), now, decision.request.code)
                )
        live.rejected += len(outcome.denied) + len(outcome.refused)
        self._save(live, venue.trades, events)

    def settle(self, live: _Live) -> None:
        """End of day: closing prices (a suspended name keeps its mark), P&L, the running peak."""
        closes = self.market.prices(live.day, list(live.book.positions), None)
        for code, price in closes.items():
            if price > 0:
                live.marks[code] = price
        live.book.check_invariants()
        total = live.total()
        live.high = max(live.high, total)
        live.peak = max(live.peak, total)
        live.settled = True
        self._save(live, (), (), settled_total=total)
        live.prev_total = total
        live.row.settled_through = live.day

    def refresh(self, preview_ids: Iterable[int], moment: dt.datetime) -> int:
        """The minute refresh: new marks for every open instance in one batch; returns rows written."""
        lives = [self.live(i) for i in preview_ids]
        day = moment.astimezone(SHANGHAI).date()
        lives = [lv for lv in lives if lv.opened and not lv.settled and lv.day == day]
        if not lives:
            return 0
        codes = sorted({c for lv in lives for c in lv.book.positions})
        prices = self.market.prices(day, codes, moment) if codes else {}
        stamp = utc_now()
        position_rows: list[dict[str, object]] = []
        account_rows: list[dict[str, object]] = []
        for lv in lives:
            stock = 0
            for code, pos in lv.book.positions.items():
                price = prices.get(code, float("nan"))
                if price > 0:
                    lv.marks[code] = price
                value_fen = pos.volume * yuan_to_fen(lv.marks[code])
                stock += value_fen
                position_rows.append(
                    {"p": lv.id, "d": day, "c": code, "lp": lv.marks[code], "mv": value_fen / 100.0}
                )
            total = (lv.book.cash_fen + stock) / 100.0
            lv.high = max(lv.high, total)
            account_rows.append(
                {"p": lv.id, "d": day, "mv": stock / 100.0, "tv": total, "hv": lv.high, "at": stamp}
            )
        with self.store.engine.begin() as connection:
            if position_rows:
                connection.execute(
                    text(
                        "UPDATE preview_position SET last_price = :lp, market_value = :mv "
                        "WHERE preview_id = :p AND trading_day = :d AND code = :c"
                    ),
                    position_rows,
                )
            connection.execute(
                text(
                    "UPDATE preview_account SET market_value = :mv, total_value = :tv, high_value = :hv, "
                    "marked_at = :at WHERE preview_id = :p AND trading_day = :d"
                ),
                account_rows,
            )
        return len(position_rows) + len(account_rows)

    # -- storing ------------------------------------------------------------------------------------
    def _event_row(
        self, live: _Live, kind: str, message: str, now: dt.datetime, code: str = ""
    ) -> PreviewEvent:
        return PreviewEvent(
            preview_id=live.id, at=now, trading_day=live.day, kind=kind, code=code, message=message
        )

    def _event(
        self, live: _Live, kind: str, message: str, context: Mapping[str, object] | None = None
    ) -> None:
        row = self._event_row(live, kind, message, at(live.day, SETTLE_AFTER))
        row.context_json = json.dumps(context or {}, default=str)
        with self.store.write_session() as session:
            session.add(row)
            session.commit()

    def _save(
        self,
        live: _Live,
        trades: Iterable[PreviewTrade],
        events: Iterable[PreviewEvent],
        *,
        settled_total: float | None = None,
    ) -> None:
        """The day's account row and positions replaced, trades and events added: one transaction."""
        day = live.day
        stock_fen = live.stock_fen()
        total = (live.book.cash_fen + stock_fen) / 100.0
        account = PreviewAccount(
            preview_id=live.id,
            trading_day=day,
            cash_fen=live.book.cash_fen,
            realized_pnl_fen=live.book.realized_pnl_fen,
            fees_paid_fen=live.book.fees_paid_fen,
            cash=live.book.cash_fen / 100.0,
            market_value=stock_fen / 100.0,
            total_value=total,
            daily_pnl=total - live.prev_total,
            cum_pnl=total - live.row.initial_capital,
            peak_value=live.peak if settled_total is not None else max(live.peak, live.prev_total),
            sod_value=live.sod,
            high_value=live.high,
            rebalances=",".join(sorted(live.done)),
            turnover=live.turnover,
            orders=live.orders,
            rejected=live.rejected,
            settled=settled_total is not None,
            marked_at=utc_now(),
        )
        positions = [
            PreviewPosition(
                preview_id=live.id,
                trading_day=day,
                code=code,
                volume=pos.volume,
                sellable=pos.sellable,
                cost_fen=pos.cost_fen,
                avg_cost=pos.avg_cost,
                last_price=live.marks[code],
                market_value=pos.volume * yuan_to_fen(live.marks[code]) / 100.0,
            )
            for code, pos in sorted(live.book.positions.items())
        ]
        with self.store.write_session() as session:
            session.execute(
                delete(PreviewPosition).where(
                    col(PreviewPosition.preview_id) == live.id, col(PreviewPosition.trading_day) == day
                )
            )
            session.merge(account)
            session.add_all(positions)
            session.add_all(trades)
            session.add_all(events)
            if settled_total is not None:
                row = session.get(PreviewStrategy, live.id)
                if row is not None:
                    row.settled_through = day
                    row.updated_at = utc_now()
            session.commit()


class _BookVenue:
    """A virtual book as a rebalance venue: fills at the moment's last price, never a broker."""

    def __init__(
        self, engine: SignalPreviewEngine, live: _Live, moment: dt.datetime | None, now: dt.datetime
    ) -> None:
        self.engine, self.live, self.moment, self.now = engine, live, moment, now
        self.trades: list[PreviewTrade] = []
        self.events: list[PreviewEvent] = []
        self._quotes: dict[str, Quote] = {}

    def snapshot(self) -> AccountSnapshot:
        value = self.live.total()
        marks = NavMarks(
            sod_nav=self.live.sod,
            intraday_high=max(self.live.high, value),
            peak_nav=max(self.live.peak, self.live.sod, value),
        )
        return book_snapshot(
            f"preview:{self.live.id}", self.live.book, marks=marks, orders_today=self.live.orders
        )

    def quotes(self, codes: Iterable[str]) -> dict[str, Quote]:
        wanted = [c for c in codes if c not in self._quotes]
        if wanted:
            self._quotes.update(
                self.engine.market.quotes(
                    self.live.day, wanted, self.moment, held=self.live.marks, as_of=self.now
                )
            )
        return {c: self._quotes[c] for c in codes if c in self._quotes}

    def fill(self, order: OrderRequest) -> bool:
        quote = self._quotes.get(order.code)
        price = quote.last if quote is not None else float("nan")
        reason = ""
        if quote is None or quote.suspended or not price > 0:
            reason = "no price (suspended or not trading)"
        elif order.side is Side.BUY and quote.up_limit is not None and price >= quote.up_limit - 1e-9:
            reason = f"at limit-up {quote.up_limit:.2f}"
        elif order.side is Side.SELL and quote.down_limit is not None and price <= quote.down_limit + 1e-9:
            reason = f"at limit-down {quote.down_limit:.2f}"
        live = self.live
        if not reason:
            fees = live.config.rules.fees.fees(order.side, order.volume * yuan_to_fen(price))
            try:
                live.book.apply_fill(Fill(order.code, order.side, order.volume, price, fees, live.day))
            except BookError as exc:
                reason = str(exc)
        if reason:
            self.events.append(
                self.engine._event_row(
                    live,
                    "order_rejected",
                    f"{order.side.value} {order.volume} {order.code}: {reason}",
                    self.now,
                    order.code,
                )
            )
            return False
        amount = order.volume * yuan_to_fen(price) / 100.0
        if order.side is Side.BUY:
            live.marks.setdefault(order.code, price)
        elif order.code not in live.book.positions:
            live.marks.pop(order.code, None)
        live.turnover += amount
        live.orders += 1
        self.trades.append(
            PreviewTrade(
                preview_id=live.id,
                trading_day=live.day,
                at=self.now,
                code=order.code,
                side=order.side.value,
                price=price,
                volume=order.volume,
                amount=amount,
                fees=fees.total / 100.0,
                reference_price=order.price,
                reason="rebalance",
            )
        )
        return True
