"""The execution policy: how and when planned orders are actually sent.

The planner decides *what* to trade at a reference price; this module decides the order type,
the price and the time, by configurable rules, so that a strategy's trading style is a setting
and not code:

* **Pricing.** A limit a few basis points through the last price (buy above, sell below) crosses
  the spread without paying for a runaway book; liquid names (high average turnover) can take
  the latest price instead; market orders map to "best five levels, rest cancelled", the one
  market type both SSE and SZSE accept. Limit prices are clamped into today's band, because an
  order outside it is refused by the exchange outright.
* **Smart algos.** Large orders (by value) and orders that are a big share of a name's average
  daily volume go to the broker's VWAP/TWAP algorithm over a window of *trading* time, so they
  do not move the price they trade at.
* **Timing and slicing.** Nothing goes out in the first minutes after the open (the opening
  minutes are the noisiest); other orders may be split into legal-lot slices spaced through the
  session. The lunch break is skipped and nothing is scheduled at or after 14:57, when the
  closing call auction starts.

Pure: the time of day enters only through ``now``; unknown liquidity is treated conservatively
(not liquid, and no algo on the volume rule, since a fraction of an unknown number is unknown).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from aistock.core.boards import TICK, LotRule, NotTradableError, lot_rule_for, round_price
from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError
from aistock.core.fees import Side
from aistock.core.orders import AlgoName, AlgoSpec, OrderRequest, PriceType
from aistock.core.risk import Quote

MORNING_OPEN = dt.time(9, 30)
MORNING_CLOSE = dt.time(11, 30)
AFTERNOON_OPEN = dt.time(13, 0)
CLOSING_AUCTION = dt.time(14, 57)
"""Continuous trading ends here; orders sent later only meet the closing call auction."""

_MORNING_S = 120 * 60
_DAY_S = _MORNING_S + 117 * 60  # trading seconds from 09:30 to 14:57, lunch excluded
MIN_ALGO_WINDOW_MINUTES = 1
"""An algo window shorter than this cannot slice anything; such an order is sliced by us instead."""
MAX_LIMIT_OFFSET_BPS = 1000.0
"""10 %: a wider offset would reach past any main-board limit band, which the clamp replaces anyway."""
MAX_SLICES = 100


class ExecutionPolicyError(AistockError, ValueError):
    """An execution policy that cannot be applied as written."""


class PricingMode(StrEnum):
    LIMIT_OFFSET = "limit_offset"
    """A limit at last ± ``limit_offset_bps`` (buys above, sells below), clamped into the band."""
    LATEST = "latest"
    """The broker's latest-price order type."""
    MARKET = "market"
    """Market: best five levels, rest cancelled (valid on SH and SZ alike)."""


@dataclass(frozen=True, slots=True)
class ExecutionPolicyConfig:
    """The rules, as a settings section or a strategy's ``execution`` section spells them."""

    pricing: PricingMode = PricingMode.LIMIT_OFFSET
    limit_offset_bps: float = 20.0
    """Buy limit = last × (1 + bps/1e4) rounded up to the tick; sell = last × (1 − bps/1e4) rounded down."""
    liquid_turnover: float = 50_000_000.0
    """Names whose average daily turnover (yuan) is at least this are liquid."""
    liquid_pricing: PricingMode = PricingMode.LATEST
    """Pricing used for liquid names."""
    algo: AlgoName | None = AlgoName.VWAP
    """The smart algorithm for large orders; ``None`` never uses one."""
    algo_min_value: float = 1_000_000.0
    """Orders worth at least this (yuan) go to the algo."""
    algo_max_adv_fraction: float = 0.05
    """Orders above this fraction of the name's average daily volume (shares) go to the algo."""
    algo_window_minutes: int = 60
    """Length of the algo's window in trading minutes (lunch excluded), ending by 14:57."""
    start_after_open_minutes: int = 5
    """Nothing is sent before 09:30 + this many trading minutes."""
    slices: int = 1
    """Non-algo orders are split into this many legal-lot slices."""
    slice_interval_minutes: int = 5
    """Trading minutes between slices."""

    def __post_init__(self) -> None:
        for name in ("pricing", "liquid_pricing"):
            object.__setattr__(self, name, _pricing(name, getattr(self, name)))
        object.__setattr__(self, "algo", _algo(self.algo))
        _number(self, "limit_offset_bps", low=0.0, high=MAX_LIMIT_OFFSET_BPS, fix="e.g. 20 (0.2 %)")
        _number(self, "liquid_turnover", low=0.0, fix="average daily turnover in yuan, e.g. 50000000")
        _number(self, "algo_min_value", low=0.0, low_open=True, fix="order value in yuan, e.g. 1000000")
        _number(self, "algo_max_adv_fraction", low=0.0, high=1.0, low_open=True, fix="a fraction, e.g. 0.05")
        _whole(self, "algo_window_minutes", MIN_ALGO_WINDOW_MINUTES, _DAY_S // 60, "e.g. 60")
        _whole(self, "start_after_open_minutes", 0, _DAY_S // 60 - 1, "e.g. 5 (09:35)")
        _whole(self, "slices", 1, MAX_SLICES, "e.g. 1 (no slicing) or 4")
        _whole(self, "slice_interval_minutes", 1, _DAY_S // 60, "e.g. 5")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ExecutionPolicyConfig:
        """The policy from a settings mapping; an unknown key is an error, not a silent default."""
        if not isinstance(values, Mapping):
            raise ExecutionPolicyError(
                f"an execution policy must be a mapping of settings, got {type(values).__name__}",
                'e.g. {"pricing": "limit_offset", "slices": 4}',
            )
        known = [f.name for f in fields(cls)]
        unknown = sorted(str(k) for k in values if k not in known)
        if unknown:
            raise ExecutionPolicyError(
                f"unknown execution policy setting(s): {', '.join(unknown)}",
                f"use only: {', '.join(known)}",
            )
        return cls(**dict(values))

    def to_mapping(self) -> dict[str, Any]:
        """Plain values (enums as their strings), the inverse of :meth:`from_mapping`."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out


def _pricing(name: str, value: Any) -> PricingMode:
    try:
        return PricingMode(str(value).strip().lower()) if isinstance(value, str) else PricingMode(value)
    except ValueError:
        raise ExecutionPolicyError(
            f"execution policy {name} {value!r} is not a pricing mode",
            f"use one of: {', '.join(m.value for m in PricingMode)}",
        ) from None


def _algo(value: Any) -> AlgoName | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
        return None
    try:
        return AlgoName(value.strip().upper()) if isinstance(value, str) else AlgoName(value)
    except ValueError:
        raise ExecutionPolicyError(
            f"execution policy algo {value!r} is not a smart algorithm",
            f"use one of: {', '.join(a.value for a in AlgoName)}, or none to never use one",
        ) from None


def _number(
    config: ExecutionPolicyConfig,
    name: str,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    fix: str,
) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExecutionPolicyError(f"execution policy {name} must be a number, got {value!r}", f"give {fix}")
    above = value > low if low_open else value >= low
    if not (math.isfinite(value) and above and value <= high):
        bound = f"{'>' if low_open else '>='} {low:g}"
        if math.isfinite(high):
            bound += f" and <= {high:g}"
        raise ExecutionPolicyError(
            f"execution policy {name} must be a finite number {bound}, got {value!r}", f"give {fix}"
        )
    object.__setattr__(config, name, float(value))


def _whole(config: ExecutionPolicyConfig, name: str, low: int, high: int, fix: str) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ExecutionPolicyError(
            f"execution policy {name} must be a whole number in [{low}, {high}], got {value!r}", fix
        )


@dataclass(frozen=True, slots=True)
class Liquidity:
    """A name's recent trading activity (NaN: unknown)."""

    avg_turnover: float = math.nan
    """Average daily turnover, yuan."""
    avg_volume: float = math.nan
    """Average daily volume, shares."""


@dataclass(frozen=True, slots=True)
class ScheduledOrder:
    request: OrderRequest
    """What to send: re-priced, possibly one slice of the planned order, possibly an algo task."""
    not_before: dt.time
    """Exchange local time; the sender holds it until then."""
    slice_index: int
    """0-based."""
    slice_count: int
    rule: str
    """Which rule chose the price and the route, e.g. ``"limit +20bps"`` or ``"latest (liquid)"``."""


class ExecutionPolicy:
    """Applies an :class:`ExecutionPolicyConfig` to planned orders."""

    def __init__(self, config: ExecutionPolicyConfig) -> None:
        self.config = config

    def schedule(
        self,
        orders: Sequence[OrderRequest],
        quotes: Mapping[str, Quote],
        liquidity: Mapping[str, Liquidity],
        *,
        now: dt.time | None = None,
    ) -> list[ScheduledOrder]:
        """What to send and when, in sending order (by time; the input order among equals).

        ``now`` is the exchange's local time; ``None`` plans the day ahead from the open. Raises
        :class:`ExecutionPolicyError` when nothing can be scheduled today (at or after 14:57) or
        an order cannot be priced at all.
        """
        config = self.config
        start = max(_trading_seconds(now) if now is not None else 0, config.start_after_open_minutes * 60)
        if start >= _DAY_S:
            raise ExecutionPolicyError(
                f"it is {now}: continuous trading ends at {CLOSING_AUCTION}, nothing can be scheduled today",
                "send the orders on the next trading day",
            )
        out: list[ScheduledOrder] = []
        for request in orders:
            out.extend(self._one(request, quotes.get(request.code), liquidity.get(request.code), start))
        out.sort(key=lambda s: s.not_before)  # stable: sells stay ahead of buys at the same time
        return out

    def _one(
        self, request: OrderRequest, quote: Quote | None, liquidity: Liquidity | None, start: int
    ) -> list[ScheduledOrder]:
        config = self.config
        if request.algo is not None:  # the caller already chose the route
            return [
                ScheduledOrder(request, _clock(start), 0, 1, f"{request.algo.name.value} algo (as requested)")
            ]
        last = _base_price(request, quote)
        liquid = (
            liquidity is not None
            and _known(liquidity.avg_turnover)
            and (liquidity.avg_turnover >= config.liquid_turnover)
        )
        mode = config.liquid_pricing if liquid else config.pricing
        priced, price_rule = _priced(request, quote, last, mode, config.limit_offset_bps)
        if liquid:
            price_rule += " (liquid)"

        algo_why = self._algo_reason(request.volume, last, liquidity)
        late_note = ""
        if algo_why is not None and config.algo is not None:
            end = min(start + config.algo_window_minutes * 60, _DAY_S)
            if end - start >= MIN_ALGO_WINDOW_MINUTES * 60:
                spec = AlgoSpec(config.algo, _clock(start).isoformat(), _clock(end, at_end=True).isoformat())
                algo_type = PriceType.LIMIT if mode is PricingMode.LIMIT_OFFSET else PriceType.LATEST
                algo_request = replace(priced, price_type=algo_type, algo=spec)
                if algo_type is PriceType.LIMIT:
                    algo_price = price_rule.replace("limit", "limit cap", 1)
                else:
                    algo_price = "latest" + (" (liquid)" if liquid else "")
                rule = f"{config.algo.value} algo ({algo_why}), {algo_price}"
                return [ScheduledOrder(algo_request, _clock(start), 0, 1, rule)]
            late_note = f"; no {config.algo.value} algo ({algo_why}): too late in the day for its window"

        pieces = split_volume(request.volume, _lot(request.code), self._slots(start))
        count = len(pieces)
        return [
            ScheduledOrder(
                replace(priced, volume=volume),
                _clock(start + k * config.slice_interval_minutes * 60),
                k,
                count,
                price_rule + late_note,
            )
            for k, volume in enumerate(pieces)
        ]

    def _slots(self, start: int) -> int:
        """How many slices fit before 14:57 (at least one: ``start`` itself is before it)."""
        step = self.config.slice_interval_minutes * 60
        fit = (_DAY_S - 1 - start) // step + 1
        return max(1, min(self.config.slices, fit))

    def _algo_reason(self, volume: int, price: float, liquidity: Liquidity | None) -> str | None:
        """Why this order belongs to the algo, or ``None`` when it does not."""
        config = self.config
        if config.algo is None:
            return None
        if volume * price >= config.algo_min_value - 1e-6:
            return f"value ≥ ¥{config.algo_min_value:,.0f}"
        if liquidity is not None and _known(liquidity.avg_volume):
            line = config.algo_max_adv_fraction * liquidity.avg_volume
            if volume > line + 1e-6:
                return (
                    f"{volume:,} shares > {config.algo_max_adv_fraction * 100:g}% of ADV "
                    f"{liquidity.avg_volume:,.0f}"
                )
        return None


def offset_limit_price(
    side: Side, last: float, bps: float, *, up_limit: float | None = None, down_limit: float | None = None
) -> float:
    """``last`` moved ``bps`` through the market, on the tick, inside the band when it is known.

    Buys round up and sells round down so the offset is never smaller than asked (a 1-tick
    crossing the rounding ate would defeat its purpose); the clamp keeps the order legal.
    """
    factor = Decimal(1) + Decimal(str(bps)) / Decimal(10_000) * (1 if side is Side.BUY else -1)
    raw = Decimal(str(last)) * factor
    price = raw.quantize(TICK, rounding=ROUND_CEILING if side is Side.BUY else ROUND_FLOOR)
    price = max(price, TICK)
    if up_limit is not None:
        price = min(price, round_price(up_limit))
    if down_limit is not None:
        price = max(price, round_price(down_limit))
    return float(price)


def _priced(
    request: OrderRequest, quote: Quote | None, last: float, mode: PricingMode, bps: float
) -> tuple[OrderRequest, str]:
    """``request`` re-priced by ``mode``, and the rule text saying how."""
    if mode is PricingMode.LIMIT_OFFSET:
        up = quote.up_limit if quote is not None else None
        down = quote.down_limit if quote is not None else None
        price = offset_limit_price(request.side, last, bps, up_limit=up, down_limit=down)
        rule = f"limit {'+' if request.side is Side.BUY else '-'}{bps:g}bps"
        if price != offset_limit_price(request.side, last, bps):
            edge = "limit-up" if up is not None and price == float(round_price(up)) else "limit-down"
            rule += f" (clamped to {edge} {price:.2f})"
        return replace(request, price_type=PriceType.LIMIT, price=price), rule
    # A market-type order ignores its price; the last price is kept for the logs and the risk check.
    protective = float(round_price(last))
    if mode is PricingMode.LATEST:
        return replace(request, price_type=PriceType.LATEST, price=protective), "latest"
    return replace(
        request, price_type=PriceType.BEST5_OR_CANCEL, price=protective
    ), "market (best 5 or cancel)"


def _base_price(request: OrderRequest, quote: Quote | None) -> float:
    """The last price (previous close before the first trade), else the planner's own price."""
    if quote is not None and quote.reference > 0:
        return quote.reference
    if request.price > 0:
        return request.price
    raise ExecutionPolicyError(
        f"{request.side.value} {request.volume} {request.code}: no quote and no price to start from",
        f"subscribe {request.code}'s quote, or give the order a price",
    )


def _known(value: float) -> bool:
    """A usable liquidity figure: NaN is unknown, and so is a zero (no history to average)."""
    return math.isfinite(value) and value > 0


def _lot(code: str) -> LotRule | None:
    try:
        return lot_rule_for(parse_code(code))
    except (CodeFormatError, NotTradableError):
        return None  # not ours to refuse: the risk engine denies it with its reason


def split_volume(volume: int, lot: LotRule | None, slices: int) -> list[int]:
    """``volume`` in at most ``slices`` legal pieces that sum to it exactly.

    Pieces are whole buy lots (``LotRule.round_buy``); what is left over goes into the last
    piece, so a sell's odd lot rides whole in one slice and a piece is never below one lot —
    fewer, larger pieces rather than an illegal small one.
    """
    if lot is None or slices <= 1:
        return [volume]
    core = lot.round_buy(volume)
    if core <= 0:
        return [volume]
    count = min(slices, core // lot.min_volume)
    # Equal pieces of min_volume + k·step leave a remainder that is a legal lot only when the
    # extra minimums line up with the step (always true for the exchanges' rules; kept general).
    while count > 1 and ((count - 1) * lot.min_volume) % lot.step:
        count -= 1
    piece = lot.round_buy(core // count)
    return [*([piece] * (count - 1)), volume - (count - 1) * piece]


def _trading_seconds(moment: dt.time) -> int:
    """Trading seconds since 09:30, lunch excluded (before the open: 0; in the lunch: 11:30)."""
    secs = moment.hour * 3600 + moment.minute * 60 + moment.second + (1 if moment.microsecond else 0)
    open_s, lunch_s, afternoon_s = (_seconds_of(t) for t in (MORNING_OPEN, MORNING_CLOSE, AFTERNOON_OPEN))
    if secs <= open_s:
        return 0
    if secs <= lunch_s:
        return secs - open_s
    if secs <= afternoon_s:
        return _MORNING_S
    return _MORNING_S + secs - afternoon_s


def _clock(trading_s: int, *, at_end: bool = False) -> dt.time:
    """The clock time of a trading-seconds offset; 11:30 and 13:00 are one instant in trading
    time, so a window *ending* there says 11:30 and anything *starting* there says 13:00."""
    if trading_s < _MORNING_S or (trading_s == _MORNING_S and at_end):
        secs = _seconds_of(MORNING_OPEN) + trading_s
    else:
        secs = _seconds_of(AFTERNOON_OPEN) + trading_s - _MORNING_S
    return dt.time(secs // 3600, secs % 3600 // 60, secs % 60)


def _seconds_of(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second
