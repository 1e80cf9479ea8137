"""numba rolling-window kernels that reproduce qlib's per-instrument pandas/Cython operators.

Every kernel takes ``x`` of shape ``(n_instruments, n_days)`` (one instrument per row) and
``starts`` (int, one per row): row ``i``'s series is ``x[i, starts[i]:]``, cells before it do not
exist and come back NaN. From ``starts[i]`` on, the result equals what qlib computes for
``pd.Series(x[i, starts[i]:])`` — windows are truncated at the series start (``min_periods=1``),
``window=0`` means expanding. Results are new float64 arrays.

Importing this package imports numba (slow); keep it off the application's start-up path.
"""

from aistock.factors.kernels.moments import (
    rolling_count,
    rolling_kurt,
    rolling_mean,
    rolling_skew,
    rolling_std,
    rolling_sum,
    rolling_var,
)
from aistock.factors.kernels.order import (
    rolling_idxmax,
    rolling_idxmin,
    rolling_max,
    rolling_median,
    rolling_min,
    rolling_quantile,
    rolling_rank_pct,
)
from aistock.factors.kernels.pairwise import rolling_corr, rolling_cov
from aistock.factors.kernels.regression import rolling_resi, rolling_rsquare, rolling_slope
from aistock.factors.kernels.weighted import (
    ewm_alpha,
    ewm_mean,
    expanding_ema_apply,
    rolling_mad,
    rolling_wma,
)

__all__ = [
    "ewm_alpha",
    "ewm_mean",
    "expanding_ema_apply",
    "rolling_corr",
    "rolling_count",
    "rolling_cov",
    "rolling_idxmax",
    "rolling_idxmin",
    "rolling_kurt",
    "rolling_mad",
    "rolling_max",
    "rolling_mean",
    "rolling_median",
    "rolling_min",
    "rolling_quantile",
    "rolling_rank_pct",
    "rolling_resi",
    "rolling_rsquare",
    "rolling_skew",
    "rolling_slope",
    "rolling_std",
    "rolling_sum",
    "rolling_var",
    "rolling_wma",
]
