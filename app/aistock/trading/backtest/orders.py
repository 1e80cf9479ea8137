"""What the simulated exchanges exchange: orders in, trades out, and the interfaces between.

The backtest engine speaks only these types, so the qlib-compatible rules and the A-share rules
are two implementations of one :class:`SimExchange`/:class:`SimAccount` pair, and a strategy
written against them runs under either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aistock.core.fees import Side


@dataclass(frozen=True, slots=True)
class Order:
    """An instruction for one instrument (an id into the universe) on one day.

    ``amount`` is in the account's unit: adjusted shares under the qlib rules (qlib's
    convention), real shares under the A-share rules.
    """

    instrument: int
    side: Side
    amount: float


@dataclass(frozen=True, slots=True)
class Trade:
    """What an order became: ``deal_amount`` may be 0 (refused) or less than asked (clipped)."""

    day: int
    instrument: int
    side: Side
    amount: float
    deal_amount: float
    price: float
    value: float
    cost: float
    reason: str = ""  # why an order did not fill in full: "limit", "suspended", "cash", "t+1", "lot"


class SimAccount(Protocol):
    """The book a simulated exchange fills into."""

    total_turnover: float  # traded value since the start, in yuan (qlib's report column)
    total_cost: float  # costs paid since the start, in yuan

    @property
    def cash(self) -> float: ...

    def holdings(self) -> list[int]:
        """Held instrument ids in name order."""
        ...

    def amount(self, instrument: int) -> float: ...

    def hold_days(self, instrument: int) -> int: ...

    def price(self, instrument: int) -> float:
        """The price the holding was last marked at."""
        ...

    def entry_price(self, instrument: int) -> float:
        """Average price paid per unit (in the exchange's price terms), for stop-losses."""
        ...

    def stock_value(self) -> float: ...

    def total_value(self) -> float: ...


class SimExchange(Protocol):
    """The rules of one simulated market."""

    def tradable(self, instrument: int, day: int, side: Side | None) -> bool:
        """Can the instrument trade on ``day`` in ``side`` (both sides when ``None``)?"""
        ...

    def deal_price(self, instrument: int, day: int, side: Side) -> float: ...

    def round_buy(self, instrument: int, day: int, amount: float) -> float:
        """The largest valid buy amount not above ``amount``."""
        ...

    def preview_sell(self, account: SimAccount, cash: float, order: Order, day: int) -> tuple[float, float]:
        """(value, cost) if ``order`` sold everything held with ``cash`` in the book."""
        ...

    def execute(self, account: SimAccount, order: Order, day: int) -> Trade: ...

    def open_day(self, account: SimAccount, day: int) -> None:
        """Start ``day``: roll T+1 and settle corporate actions where the rules model them."""
        ...

    def close_day(self, account: SimAccount, day: int) -> None:
        """Mark holdings to the close, count holding days, roll T+1."""
        ...
