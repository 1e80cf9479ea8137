"""Metrics: qlib's numbers to 1e-12 where we promise parity, hand-derived numbers elsewhere."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aistock.core.errors import AistockError
from aistock.core.metrics import (
    drawdown_series,
    ic_summary,
    nav_from_returns,
    performance_summary,
    risk_analysis,
    risk_scaler,
    signal_ic,
)

RISK_KEYS = ["mean", "std", "annualized_return", "information_ratio", "max_drawdown"]


@pytest.fixture(scope="module")
def qlib_risk_analysis() -> Callable[..., pd.DataFrame]:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    evaluate = pytest.importorskip("qlib.contrib.evaluate")
    return evaluate.risk_analysis  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def qlib_calc_ic() -> Callable[..., tuple[pd.Series[float], pd.Series[float]]]:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    alpha = pytest.importorskip("qlib.contrib.eva.alpha")
    return alpha.calc_ic  # type: ignore[no-any-return]


def _returns(seed: int, n: int = 300, nan_at: tuple[int, ...] = (7, 120)) -> pd.Series[float]:
    rng = np.random.default_rng(seed)
    r = pd.Series(rng.normal(0.0004, 0.02, n), index=pd.bdate_range("2023-01-02", periods=n))
    r.iloc[list(nan_at)] = np.nan
    return r


def _panel(seed: int, days: int = 30, stocks: int = 40) -> tuple[pd.Series[float], pd.Series[float]]:
    """Scores with ties and NaNs, labels with NaNs, plus the awkward days qlib has to survive."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=days)
    codes = [f"SH6{i:05d}" for i in range(stocks)]
    index = pd.MultiIndex.from_product([dates, codes], names=["datetime", "instrument"])
    score = pd.Series(rng.normal(size=len(index)).round(1), index=index)  # rounding -> ties
    label = pd.Series(rng.normal(size=len(index)), index=index)
    score[rng.random(len(index)) < 0.1] = np.nan
    label[rng.random(len(index)) < 0.1] = np.nan
    label.loc[dates[3]] = np.nan  # a day without labels
    label.loc[dates[4]] = np.nan
    label.loc[(dates[4], codes[0])] = 0.5  # a day with a single pair
    label.loc[(dates[5], codes[2:])] = np.nan  # a day with (at most) two pairs
    score = score.drop(index=[(dates[6], c) for c in codes[:5]])  # rows only the label has
    label = label.drop(index=[(dates[7], c) for c in codes])  # a day only the score has
    return score, label


# --------------------------------------------------------------------------- risk_analysis


@pytest.mark.qlib
@pytest.mark.parametrize("mode", ["sum", "product"])
@pytest.mark.parametrize("freq", ["day", "week", "month", "1min", "5min"])
def test_risk_analysis_matches_qlib(
    qlib_risk_analysis: Callable[..., pd.DataFrame], mode: str, freq: str
) -> None:
    r = _returns(seed=len(freq) + len(mode))
    ours = risk_analysis(r, freq=freq, mode=mode)  # type: ignore[arg-type]
    theirs = qlib_risk_analysis(r, freq=freq, mode=mode)["risk"]
    assert list(ours.index) == RISK_KEYS
    np.testing.assert_allclose(ours.to_numpy(), theirs[RISK_KEYS].to_numpy(), rtol=1e-12, atol=0)


@pytest.mark.qlib
@pytest.mark.parametrize("mode", ["sum", "product"])
def test_risk_analysis_matches_qlib_with_explicit_n_and_a_nan_last_row(
    qlib_risk_analysis: Callable[..., pd.DataFrame], mode: str
) -> None:
    r = _returns(seed=5, n=60, nan_at=(0, 59))
    ours = risk_analysis(r, N=252, mode=mode)  # type: ignore[arg-type]
    with pytest.warns(UserWarning):  # qlib warns that its default freq is ignored
        theirs = qlib_risk_analysis(r, N=252, mode=mode)["risk"]
    np.testing.assert_allclose(ours.to_numpy(), theirs[RISK_KEYS].to_numpy(), rtol=1e-12, atol=0)
    if mode == "product":  # qlib's quirk: a NaN last row poisons the compounded numbers
        assert math.isnan(ours["mean"]) and math.isnan(ours["annualized_return"])


def test_risk_analysis_sum_mode_by_hand() -> None:
    ours = risk_analysis(pd.Series([0.1, -0.05, 0.02]), N=100)
    std = math.sqrt(507) / 300
    assert ours["mean"] == pytest.approx(0.07 / 3, rel=1e-12)
    assert ours["std"] == pytest.approx(std, rel=1e-12)
    assert ours["annualized_return"] == pytest.approx(7 / 3, rel=1e-12)
    assert ours["information_ratio"] == pytest.approx(0.07 / 3 / std * 10, rel=1e-12)
    assert ours["max_drawdown"] == pytest.approx(-0.05, rel=1e-12)  # additive: 0.1 -> 0.05


@pytest.mark.parametrize(
    ("freq", "scaler"),
    [("day", 238), ("d", 238), ("1min", 240 * 238), ("5min", 240 * 238 / 5), ("2w", 25), ("MONTH", 12)],
)
def test_risk_scaler(freq: str, scaler: float) -> None:
    assert risk_scaler(freq) == scaler


@pytest.mark.parametrize("freq", ["hour", "0day", "1 day", ""])
def test_risk_scaler_rejects_unknown_frequencies(freq: str) -> None:
    with pytest.raises(AistockError, match="frequency"):
        risk_scaler(freq)


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        (pd.Series([], dtype=float), "0 non-NaN"),
        (pd.Series([np.nan, np.nan]), "0 non-NaN"),
        (pd.Series([0.01]), "1 non-NaN"),
        (pd.Series(["0.01", "0.02"]), "non-numeric"),
        (pd.Series([True, False]), "non-numeric"),
        ([0.01, 0.02], "not a pandas Series"),
    ],
)
def test_risk_analysis_rejects_bad_returns(returns: Any, message: str) -> None:
    with pytest.raises(AistockError, match=message) as caught:
        risk_analysis(returns)
    assert "returns" in caught.value.what and caught.value.fix


def test_risk_analysis_rejects_an_unknown_mode() -> None:
    with pytest.raises(AistockError, match="mode"):
        risk_analysis(pd.Series([0.01, 0.02]), mode="log")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- signal IC


@pytest.mark.qlib
def test_signal_ic_matches_qlib_calc_ic(qlib_calc_ic: Callable[..., Any]) -> None:
    score, label = _panel(seed=2)
    ours = signal_ic(score, label)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):  # numpy on 1-pair days
        ic, rank_ic = qlib_calc_ic(score, label)
    pd.testing.assert_index_equal(ours.index, ic.index)
    assert ours.index.name == "datetime"
    for column, theirs in (("ic", ic), ("rank_ic", rank_ic)):
        assert ours[column].isna().tolist() == theirs.isna().tolist()
        np.testing.assert_allclose(ours[column].to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-12)
    assert ours.iloc[3:5].isna().all().all()  # no labels, one pair: NaN
    assert ours.iloc[5].abs().tolist() == pytest.approx([1.0, 1.0])  # two pairs: a perfect line
    summary = ic_summary(ours)
    expected = {
        "IC": ic.mean(),
        "ICIR": ic.mean() / ic.std(),
        "Rank IC": rank_ic.mean(),
        "Rank ICIR": rank_ic.mean() / rank_ic.std(),
    }
    assert summary == pytest.approx(expected, rel=1e-12)


def test_signal_ic_accepts_either_level_order_and_any_row_order() -> None:
    score, label = _panel(seed=4)
    expected = signal_ic(score, label)
    swapped = signal_ic(score.swaplevel().sort_index(), label.sample(frac=1.0, random_state=1))
    pd.testing.assert_frame_equal(swapped, expected, rtol=0, atol=1e-15)


def test_signal_ic_by_hand_with_ties() -> None:
    dates = pd.to_datetime(["2024-01-02"] * 4)
    index = pd.MultiIndex.from_arrays([dates, ["A", "B", "C", "D"]], names=["datetime", "instrument"])
    score = pd.Series([1.0, 2.0, 2.0, 4.0], index=index)
    label = pd.Series([0.1, 0.3, 0.2, 0.4], index=index)
    row = signal_ic(score, label).iloc[0]
    # Pearson: dx = (-1.25, -0.25, -0.25, 1.75), dy = (-0.15, 0.05, -0.05, 0.15).
    assert row["ic"] == pytest.approx(0.45 / math.sqrt(4.75 * 0.05), rel=1e-12)
    # Ranks (1, 2.5, 2.5, 4) vs (1, 3, 2, 4): dx = (-1.5, 0, 0, 1.5), dy = (-1.5, 0.5, -0.5, 1.5).
    assert row["rank_ic"] == pytest.approx(4.5 / math.sqrt(4.5 * 5.0), rel=1e-12)


def test_signal_ic_is_nan_on_a_day_with_constant_scores() -> None:
    # qlib gives NaN or ~1e-17 here depending on float luck in the mean; we always give NaN.
    index = pd.MultiIndex.from_product(
        [pd.to_datetime(["2024-01-02"]), list("ABCDEFG")], names=["datetime", "instrument"]
    )
    score = pd.Series(0.1, index=index)
    label = pd.Series(np.arange(7.0), index=index)
    assert signal_ic(score, label).isna().all().all()


@pytest.mark.parametrize(
    ("index", "message"),
    [
        (pd.date_range("2024-01-01", periods=2), "datetime"),
        (pd.MultiIndex.from_product([["2024-01-01"], ["A", "B"]], names=["date", "code"]), "datetime"),
    ],
)
def test_signal_ic_rejects_other_indexes(index: pd.Index[Any], message: str) -> None:
    series = pd.Series([0.1, 0.2], index=index)
    with pytest.raises(AistockError, match=message) as caught:
        signal_ic(series, series)
    assert "score" in caught.value.what


def test_signal_ic_rejects_non_numeric_labels_and_empty_input() -> None:
    index = pd.MultiIndex.from_product([pd.to_datetime(["2024-01-02"]), ["A", "B"]], names=_levels())
    with pytest.raises(AistockError, match="label has non-numeric"):
        signal_ic(pd.Series([0.1, 0.2], index=index), pd.Series(["x", "y"], index=index))
    empty = pd.Series([], index=index[:0], dtype=float)
    with pytest.raises(AistockError, match="empty"):
        signal_ic(empty, empty)


def _levels() -> list[str]:
    return ["datetime", "instrument"]


def test_ic_summary_rejects_a_frame_without_ic_columns() -> None:
    with pytest.raises(AistockError, match="rank_ic") as caught:
        ic_summary(pd.DataFrame({"ic": [0.1, 0.2]}))
    assert "signal_ic" in caught.value.fix


# --------------------------------------------------------------------------- trader's view

SIMPLE = [0.1, -0.05, 0.02]  # NAV 1.1, 1.045, 1.0659
SIMPLE_STD = math.sqrt(507) / 300  # deviations from 7/300 are (23, -22, -1)/300


def test_performance_summary_by_hand() -> None:
    summary = performance_summary(pd.Series(SIMPLE))
    annual = 1.0659**84 - 1  # 252 / 3 rows
    assert summary["total_return"] == pytest.approx(0.0659, rel=1e-12)
    assert summary["annual_return"] == pytest.approx(annual, rel=1e-12)
    assert summary["annual_volatility"] == pytest.approx(SIMPLE_STD * math.sqrt(252), rel=1e-12)
    assert summary["sharpe"] == pytest.approx(7 / math.sqrt(507) * math.sqrt(252), rel=1e-12)
    assert summary["max_drawdown"] == pytest.approx(-0.05, rel=1e-12)  # 1.045 / 1.1 - 1
    assert summary["max_drawdown_days"] == 2  # peak on row 0, still under water on row 2
    assert summary["calmar"] == pytest.approx(annual / 0.05, rel=1e-12)
    assert summary["win_rate"] == pytest.approx(2 / 3)
    assert "beta" not in summary and "mean_turnover" not in summary


def test_sharpe_subtracts_the_per_period_risk_free_rate() -> None:
    summary = performance_summary(pd.Series(SIMPLE), risk_free=0.0252)  # 0.0001 a day
    assert summary["sharpe"] == pytest.approx((7 - 0.03) / math.sqrt(507) * math.sqrt(252), rel=1e-12)


def test_drawdown_counts_from_the_starting_capital_and_until_recovery() -> None:
    first_day_loss = performance_summary(pd.Series([-0.1, 0.2]))  # NAV 0.9, 1.08
    assert first_day_loss["max_drawdown"] == pytest.approx(-0.1)
    assert first_day_loss["max_drawdown_days"] == 2  # from the start to the recovery row
    # NAV 1.1, 0.99, 1.0395, 1.14345, 1.120581: 3 rows from the 1.1 peak to its recovery.
    recovered = performance_summary(pd.Series([0.1, -0.1, 0.05, 0.1, -0.02]))
    assert recovered["max_drawdown"] == pytest.approx(-0.1)
    assert recovered["max_drawdown_days"] == 3


def test_a_steady_riser_has_no_drawdown_and_a_flat_series_no_sharpe() -> None:
    rising = performance_summary(pd.Series([0.01, 0.02]))
    assert rising["max_drawdown"] == 0.0
    assert rising["max_drawdown_days"] == 0
    assert math.isnan(rising["calmar"])
    flat = performance_summary(pd.Series([0.01, 0.01, 0.01]))
    assert math.isnan(flat["sharpe"])
    assert flat["win_rate"] == 1.0


def test_nan_returns_are_dropped() -> None:
    with_gap = performance_summary(pd.Series([0.1, np.nan, -0.05, 0.02]))
    assert with_gap == pytest.approx(performance_summary(pd.Series(SIMPLE)), rel=1e-15)


def test_benchmark_metrics_by_hand() -> None:
    index = pd.bdate_range("2024-01-02", periods=3)
    summary = performance_summary(
        pd.Series(SIMPLE, index=index), benchmark=pd.Series([0.05, -0.02, 0.01], index=index)
    )
    root = math.sqrt(252)
    # Active (0.05, -0.03, 0.01): mean 0.01, std 0.04.
    assert summary["tracking_error"] == pytest.approx(0.04 * root, rel=1e-12)
    assert summary["information_ratio"] == pytest.approx(0.25 * root, rel=1e-12)
    # Deviations in 1/300: returns (23, -22, -1), benchmark (11, -10, -1) -> beta 474 / 222.
    assert summary["beta"] == pytest.approx(79 / 37, rel=1e-12)
    assert summary["alpha"] == pytest.approx((7 - 79 / 37 * 4) / 300 * 252, rel=1e-12)
    expected_excess = (1.0659**84 - 1) - (1.03929**84 - 1)  # 1.05 * 0.98 * 1.01 = 1.03929
    assert summary["excess_annual_return"] == pytest.approx(expected_excess, rel=1e-12)


def test_benchmark_is_aligned_on_the_common_dates_only() -> None:
    index = pd.bdate_range("2024-01-02", periods=5)
    returns = pd.Series([0.1, -0.05, 0.02, 0.03, -0.01], index=index)
    benchmark = pd.Series([0.05, -0.02, 0.01, 0.04], index=[*index[:3], pd.Timestamp("2030-01-01")])
    summary = performance_summary(returns, benchmark=benchmark)
    on_common = performance_summary(returns.iloc[:3], benchmark=benchmark.iloc[:3])
    for key in ("excess_annual_return", "tracking_error", "information_ratio", "beta", "alpha"):
        assert summary[key] == pytest.approx(on_common[key], rel=1e-12)
    # The strategy's own numbers keep all five rows.
    assert summary["total_return"] == pytest.approx(performance_summary(returns)["total_return"])
    with pytest.raises(AistockError, match="benchmark"):
        performance_summary(returns, benchmark=benchmark.iloc[2:])  # one common date


def test_turnover_metrics() -> None:
    summary = performance_summary(pd.Series(SIMPLE), turnover=pd.Series([0.2, np.nan, 0.1]))
    assert summary["mean_turnover"] == pytest.approx(0.15)
    assert summary["annual_turnover"] == pytest.approx(0.15 * 252)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"returns": pd.Series(["a", "b"])}, "returns"),
        ({"returns": pd.Series([0.01])}, "returns"),
        ({"returns": pd.Series([0.01, np.nan])}, "returns"),
        ({"returns": pd.Series(SIMPLE), "benchmark": pd.Series(["a", "b", "c"])}, "benchmark"),
        ({"returns": pd.Series(SIMPLE), "turnover": pd.Series(["a"])}, "turnover"),
        ({"returns": pd.Series(SIMPLE), "periods_per_year": 0}, "periods_per_year"),
    ],
)
def test_performance_summary_rejects_bad_input(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(AistockError) as caught:
        performance_summary(**kwargs)
    assert name in caught.value.what and caught.value.fix


def test_nav_and_drawdown_series() -> None:
    index = pd.bdate_range("2024-01-02", periods=4)
    nav = nav_from_returns(pd.Series([0.1, np.nan, -0.05, 0.02], index=index), start=100.0)
    np.testing.assert_allclose(nav.to_numpy(), [110.0, 110.0, 104.5, 106.59], rtol=1e-12)
    assert nav.index.equals(index) and nav.name == "nav"
    drawdown = drawdown_series(nav)
    np.testing.assert_allclose(drawdown.to_numpy(), [0.0, 0.0, -0.05, 106.59 / 110 - 1], rtol=1e-12, atol=0)
    with pytest.raises(AistockError, match="start"):
        nav_from_returns(pd.Series([0.1]), start=0.0)
    with pytest.raises(AistockError, match="nav"):
        drawdown_series(pd.Series([], dtype=float))
