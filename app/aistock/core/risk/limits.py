"""The risk limits an account trades under, validated when they are read.

A limit that is off is a limit nobody can reason about, so every limit has a conservative default
and the rate limits refuse values anywhere near the exchanges' high-frequency line (300 orders
and cancels a second, 20,000 a day, SSE/SZSE 2023 rules): a workstation that gets near it is
misbehaving, and being classed as a high-frequency trader carries reporting duties and fees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError

EXCHANGE_HFT_PER_SECOND = 300
EXCHANGE_HFT_PER_DAY = 20_000
# Our ceiling on any configured rate: half the exchanges' line, orders and cancels together.
MAX_CONFIGURABLE_PER_SECOND = EXCHANGE_HFT_PER_SECOND // 2
MAX_CONFIGURABLE_PER_DAY = EXCHANGE_HFT_PER_DAY // 2


class RiskConfigError(AistockError, ValueError):
    """Risk limits that cannot be enforced as written."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Pre-trade limits. Weights and ratios are fractions of the account's NAV."""

    max_order_notional: float = 500_000.0
    """Largest value of one order, yuan (a fat-finger guard; larger trades are sliced)."""
    max_single_weight: float = 0.20
    """Largest share of NAV one stock may reach through buys (held + open buys + this one)."""
    max_industry_weight: float = 0.40
    """Largest share of NAV one industry may reach; names with no known industry count as one."""
    max_total_exposure: float = 0.98
    """Largest share of NAV in stocks (held + open buys)."""
    min_cash_ratio: float = 0.0
    """Cash that buys must leave untouched, as a share of NAV (the cash floor)."""
    max_intraday_drawdown: float = 0.05
    """Buys stop once NAV is this far below the day's high (start-of-day NAV included); 1 = off."""
    max_drawdown: float = 0.20
    """Buys stop once NAV is this far below its running peak; 1 = off."""
    min_order_value: float = 0.0
    """Smallest order value, yuan; selling a whole remainder is always allowed."""
    max_orders_per_second: int = 10
    max_orders_per_day: int = 2_000
    max_cancels_per_second: int = 10
    max_cancels_per_day: int = 2_000
    max_quote_age_s: float = 300.0
    """A quote older than this is no price at all (fail closed)."""
    market_buy_reserve: float = 0.10
    """For a market buy with no known limit-up price, cash is reserved at last × (1 + this)."""
    block_st: bool = True
    """Refuse buys of risk-warning (ST) stocks; selling them stays allowed."""
    blacklist: frozenset[str] = field(default_factory=frozenset)
    """Codes that must not be bought; selling them stays allowed (it reduces the risk)."""
    allow_shrink: bool = True
    """Shrink an order to what the limits allow; when False such an order is denied instead."""

    def __post_init__(self) -> None:
        for name in (
            "max_single_weight",
            "max_industry_weight",
            "max_total_exposure",
            "max_intraday_drawdown",
            "max_drawdown",
        ):
            _fraction(name, getattr(self, name), allow_zero=False)
        for name in ("min_cash_ratio", "market_buy_reserve"):
            _fraction(name, getattr(self, name), allow_zero=True)
        for name in ("max_order_notional", "max_quote_age_s"):
            value = getattr(self, name)
            if not (_is_number(value) and math.isfinite(value) and value > 0):
                raise RiskConfigError(f"risk limit {name} must be a positive number, got {value!r}", "fix it")
        if not (
            _is_number(self.min_order_value)
            and math.isfinite(self.min_order_value)
            and self.min_order_value >= 0
        ):
            raise RiskConfigError(
                f"risk limit min_order_value must be >= 0, got {self.min_order_value!r}",
                "use 0 to turn it off",
            )
        for name in (
            "max_orders_per_second",
            "max_orders_per_day",
            "max_cancels_per_second",
            "max_cancels_per_day",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                raise RiskConfigError(
                    f"risk limit {name} must be a positive whole number, got {value!r}", "fix it"
                )
        per_second = self.max_orders_per_second + self.max_cancels_per_second
        if per_second > MAX_CONFIGURABLE_PER_SECOND:
            raise RiskConfigError(
                f"orders + cancels per second ({per_second}) must stay at or below "
                f"{MAX_CONFIGURABLE_PER_SECOND}, "
                f"half the exchanges' high-frequency line of {EXCHANGE_HFT_PER_SECOND}/s",
                "lower max_orders_per_second / max_cancels_per_second",
            )
        per_day = self.max_orders_per_day + self.max_cancels_per_day
        if per_day > MAX_CONFIGURABLE_PER_DAY:
            raise RiskConfigError(
                f"orders + cancels per day ({per_day}) must stay at or below {MAX_CONFIGURABLE_PER_DAY}, "
                f"half the exchanges' high-frequency line of {EXCHANGE_HFT_PER_DAY}/day",
                "lower max_orders_per_day / max_cancels_per_day",
            )
        for name in ("block_st", "allow_shrink"):
            if not isinstance(getattr(self, name), bool):
                raise RiskConfigError(
                    f"risk limit {name} must be true or false, got {getattr(self, name)!r}", "fix it"
                )
        object.__setattr__(self, "blacklist", frozenset(_codes(self.blacklist)))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RiskLimits:
        """Limits from a settings mapping; an unknown key is an error, not a silent default."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise RiskConfigError(
                f"unknown risk limit(s): {', '.join(unknown)}", f"use only: {', '.join(sorted(known))}"
            )
        data = dict(values)
        if "blacklist" in data:
            data["blacklist"] = frozenset(_codes(data["blacklist"]))
        return cls(**data)

    def to_mapping(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["blacklist"] = sorted(self.blacklist)
        return out


def _codes(values: Any) -> Iterable[str]:
    """The blacklist in canonical codes; a code that does not parse is a configuration error."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise RiskConfigError("blacklist must be a list of codes", 'e.g. ["600000.SH", "000001.SZ"]')
    out = []
    for value in values:
        try:
            out.append(str(parse_code(value)))
        except CodeFormatError as exc:
            raise RiskConfigError(f"blacklist entry {value!r} is not a code: {exc.what}", exc.fix) from None
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fraction(name: str, value: Any, *, allow_zero: bool) -> None:
    ok = _is_number(value) and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not (ok and value <= 1):
        bound = "[0, 1]" if allow_zero else "(0, 1]"
        raise RiskConfigError(
            f"risk limit {name} must be in {bound}, got {value!r}", f"give {name} as a fraction"
        )
