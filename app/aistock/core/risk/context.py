"""What the risk engine knows when it decides: quotes, the account, the trading state, the time.

Plain values, built by the trading layer from AccountService and the market feed, so every
rule is a pure function a property test can drive. Missing knowledge is represented as missing
(``None``, NaN, an absent key), never as a zero: the rules deny on what they do not know.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from aistock.core.fees import FeeSchedule
from aistock.core.trading_state import TradingState


@dataclass(frozen=True, slots=True)
class Quote:
    """The market for one code, in raw exchange prices (yuan)."""

    code: str
    last: float
    pre_close: float = math.nan
    up_limit: float | None = None
    """Limit-up price; ``None`` when the stock has no limit today (a new listing)."""
    down_limit: float | None = None
    suspended: bool = False
    is_st: bool = False
    industry: str = ""
    as_of: dt.datetime | None = None
    """When the quote was taken; ``None`` means unknown age (accepted only without a clock)."""

    @property
    def reference(self) -> float:
        """The last price, or the previous close while nothing traded yet; NaN if neither."""
        if math.isfinite(self.last) and self.last > 0:
            return self.last
        if math.isfinite(self.pre_close) and self.pre_close > 0:
            return self.pre_close
        return math.nan


@dataclass(frozen=True, slots=True)
class HeldPosition:
    code: str
    volume: int
    sellable: int
    """T+1 sellable shares minus what our own open sell orders already hold."""


@dataclass(frozen=True, slots=True)
class NavMarks:
    """The account NAV's reference points for the drawdown limits (yuan; ``None``: not known)."""

    sod_nav: float | None = None
    intraday_high: float | None = None
    peak_nav: float | None = None


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    account_id: str
    cash: float
    """The ledger's cash, including what open buys have frozen."""
    available: float
    """Cash a new buy may use: cash minus what open buys still need, fees included."""
    positions: Mapping[str, HeldPosition]
    open_buy_value: Mapping[str, float] = field(default_factory=dict)
    """Per code, the value our open buy orders may still add to the position."""
    open_sell_codes: frozenset[str] = frozenset()
    buy_blocked: bool = False
    block_reason: str = ""
    nav_marks: NavMarks = NavMarks()
    orders_today: int = 0
    cancels_today: int = 0


@dataclass(frozen=True, slots=True)
class RiskContext:
    account: AccountSnapshot | None
    quotes: Mapping[str, Quote]
    state: TradingState = TradingState.ACTIVE
    now: dt.datetime | None = None
    fees: FeeSchedule = field(default_factory=FeeSchedule)
