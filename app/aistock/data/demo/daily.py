"""Daily bars of the demo market, exchange-true to the fen.

Prices are generated in integer fen on the raw (unadjusted) scale, because that is where the
exchange's rules live: the limit band is computed half-up from the ex-rights reference price,
a close can never leave the band, a new listing trades without limits for its first days and an
ST name has the narrower band. Forward-adjusted prices and ``$factor`` are derived afterwards,
exactly as a qlib provider holds them. Returns carry a market factor, an industry factor and a
weak short-term reversal, so that models trained on the demo market have something to learn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aistock.core.boards import MAIN_BOARD_ST_10PCT_FROM
from aistock.core.codes import Board
from aistock.data.demo.bars import Bars
from aistock.data.demo.universe import INDUSTRIES, StockProfile

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

_NO_LIMIT_DAYS = {Board.BJ: 1}  # others: 5


@dataclass
class DailyBars:
    """Raw daily bars, shape (days, stocks); NaN where a stock has no bar that day."""

    open: F64
    high: F64
    low: F64
    close: F64
    vwap: F64
    volume: F64  # raw shares
    amount: F64  # yuan
    pre_close: F64  # exchange reference price (ex-rights on an ex-date)
    up_limit: F64  # NaN when the day has no limit
    down_limit: F64
    hfq: F64  # cumulative back-adjustment; qlib $factor = hfq / hfq[last]
    is_st: B
    listed: B  # inside the listing life (bar or suspension)

    @property
    def factor(self) -> F64:
        """qlib's forward-adjustment ``$factor``: 1.0 on the latest bar of each stock."""
        last = np.full(self.hfq.shape[1], np.nan)
        for j in range(self.hfq.shape[1]):
            valid = np.flatnonzero(~np.isnan(self.close[:, j]))
            if valid.size:
                last[j] = self.hfq[valid[-1], j]
        with np.errstate(invalid="ignore"):
            out: F64 = np.where(np.isnan(self.close), np.nan, self.hfq / last)
        return out


def _half_up_fen(yuan: F64) -> I64:
    """Round yuan to whole fen, half up, robust to binary noise (10.05*1.1 = 11.055 → 11.06)."""
    return np.floor(np.round(yuan * 100.0, 6) + 0.5).astype(np.int64)


def _limit_pct(profile: StockProfile, is_st: bool, day: dt.date) -> int:
    if profile.board in (Board.CHINEXT, Board.STAR):
        return 20
    if profile.board is Board.BJ:
        return 30
    return 5 if is_st and day < MAIN_BOARD_ST_10PCT_FROM else 10


def generate_daily(
    rng: np.random.Generator, profiles: list[StockProfile], sessions: tuple[dt.date, ...]
) -> DailyBars:
    days, n = len(sessions), len(profiles)
    shape = (days, n)

    # Common drivers: the market, the industries, then each name's own noise.
    market = 0.00005 + 0.0105 * rng.standard_t(5, size=days) / np.sqrt(5 / 3)
    regime = np.cumsum(rng.normal(0, 0.0006, size=days))
    market += regime - np.convolve(regime, np.ones(20) / 20, mode="same")
    industry = 0.006 * rng.standard_t(5, size=(days, len(INDUSTRIES))) / np.sqrt(5 / 3)
    noise = rng.standard_t(4, size=shape) / np.sqrt(2.0)
    shocks = rng.random(shape)
    gap_noise = rng.normal(0, 0.004, size=shape)
    range_noise = np.abs(rng.normal(0, 0.009, size=(2, days, n)))
    volume_noise = rng.normal(0, 0.35, size=shape)

    beta = np.array([p.beta for p in profiles])
    vol = np.array([p.volatility for p in profiles])
    ind = np.array([p.industry for p in profiles])

    suspended = np.zeros(shape, dtype=bool)
    is_st = np.zeros(shape, dtype=bool)
    listed = np.zeros(shape, dtype=bool)
    cash_div = np.zeros(shape)
    bonus = np.zeros(shape)
    for j, p in enumerate(profiles):
        end = p.delist_index if p.delist_index is not None else days
        listed[p.list_index : end, j] = True
        for s, e in p.suspensions:
            suspended[s:e, j] = True
        for s, e in p.st_periods:
            is_st[s:e, j] = True
        for ex_day, cash, ratio in p.ex_dates:
            cash_div[ex_day, j], bonus[ex_day, j] = cash, ratio

    nan = np.full(shape, np.nan)
    out = {k: nan.copy() for k in ("open", "high", "low", "close", "vwap", "volume", "amount")}
    pre_close_out, up_out, down_out = nan.copy(), nan.copy(), nan.copy()
    hfq = np.ones(shape)

    last_close = np.array([p.first_price for p in profiles])  # raw yuan, last traded close
    cum_adj = np.ones(n)
    # Names listed before the window are long seasoned; only new listings start from day one.
    days_listed = np.array([0 if p.is_new_listing else 10_000 for p in profiles], dtype=np.int64)
    recent = np.zeros((5, n))  # last five daily returns, for the reversal term
    no_limit_days = np.array([_NO_LIMIT_DAYS.get(p.board, 5) for p in profiles])
    delist_drift = np.array([-0.004 if p.delist_index is not None else 0.0 for p in profiles])

    for t, day in enumerate(sessions):
        trading = listed[t] & ~suspended[t]
        # Ex-rights reference price (cash dividend, then bonus shares), rounded to the fen.
        ex = (cash_div[t] > 0) | (bonus[t] > 0)
        ref = last_close.copy()
        if ex.any():
            ref_ex = (last_close - cash_div[t]) / (1.0 + bonus[t])
            ref = np.where(ex, _half_up_fen(np.maximum(ref_ex, 0.01)) / 100.0, ref)
            cum_adj = np.where(ex, cum_adj * last_close / ref, cum_adj)
        hfq[t] = cum_adj

        first_days = days_listed < no_limit_days
        pct = np.array([_limit_pct(p, bool(is_st[t, j]), day) for j, p in enumerate(profiles)])
        ref_fen = _half_up_fen(ref)
        up_fen = (ref_fen * (100 + pct) + 50) // 100
        down_fen = np.maximum((ref_fen * (100 - pct) + 50) // 100, 1)

        ret = (
            beta * market[t]
            + industry[t, ind]
            + vol * noise[t]
            - 0.04 * recent.sum(axis=0)
            + np.where(is_st[t], delist_drift - 0.001, 0.0)
        )
        ret = np.where(shocks[t] < 0.004, 0.25, np.where(shocks[t] > 0.997, -0.25, ret))
        ret += np.where(ref < 2.0, 0.01, 0.0)  # keep penny prices from sinking to the tick
        debut = days_listed == 0
        ret = np.where(debut, rng.uniform(0.3, 1.6, size=n), ret)
        ret = np.where(first_days & ~debut, rng.normal(0.0, 0.07, size=n), ret)

        lo = np.where(first_days, 1, down_fen)
        hi = np.where(first_days, np.iinfo(np.int64).max, up_fen)
        close_fen = np.clip(_half_up_fen(ref * (1.0 + ret)), lo, hi)
        open_fen = np.clip(_half_up_fen(ref * (1.0 + 0.35 * ret + gap_noise[t])), lo, hi)
        top = np.maximum(open_fen, close_fen)
        bottom = np.minimum(open_fen, close_fen)
        high_fen = np.clip(_half_up_fen(top / 100.0 * (1.0 + range_noise[0, t])), top, hi)
        low_fen = np.clip(_half_up_fen(bottom / 100.0 * (1.0 - range_noise[1, t])), lo, bottom)
        at_limit = (close_fen == up_fen) | (close_fen == down_fen)
        high_fen = np.where(close_fen == up_fen, up_fen, high_fen)
        low_fen = np.where(close_fen == down_fen, down_fen, low_fen)

        c, o, h, lw = close_fen / 100.0, open_fen / 100.0, high_fen / 100.0, low_fen / 100.0
        vwap = np.round((o + h + lw + 2.0 * c) / 5.0, 4)
        activity = 1.0 + 6.0 * np.abs(c / ref - 1.0)
        turnover = np.array([p.turnover for p in profiles]) * np.exp(volume_noise[t]) * activity
        turnover = np.where(at_limit & ~first_days, turnover * 0.35, turnover)
        turnover = np.where(debut, 0.6, turnover)
        shares = (
            np.maximum(np.round(turnover * np.array([p.float_shares for p in profiles]) / 100.0), 1) * 100
        )

        for key, value in (("open", o), ("high", h), ("low", lw), ("close", c), ("vwap", vwap)):
            out[key][t] = np.where(trading, value, np.nan)
        out["volume"][t] = np.where(trading, shares, np.nan)
        out["amount"][t] = np.where(trading, np.round(shares * vwap, 2), np.nan)
        pre_close_out[t] = np.where(trading, ref, np.nan)
        limited = trading & ~first_days
        up_out[t] = np.where(limited, up_fen / 100.0, np.nan)
        down_out[t] = np.where(limited, down_fen / 100.0, np.nan)

        realised = np.where(trading, c / ref - 1.0, 0.0)
        recent = np.roll(recent, 1, axis=0)
        recent[0] = np.where(first_days, 0.0, realised)
        last_close = np.where(trading, c, ref)
        days_listed += trading.astype(np.int64)

    return DailyBars(
        open=out["open"],
        high=out["high"],
        low=out["low"],
        close=out["close"],
        vwap=out["vwap"],
        volume=out["volume"],
        amount=out["amount"],
        pre_close=pre_close_out,
        up_limit=up_out,
        down_limit=down_out,
        hfq=hfq,
        is_st=is_st & listed,
        listed=listed,
    )


def cap_weighted_index(
    rng: np.random.Generator,
    bars: DailyBars,
    float_shares: F64,
    members: B,
    base_level: float,
) -> Bars:
    """An index whose daily return is the float-cap-weighted price return of its members.

    ``members`` (days × stocks) says who is in the index on each day; suspended members keep
    their weight at the last price and contribute a zero return, as index providers do.
    """
    days = bars.close.shape[0]
    level = np.empty(days)
    open_level = np.empty(days)
    volume = np.zeros(days)
    amount = np.zeros(days)
    last = np.nan_to_num(bars.pre_close[0], nan=0.0)
    prev_level = base_level
    for t in range(days):
        has_bar = ~np.isnan(bars.close[t]) & members[t]
        ref = np.where(has_bar, bars.pre_close[t], last)
        weight = np.where(members[t] & (ref > 0), float_shares * ref, 0.0)
        total = weight.sum()
        close_ret = np.where(has_bar, bars.close[t] / bars.pre_close[t] - 1.0, 0.0)
        open_ret = np.where(has_bar, bars.open[t] / bars.pre_close[t] - 1.0, 0.0)
        r = float((weight * close_ret).sum() / total) if total > 0 else 0.0
        ro = float((weight * open_ret).sum() / total) if total > 0 else 0.0
        level[t] = prev_level * (1.0 + r)
        open_level[t] = prev_level * (1.0 + ro)
        volume[t] = np.nansum(np.where(has_bar, bars.volume[t], 0.0))
        amount[t] = np.nansum(np.where(has_bar, bars.amount[t], 0.0))
        last = np.where(~np.isnan(bars.close[t]), bars.close[t], last)
        prev_level = level[t]
    spread = np.abs(rng.normal(0, 0.003, size=(2, days)))
    high = np.maximum(level, open_level) * (1.0 + spread[0])
    low = np.minimum(level, open_level) * (1.0 - spread[1])
    return Bars(
        open=np.round(open_level, 3),
        high=np.round(high, 3),
        low=np.round(low, 3),
        close=np.round(level, 3),
        volume=volume,
        amount=amount,
    )
