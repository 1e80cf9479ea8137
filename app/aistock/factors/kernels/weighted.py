"""Weighted means and deviations: pandas ``ewm``, and qlib's numpy ``apply`` lambdas (WMA, EMA(x, 0), Mad).

* ``EMA(x, N)`` with ``N >= 1`` is ``ewm(span=N, min_periods=1).mean()`` and any rolling op with a
  float ``0 < N < 1`` is ``ewm(alpha=N, min_periods=1).mean()``: pandas' Cython ``ewm`` with
  ``adjust=True, ignore_na=False`` — replayed by :func:`ewm_mean`.
* ``WMA``, ``EMA(x, 0)`` and ``Mad`` are Python lambdas run by ``rolling/expanding.apply(raw=True)``.
  Their numpy calls (``np.mean``, ``np.nanmean``, ``np.nansum``, ``w.sum()``) sum pairwise, so the
  kernels sum with :func:`~aistock.factors.kernels._jit.pairwise_sum` in the same order. pandas
  does not call the lambda for a window without any non-NaN value: those rows are NaN.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._contract import as_starts, as_values, prepare
from aistock.factors.kernels._jit import FloatArray, IntArray, copy_inf_as_nan, jit, pairwise_sum

# --------------------------------------------------------------------------- ewm


def ewm_alpha(*, span: float | None = None, alpha: float | None = None) -> float:
    """The smoothing factor pandas' Cython actually uses for ``ewm(span=...)``/``ewm(alpha=...)``.

    pandas converts either to a centre of mass ``com`` and back (``1 / (1 + com)``), which can
    differ from ``2 / (span + 1)`` or ``alpha`` in the last bit; pass this to :func:`ewm_mean`.
    """
    if (span is None) == (alpha is None):
        raise ValueError("pass exactly one of span= or alpha=")
    if span is not None:
        if span < 1:
            raise ValueError(f"span must be >= 1, got span={span!r}")
        com = (span - 1) / 2
    else:
        assert alpha is not None
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must satisfy 0 < alpha <= 1, got alpha={alpha!r}")
        com = (1 - alpha) / alpha
    return 1.0 / (1.0 + float(com))


@jit
def _ewm_mean_2d(x: FloatArray, starts: IntArray, alpha: float) -> FloatArray:
    """pandas ``ewm`` (normalize=True, adjust=True, ignore_na=False, min_periods=1) per series."""
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    old_wt_factor = 1.0 - alpha
    new_wt = 1.0
    for r in range(n_rows):
        s = starts[r]
        if s >= n_days:
            continue
        weighted = x[r, s]
        if math.isinf(weighted):
            weighted = np.nan
        nobs = 1 if weighted == weighted else 0
        out[r, s] = weighted if nobs >= 1 else np.nan
        old_wt = 1.0
        for i in range(s + 1, n_days):
            cur = x[r, i]
            if math.isinf(cur):
                cur = np.nan
            is_observation = cur == cur
            if is_observation:
                nobs += 1
            if weighted == weighted:
                old_wt *= old_wt_factor
                if is_observation:
                    # pandas skips the update when it would not change the value (constant runs).
                    if weighted != cur:
                        weighted = old_wt * weighted + new_wt * cur
                        weighted /= old_wt + new_wt
                    old_wt += new_wt
            elif is_observation:
                weighted = cur
            out[r, i] = weighted if nobs >= 1 else np.nan
    return out


def ewm_mean(x: npt.ArrayLike, starts: npt.ArrayLike, alpha: float) -> FloatArray:
    """qlib ``EMA(x, N)`` (``N >= 1``) and float-window rolling ops: ``ewm(...).mean()`` per series.

    ``alpha`` is used verbatim as pandas' Cython smoothing factor; get it from :func:`ewm_alpha`
    (``span=N`` for ``EMA``, ``alpha=N`` for a float window) to reproduce pandas' rounding.
    """
    values = as_values(x)
    first = as_starts(starts, values)
    a = float(alpha)
    if not 0.0 < a <= 1.0:
        raise ValueError(f"alpha must satisfy 0 < alpha <= 1, got alpha={alpha!r}")
    result: FloatArray = _ewm_mean_2d(values, first, a)
    return result


# --------------------------------------------------------------------------- EMA(x, 0)


@jit
def _ema0_prepare(x: FloatArray, starts: IntArray) -> tuple[FloatArray, IntArray]:
    """Prepared values (inf→NaN) and running non-NaN counts from each series' start."""
    n_rows, n_days = x.shape
    prepared = np.full((n_rows, n_days), np.nan)
    counts = np.zeros((n_rows, n_days), dtype=np.int64)
    for r in range(n_rows):
        s = starts[r]
        copy_inf_as_nan(x[r, s:], prepared[r, s:])
        c = 0
        for i in range(s, n_days):
            if prepared[r, i] == prepared[r, i]:
                c += 1
            counts[r, i] = c
    return prepared, counts


@jit
def _ema0_fill(
    prepared: FloatArray, counts: IntArray, starts: IntArray, weights: FloatArray, out: FloatArray
) -> None:
    """Row ``start + m - 1`` of every series: ``np.nansum(weights * x[start:start+m])``."""
    n_rows, n_days = prepared.shape
    m = weights.shape[0]
    terms = np.empty(m)
    for r in range(n_rows):
        s = starts[r]
        end = s + m - 1
        if end >= n_days or counts[r, end] < 1:
            continue  # pandas' apply skips windows without a value
        for j in range(m):
            term = weights[j] * prepared[r, s + j]
            terms[j] = 0.0 if term != term else term
        out[r, end] = pairwise_sum(terms, m)


def _ema0_weights(m: int) -> FloatArray:
    """qlib's ``exp_weighted_mean`` weights for a window of ``m`` rows, computed as qlib does.

    numpy's ``**`` dispatches to a SIMD ``pow`` (AVX-512 SVML) that differs from libm's in the
    last bit for a few percent of inputs, so the weights come from numpy itself — identical to
    qlib's on whatever machine this runs — and only the weighted ``nansum`` is compiled.
    """
    a = 1 - 2 / (1 + m)
    w = cast(FloatArray, a ** np.arange(m)[::-1])
    w /= w.sum()
    return w


def expanding_ema_apply(x: npt.ArrayLike, starts: npt.ArrayLike) -> FloatArray:
    """qlib ``EMA(x, 0)``: at each row, an EMA over the whole series so far with ``span = length``.

    ``w = (1 - 2/(1+m)) ** [m-1, ..., 0]`` normalised by its sum, then ``nansum(w * x)`` — O(n²),
    one weight vector per length shared by all rows.
    """
    values = as_values(x)
    first = as_starts(starts, values)
    prepared, counts = _ema0_prepare(values, first)
    out = np.full(values.shape, np.nan)
    longest = values.shape[1] - int(first.min()) if first.size else 0
    for m in range(1, longest + 1):
        _ema0_fill(prepared, counts, first, _ema0_weights(m), out)
    return out


# --------------------------------------------------------------------------- WMA / Mad


@jit
def _wma_mad_2d(x: FloatArray, starts: IntArray, window: int, mad: bool) -> FloatArray:
    """Per row and window, qlib's ``weighted_mean`` (WMA) or ``mad`` lambda on the raw window."""
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    scratch = np.empty(n_days)
    for r in range(n_rows):
        s = starts[r]
        length = n_days - s
        v = buf[:length]
        copy_inf_as_nan(x[r, s:], v)
        count = 0
        for i in range(length):
            first = i - window + 1 if (window > 0 and i >= window) else 0
            if v[i] == v[i]:
                count += 1
            if window > 0 and i >= window and v[i - window] == v[i - window]:
                count -= 1
            if count < 1:
                continue
            m = i - first + 1
            if mad:
                # x1 = x[~isnan(x)]; np.mean(np.abs(x1 - x1.mean()))
                c = 0
                for j in range(first, i + 1):
                    if v[j] == v[j]:
                        scratch[c] = v[j]
                        c += 1
                center = pairwise_sum(scratch, c) / c
                for j in range(c):
                    scratch[j] = abs(scratch[j] - center)
                out[r, s + i] = pairwise_sum(scratch, c) / c
            else:
                # w = (arange(m) + 1) / sum; np.nanmean(w * x) = nansum / non-NaN count
                total = float((m * (m + 1)) // 2)
                for j in range(m):
                    term = (float(j + 1) / total) * v[first + j]
                    scratch[j] = 0.0 if term != term else term
                out[r, s + i] = pairwise_sum(scratch, m) / count
    return out


def rolling_wma(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``WMA(x, N)``: ``nanmean(w * a)`` with ``w = (1..len(a)) / sum`` over the window.

    qlib's definition, kept as is: the weights are normalised over the full (truncated) window
    length but the weighted sum is divided by the number of non-NaN values (``nanmean``).
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _wma_mad_2d(values, first, w, False)
    return result


def rolling_mad(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Mad(x, N)``: mean absolute deviation from the mean of the window's non-NaN values."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _wma_mad_2d(values, first, w, True)
    return result
