"""Rolling covariance and correlation of two aligned series — pandas 2.3's ``cov_func``/``corr_func``.

qlib's ``Cov/Corr(a, b, N)`` call ``a.rolling(N, min_periods=1).cov(b)`` / ``.corr(b)``
(``expanding`` for ``N=0``). pandas first masks each input where the other is missing
(``prep_binary``: ``X = a + 0*b``, ``Y = b + 0*a``), turns ±inf into NaN, then combines its own
rolling kernels::

    cov  = (mean(X*Y) - mean(X) * mean(Y)) * (n / (n - 1))      n = count of valid pairs
    corr = cov / sqrt(var(X) * var(Y))

with ``mean`` = ``roll_mean`` and ``var`` = ``roll_var`` (ddof=1). The kernels call the same
replicas as :mod:`~aistock.factors.kernels.moments`, so results match pandas bit for bit —
including its quirks, e.g. ``±inf`` covariance when one pair is left after removals leave
round-off in ``mean(X*Y)``. qlib's extra NaN mask for flat windows in ``Corr`` is the caller's.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._contract import as_starts, as_values, as_window
from aistock.factors.kernels._jit import FloatArray, IntArray, jit
from aistock.factors.kernels.moments import kahan_sum_mean_1d, welford_var_1d

_SUM = 0
_MEAN = 1


@jit
def _cov_corr_2d(a: FloatArray, b: FloatArray, starts: IntArray, window: int, corr: bool) -> FloatArray:
    n_rows, n_days = a.shape
    out = np.full((n_rows, n_days), np.nan)
    xs = np.empty(n_days)
    ys = np.empty(n_days)
    xy = np.empty(n_days)
    valid = np.empty(n_days)
    mean_xy = np.empty(n_days)
    mean_x = np.empty(n_days)
    mean_y = np.empty(n_days)
    count = np.empty(n_days)
    var_x = np.empty(n_days)
    var_y = np.empty(n_days)
    for r in range(n_rows):
        s = starts[r]
        length = n_days - s
        for j in range(length):
            av = a[r, s + j]
            bv = b[r, s + j]
            xv = av + 0.0 * bv  # prep_binary
            yv = bv + 0.0 * av
            if math.isinf(xv):  # _prep_values
                xv = np.nan
            if math.isinf(yv):
                yv = np.nan
            xs[j] = xv
            ys[j] = yv
            xy[j] = xv * yv
            total = xv + yv
            valid[j] = 1.0 if total == total else 0.0
        kahan_sum_mean_1d(xy[:length], window, mean_xy[:length], _MEAN)
        kahan_sum_mean_1d(xs[:length], window, mean_x[:length], _MEAN)
        kahan_sum_mean_1d(ys[:length], window, mean_y[:length], _MEAN)
        kahan_sum_mean_1d(valid[:length], window, count[:length], _SUM)
        if corr:
            welford_var_1d(xs[:length], window, 1, var_x[:length])
            welford_var_1d(ys[:length], window, 1, var_y[:length])
        for j in range(length):
            n = count[j]
            cov = (mean_xy[j] - mean_x[j] * mean_y[j]) * (n / (n - 1))
            if corr:
                out[r, s + j] = cov / math.sqrt(var_x[j] * var_y[j])
            else:
                out[r, s + j] = cov
    return out


def _prepare_pair(
    x: npt.ArrayLike, y: npt.ArrayLike, starts: npt.ArrayLike, window: int
) -> tuple[FloatArray, FloatArray, IntArray, int]:
    a = as_values(x, "x")
    b = as_values(y, "y")
    if a.shape != b.shape:
        raise ValueError(f"x and y must have the same shape, got {a.shape} and {b.shape}")
    return a, b, as_starts(starts, a), as_window(window)


def rolling_cov(x: npt.ArrayLike, y: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Cov(x, y, N)``: ``x.rolling(N, min_periods=1).cov(y)`` per series (``N=0``: expanding).

    Both series share ``starts`` (the caller aligns them). One valid pair gives NaN (``0 * inf``).
    """
    a, b, first, w = _prepare_pair(x, y, starts, window)
    result: FloatArray = _cov_corr_2d(a, b, first, w, False)
    return result


def rolling_corr(x: npt.ArrayLike, y: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Corr(x, y, N)`` before its flat-window mask: ``x.rolling(N, min_periods=1).corr(y)``."""
    a, b, first, w = _prepare_pair(x, y, starts, window)
    result: FloatArray = _cov_corr_2d(a, b, first, w, True)
    return result
