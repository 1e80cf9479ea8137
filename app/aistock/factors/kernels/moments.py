"""Rolling sum, mean, var/std, skew, kurt and count — pandas 2.3's Cython window aggregations.

qlib's ``Sum/Mean/Std/Var/Skew/Kurt/Count(x, N)`` call ``series.rolling(N, min_periods=1).<op>()``
(``expanding`` for ``N=0``). To match them to the last bit these kernels replay pandas'
``roll_sum/roll_mean/roll_var/roll_skew/roll_kurt`` update by update:

* Kahan-compensated add/remove with *separate* compensation terms for adds and removes.
* The GH#42064 run counter: while the last ``nobs`` non-NaN values added are all equal, the sum
  is ``value * nobs``, the mean is that value, the variance 0, skew 0 and kurtosis -3 exactly.
* A window of one row takes pandas' "disjoint window" path and restarts the state every row.
* skew/kurt first shift the *whole* series by its rounded mean when that is safe (so a value
  depends on the full series, as in pandas), and need 3/4 observations.
* Variance is *not* clamped at 0 (pandas does not); ``std`` maps negative variance to 0 (zsqrt).
* ±inf are NaN (pandas' ``_prep_values``) — except for ``count``, which pandas computes on
  ``notna`` before that conversion, so inf counts as present.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._contract import prepare
from aistock.factors.kernels._jit import FloatArray, IntArray, c_round, copy_inf_as_nan, is_negative, jit

_SUM = 0
_MEAN = 1


# --------------------------------------------------------------------------- sum / mean


@jit
def kahan_sum_mean_1d(v: FloatArray, window: int, out: FloatArray, mode: int) -> None:
    """pandas ``roll_sum`` (``mode=0``) or ``roll_mean`` (``mode=1``) with ``min_periods=1``.

    ``v`` is already prepared (inf→NaN where pandas does it); ``window <= 0`` is expanding.
    Reused by the pairwise kernels, which feed it ``x*y`` exactly as pandas' ``cov`` does.
    """
    nobs = 0
    neg_ct = 0
    sum_x = 0.0
    comp_add = 0.0
    comp_rem = 0.0
    prev = np.nan
    run = 0
    for i in range(v.shape[0]):
        if i == 0 or window == 1:
            # pandas restarts when the new window does not overlap the previous one.
            nobs = 0
            neg_ct = 0
            sum_x = 0.0
            comp_add = 0.0
            comp_rem = 0.0
            prev = np.nan
            run = 0
        elif window > 0 and i >= window:
            val = v[i - window]
            if val == val:
                nobs -= 1
                y = -val - comp_rem
                t = sum_x + y
                comp_rem = t - sum_x - y
                sum_x = t
                if is_negative(val):
                    neg_ct -= 1
        val = v[i]
        if val == val:
            nobs += 1
            y = val - comp_add
            t = sum_x + y
            comp_add = t - sum_x - y
            sum_x = t
            if is_negative(val):
                neg_ct += 1
            if val == prev:
                run += 1
            else:
                run = 1
            prev = val
        if nobs < 1:
            out[i] = np.nan
        elif mode == _SUM:
            out[i] = prev * nobs if run >= nobs else sum_x
        else:
            result = sum_x / nobs
            if run >= nobs:
                result = prev
            elif (neg_ct == 0 and result < 0) or (neg_ct == nobs and result > 0):
                result = 0.0  # all inputs positive (negative) but round-off crossed zero
            out[i] = result


@jit
def _sum_mean_2d(x: FloatArray, starts: IntArray, window: int, mode: int) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    for r in range(n_rows):
        s = starts[r]
        v = buf[: n_days - s]
        copy_inf_as_nan(x[r, s:], v)
        kahan_sum_mean_1d(v, window, out[r, s:], mode)
    return out


def rolling_sum(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Sum(x, N)``: ``rolling(N, min_periods=1).sum()`` per series (``N=0``: expanding).

    An all-NaN window is NaN (pandas' ``min_periods=1``), not 0.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _sum_mean_2d(values, first, w, _SUM)
    return result


def rolling_mean(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Mean(x, N)``: ``rolling(N, min_periods=1).mean()`` per series (``N=0``: expanding)."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _sum_mean_2d(values, first, w, _MEAN)
    return result


# --------------------------------------------------------------------------- var / std


@jit
def welford_var_1d(v: FloatArray, window: int, ddof: int, out: FloatArray) -> None:
    """pandas ``roll_var`` (Welford with Kahan-compensated mean) with ``min_periods=1``."""
    nobs = 0.0
    mean_x = 0.0
    ssqdm_x = 0.0
    comp_add = 0.0
    comp_rem = 0.0
    prev = np.nan
    run = 0
    for i in range(v.shape[0]):
        if i == 0 or window == 1:
            nobs = 0.0
            mean_x = 0.0
            ssqdm_x = 0.0
            comp_add = 0.0
            comp_rem = 0.0
            prev = np.nan
            run = 0
        elif window > 0 and i >= window:
            val = v[i - window]
            if val == val:
                nobs -= 1.0
                if nobs != 0.0:
                    prev_mean = mean_x - comp_rem
                    y = val - comp_rem
                    t = y - mean_x
                    comp_rem = t + mean_x - y
                    mean_x = mean_x - t / nobs
                    ssqdm_x = ssqdm_x - (val - prev_mean) * (val - mean_x)
                else:
                    mean_x = 0.0
                    ssqdm_x = 0.0
        val = v[i]
        if val == val:
            nobs += 1.0
            if val == prev:
                run += 1
            else:
                run = 1
            prev = val
            prev_mean = mean_x - comp_add
            y = val - comp_add
            t = y - mean_x
            comp_add = t + mean_x - y
            mean_x = mean_x + t / nobs
            ssqdm_x = ssqdm_x + (val - prev_mean) * (val - mean_x)
        if nobs >= 1.0 and nobs > ddof:
            if nobs == 1.0 or run >= nobs:
                out[i] = 0.0
            else:
                out[i] = ssqdm_x / (nobs - float(ddof))
        else:
            out[i] = np.nan


@jit
def _var_2d(x: FloatArray, starts: IntArray, window: int, ddof: int, take_sqrt: bool) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    for r in range(n_rows):
        s = starts[r]
        v = buf[: n_days - s]
        copy_inf_as_nan(x[r, s:], v)
        dst = out[r, s:]
        welford_var_1d(v, window, ddof, dst)
        if take_sqrt:
            # pandas' zsqrt: sqrt, with negative round-off variance mapped to 0.
            for j in range(dst.shape[0]):
                val = dst[j]
                dst[j] = 0.0 if val < 0.0 else math.sqrt(val)
    return out


def _check_ddof(ddof: int) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, int | np.integer) or ddof < 0:
        raise ValueError(f"ddof must be an int >= 0, got ddof={ddof!r}")
    return int(ddof)


def rolling_var(x: npt.ArrayLike, starts: npt.ArrayLike, window: int, ddof: int = 1) -> FloatArray:
    """qlib ``Var(x, N)``: ``rolling(N, min_periods=1).var(ddof)`` per series.

    Fewer than ``ddof + 1`` observations give NaN; a window of identical values gives exactly 0.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _var_2d(values, first, w, _check_ddof(ddof), False)
    return result


def rolling_std(x: npt.ArrayLike, starts: npt.ArrayLike, window: int, ddof: int = 1) -> FloatArray:
    """qlib ``Std(x, N)``: ``rolling(N, min_periods=1).std(ddof)`` per series.

    Also the flat-window test behind qlib's ``Corr``/``Rsquare`` (``|std| < 2e-5`` → NaN), so a
    constant window must give exactly 0.0 — pandas' run counter guarantees it and so do we.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _var_2d(values, first, w, _check_ddof(ddof), True)
    return result


# --------------------------------------------------------------------------- skew / kurt


@jit
def _kahan_add(total: float, comp: float, value: float) -> tuple[float, float]:
    """One Kahan step ``total += value`` as pandas writes it; returns ``(total, compensation)``."""
    y = value - comp
    t = total + y
    return t, t - total - y


@jit
def _skew_kurt_1d(v: FloatArray, window: int, out: FloatArray, kurt: bool) -> None:
    """pandas ``roll_skew`` / ``roll_kurt`` on one prepared series (state and shift included)."""
    n = v.shape[0]
    # Whole-series shift by the rounded mean "when it does not hurt the smallest values".
    nobs_mean = 0
    sum_val = 0.0
    min_val = np.nan
    for j in range(n):
        val = v[j]
        if val == val:
            nobs_mean += 1
            sum_val += val
            if not (min_val <= val):
                min_val = val
    mean_val = sum_val / nobs_mean
    limit = -1e4 if kurt else -1e5
    shift = 0.0
    shifted = False
    if min_val - mean_val > limit:
        shift = c_round(mean_val)
        shifted = True
    vc = np.empty(n)
    for j in range(n):
        vc[j] = v[j] - shift if shifted else v[j]

    nobs = 0
    x1 = x2 = x3 = x4 = 0.0
    ca1 = ca2 = ca3 = ca4 = 0.0
    cr1 = cr2 = cr3 = cr4 = 0.0
    prev = np.nan
    run = 0
    for i in range(n):
        if i == 0 or window == 1:
            nobs = 0
            x1 = x2 = x3 = x4 = 0.0
            ca1 = ca2 = ca3 = ca4 = 0.0
            cr1 = cr2 = cr3 = cr4 = 0.0
            prev = np.nan
            run = 0
        elif window > 0 and i >= window:
            val = vc[i - window]
            if val == val:
                nobs -= 1
                x1, cr1 = _kahan_add(x1, cr1, -val)
                x2, cr2 = _kahan_add(x2, cr2, -val * val)
                x3, cr3 = _kahan_add(x3, cr3, -val * val * val)
                if kurt:
                    x4, cr4 = _kahan_add(x4, cr4, -val * val * val * val)
        val = vc[i]
        if val == val:
            nobs += 1
            x1, ca1 = _kahan_add(x1, ca1, val)
            x2, ca2 = _kahan_add(x2, ca2, val * val)
            x3, ca3 = _kahan_add(x3, ca3, val * val * val)
            if kurt:
                x4, ca4 = _kahan_add(x4, ca4, val * val * val * val)
            if val == prev:
                run += 1
            else:
                run = 1
            prev = val
        out[i] = _calc_kurt(nobs, x1, x2, x3, x4, run) if kurt else _calc_skew(nobs, x1, x2, x3, run)


@jit
def _calc_skew(nobs: int, x: float, xx: float, xxx: float, run: int) -> float:
    """pandas ``calc_skew`` (``min_periods`` raised to 3)."""
    if nobs < 3:
        return np.nan
    dnobs = float(nobs)
    a = x / dnobs
    b = xx / dnobs - a * a
    c = xxx / dnobs - a * a * a - 3 * a * b
    if run >= nobs:
        return 0.0
    if b <= 1e-14:
        return np.nan
    r = math.sqrt(b)
    return (math.sqrt(dnobs * (dnobs - 1.0)) * c) / ((dnobs - 2) * r * r * r)


@jit
def _calc_kurt(nobs: int, x: float, xx: float, xxx: float, xxxx: float, run: int) -> float:
    """pandas ``calc_kurt`` (``min_periods`` raised to 4)."""
    if nobs < 4:
        return np.nan
    if run >= nobs:
        return -3.0
    dnobs = float(nobs)
    a = x / dnobs
    r = a * a
    b = xx / dnobs - r
    r = r * a
    c = xxx / dnobs - r - 3 * a * b
    r = r * a
    d = xxxx / dnobs - r - 6 * b * a * a - 4 * c * a
    if b <= 1e-14:
        return np.nan
    k = (dnobs * dnobs - 1.0) * d / (b * b) - 3 * ((dnobs - 1.0) * (dnobs - 1.0))
    return k / ((dnobs - 2.0) * (dnobs - 3.0))


@jit
def _skew_kurt_2d(x: FloatArray, starts: IntArray, window: int, kurt: bool) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    for r in range(n_rows):
        s = starts[r]
        if s >= n_days:
            continue
        v = buf[: n_days - s]
        copy_inf_as_nan(x[r, s:], v)
        _skew_kurt_1d(v, window, out[r, s:], kurt)
    return out


def rolling_skew(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Skew(x, N)``: ``rolling(N, min_periods=1).skew()`` (NaN below 3 observations)."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _skew_kurt_2d(values, first, w, False)
    return result


def rolling_kurt(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Kurt(x, N)``: ``rolling(N, min_periods=1).kurt()`` (NaN below 4 observations)."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _skew_kurt_2d(values, first, w, True)
    return result


# --------------------------------------------------------------------------- count


@jit
def _count_2d(x: FloatArray, starts: IntArray, window: int) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    for r in range(n_rows):
        s = starts[r]
        count = 0
        for i in range(n_days - s):
            if x[r, s + i] == x[r, s + i]:
                count += 1
            if window > 0 and i >= window and x[r, s + i - window] == x[r, s + i - window]:
                count -= 1
            out[r, s + i] = count
    return out


def rolling_count(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Count(x, N)``: non-NaN values in the window; ±inf count (pandas counts ``notna``).

    Never NaN on or after a series' start: an all-NaN window counts 0.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _count_2d(values, first, w)
    return result
