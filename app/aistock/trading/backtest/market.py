"""The market a backtest trades in, as dense (instrument × day) arrays read once.

qlib's exchange answers every price question with a pandas lookup (a few microseconds each,
thousands a day); we read the fields once into arrays and index them. The values are qlib's
own: its ``D.features`` hands out float32, and its quote converts them to float64, which is
what :attr:`close` and the deal prices hold. Limit flags compare the float32 ``$change`` with a
float32 threshold, exactly as pandas does inside qlib.

Two views of prices live side by side: the forward-adjusted ones qlib trades on, and the
exchange's raw prices (adjusted ÷ factor, back on the 0.01 grid) with their limit bands, which
the A-share rules trade on.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

from aistock.core.boards import has_no_limit, limit_ratio
from aistock.core.codes import parse_code
from aistock.core.errors import DataError
from aistock.data.service import DataService
from aistock.factors.panel import load_panel

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]

PRICE_FIELDS = ("close", "open", "high", "low", "vwap")


@dataclass(frozen=True, slots=True)
class MarketArrays:
    """Everything the simulated exchanges read, for ``codes`` over ``days``.

    ``codes`` are canonical and ordered by qlib instrument name (``SH600000`` before
    ``SZ000001``) because qlib's strategy breaks ties in that order.
    """

    codes: tuple[str, ...]
    days: tuple[dt.date, ...]
    listed: Bools  # a quote row exists: inside a membership span of "all" and stored
    close: F64  # adjusted, float32 values widened to float64 (qlib's quote)
    buy_price: F64
    sell_price: F64
    factor: F64
    volume: F64
    change: F32
    raw_close: F64  # exchange prices on the 0.01 grid
    raw_buy_price: F64
    raw_sell_price: F64
    up_limit: F64  # raw; NaN where there is no limit
    down_limit: F64
    corporate_ratio: F64  # factor[t] / the last stored factor before t; 1.0 when nothing happened

    def index_of(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise DataError(f"{code} is not in the backtest universe", "check the code") from None


def qlib_name_order(codes: Sequence[str]) -> list[str]:
    """Canonical codes sorted the way qlib sorts its instrument names."""
    return sorted(codes, key=lambda c: parse_code(c).qlib)


def load_market(
    data: DataService,
    codes: Sequence[str],
    days: Sequence[dt.date],
    *,
    buy_price: str = "close",
    sell_price: str = "close",
) -> MarketArrays:
    """Read the fields a backtest needs for ``codes`` (already in qlib name order) and ``days``."""
    available = set(data.fields())
    missing = {"close", "change", "factor", "volume"} - available
    for name in (buy_price, sell_price):
        if name not in available:
            missing.add(name)
    if missing:
        raise DataError(
            f"{data.describe()} lacks the field(s) {', '.join(sorted(missing))} a backtest needs",
            "rebuild the provider with close, change, factor and volume (qlib's exchange fields)",
        )
    wanted = sorted({"close", "change", "factor", "volume", buy_price, sell_price})
    limits = {"up_limit", "down_limit"} <= available
    if limits:
        wanted += ["up_limit", "down_limit"]
    panel = load_panel(data, list(codes), list(days), wanted)
    listed = panel.present & _span_mask(data, codes, days)
    f = {name: np.where(listed, panel.fields[name], np.float32(np.nan)) for name in wanted}
    close = f["close"].astype(np.float64)
    factor = f["factor"].astype(np.float64)
    raw = {name: _raw(f[name], factor) for name in {"close", buy_price, sell_price}}
    if limits:
        up = _on_tick(f["up_limit"].astype(np.float64))
        down = _on_tick(f["down_limit"].astype(np.float64))
    else:
        up, down = _board_limits(data, codes, days, raw["close"], factor)
    ratio = np.ones_like(factor)
    # Against the last stored factor, so an ex-date inside a suspension settles on resumption.
    seen = np.maximum.accumulate(np.where(np.isfinite(factor), np.arange(factor.shape[1]), 0), axis=1)
    previous = np.take_along_axis(factor, seen, axis=1)
    ratio[:, 1:] = factor[:, 1:] / previous[:, :-1]
    ratio[~np.isfinite(ratio)] = 1.0
    return MarketArrays(
        codes=tuple(codes),
        days=tuple(days),
        listed=listed,
        close=close,
        buy_price=f[buy_price].astype(np.float64),
        sell_price=f[sell_price].astype(np.float64),
        factor=factor,
        volume=f["volume"].astype(np.float64),
        change=f["change"],
        raw_close=raw["close"],
        raw_buy_price=raw[buy_price],
        raw_sell_price=raw[sell_price],
        up_limit=up,
        down_limit=down,
        corporate_ratio=ratio,
    )


def _span_mask(data: DataService, codes: Sequence[str], days: Sequence[dt.date]) -> Bools:
    """Days inside an instrument's membership spans of ``all`` (qlib's quote rows)."""
    stamps = np.array(days, dtype="datetime64[D]")
    row = {code: i for i, code in enumerate(codes)}
    mask = np.zeros((len(codes), len(days)), dtype=bool)
    for span in data.source.instruments("all"):
        i = row.get(span.code)
        if i is None:
            continue
        lo = np.searchsorted(stamps, np.datetime64(span.start, "D"), side="left")
        hi = np.searchsorted(stamps, np.datetime64(span.end, "D"), side="right")
        mask[i, lo:hi] = True
    return mask


def _raw(adjusted: F32, factor: F64) -> F64:
    """Exchange prices: adjusted ÷ factor on the tick grid (the factor 1.0 where none stored)."""
    safe = np.where(np.isfinite(factor) & (factor > 0), factor, 1.0)
    return _on_tick(adjusted.astype(np.float64) / safe)


def _on_tick(values: F64) -> F64:
    out: F64 = np.round(values * 100.0) / 100.0
    return out


def _board_limits(
    data: DataService, codes: Sequence[str], days: Sequence[dt.date], raw_close: F64, factor: F64
) -> tuple[F64, F64]:
    """Limit bands from the board rules when the provider stores none (a qlib export).

    The reference price is the previous raw close brought to today's share basis (ex-rights),
    and the band is rounded half-up to the tick as the exchanges do.
    """
    up = np.full(raw_close.shape, np.nan)
    down = np.full(raw_close.shape, np.nan)
    prev = np.full(raw_close.shape, np.nan)
    step = factor[:, :-1] / factor[:, 1:]
    prev[:, 1:] = raw_close[:, :-1] * np.where(np.isfinite(step), step, 1.0)
    for i, code in enumerate(codes):
        info = data.instrument_info(code)
        if info.kind.value != "stock":
            continue
        first = (
            bisect.bisect_left(days, info.list_date) if info.list_date and info.list_date >= days[0] else None
        )
        for t, day in enumerate(days):
            base = prev[i, t]
            if not base > 0:
                continue
            if first is not None and has_no_limit(info.board, t - first + 1):
                continue
            ratio = Decimal(str(limit_ratio(info.board, is_st=info.is_st, on=day)))
            pre = Decimal(str(round(float(base), 2)))
            up[i, t] = float((pre * (1 + ratio)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
            down[i, t] = max(
                float((pre * (1 - ratio)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), 0.01
            )
    return up, down
