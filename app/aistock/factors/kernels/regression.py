"""Rolling linear regression on time (slope, R², residual) — qlib's own Cython, replayed.

qlib's ``Slope/Rsquare/Resi(x, N)`` call ``rolling_slope/rolling_rsquare/rolling_resi(values, N)``
from ``qlib/data/_libs/rolling.pyx`` (``expanding_*`` from ``expanding.pyx`` for ``N=0``). Those
are incremental O(1) updates whose round-off we copy exactly, including their conventions:

* Rolling: the window starts filled with ``N`` NaNs, so the first ``N-1`` rows regress on the
  values seen so far. The newest value sits at x = ``N`` and every update shifts the older
  points down by one *algebraically* (``xy -= y``; ``x2 += i - 2x``; ``x -= i``), i.e. the sums
  drift exactly as in the Cython.
* Expanding: the k-th row (1-based) has x = k.
* Values are used raw: NaN is skipped but ±inf is *not* turned into NaN (unlike pandas).
* No flat-window guard here; qlib's ``Rsquare`` NaN-masks ``|std| < 2e-5`` and the caller does.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._contract import prepare
from aistock.factors.kernels._jit import FloatArray, IntArray, jit

_SLOPE = 0
_RSQUARE = 1
_RESI = 2


@jit
def _fit_value(
    kind: int,
    n: float,
    x_sum: float,
    x2_sum: float,
    y_sum: float,
    y2_sum: float,
    xy_sum: float,
    val: float,
    x_now: float,
) -> float:
    """The slope, r² or residual at ``x_now`` from the running sums, in qlib's operation order
    (shared by the rolling and expanding updates, which differ only in how the sums move)."""
    if kind == _SLOPE:
        return (n * xy_sum - x_sum * y_sum) / (n * x2_sum - x_sum * x_sum)
    if kind == _RSQUARE:
        rvalue = (n * xy_sum - x_sum * y_sum) / math.sqrt(
            (n * x2_sum - x_sum * x_sum) * (n * y2_sum - y_sum * y_sum)
        )
        return rvalue * rvalue
    slope = (n * xy_sum - x_sum * y_sum) / (n * x2_sum - x_sum * x_sum)
    x_mean = x_sum / n
    y_mean = y_sum / n
    interp = y_mean - slope * x_mean
    return val - (slope * x_now + interp)


@jit
def _rolling_regression_1d(v: FloatArray, window: int, out: FloatArray, kind: int) -> None:
    """qlib ``rolling.pyx`` ``Slope/Rsquare/Resi.update`` applied to each value in turn."""
    w = float(window)
    w2 = float(window * window)  # C int product, then widened to double
    i_sum = 0.0
    x_sum = 0.0
    x2_sum = 0.0
    y_sum = 0.0
    y2_sum = 0.0
    xy_sum = 0.0
    na_count = window
    for t in range(v.shape[0]):
        val = v[t]
        xy_sum = xy_sum - y_sum
        x2_sum = x2_sum + i_sum - 2 * x_sum
        x_sum = x_sum - i_sum
        front = v[t - window] if t >= window else np.nan
        if not math.isnan(front):
            i_sum -= 1
            y_sum -= front
            y2_sum -= front * front
        else:
            na_count -= 1
        if math.isnan(val):
            na_count += 1
        else:
            i_sum += 1
            x_sum += w
            x2_sum += w2
            y_sum += val
            y2_sum += val * val
            xy_sum += w * val
        out[t] = _fit_value(kind, float(window - na_count), x_sum, x2_sum, y_sum, y2_sum, xy_sum, val, w)


@jit
def _expanding_regression_1d(v: FloatArray, out: FloatArray, kind: int) -> None:
    """qlib ``expanding.pyx`` ``Slope/Rsquare/Resi.update`` applied to each value in turn."""
    x_sum = 0.0
    x2_sum = 0.0
    y_sum = 0.0
    y2_sum = 0.0
    xy_sum = 0.0
    na_count = 0
    for t in range(v.shape[0]):
        val = v[t]
        size = t + 1
        fsize = float(size)
        if math.isnan(val):
            na_count += 1
        else:
            x_sum += fsize
            x2_sum += float(size * size)
            y_sum += val
            y2_sum += val * val
            xy_sum += fsize * val
        out[t] = _fit_value(kind, float(size - na_count), x_sum, x2_sum, y_sum, y2_sum, xy_sum, val, fsize)


@jit
def _regression_2d(x: FloatArray, starts: IntArray, window: int, kind: int) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    for r in range(n_rows):
        s = starts[r]
        if window > 0:
            _rolling_regression_1d(x[r, s:], window, out[r, s:], kind)
        else:
            _expanding_regression_1d(x[r, s:], out[r, s:], kind)
    return out


def rolling_slope(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Slope(x, N)``: least-squares slope of the window's values against time."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _regression_2d(values, first, w, _SLOPE)
    return result


def rolling_rsquare(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Rsquare(x, N)`` before its flat-window mask: R² of the window's fit on time."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _regression_2d(values, first, w, _RSQUARE)
    return result


def rolling_resi(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Resi(x, N)``: the newest value minus the window's fitted line at its time."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _regression_2d(values, first, w, _RESI)
    return result
