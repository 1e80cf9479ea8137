"""A cash-equity book: cash, positions, average cost and T+1 sellable shares, in integer fen.

The same book backs the backtest, the preview's virtual accounts and our shadow of a broker
account, so its arithmetic must be beyond doubt: money is integer fen (no float drift), every
fill is checked before it changes anything, and the identity

    cash + cost basis of open positions == initial cash + realised P&L

holds exactly after every fill and every day roll. ``cash + market value`` then reconciles to the
fen with the ledger of fills — the test suite drives random fill streams through it to prove so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from aistock.core.errors import AistockError
from aistock.core.fees import Fees, Side, yuan_to_fen


class BookError(AistockError, ValueError):
    """A fill the book refuses: it would break cash, T+1 or the day order."""


class InsufficientCash(BookError):
    pass


class InsufficientSellable(BookError):
    pass


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution as the book needs it (the OMS keeps the rest: ids, times, order links)."""

    code: str
    side: Side
    volume: int
    price: float
    fees: Fees
    trading_day: dt.date

    @property
    def amount_fen(self) -> int:
        return self.volume * yuan_to_fen(self.price)


@dataclass(slots=True)
class Position:
    """Holdings of one instrument. ``sellable`` is what T+1 allows to sell today."""

    code: str
    volume: int = 0
    sellable: int = 0
    cost_fen: int = 0  # what the shares still held cost, buy fees included

    @property
    def avg_cost(self) -> float:
        """Average cost per share in yuan, fees included (what a broker shows as 成本价)."""
        return self.cost_fen / self.volume / 100.0 if self.volume else 0.0

    @property
    def bought_today(self) -> int:
        return self.volume - self.sellable

    def market_value_fen(self, price: float) -> int:
        return self.volume * yuan_to_fen(price)


@dataclass
class Book:
    """Cash and positions of one account, moved only by fills and day rolls."""

    initial_cash_fen: int
    trading_day: dt.date
    cash_fen: int = field(init=False)
    realized_pnl_fen: int = field(init=False, default=0)
    fees_paid_fen: int = field(init=False, default=0)
    _positions: dict[str, Position] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.initial_cash_fen < 0:
            raise BookError(
                f"initial cash must not be negative, got {self.initial_cash_fen} fen",
                "start the book with zero or more cash",
            )
        self.cash_fen = self.initial_cash_fen

    @classmethod
    def restore(
        cls,
        *,
        initial_cash_fen: int,
        trading_day: dt.date,
        cash_fen: int,
        realized_pnl_fen: int,
        fees_paid_fen: int,
        positions: Mapping[str, Position],
    ) -> Book:
        """A book as it was stored (a preview instance after a restart), checked before use.

        Stored state is trusted no more than a fill: a row that breaks the book's identity
        raises instead of silently continuing from corrupted numbers.
        """
        book = cls(initial_cash_fen=initial_cash_fen, trading_day=trading_day)
        book.cash_fen = cash_fen
        book.realized_pnl_fen = realized_pnl_fen
        book.fees_paid_fen = fees_paid_fen
        for code, pos in positions.items():
            book._positions[code] = Position(code, pos.volume, pos.sellable, pos.cost_fen)
        book.check_invariants()
        return book

    # -- reading -------------------------------------------------------------------------------
    @property
    def positions(self) -> Mapping[str, Position]:
        return MappingProxyType(self._positions)

    def position(self, code: str) -> Position:
        return self._positions.get(code) or Position(code)

    def sellable(self, code: str) -> int:
        return self.position(code).sellable

    @property
    def cost_basis_fen(self) -> int:
        return sum(p.cost_fen for p in self._positions.values())

    def market_value_fen(self, prices: Mapping[str, float]) -> int:
        """Value of all holdings; a held instrument without a price is an error, never zero."""
        missing = [code for code in self._positions if code not in prices]
        if missing:
            raise BookError(
                f"no price for held instrument(s) {', '.join(sorted(missing))}",
                "supply a last price for every holding before valuing the book",
            )
        return sum(p.market_value_fen(prices[p.code]) for p in self._positions.values())

    def total_value_fen(self, prices: Mapping[str, float]) -> int:
        return self.cash_fen + self.market_value_fen(prices)

    # -- changing ------------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> None:
        """Apply one fill, or raise and change nothing."""
        self._validate(fill)
        amount = fill.amount_fen
        fees = fill.fees.total
        pos = self._positions.get(fill.code) or Position(fill.code)
        if fill.side is Side.BUY:
            cost = amount + fees
            if cost > self.cash_fen:
                raise InsufficientCash(
                    f"buying {fill.volume} {fill.code} at {fill.price:.2f} needs "
                    f"¥{cost / 100:,.2f} but the book has ¥{self.cash_fen / 100:,.2f}",
                    "buy fewer shares or free cash first",
                )
            self.cash_fen -= cost
            pos.volume += fill.volume  # not sellable until the next trading day (T+1)
            pos.cost_fen += cost
        else:
            if fill.volume > pos.sellable:
                raise InsufficientSellable(
                    f"selling {fill.volume} {fill.code} but only {pos.sellable} are sellable today "
                    f"(held {pos.volume}; shares bought today settle T+1)",
                    "sell at most the sellable volume",
                )
            proceeds = amount - fees
            removed = (
                pos.cost_fen
                if fill.volume == pos.volume
                else (pos.cost_fen * fill.volume + pos.volume // 2) // pos.volume
            )
            self.cash_fen += proceeds
            self.realized_pnl_fen += proceeds - removed
            pos.volume -= fill.volume
            pos.sellable -= fill.volume
            pos.cost_fen -= removed
        self.fees_paid_fen += fees
        if pos.volume:
            self._positions[fill.code] = pos
        else:
            self._positions.pop(fill.code, None)

    def credit_income(self, code: str, amount_fen: int) -> None:
        """Cash that a holding pays without a trade (a dividend, or a corporate action settled
        in cash): it is realised P&L, so the book's identity keeps holding."""
        if amount_fen < 0:
            raise BookError(
                f"income for {code} must not be negative, got {amount_fen} fen", "check the event"
            )
        if code not in self._positions:
            raise BookError(f"income for {code}, which the book does not hold", "credit holdings only")
        self.cash_fen += amount_fen
        self.realized_pnl_fen += amount_fen

    def roll_to(self, day: dt.date) -> None:
        """Start a new trading day: yesterday's buys become sellable (T+1)."""
        if day <= self.trading_day:
            raise BookError(
                f"cannot roll the book from {self.trading_day} back or onto the same day {day}",
                "roll forward to the next trading day",
            )
        for pos in self._positions.values():
            pos.sellable = pos.volume
        self.trading_day = day

    def check_invariants(self) -> None:
        """Raise if the book's arithmetic is broken; cheap enough to call after every change."""
        problems: list[str] = []
        if self.cash_fen < 0:
            problems.append(f"cash is negative ({self.cash_fen} fen)")
        for p in self._positions.values():
            if not 0 <= p.sellable <= p.volume:
                problems.append(f"{p.code}: sellable {p.sellable} outside 0..{p.volume}")
            if p.volume <= 0 or p.cost_fen < 0:
                problems.append(f"{p.code}: volume {p.volume}, cost {p.cost_fen} fen")
        if self.cash_fen + self.cost_basis_fen != self.initial_cash_fen + self.realized_pnl_fen:
            problems.append(
                "cash + cost basis != initial cash + realised P&L "
                f"({self.cash_fen} + {self.cost_basis_fen} != "
                f"{self.initial_cash_fen} + {self.realized_pnl_fen})"
            )
        if problems:
            raise BookError("book invariants broken: " + "; ".join(problems), "report this as a bug")

    def _validate(self, fill: Fill) -> None:
        if fill.trading_day != self.trading_day:
            raise BookError(
                f"fill for {fill.code} is dated {fill.trading_day} but the book is on {self.trading_day}",
                "roll the book to the fill's trading day first",
            )
        if fill.volume <= 0:
            raise BookError(f"fill volume must be positive, got {fill.volume}", "check the fill source")
        if not fill.price > 0:
            raise BookError(f"fill price must be positive, got {fill.price!r}", "check the fill source")
        if fill.fees.total < 0:
            raise BookError(f"fill fees must not be negative, got {fill.fees}", "check the fee schedule")
