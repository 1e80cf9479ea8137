"""One-minute bars of the demo market that add up to the daily bars.

The preview's minute refresh and any intraday replay read these. They are generated *from* the
daily bar so the two never disagree: the first minute opens at the day's open, the last closes
at the day's close, the extreme minutes touch the day's high and low, and the minute volumes sum
to the day's volume with the U-shape of a real A-share session.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aistock.core.calendar import MINUTES_PER_DAY
from aistock.data.demo.bars import Bars

F64 = npt.NDArray[np.float64]


def _u_shape() -> F64:
    x = np.linspace(0.0, 1.0, MINUTES_PER_DAY // 2)
    half = 1.0 + 2.5 * np.exp(-x * 8.0)
    morning = half
    afternoon = half[::-1] * 0.8
    afternoon[: MINUTES_PER_DAY // 8] += 0.3 * np.exp(-np.linspace(0, 4, MINUTES_PER_DAY // 8))
    profile = np.concatenate([morning, afternoon])
    out: F64 = profile / profile.sum()
    return out


def _day_paths(
    rng: np.random.Generator, o: F64, h: F64, lo: F64, c: F64, tick: float | None
) -> tuple[F64, F64, F64, F64]:
    """Minute OHLC for one day across instruments (each argument shaped (n,))."""
    n = o.shape[0]
    m = MINUTES_PER_DAY
    steps = rng.normal(0.0, 1.0, size=(m, n))
    walk = np.cumsum(steps, axis=0)
    bridge = walk - np.linspace(0.0, 1.0, m)[:, None] * walk[-1:]
    span = np.maximum(h - lo, 1e-9)
    bmin, bmax = bridge.min(axis=0), bridge.max(axis=0)
    scale = np.where(bmax - bmin > 0, bmax - bmin, 1.0)
    linear = o[None, :] + (c - o)[None, :] * np.linspace(0.0, 1.0, m)[:, None]
    path = linear + (bridge - bmin) / scale * span * 0.8 - 0.4 * span
    path = np.clip(path, lo, h)
    path[-1] = c
    closes = path
    opens = np.vstack([o[None, :], closes[:-1]])
    wiggle = np.abs(rng.normal(0.0, 0.15, size=(2, m, n))) * span / np.sqrt(m)
    highs = np.minimum(np.maximum(opens, closes) + wiggle[0], h)
    lows = np.maximum(np.minimum(opens, closes) - wiggle[1], lo)
    # The day's extremes are reached in some minute.
    hi_at = rng.integers(0, m, size=n)
    lo_at = rng.integers(0, m, size=n)
    cols = np.arange(n)
    highs[hi_at, cols] = h
    lows[lo_at, cols] = lo
    if tick is not None:
        opens, highs, lows, closes = (np.round(a / tick) * tick for a in (opens, highs, lows, closes))
        opens[0], closes[-1] = o, c
        highs = np.maximum(highs, np.maximum(opens, closes))
        lows = np.minimum(lows, np.minimum(opens, closes))
    return opens, highs, lows, closes


def generate_minutes(
    rng: np.random.Generator,
    open_: F64,
    high: F64,
    low: F64,
    close: F64,
    volume: F64,
    amount: F64,
    *,
    tick: float | None = 0.01,
) -> Bars:
    """Minute bars for the given daily rows (days × instruments); NaN days stay NaN."""
    days, n = close.shape
    m = MINUTES_PER_DAY
    shape = (days * m, n)
    out = {k: np.full(shape, np.nan) for k in ("open", "high", "low", "close", "volume", "amount")}
    profile = _u_shape()
    for d in range(days):
        valid = ~np.isnan(close[d])
        if not valid.any():
            continue
        o, h, lo, c = (a[d, valid] for a in (open_, high, low, close))
        mo, mh, ml, mc = _day_paths(rng, o, h, lo, c, tick)
        weights = profile[:, None] * np.exp(rng.normal(0.0, 0.3, size=(m, valid.sum())))
        weights /= weights.sum(axis=0, keepdims=True)
        lots = 100.0 if tick is not None else 1.0
        vol = np.floor(weights * volume[d, valid] / lots) * lots
        vol[-1] += volume[d, valid] - vol.sum(axis=0)  # exact daily total
        typical = (mo + mh + ml + mc) / 4.0
        amt = vol * typical
        amt *= np.where(amt.sum(axis=0) > 0, amount[d, valid] / np.maximum(amt.sum(axis=0), 1e-9), 1.0)
        rows = slice(d * m, (d + 1) * m)
        for key, value in (
            ("open", mo),
            ("high", mh),
            ("low", ml),
            ("close", mc),
            ("volume", vol),
            ("amount", amt),
        ):
            out[key][rows, valid] = value
    return Bars(**out)
