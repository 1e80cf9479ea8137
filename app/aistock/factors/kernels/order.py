"""Order statistics over rolling windows: max/min, quantile/median, percentile rank, argmax/argmin.

qlib's ``Max/Min/Quantile/Med/Rank(x, N)`` call pandas' ``rolling(N, min_periods=1)`` methods
(Cython skiplists and a monotonic deque); ``IdxMax/IdxMin`` call
``rolling(...).apply(lambda a: a.argmax() + 1, raw=True)``. The results only depend on which
values are in the window, so these kernels use cheaper structures instead of a skiplist — a
sorted buffer for windows up to 96 rows, a Fenwick tree over each series' sorted values for
longer or expanding windows — and reproduce pandas' final arithmetic exactly
(``vlow + (vhigh - vlow) * frac`` for quantiles, the tie-averaged rank formula, ``/ 2`` medians).
A window holding both ``0.0`` and ``-0.0`` may return the other zero than pandas (equal values).

Quirks kept on purpose (all after pandas' ±inf → NaN):

* ``argmax``/``argmin`` of a window holding any NaN is the position of its *first* NaN (numpy's
  rule); a window with no value at all is NaN because pandas never calls the lambda for it.
* ``quantile(0.0)``/``quantile(1.0)`` are pandas' ``min``/``max``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._contract import prepare
from aistock.factors.kernels._jit import FloatArray, IntArray, copy_inf_as_nan, jit

_QUANTILE = 0
_MEDIAN = 1
_RANK = 2
#: Up to this window a sorted buffer beats the Fenwick tree (which needs a per-series sort).
_SHORT_WINDOW = 96


# --------------------------------------------------------------------------- max / min


@jit
def _max_min_1d(v: FloatArray, window: int, out: FloatArray, is_max: bool, queue: IntArray) -> None:
    """pandas ``_roll_min_max``: a monotonic deque of indices (ties keep the newest index)."""
    head = 0
    tail = 0
    nobs = 0
    for i in range(v.shape[0]):
        ai = v[i]
        if ai == ai:
            nobs += 1
        else:
            ai = -np.inf if is_max else np.inf
        while tail > head:
            back = v[queue[tail - 1]]
            if back != back or (ai >= back if is_max else ai <= back):
                tail -= 1
            else:
                break
        queue[tail] = i
        tail += 1
        if window > 0 and i >= window:
            first = i - window + 1
            while tail > head and queue[head] < first:
                head += 1
            old = v[i - window]
            if old == old:
                nobs -= 1
        out[i] = v[queue[head]] if (tail > head and nobs >= 1) else np.nan


@jit
def _max_min_2d(x: FloatArray, starts: IntArray, window: int, is_max: bool) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    queue = np.empty(n_days, dtype=np.int64)
    for r in range(n_rows):
        s = starts[r]
        v = buf[: n_days - s]
        copy_inf_as_nan(x[r, s:], v)
        _max_min_1d(v, window, out[r, s:], is_max, queue)
    return out


def rolling_max(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Max(x, N)``: NaN-skipping ``rolling(N, min_periods=1).max()``; all-NaN window → NaN."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _max_min_2d(values, first, w, True)
    return result


def rolling_min(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Min(x, N)``: NaN-skipping ``rolling(N, min_periods=1).min()``; all-NaN window → NaN."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _max_min_2d(values, first, w, False)
    return result


# --------------------------------------------------------------------------- quantile / median / rank


@jit
def _fenwick_add(tree: IntArray, pos: int, delta: int) -> None:
    """Add ``delta`` at 0-based slot ``pos``."""
    k = pos + 1
    while k < tree.shape[0]:
        tree[k] += delta
        k += k & -k


@jit
def _fenwick_prefix(tree: IntArray, pos: int) -> int:
    """Count of present slots ``<= pos`` (0-based; ``pos = -1`` gives 0)."""
    total = 0
    k = pos + 1
    while k > 0:
        total += tree[k]
        k -= k & -k
    return total


@jit
def _fenwick_kth(tree: IntArray, kth: int, top_bit: int) -> int:
    """0-based slot of the ``kth`` (0-based) present item in slot order."""
    pos = 0
    remaining = kth + 1
    step = top_bit
    size = tree.shape[0] - 1
    while step > 0:
        nxt = pos + step
        if nxt <= size and tree[nxt] < remaining:
            pos = nxt
            remaining -= tree[nxt]
        step >>= 1
    return pos


@jit
def _order_stats_1d(v: FloatArray, window: int, out: FloatArray, mode: int, q: float) -> None:
    """Windowed quantile (linear), median or average percentile rank of one prepared series.

    Every non-NaN value gets its own slot in sorted order; the window is the set of present
    slots. ``lo``/``hi`` are the first/last slot of each value's tie group, so counts of
    ``< value`` and ``<= value`` (pandas' ``skiplist_min_rank``/``skiplist_insert`` ranks) are two
    prefix sums. Ties compare with ``==`` (so -0.0 ties 0.0, as in the skiplist).
    """
    n = v.shape[0]
    valid = np.empty(n, dtype=np.int64)
    m = 0
    for j in range(n):
        if v[j] == v[j]:
            valid[m] = j
            m += 1
    vals = np.empty(m)
    for k in range(m):
        vals[k] = v[valid[k]]
    order = np.argsort(vals)  # ties are equal values: stability is irrelevant
    sorted_vals = np.empty(m)
    slot = np.full(n, -1, dtype=np.int64)
    for p in range(m):
        sorted_vals[p] = vals[order[p]]
        slot[valid[order[p]]] = p
    lo = np.empty(m, dtype=np.int64)
    hi = np.empty(m, dtype=np.int64)
    p = 0
    while p < m:
        e = p
        while e + 1 < m and sorted_vals[e + 1] == sorted_vals[p]:
            e += 1
        for k in range(p, e + 1):
            lo[k] = p
            hi[k] = e
        p = e + 1
    tree = np.zeros(m + 1, dtype=np.int64)
    top_bit = 1
    while top_bit * 2 <= m:
        top_bit *= 2

    nobs = 0
    for i in range(n):
        if window > 0 and i >= window:
            old = slot[i - window]
            if old >= 0:
                _fenwick_add(tree, old, -1)
                nobs -= 1
        cur = slot[i]
        if cur >= 0:
            _fenwick_add(tree, cur, 1)
            nobs += 1
        if nobs < 1:
            out[i] = np.nan
        elif mode == _RANK:
            if cur < 0:
                out[i] = np.nan
            else:
                rank = float(_fenwick_prefix(tree, hi[cur]))
                rank_min = float(_fenwick_prefix(tree, lo[cur] - 1) + 1)
                avg = ((rank * (rank + 1) / 2) - ((rank_min - 1) * rank_min / 2)) / (rank - rank_min + 1)
                out[i] = avg / nobs
        elif mode == _MEDIAN:
            mid = nobs // 2
            if nobs % 2:
                out[i] = sorted_vals[_fenwick_kth(tree, mid, top_bit)]
            else:
                upper = sorted_vals[_fenwick_kth(tree, mid, top_bit)]
                lower = sorted_vals[_fenwick_kth(tree, mid - 1, top_bit)]
                out[i] = (upper + lower) / 2
        elif nobs == 1:
            out[i] = sorted_vals[_fenwick_kth(tree, 0, top_bit)]
        else:
            idx_with_fraction = q * (nobs - 1)
            idx = int(idx_with_fraction)
            vlow = sorted_vals[_fenwick_kth(tree, idx, top_bit)]
            if idx_with_fraction == idx:
                out[i] = vlow
            else:
                vhigh = sorted_vals[_fenwick_kth(tree, idx + 1, top_bit)]
                out[i] = vlow + (vhigh - vlow) * (idx_with_fraction - idx)


@jit
def _bisect(buf: FloatArray, size: int, value: float, right: bool) -> int:
    """First index in sorted ``buf[:size]`` whose item is ``> value`` (right) / ``>= value`` (left).

    Written with selects rather than branches (fixed trip count) to avoid mispredictions.
    """
    lo = 0
    n = size
    while n > 0:
        half = n >> 1
        item = buf[lo + half]
        go = (item <= value) if right else (item < value)
        lo = lo + half + 1 if go else lo
        n = n - half - 1 if go else half
    return lo


@jit
def _sorted_window_1d(
    v: FloatArray, window: int, out: FloatArray, mode: int, q: float, buf: FloatArray
) -> None:
    """Same results as :func:`_order_stats_1d` for short windows: keep the window's non-NaN
    values sorted in ``buf`` (binary search, then shift), O(window) per row but cache-friendly."""
    nobs = 0
    for i in range(v.shape[0]):
        old = v[i - window] if i >= window else np.nan
        cur = v[i]
        if old == old and cur == cur:
            # Steady state: overwrite the leaving value and slide the new one into order.
            j = _bisect(buf, nobs, old, False)
            if cur >= old:
                while j + 1 < nobs and buf[j + 1] <= cur:
                    buf[j] = buf[j + 1]
                    j += 1
            else:
                while j > 0 and buf[j - 1] > cur:
                    buf[j] = buf[j - 1]
                    j -= 1
            buf[j] = cur
        elif old == old:
            p = _bisect(buf, nobs, old, False)
            for j in range(p, nobs - 1):
                buf[j] = buf[j + 1]
            nobs -= 1
        elif cur == cur:
            p = _bisect(buf, nobs, cur, True)
            for j in range(nobs, p, -1):
                buf[j] = buf[j - 1]
            buf[p] = cur
            nobs += 1
        if nobs < 1:
            out[i] = np.nan
        elif mode == _RANK:
            if cur != cur:
                out[i] = np.nan
            else:
                rank = float(_bisect(buf, nobs, cur, True))
                rank_min = float(_bisect(buf, nobs, cur, False) + 1)
                avg = ((rank * (rank + 1) / 2) - ((rank_min - 1) * rank_min / 2)) / (rank - rank_min + 1)
                out[i] = avg / nobs
        elif mode == _MEDIAN:
            mid = nobs // 2
            out[i] = buf[mid] if nobs % 2 else (buf[mid] + buf[mid - 1]) / 2
        elif nobs == 1:
            out[i] = buf[0]
        else:
            idx_with_fraction = q * (nobs - 1)
            idx = int(idx_with_fraction)
            if idx_with_fraction == idx:
                out[i] = buf[idx]
            else:
                vlow = buf[idx]
                vhigh = buf[idx + 1]
                out[i] = vlow + (vhigh - vlow) * (idx_with_fraction - idx)


@jit
def _order_stats_2d(x: FloatArray, starts: IntArray, window: int, mode: int, q: float) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    sorted_buf = np.empty(max(window, 1))
    for r in range(n_rows):
        s = starts[r]
        v = buf[: n_days - s]
        copy_inf_as_nan(x[r, s:], v)
        if 0 < window <= _SHORT_WINDOW:
            _sorted_window_1d(v, window, out[r, s:], mode, q, sorted_buf)
        else:
            _order_stats_1d(v, window, out[r, s:], mode, q)
    return out


def rolling_quantile(x: npt.ArrayLike, starts: npt.ArrayLike, window: int, q: float) -> FloatArray:
    """qlib ``Quantile(x, N, q)``: ``rolling(N, min_periods=1).quantile(q)`` (linear interpolation).

    ``q`` must lie in ``[0, 1]``; pandas answers ``q=0``/``q=1`` with ``min``/``max``.
    """
    values, first, w = prepare(x, starts, window)
    qf = float(q)
    if not 0.0 <= qf <= 1.0:
        raise ValueError(f"q must lie in [0, 1], got q={q!r}")
    if qf == 0.0:
        return rolling_min(values, first, w)
    if qf == 1.0:
        return rolling_max(values, first, w)
    result: FloatArray = _order_stats_2d(values, first, w, _QUANTILE, qf)
    return result


def rolling_median(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Med(x, N)``: ``rolling(N, min_periods=1).median()`` (mean of the middle pair)."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _order_stats_2d(values, first, w, _MEDIAN, 0.5)
    return result


def rolling_rank_pct(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``Rank(x, N)``: ``rolling(N, min_periods=1).rank(pct=True)`` (average ties).

    The current value's average rank among the window's non-NaN values over their count; NaN
    when the current value is NaN.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _order_stats_2d(values, first, w, _RANK, 0.5)
    return result


# --------------------------------------------------------------------------- argmax / argmin


@jit
def _arg_extreme_1d(v: FloatArray, window: int, out: FloatArray, is_max: bool, queue: IntArray) -> None:
    """1-based position of numpy's ``argmax``/``argmin`` in each window (oldest row = 1).

    numpy returns the first NaN if there is one, else the first occurrence of the extreme; a
    deque of non-NaN indices that keeps earlier ties gives the latter, ``next_nan`` the former.
    """
    n = v.shape[0]
    next_nan = queue[n:]
    nxt = n
    for j in range(n - 1, -1, -1):
        if v[j] != v[j]:
            nxt = j
        next_nan[j] = nxt
    head = 0
    tail = 0
    nobs = 0
    for i in range(n):
        first = i - window + 1 if (window > 0 and i >= window) else 0
        val = v[i]
        if val == val:
            nobs += 1
            while tail > head:
                back = v[queue[tail - 1]]
                if (back < val) if is_max else (back > val):
                    tail -= 1
                else:
                    break
            queue[tail] = i
            tail += 1
        if window > 0 and i >= window:
            old = v[i - window]
            if old == old:
                nobs -= 1
        while tail > head and queue[head] < first:
            head += 1
        if nobs < 1:
            out[i] = np.nan
        elif next_nan[first] <= i:
            out[i] = next_nan[first] - first + 1
        else:
            out[i] = queue[head] - first + 1


@jit
def _arg_extreme_2d(x: FloatArray, starts: IntArray, window: int, is_max: bool) -> FloatArray:
    n_rows, n_days = x.shape
    out = np.full((n_rows, n_days), np.nan)
    buf = np.empty(n_days)
    scratch = np.empty(2 * n_days, dtype=np.int64)
    for r in range(n_rows):
        s = starts[r]
        length = n_days - s
        v = buf[:length]
        copy_inf_as_nan(x[r, s:], v)
        _arg_extreme_1d(v, window, out[r, s:], is_max, scratch[: 2 * length])
    return out


def rolling_idxmax(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``IdxMax(x, N)``: ``rolling(N, min_periods=1).apply(lambda a: a.argmax() + 1)``.

    1-based position of the maximum in the (truncated) window, oldest row = 1; the first NaN's
    position if the window holds NaN (numpy's argmax); NaN if the window has no value at all.
    """
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _arg_extreme_2d(values, first, w, True)
    return result


def rolling_idxmin(x: npt.ArrayLike, starts: npt.ArrayLike, window: int) -> FloatArray:
    """qlib ``IdxMin(x, N)``: as :func:`rolling_idxmax` with ``argmin``."""
    values, first, w = prepare(x, starts, window)
    result: FloatArray = _arg_extreme_2d(values, first, w, False)
    return result
