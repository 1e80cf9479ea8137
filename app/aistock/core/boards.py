"""Board rules: lots, price limits and the tick, as the exchanges define them.

These rules decide whether an order is even legal, so they live in one place and every path —
backtest, preview, paper, live — asks this module. Limit prices come from the exchange when a
source provides them (xtdata's ``UpStopPrice``/``DownStopPrice``); :func:`price_limits` is the
fallback computed from the raw (unadjusted) previous close.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from aistock.core.codes import Board, InstrumentCode
from aistock.core.errors import AistockError

TICK = Decimal("0.01")
TICK_SIZE = 0.01

# SSE/SZSE moved main-board risk-warning (ST) stocks from ±5 % to ±10 % (draft of 2025-06-27).
# The switch date is a setting, not a fact we can verify offline; this default is the assumed
# effective day and callers that know better pass their own.
MAIN_BOARD_ST_10PCT_FROM = dt.date(2025, 7, 7)


@dataclass(frozen=True, slots=True)
class LotRule:
    """How many shares an order may carry.

    ``min_volume`` is the smallest buy; after it a buy grows in ``step`` shares (100 on the main
    boards and ChiNext, 1 on STAR and BJ above their minimum). An odd remainder below the
    minimum can only be sold whole, in one order.
    """

    min_volume: int
    step: int

    def round_buy(self, volume: int) -> int:
        """The largest legal buy volume not above ``volume`` (0 if none)."""
        if volume < self.min_volume:
            return 0
        return self.min_volume + (volume - self.min_volume) // self.step * self.step

    def is_valid_buy(self, volume: int) -> bool:
        return volume >= self.min_volume and (volume - self.min_volume) % self.step == 0

    def is_valid_sell(self, volume: int, sellable: int) -> bool:
        """Whole lots, or an order that carries the odd remainder whole, or everything."""
        if volume <= 0 or volume > sellable:
            return False
        if volume == sellable:
            return True
        if self.step == 1:  # STAR / BJ: any count from the minimum up
            return volume >= self.min_volume
        odd = sellable % self.step
        whole = volume - odd if odd and volume % self.step == odd else volume
        return whole % self.step == 0

    def round_sell(self, volume: int, sellable: int) -> int:
        """The largest legal sell not above ``volume``; selling everything is always legal."""
        volume = min(volume, sellable)
        if volume <= 0:
            return 0
        if volume == sellable:
            return sellable
        if self.step == 1:
            return volume if volume >= self.min_volume else 0
        odd = sellable % self.step
        whole = volume // self.step * self.step
        # Take the odd remainder along when the request covers it, so it is never stranded.
        return whole + odd if odd and volume - whole >= odd else whole


ROUND_LOT = LotRule(min_volume=100, step=100)
STAR_LOT = LotRule(min_volume=200, step=1)
BJ_LOT = LotRule(min_volume=100, step=1)

_LOT_RULES: dict[Board, LotRule] = {
    Board.SH_MAIN: ROUND_LOT,
    Board.SZ_MAIN: ROUND_LOT,
    Board.CHINEXT: ROUND_LOT,
    Board.STAR: STAR_LOT,
    Board.BJ: BJ_LOT,
    Board.B_SHARE: ROUND_LOT,
    Board.OTHER: ROUND_LOT,
}

# Days after listing with no price limit: 5 on SH/SZ boards, the first day only on BJ.
_NO_LIMIT_DAYS: dict[Board, int] = {
    Board.SH_MAIN: 5,
    Board.SZ_MAIN: 5,
    Board.CHINEXT: 5,
    Board.STAR: 5,
    Board.BJ: 1,
}


class NotTradableError(AistockError, ValueError):
    """The instrument is not a tradable security on a known board (an index, say)."""


def lot_rule(board: Board) -> LotRule:
    try:
        return _LOT_RULES[board]
    except KeyError:
        raise NotTradableError(
            f"board {board.value!r} has no lot rule: it is not a tradable security",
            "trade stocks; indices such as 000001.SH are for benchmarks only",
        ) from None


def lot_rule_for(code: InstrumentCode) -> LotRule:
    return lot_rule(code.board)


def limit_ratio(board: Board, *, is_st: bool = False, on: dt.date | None = None) -> float:
    """The daily limit as a fraction of the previous close."""
    match board:
        case Board.CHINEXT | Board.STAR:
            return 0.20
        case Board.BJ:
            return 0.30
        case Board.SH_MAIN | Board.SZ_MAIN | Board.B_SHARE | Board.OTHER:
            if is_st and (on is None or on < MAIN_BOARD_ST_10PCT_FROM):
                return 0.05
            return 0.10
        case Board.INDEX:
            raise NotTradableError(
                "an index has no price limit: it is not traded",
                "ask for limits of a stock code",
            )
    raise NotTradableError(f"unknown board {board!r}", "use a stock code")  # pragma: no cover


def has_no_limit(board: Board, trading_days_listed: int | None) -> bool:
    """True during a new listing's limit-free days (``trading_days_listed`` counts from 1)."""
    if trading_days_listed is None:
        return False
    return trading_days_listed <= _NO_LIMIT_DAYS.get(board, 0)


def round_price(value: float | Decimal) -> Decimal:
    """Round to the 0.01 tick, half up, as the exchanges compute limit prices."""
    return Decimal(str(value)).quantize(TICK, rounding=ROUND_HALF_UP)


def on_tick(price: float) -> bool:
    """Whether ``price`` sits on the 0.01 grid (tolerating float noise below 1e-6 yuan)."""
    return abs(price * 100 - round(price * 100)) < 1e-4


@dataclass(frozen=True, slots=True)
class PriceLimits:
    down: float
    up: float

    def contains(self, price: float) -> bool:
        return self.down - 1e-9 <= price <= self.up + 1e-9


def price_limits(
    pre_close: float,
    board: Board,
    *,
    is_st: bool = False,
    on: dt.date | None = None,
    trading_days_listed: int | None = None,
) -> PriceLimits | None:
    """Limit-down and limit-up prices from the raw previous close; ``None`` when unlimited."""
    if not pre_close > 0:
        raise ValueError(f"previous close must be positive, got {pre_close!r}")
    if has_no_limit(board, trading_days_listed):
        return None
    ratio = Decimal(str(limit_ratio(board, is_st=is_st, on=on)))
    base = Decimal(str(pre_close))
    up = round_price(base * (1 + ratio))
    down = max(round_price(base * (1 - ratio)), TICK)
    return PriceLimits(down=float(down), up=float(up))
