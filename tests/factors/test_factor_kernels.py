"""The numba rolling kernels against the real thing: pandas 2.3, qlib's Cython and qlib's lambdas.

Every comparison is bit-for-bit (``assert_array_equal``: same NaN positions, same floats) — the
kernels replay the reference arithmetic in the same order, so anything looser would hide a
drift that the factor engine's float32 parity could later trip over. Inputs mimic market data:
float32-valued random walks, NaN runs (suspensions), ±inf, limit-locked constant stretches,
1e9-scale and 1e-6-scale values, and series starting mid-panel with real numbers before them.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistock.factors import kernels as k

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class Ref(Protocol):
    """A reference computation for one series and window (keyword ``w`` for ``partial``)."""

    def __call__(self, s: pd.Series, w: int) -> Any: ...


WINDOWS = (1, 2, 5, 20, 60, 120, 0)  # 120: past order.py's sorted-buffer limit (96)
SEEDS = (0, 1)


# --------------------------------------------------------------------------- data


def _panel(seed: int, n_rows: int = 14, n_days: int = 150) -> tuple[F64, I64]:
    """Market-like rows; ``starts`` include 0, ``n_days`` (empty) and ``n_days - 1`` (one value)."""
    rng = np.random.default_rng(seed)
    x = np.empty((n_rows, n_days))
    for r in range(n_rows):
        kind = r % 7
        walk = (10 + np.cumsum(rng.standard_normal(n_days))).astype(np.float32).astype(np.float64)
        if kind == 1:
            walk = walk * 1e8  # ~1e9 (turnover, market cap)
        elif kind == 2:
            walk = (rng.standard_normal(n_days) * 1e-6).astype(np.float32).astype(np.float64)
        elif kind == 3:  # limit-locked: long runs of one price
            walk = np.round(walk, 1)
            for _ in range(6):
                a = int(rng.integers(0, n_days))
                walk[a : a + int(rng.integers(2, 30))] = walk[a]
        elif kind == 4:  # small integers: many ties
            walk = rng.integers(-3, 4, n_days).astype(np.float64)
        elif kind == 6:  # mixed magnitudes
            scale = 10.0 ** rng.integers(-3, 9, n_days)
            walk = (rng.standard_normal(n_days) * scale).astype(np.float32).astype(np.float64)
        for _ in range(int(rng.integers(0, 6))):
            a = int(rng.integers(0, n_days))
            walk[a : a + int(rng.integers(1, 25))] = np.nan
        if kind in (0, 5, 6):
            for _ in range(int(rng.integers(1, 3))):
                walk[int(rng.integers(0, n_days))] = rng.choice([np.inf, -np.inf])
        x[r] = walk
    starts = rng.integers(0, n_days, n_rows).astype(np.int64)
    starts[0], starts[1], starts[2] = 0, n_days, n_days - 1
    return x, starts


def _assert_rows(name: str, out: F64, x: F64, starts: I64, ref: Callable[[pd.Series], Any]) -> None:
    """Before each start: NaN. From it: bit-identical to ``ref(pd.Series(x[i, start:]))``."""
    assert out.shape == x.shape and out.dtype == np.float64
    for i, s in enumerate(starts):
        assert np.isnan(out[i, :s]).all(), f"{name}: row {i} has values before its start {s}"
        if s == x.shape[1]:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.asarray(ref(pd.Series(x[i, s:])), dtype=np.float64)
        np.testing.assert_array_equal(out[i, s:], expected, err_msg=f"{name}: row {i} (start {s})")


def _roll(s: pd.Series, w: int) -> Any:
    return s.expanding(min_periods=1) if w == 0 else s.rolling(w, min_periods=1)


def _quantile(s: pd.Series, w: int, q: float) -> Any:
    return _roll(s, w).quantile(q)


# qlib's ``apply`` lambdas, restated from qlib/data/ops.py (IdxMax, IdxMin, Mad, WMA, EMA).
def _qlib_mad(a: F64) -> float:
    a1 = a[~np.isnan(a)]
    return float(np.mean(np.abs(a1 - a1.mean())))


def _qlib_wma(a: F64) -> float:
    w = np.arange(len(a)) + 1
    w = w / w.sum()
    return float(np.nanmean(w * a))


def _qlib_exp_weighted_mean(a: F64) -> float:
    alpha = 1 - 2 / (1 + len(a))
    w = alpha ** np.arange(len(a))[::-1]
    w /= w.sum()
    return float(np.nansum(w * a))


PANDAS_REFS: dict[str, Ref] = {
    "rolling_sum": lambda s, w: _roll(s, w).sum(),
    "rolling_mean": lambda s, w: _roll(s, w).mean(),
    "rolling_var": lambda s, w: _roll(s, w).var(),
    "rolling_std": lambda s, w: _roll(s, w).std(),
    "rolling_skew": lambda s, w: _roll(s, w).skew(),
    "rolling_kurt": lambda s, w: _roll(s, w).kurt(),
    "rolling_count": lambda s, w: _roll(s, w).count(),
    "rolling_max": lambda s, w: _roll(s, w).max(),
    "rolling_min": lambda s, w: _roll(s, w).min(),
    "rolling_median": lambda s, w: _roll(s, w).median(),
    "rolling_rank_pct": lambda s, w: _roll(s, w).rank(pct=True),
    "rolling_idxmax": lambda s, w: _roll(s, w).apply(lambda a: a.argmax() + 1, raw=True),
    "rolling_idxmin": lambda s, w: _roll(s, w).apply(lambda a: a.argmin() + 1, raw=True),
    "rolling_mad": lambda s, w: _roll(s, w).apply(_qlib_mad, raw=True),
    "rolling_wma": lambda s, w: _roll(s, w).apply(_qlib_wma, raw=True),
}


# --------------------------------------------------------------------------- parity


@pytest.mark.parametrize("name", sorted(PANDAS_REFS))
def test_kernel_matches_pandas_bit_for_bit(name: str) -> None:
    kernel = getattr(k, name)
    for seed in SEEDS:
        x, starts = _panel(seed)
        before = x.copy()
        for w in WINDOWS:
            out = kernel(x, starts, w)
            _assert_rows(f"{name}(w={w}, seed={seed})", out, x, starts, partial(PANDAS_REFS[name], w=w))
        np.testing.assert_array_equal(x, before, err_msg="kernels must not modify their input")


@pytest.mark.parametrize("q", [0.0, 0.05, 0.25, 0.5, 0.8, 1.0])
def test_quantile_matches_pandas_bit_for_bit(q: float) -> None:
    for seed in SEEDS:
        x, starts = _panel(seed)
        for w in WINDOWS:
            out = k.rolling_quantile(x, starts, w, q)
            _assert_rows(f"quantile({q}, w={w})", out, x, starts, partial(_quantile, w=w, q=q))


@pytest.mark.parametrize("name", ["rolling_cov", "rolling_corr"])
def test_pairwise_matches_pandas_bit_for_bit(name: str) -> None:
    method = name.removeprefix("rolling_")
    for seed in SEEDS:
        x, starts = _panel(seed)
        y, _ = _panel(seed + 100)
        y[3] = x[3] * 2.0 + 1.0  # strongly related pair (corr near 1, flat stretches shared)
        for w in WINDOWS:
            out = getattr(k, name)(x, y, starts, w)
            for i, s in enumerate(starts):
                assert np.isnan(out[i, :s]).all()
                if s == x.shape[1]:
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    expected = getattr(_roll(pd.Series(x[i, s:]), w), method)(pd.Series(y[i, s:])).to_numpy()
                np.testing.assert_array_equal(out[i, s:], expected, err_msg=f"{name}(w={w}) row {i}")


@pytest.mark.parametrize(("span", "alpha"), [(2, None), (5, None), (20, None), (None, 0.3), (None, 0.05)])
def test_ewm_mean_matches_pandas_bit_for_bit(span: int | None, alpha: float | None) -> None:
    smoothing = k.ewm_alpha(span=span, alpha=alpha)
    for seed in SEEDS:
        x, starts = _panel(seed)
        out = k.ewm_mean(x, starts, smoothing)
        _assert_rows(
            f"ewm(span={span}, alpha={alpha})",
            out,
            x,
            starts,
            lambda s: s.ewm(span=span, alpha=alpha, min_periods=1).mean(),
        )


def test_expanding_ema_apply_matches_qlib_lambda_bit_for_bit() -> None:
    x, starts = _panel(3, n_rows=7, n_days=140)  # 140 days > 128: numpy splits its pairwise sum
    out = k.expanding_ema_apply(x, starts)
    _assert_rows(
        "EMA(x, 0)", out, x, starts, lambda s: s.expanding(1).apply(_qlib_exp_weighted_mean, raw=True)
    )


@pytest.mark.qlib
@pytest.mark.parametrize("name", ["slope", "rsquare", "resi"])
def test_regression_matches_qlib_cython_bit_for_bit(name: str) -> None:
    from qlib.data._libs import expanding, rolling

    for seed in SEEDS:
        x, starts = _panel(seed)
        for w in WINDOWS:
            out = getattr(k, f"rolling_{name}")(x, starts, w)

            def ref(s: pd.Series, w: int = w) -> Any:
                if w == 0:
                    return getattr(expanding, f"expanding_{name}")(s.to_numpy())
                return getattr(rolling, f"rolling_{name}")(s.to_numpy(), w)

            _assert_rows(f"{name}(w={w}, seed={seed})", out, x, starts, ref)


# Short arbitrary series: float32 values incl. extremes, NaN, ±inf, and repeats.
_values = st.one_of(
    st.floats(width=32, allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1e9, -1e9, 1e-9, np.nan]),
)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(_values, max_size=40),
    window=st.sampled_from([1, 2, 3, 5, 0]),
    lead=st.integers(0, 3),
    q=st.sampled_from([0.1, 0.5, 0.75]),
)
def test_arbitrary_series_match_references(data: list[float], window: int, lead: int, q: float) -> None:
    series = np.asarray(data, dtype=np.float64)
    # The row holds `lead` real numbers before the series starts; they must be ignored.
    x = np.concatenate([np.full(lead, 123.0), series])[None, :]
    starts = np.array([lead])
    for name, ref in PANDAS_REFS.items():
        _assert_rows(name, getattr(k, name)(x, starts, window), x, starts, partial(ref, w=window))
    _assert_rows(
        "quantile",
        k.rolling_quantile(x, starts, window, q),
        x,
        starts,
        lambda s: _roll(s, window).quantile(q),
    )
    other = x[:, ::-1].copy()
    for name in ("cov", "corr"):
        out = getattr(k, f"rolling_{name}")(x, other, starts, window)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = getattr(_roll(pd.Series(x[0, lead:]), window), name)(pd.Series(other[0, lead:]))
        np.testing.assert_array_equal(out[0, lead:], expected.to_numpy(), err_msg=name)
    _assert_rows("ewm", k.ewm_mean(x, starts, k.ewm_alpha(span=3)), x, starts, lambda s: s.ewm(span=3).mean())


# --------------------------------------------------------------------------- quirks, stated


def _one(values: list[float]) -> F64:
    return np.asarray([values], dtype=np.float64)


START0 = np.array([0])


def test_idxmax_points_at_the_first_nan_like_numpy() -> None:
    x = _one([1.0, 5.0, np.nan, 7.0, 2.0, np.inf])
    # windows of 5: [1,5] -> 2; [1,5,nan...] -> 3 (first NaN); last window [5,nan,7,2,inf->nan] -> 2
    np.testing.assert_array_equal(k.rolling_idxmax(x, START0, 5), _one([1, 2, 3, 3, 3, 2]))
    np.testing.assert_array_equal(k.rolling_idxmin(x, START0, 5), _one([1, 1, 3, 3, 3, 2]))
    # A window without any value is NaN: pandas never calls the lambda for it.
    y = _one([np.nan, np.nan, 4.0, np.nan, np.nan])
    np.testing.assert_array_equal(k.rolling_idxmax(y, START0, 2), _one([np.nan, np.nan, 1, 2, np.nan]))


def test_idxmax_ties_pick_the_oldest() -> None:
    x = _one([3.0, 1.0, 3.0, 2.0, 3.0])
    np.testing.assert_array_equal(k.rolling_idxmax(x, START0, 3), _one([1, 1, 1, 2, 1]))


def test_count_treats_inf_as_present_and_is_never_nan() -> None:
    x = _one([np.inf, np.nan, -np.inf, 1.0, np.nan, np.nan])
    np.testing.assert_array_equal(k.rolling_count(x, START0, 0), _one([1, 1, 2, 3, 3, 3]))
    np.testing.assert_array_equal(k.rolling_count(x, START0, 2), _one([1, 1, 1, 2, 1, 0]))
    # ...while every other kernel treats inf as missing:
    np.testing.assert_array_equal(k.rolling_sum(x, START0, 2), _one([np.nan, np.nan, np.nan, 1, 1, np.nan]))


def test_constant_windows_are_exactly_flat() -> None:
    price = 0.1 + 0.2  # not representable: naive sums would drift
    x = _one([1.7, 2.9, *([price] * 12), np.nan, price])
    std = k.rolling_std(x, START0, 5)
    assert (std[0, 6:] == 0.0).all()
    assert (k.rolling_var(x, START0, 5)[0, 6:] == 0.0).all()
    assert (k.rolling_mean(x, START0, 5)[0, 6:] == price).all()
    assert (k.rolling_skew(x, START0, 5)[0, 6:] == 0.0).all()
    assert (k.rolling_kurt(x, START0, 5)[0, 6:] == -3.0).all()


def test_minimum_observations() -> None:
    x = _one([1.0, 2.0, 4.0, 8.0, 16.0])
    assert np.isnan(k.rolling_var(x, START0, 3)[0, 0])  # one observation, ddof=1
    assert k.rolling_var(x, START0, 3, ddof=0)[0, 0] == 0.0
    assert np.isnan(k.rolling_skew(x, START0, 0)[0, :2]).all() and not np.isnan(
        k.rolling_skew(x, START0, 0)[0, 2]
    )
    assert np.isnan(k.rolling_kurt(x, START0, 0)[0, :3]).all() and not np.isnan(
        k.rolling_kurt(x, START0, 0)[0, 3]
    )
    assert np.isnan(k.rolling_sum(_one([np.nan, np.nan]), START0, 2)).all()  # all-NaN sum is NaN, not 0
    assert np.isnan(k.rolling_mad(_one([np.nan, 1.0, np.nan, np.nan]), START0, 2)[0, [0, 3]]).all()


def test_rows_before_start_do_not_exist() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 40))
    starts = np.array([0, 15, 40])
    alone = x[1:2, 15:].copy()
    for name in [*PANDAS_REFS, "rolling_slope", "rolling_rsquare", "rolling_resi"]:
        out = getattr(k, name)(x, starts, 5)
        np.testing.assert_array_equal(out[1, 15:], getattr(k, name)(alone, START0, 5)[0], err_msg=name)
        assert np.isnan(out[1, :15]).all() and np.isnan(out[2]).all(), name
    assert np.isnan(k.expanding_ema_apply(x, starts)[2]).all()
    assert np.isnan(k.rolling_cov(x, x, starts, 5)[2]).all()


def test_empty_and_degenerate_panels() -> None:
    for shape in [(0, 10), (3, 0), (2, 1)]:
        x = np.ones(shape)
        starts = np.zeros(shape[0], dtype=np.int64)
        assert k.rolling_mean(x, starts, 3).shape == shape
        assert k.rolling_quantile(x, starts, 0, 0.3).shape == shape
        assert k.expanding_ema_apply(x, starts).shape == shape
        assert k.rolling_corr(x, x, starts, 2).shape == shape


# --------------------------------------------------------------------------- contract


WINDOWED = [*PANDAS_REFS, "rolling_slope", "rolling_rsquare", "rolling_resi"]


@pytest.mark.parametrize("name", WINDOWED)
def test_negative_window_is_rejected_by_name(name: str) -> None:
    x = np.ones((2, 5))
    with pytest.raises(ValueError, match="window"):
        getattr(k, name)(x, np.zeros(2, dtype=np.int64), -1)
    with pytest.raises(ValueError, match="window"):
        getattr(k, name)(x, np.zeros(2, dtype=np.int64), 2.5)


def test_other_bad_arguments() -> None:
    x = np.ones((2, 5))
    starts = np.zeros(2, dtype=np.int64)
    with pytest.raises(ValueError, match="window"):
        k.rolling_quantile(x, starts, -3, 0.5)
    with pytest.raises(ValueError, match="window"):
        k.rolling_cov(x, x, starts, -1)
    with pytest.raises(ValueError, match="same shape"):
        k.rolling_cov(x, np.ones((2, 6)), starts, 3)
    with pytest.raises(ValueError, match="same shape"):
        k.rolling_corr(x, np.ones((3, 5)), starts, 3)
    with pytest.raises(ValueError, match="q must"):
        k.rolling_quantile(x, starts, 3, 1.5)
    with pytest.raises(ValueError, match="starts"):
        k.rolling_mean(x, np.array([0, 6]), 3)
    with pytest.raises(ValueError, match="starts"):
        k.rolling_mean(x, np.array([-1, 0]), 3)
    with pytest.raises(ValueError, match="starts"):
        k.rolling_mean(x, np.zeros(3, dtype=np.int64), 3)
    with pytest.raises(ValueError, match="starts"):
        k.rolling_mean(x, np.zeros(2), 3)
    with pytest.raises(ValueError, match="2-D"):
        k.rolling_mean(np.ones(5), np.zeros(1, dtype=np.int64), 3)
    with pytest.raises(ValueError, match="ddof"):
        k.rolling_std(x, starts, 3, ddof=-1)
    with pytest.raises(ValueError, match="alpha"):
        k.ewm_mean(x, starts, 0.0)
    with pytest.raises(ValueError, match="exactly one"):
        k.ewm_alpha(span=3, alpha=0.5)


def test_ewm_alpha_goes_through_pandas_centre_of_mass() -> None:
    assert k.ewm_alpha(span=10) == 1.0 / (1.0 + (10 - 1) / 2)
    assert k.ewm_alpha(alpha=0.3) == 1.0 / (1.0 + (1 - 0.3) / 0.3)


def test_inputs_are_normalised_not_recompiled() -> None:
    x, starts = _panel(5, n_rows=4, n_days=30)
    expected = k.rolling_std(x, starts, 5)
    f32 = x.astype(np.float32)
    np.testing.assert_array_equal(
        k.rolling_std(f32, starts, 5), k.rolling_std(f32.astype(np.float64), starts, 5)
    )
    readonly = x.copy()
    readonly.flags.writeable = False
    numpy_window: Any = np.int64(5)  # numpy ints are accepted at runtime
    np.testing.assert_array_equal(k.rolling_std(readonly, starts.astype(np.int32), numpy_window), expected)
    fortran = np.asfortranarray(x)
    np.testing.assert_array_equal(k.rolling_std(fortran, list(starts), 5), expected)


def test_numba_stays_off_the_startup_path() -> None:
    code = "import sys, aistock, aistock.factors; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
