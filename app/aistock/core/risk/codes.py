"""Why the risk engine said no (or less): one code per rule, stable enough to count and chart.

Codes are what MonitoringService and LiveFeedback aggregate ("risk blocks" by reason) and what
tests pin; messages are for the person reading them and always name the order, the number that
failed and the limit it failed against.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RiskCode(StrEnum):
    # the account and the trading state
    NO_ACCOUNT = "no_account"
    NOT_RECONCILED = "not_reconciled"
    TRADING_HALTED = "trading_halted"
    TRADING_REDUCING = "trading_reducing"
    # the instrument and its price
    NOT_TRADABLE = "not_tradable"
    NO_PRICE = "no_price"
    STALE_QUOTE = "stale_quote"
    SUSPENDED = "suspended"
    BAD_TICK = "bad_tick"
    OUTSIDE_LIMIT_BAND = "outside_limit_band"
    BLACKLISTED = "blacklisted"
    ST_FILTERED = "st_filtered"
    SELF_CROSS = "self_cross"
    # positions and money
    UNKNOWN_POSITION = "unknown_position"
    SELLABLE = "sellable"
    CASH = "cash"
    CASH_FLOOR = "cash_floor"
    ORDER_NOTIONAL = "order_notional"
    SINGLE_WEIGHT = "single_weight"
    INDUSTRY_WEIGHT = "industry_weight"
    TOTAL_EXPOSURE = "total_exposure"
    LOT = "lot"
    MIN_ORDER_VALUE = "min_order_value"
    # the account's NAV path
    DRAWDOWN_INTRADAY = "drawdown_intraday"
    DRAWDOWN_CUMULATIVE = "drawdown_cumulative"
    # pacing
    RATE_SECOND = "rate_second"
    RATE_DAY = "rate_day"


class Outcome(StrEnum):
    APPROVED = "approved"
    SHRUNK = "shrunk"
    """Approved with a smaller volume than asked; the reasons say which limit bound."""
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class RiskReason:
    code: RiskCode
    message: str

    def __str__(self) -> str:
        return f"[{self.code.value}] {self.message}"
