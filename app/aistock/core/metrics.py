"""Performance and signal-quality metrics: qlib's parity view and the trader's view.

Two families on purpose. ``risk_analysis``, ``signal_ic`` and ``ic_summary`` reproduce qlib's
numbers exactly, so a backtest or a model run here can be checked against an RD-Agent / qlib
report line by line; qlib accumulates returns by *summation* and annualises with 238 trading
days. ``performance_summary`` is what a trader reads: compounded NAV, 252 periods, drawdown
measured from the capital actually put in. The two disagree by design, so never mix their
numbers in one table.

Everything here is pure: pandas/numpy in, numbers out, no I/O.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from aistock.core.errors import AistockError

__all__ = [
    "drawdown_series",
    "ic_summary",
    "nav_from_returns",
    "performance_summary",
    "risk_analysis",
    "risk_scaler",
    "signal_ic",
]

#: qlib's annualisation scalers per base frequency (A-share calendar: 238 days, 240 minutes a day).
_QLIB_SCALERS: dict[str, float] = {"min": 240 * 238, "day": 238, "week": 50, "month": 12}
_FREQ_UNITS: dict[str, str] = {
    "minute": "min",
    "min": "min",
    "day": "day",
    "d": "day",
    "week": "week",
    "w": "week",
    "month": "month",
    "mon": "month",
}
_FREQ_PATTERN = re.compile(r"^(\d*)(month|mon|week|w|day|d|minute|min)$")
_PANEL_LEVELS = ("datetime", "instrument")


# --------------------------------------------------------------------------- input checks


def _float_series(values: object, name: str) -> pd.Series[float]:
    """Refuse what is not a numeric Series up front: pandas would otherwise concatenate strings
    or compare objects and hand back a number that looks plausible and means nothing."""
    if not isinstance(values, pd.Series):
        raise AistockError(
            f"{name} is a {type(values).__name__}, not a pandas Series",
            f"pass {name} as a pd.Series of floats indexed by date",
        )
    if not is_numeric_dtype(values.dtype) or is_bool_dtype(values.dtype):
        raise AistockError(
            f"{name} has non-numeric dtype {values.dtype}",
            f"convert it first, e.g. pd.to_numeric({name}) or {name}.astype(float)",
        )
    data = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.Series(data, index=values.index, name=values.name, dtype=np.float64)


def _require_points(values: pd.Series[float], name: str, minimum: int = 2) -> None:
    """A dispersion needs two points; fewer would silently turn every ratio into NaN."""
    count = int(values.notna().sum())
    if count < minimum:
        raise AistockError(
            f"{name} has {count} non-NaN value(s), at least {minimum} are needed",
            f"pass a longer {name} series (check the date range and missing data)",
        )


# --------------------------------------------------------------------------- qlib parity view


def risk_scaler(freq: str) -> float:
    """qlib's annualisation scaler for a frequency string such as ``day``, ``5min`` or ``2w``.

    The base scaler is divided by the count, so ``5min`` bars give 240*238/5 periods a year.
    """
    match = _FREQ_PATTERN.match(freq.lower())
    count = int(match.group(1) or 1) if match else 0
    if match is None or count == 0:
        raise AistockError(
            f"frequency {freq!r} is not understood",
            "use (n)day/d, (n)week/w, (n)month/mon or (n)minute/min with n >= 1, e.g. 'day' or '5min'",
        )
    return _QLIB_SCALERS[_FREQ_UNITS[match.group(2)]] / count


def _sum_mode(r: pd.Series[float]) -> tuple[float, float, float]:
    """Additive accumulation: qlib's default, so the curve is not skewed exponentially."""
    cumulative = r.cumsum()
    drawdown = (cumulative - cumulative.cummax()).min()
    return float(r.mean()), float(r.std(ddof=1)), float(drawdown)


def _product_mode(r: pd.Series[float], n: float) -> tuple[float, float, float, float]:
    """Compounded accumulation as qlib does it, NaN-quirks included (see ``risk_analysis``)."""
    curve = (1.0 + r).cumprod()
    final = float(curve.iloc[-1])
    mean = final ** (1.0 / len(r)) - 1.0
    std = float(np.log(1.0 + r).std(ddof=1))
    annualized = (1.0 + (final - 1.0)) ** (n / len(r)) - 1.0
    drawdown = float((curve / curve.cummax() - 1.0).min())
    return mean, std, annualized, drawdown


def risk_analysis(
    returns: pd.Series[float],
    *,
    freq: str = "day",
    N: float | None = None,  # noqa: N803 - qlib's parameter name, kept for drop-in parity
    mode: Literal["sum", "product"] = "sum",
) -> pd.Series[float]:
    """qlib's ``risk_analysis`` to the last bit, as a Series instead of a one-column frame.

    Index: ``mean, std, annualized_return, information_ratio, max_drawdown``.

    ``N`` wins over ``freq`` when given (qlib warns; we do not, since ``freq`` has a default).
    ``sum`` mode: mean and std (ddof=1) of the returns, annualized_return = mean × N,
    information_ratio = mean / std × √N, max_drawdown = min(cumsum − running max of cumsum).
    ``product`` mode: mean is the geometric mean per period, std is of log(1 + r),
    annualized_return = final^(N/len) − 1, max_drawdown = min(curve / running max − 1).

    NaN follows pandas ``skipna`` exactly as qlib does, which is not always what one expects:
    NaN rows are left out of mean/std/cumsum/max, but ``len(returns)`` in product mode still
    counts them, and a NaN *last* row makes product-mode mean and annualized_return NaN.
    Drop NaNs first if that is not what you want. Fewer than two non-NaN values raise.
    """
    r = _float_series(returns, "returns")
    _require_points(r, "returns")
    n = float(N) if N is not None else risk_scaler(freq)
    if mode == "sum":
        mean, std, drawdown = _sum_mode(r)
        annualized = mean * n
    elif mode == "product":
        mean, std, annualized, drawdown = _product_mode(r, n)
    else:
        raise AistockError(
            f"risk_analysis mode {mode!r} is not supported", "use mode='sum' or mode='product'"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        information_ratio = float(np.float64(mean) / np.float64(std) * np.sqrt(n))
    values = [mean, std, annualized, information_ratio, drawdown]
    index = ["mean", "std", "annualized_return", "information_ratio", "max_drawdown"]
    return pd.Series(values, index=index, name="risk", dtype=np.float64)


def _panel_series(values: object, name: str) -> pd.Series[float]:
    """Bring a (datetime, instrument) series to that level order, whichever order it came in."""
    series = _float_series(values, name)
    names = tuple(series.index.names)
    if not isinstance(series.index, pd.MultiIndex) or sorted(map(str, names)) != sorted(_PANEL_LEVELS):
        raise AistockError(
            f"{name} is indexed by {list(names)}, not by the levels ('datetime', 'instrument')",
            f"index {name} with a 2-level MultiIndex named 'datetime' and 'instrument'",
        )
    if names != _PANEL_LEVELS:
        series = series.swaplevel(0, 1)
    return series


def _grouped_pearson(
    x: pd.Series[float], y: pd.Series[float], groups: np.ndarray[Any, Any]
) -> pd.Series[float]:
    """Pearson correlation per group in a handful of vectorised passes instead of one
    pandas ``apply`` per day, which is what makes a 250-day × 300-stock panel take milliseconds."""
    dx = x - x.groupby(groups).transform("mean")
    dy = y - y.groupby(groups).transform("mean")
    sums = pd.DataFrame({"xy": dx * dy, "xx": dx * dx, "yy": dy * dy}).groupby(groups).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])
    corr = corr.clip(-1.0, 1.0)  # rounding can overshoot ±1 by an ulp, like np.corrcoef guards
    defined: pd.Series[float] = corr.where(~(_is_constant(x, groups) | _is_constant(y, groups)))
    return defined


def _is_constant(values: pd.Series[float], groups: np.ndarray[Any, Any]) -> pd.Series[bool]:
    """A constant side has no correlation; its float-rounded mean would otherwise leak noise."""
    extremes = values.groupby(groups).agg(["min", "max"])
    return extremes["min"] == extremes["max"]


def signal_ic(score: pd.Series[float], label: pd.Series[float]) -> pd.DataFrame:
    """Per-day Pearson IC and Spearman rank IC, matching qlib's ``calc_ic`` (dropna=False).

    Both series are indexed by (datetime, instrument) in either level order. As in qlib, the
    two are outer-aligned, and each day uses only the instruments where both score and label
    are present (pandas ``Series.corr`` drops pairs with a NaN on either side); ranks are
    averaged over ties among those pairs. A day keeps its row with NaN when fewer than two
    pairs remain. Where one side is constant on a day we return NaN: qlib returns NaN or a
    rounding artefact of order 1e-17 there, depending on whether the float mean happens to be
    exact, and neither is a correlation.

    Returns a frame indexed by sorted ``datetime`` with columns ``ic`` and ``rank_ic``.
    """
    x, y = _panel_series(score, "score").align(_panel_series(label, "label"), join="outer")
    if len(x) == 0:
        raise AistockError("score and label are empty", "pass at least one day of scores and labels")
    codes, dates = pd.factorize(x.index.get_level_values("datetime"), sort=True)
    keep = (codes >= 0) & x.notna().to_numpy() & y.notna().to_numpy()
    groups = codes[keep]
    xs = pd.Series(x.to_numpy()[keep])
    ys = pd.Series(y.to_numpy()[keep])
    ic = _grouped_pearson(xs, ys, groups)
    rank_ic = _grouped_pearson(
        xs.groupby(groups).rank(method="average"), ys.groupby(groups).rank(method="average"), groups
    )
    positions = np.arange(len(dates))
    frame = pd.DataFrame({"ic": ic.reindex(positions), "rank_ic": rank_ic.reindex(positions)})
    frame.index = pd.Index(dates, name="datetime")
    return frame


def ic_summary(ic_frame: pd.DataFrame) -> dict[str, float]:
    """The four numbers qlib's ``SigAnaRecord`` logs, from a ``signal_ic`` frame.

    IC = mean(ic), ICIR = mean(ic) / std(ic) with ddof=1, and the same for rank IC. Like qlib
    these skip NaN days and are not annualised; a single-day frame gives NaN ICIR.
    """
    missing = {"ic", "rank_ic"} - set(map(str, ic_frame.columns))
    if missing:
        raise AistockError(
            f"the IC frame lacks column(s) {sorted(missing)}",
            "pass the frame returned by signal_ic(score, label)",
        )
    ic = _float_series(ic_frame["ic"], "ic")
    rank_ic = _float_series(ic_frame["rank_ic"], "rank_ic")
    return {
        "IC": float(ic.mean()),
        "ICIR": _ratio(ic.mean(), ic.std()),
        "Rank IC": float(rank_ic.mean()),
        "Rank ICIR": _ratio(rank_ic.mean(), rank_ic.std()),
    }


def _ratio(numerator: float, denominator: float) -> float:
    """IEEE division (±inf or NaN on zero), because that is what qlib's numpy floats yield."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


# --------------------------------------------------------------------------- trader's view


def nav_from_returns(returns: pd.Series[float], start: float = 1.0) -> pd.Series[float]:
    """Compounded NAV after each period, starting from ``start`` before the first return.

    A NaN return counts as a flat period (the NAV carries over), since a missing return
    cannot have moved the money.
    """
    r = _float_series(returns, "returns")
    _require_points(r, "returns", minimum=1)
    if not np.isfinite(start) or start <= 0:
        raise AistockError(f"NAV start {start!r} is not a positive number", "pass start > 0, e.g. 1.0")
    nav = start * (1.0 + r.fillna(0.0)).cumprod()
    return nav.rename("nav")


def drawdown_series(nav: pd.Series[float]) -> pd.Series[float]:
    """Fractional distance below the running peak (0 at a new high, −0.2 twenty percent down).

    The peak is the running max of ``nav`` itself; prepend the starting capital if a loss on
    the first row should count as a drawdown (``performance_summary`` does).
    """
    values = _float_series(nav, "nav")
    _require_points(values, "nav", minimum=1)
    return (values / values.cummax() - 1.0).rename("drawdown")


def _annualise(growth: float, periods: int, periods_per_year: int) -> float:
    """Compound growth over ``periods`` as a yearly rate; undefined once the NAV is below zero."""
    if growth < 0:
        return float("nan")
    return float(growth ** (periods_per_year / periods) - 1.0)


def _growth(returns: pd.Series[float]) -> float:
    """Compounded growth factor of simple returns (1.1 for +10%)."""
    return float(np.prod(1.0 + returns.to_numpy()))


def _longest_drawdown_rows(nav: np.ndarray[Any, Any]) -> int:
    """Rows from a peak to the row that regains it (or to the last row if it never does)."""
    peak = np.maximum.accumulate(nav)
    under = np.concatenate([[0], (nav < peak).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(under))
    starts, ends = edges[::2], edges[1::2]
    if len(starts) == 0:
        return 0
    spans = ends - starts + (ends < len(nav))  # a recovered span also counts the recovery row
    return int(spans.max())


def _safe_div(numerator: float, denominator: float) -> float:
    """NaN rather than ±inf when a dispersion is zero: an infinite Sharpe is not a result."""
    return numerator / denominator if denominator != 0 and np.isfinite(denominator) else float("nan")


def _absolute_metrics(r: pd.Series[float], periods_per_year: int, risk_free: float) -> dict[str, float]:
    nav = np.concatenate([[1.0], (1.0 + r).cumprod().to_numpy()])
    total = float(nav[-1] - 1.0)
    annual = _annualise(1.0 + total, len(r), periods_per_year)
    std = float(r.std(ddof=1))
    root = float(np.sqrt(periods_per_year))
    max_drawdown = float((nav / np.maximum.accumulate(nav) - 1.0).min())
    return {
        "total_return": total,
        "annual_return": annual,
        "annual_volatility": std * root,
        "sharpe": _safe_div(float(r.mean()) - risk_free / periods_per_year, std) * root,
        "max_drawdown": max_drawdown,
        "max_drawdown_days": _longest_drawdown_rows(nav),
        "calmar": _safe_div(annual, abs(max_drawdown)),
        "win_rate": float((r > 0).mean()),
    }


def _relative_metrics(
    r: pd.Series[float], benchmark: pd.Series[float], periods_per_year: int, risk_free: float
) -> dict[str, float]:
    both = pd.concat([r, benchmark], axis=1, join="inner").dropna()
    _require_points(both.iloc[:, 0], "returns aligned with benchmark (dates both have)")
    own, bench = both.iloc[:, 0], both.iloc[:, 1]
    active = own - bench
    root = float(np.sqrt(periods_per_year))
    active_std = float(active.std(ddof=1))
    covariance = np.cov(own.to_numpy(), bench.to_numpy(), ddof=1)
    beta = _safe_div(float(covariance[0, 1]), float(covariance[1, 1]))
    rf = risk_free / periods_per_year
    alpha_per_period = (float(own.mean()) - rf) - beta * (float(bench.mean()) - rf)
    own_annual = _annualise(_growth(own), len(own), periods_per_year)
    bench_annual = _annualise(_growth(bench), len(bench), periods_per_year)
    return {
        "excess_annual_return": own_annual - bench_annual,
        "tracking_error": active_std * root,
        "information_ratio": _safe_div(float(active.mean()), active_std) * root,
        "beta": beta,
        "alpha": alpha_per_period * periods_per_year,
    }


def performance_summary(
    returns: pd.Series[float],
    *,
    benchmark: pd.Series[float] | None = None,
    turnover: pd.Series[float] | None = None,
    periods_per_year: int = 252,
    risk_free: float = 0.0,
) -> dict[str, float]:
    """The trader's numbers for a series of simple per-period returns (compounded, not qlib's sums).

    NaN returns are dropped first (a missing day is no day); at least two must remain.
    With n rows, mean m, std s (ddof=1), P = ``periods_per_year`` and NAV = cumprod(1 + r)
    starting at 1 before the first row:

    - total_return: NAV_n − 1.
    - annual_return: (1 + total_return)^(P/n) − 1 (NaN if the NAV went below zero).
    - annual_volatility: s × √P.
    - sharpe: (m − risk_free/P) / s × √P; ``risk_free`` is an annual simple rate. NaN if s = 0.
    - max_drawdown: min(NAV / running max − 1) ≤ 0, the starting capital counting as the first
      peak so a first-day loss is a drawdown.
    - max_drawdown_days: rows from a peak to the row that regains it, or to the last row if it
      has not recovered; the longest such span (0 with no drawdown).
    - calmar: annual_return / |max_drawdown|, NaN without a drawdown.
    - win_rate: share of rows with r > 0.

    With ``benchmark`` (simple returns too), the relative metrics use only the dates present
    and non-NaN in both (intersection of the indexes), while the metrics above keep the whole
    ``returns`` series, so adding a benchmark never changes them. Active return a = r − b:

    - excess_annual_return: annual_return(r) − annual_return(b), both over the common dates.
    - tracking_error: std(a) × √P.
    - information_ratio: mean(a) / std(a) × √P, NaN if std(a) = 0.
    - beta: cov(r, b) / var(b) (ddof=1), NaN for a constant benchmark.
    - alpha: Jensen's alpha per period, (m_r − rf) − beta × (m_b − rf), times P (not compounded).

    With ``turnover`` (traded value / portfolio value per period, NaN skipped):
    mean_turnover and annual_turnover = mean_turnover × P.
    """
    if periods_per_year <= 0:
        raise AistockError(
            f"periods_per_year is {periods_per_year}", "pass a positive count, e.g. 252 for days"
        )
    r = _float_series(returns, "returns").dropna()
    _require_points(r, "returns")
    summary = _absolute_metrics(r, periods_per_year, risk_free)
    if benchmark is not None:
        bench = _float_series(benchmark, "benchmark")
        summary |= _relative_metrics(r, bench, periods_per_year, risk_free)
    if turnover is not None:
        traded = _float_series(turnover, "turnover")
        _require_points(traded, "turnover", minimum=1)
        mean_turnover = float(traded.mean())
        summary |= {"mean_turnover": mean_turnover, "annual_turnover": mean_turnover * periods_per_year}
    return summary
