"""The FactorEngine against real qlib ``D.features`` on the demo market.

Every Alpha158 and Alpha360 column, the label, and expressions that exercise every operator and
every quirk qlib has: same rows, same NaN positions, and relative error within 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aistock.core.codes import to_canonical
from aistock.data import DataService, QlibProviderSource
from aistock.factors.alpha import ALPHA158, ALPHA360, LABEL_EXPRESSION
from aistock.factors.engine import FactorEngine

pytestmark = pytest.mark.qlib

#: Expressions beyond the two sets: every operator, expanding windows, decays, start-sensitive
#: operators qlib computes on a truncated slice, cross-instrument operators and bool flows.
EXTRA = [
    "EMA($close, 10)",
    "EMA($close, 0.3)",
    "EMA($close, 0)",
    "Mean($close, 0)",
    "Sum($volume, 0.5)",
    "Std($close, 0)",
    "WMA($close, 10)",
    "WMA($close, 0)",
    "Mad($close, 10)",
    "Med($close, 9)",
    "Skew($close, 10)",
    "Kurt($close, 10)",
    "Var($close, 10)",
    "Count($close, 10)",
    "Count($close>$open, 7)",
    "Max($close, 0)",
    "Min($close, 0)",
    "IdxMax($close, 0)",
    "IdxMin($close, 0)",
    "Rank($close, 0)",
    "Quantile($close, 0, 0.3)",
    "Quantile($volume, 7, 0.5)",
    "Slope($close, 0)",
    "Rsquare($close, 0)",
    "Resi($close, 0)",
    "Slope($volume, 12)",
    "Delta($close, 3)",
    "Delta($close, 0)",
    "Delta($close, -1)",
    "Ref($close, 0)",
    "Ref($close, 3) + Ref($close, -3)",
    "Sign($close-Ref($close,1))",
    "Abs($close-Ref($close,1))",
    "Power($close, 2)",
    "$close ** 0.5",
    "Log($volume+1)",
    "If($close>$open, $high, $low)",
    "If($close>$open, 1, 0)",
    "If($close-$open, $volume, 0)",
    "($close>$open) & ($volume>Ref($volume,1))",
    "($close>$open) | ($high>Ref($high,1))",
    "Mean(Not($close>$open), 5)",
    "And($close>$open, $low<Ref($low, 1))",
    "Greater($close, $open) - Less($close, $open)",
    "Eq($close, Ref($close, 1)) + 0",
    "Mean(Ne($close, Ref($close, 1)), 10)",
    "Mean(($close>=$open), 5) - Mean(($close<=$open), 5)",
    "Cov($close, $volume, 10)",
    "Corr($close, $open, 5)",
    "Corr($high, $low, 20)",
    "Rolling($close, 5, 'mean')",
    "Rolling($volume, 10, 'std')",
    "Mean(Mean($close, 5), 5)",
    "EMA(Mean($close, 5), 5) / $close",
    "Mean(Delta($close, 1), 5)",
    "Std(Ref($close, -1), 5)",
    "$close / ChangeInstrument('SH000300', $close)",
    "Mean($close, 5) / Mask(Mean($close, 5), 'sh000001')",
    "$close * 1000000 + $volume",
    "$factor * $close / ($change + 1)",
]


def _ours(provider: Path, names: list[str], market: str, start: str, end: str) -> pd.DataFrame:
    engine = FactorEngine(DataService(QlibProviderSource(provider)))
    return engine.compute_factor_set(names, market, start, end)


def _theirs(
    qlib_features, provider: Path, fields: list[str], market: str, start: str, end: str
) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    frame = qlib_features(provider, market, fields, start, end)
    frame = frame.swaplevel().sort_index()
    frame.index = frame.index.set_levels(
        [frame.index.levels[0], [to_canonical(c) for c in frame.index.levels[1]]]
    )
    frame.index.names = ["datetime", "instrument"]
    return frame.sort_index()


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame, names: list[str]) -> list[str]:
    """Every mismatch as a line; the same rows are asserted first."""
    assert ours.index.equals(theirs.index), (
        f"rows differ: ours {len(ours)}, qlib {len(theirs)}; "
        f"only ours {ours.index.difference(theirs.index)[:5].tolist()}, "
        f"only qlib {theirs.index.difference(ours.index)[:5].tolist()}"
    )
    problems: list[str] = []
    for j, name in enumerate(names):
        a = ours.iloc[:, j].to_numpy(dtype=np.float64)
        b = theirs.iloc[:, j].to_numpy(dtype=np.float64)
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            where = np.flatnonzero(nan_a != nan_b)[:3]
            problems.append(
                f"{name}: NaN differs at {len(np.flatnonzero(nan_a != nan_b))} rows, e.g. "
                f"{[(ours.index[i], a[i], b[i]) for i in where]}"
            )
            continue
        ok = ~nan_a
        both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
        finite = ok & ~both_inf
        err = np.abs(a[finite] - b[finite])
        bound = 1e-6 * np.abs(b[finite]) + 1e-12
        if (err > bound).any():
            worst = int(np.argmax(err / np.maximum(np.abs(b[finite]), 1e-300)))
            problems.append(
                f"{name}: {(err > bound).sum()} values beyond 1e-6, worst ours={a[finite][worst]!r} "
                f"qlib={b[finite][worst]!r}"
            )
    return problems


@pytest.fixture(scope="module")
def window(small_demo: Path) -> tuple[str, str]:
    """A query that starts mid-history, so every look-back must be loaded from before it."""
    days = DataService(QlibProviderSource(small_demo)).calendar()
    return str(days[90]), str(days[-1])


def test_alpha158_and_label_match_qlib(small_demo: Path, qlib_features, window: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    names = [*ALPHA158.names, "LABEL0"]
    fields = [*ALPHA158.expressions, LABEL_EXPRESSION]
    ours = _ours(small_demo, names, "all", *window)
    theirs = _theirs(qlib_features, small_demo, fields, "all", *window)
    assert list(ours.columns) == names
    assert _compare(ours, theirs, names) == []


def test_alpha360_matches_qlib_on_a_market_with_spans(
    small_demo: Path, qlib_features, window: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    ours = _ours(small_demo, ["alpha360"], "csi300", *window)
    theirs = _theirs(qlib_features, small_demo, list(ALPHA360.expressions), "csi300", *window)
    assert _compare(ours, theirs, list(ALPHA360.names)) == []


def test_every_operator_matches_qlib(small_demo: Path, qlib_features, window: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    ours = _ours(small_demo, EXTRA, "all", *window)
    theirs = _theirs(qlib_features, small_demo, EXTRA, "all", *window)
    assert _compare(ours, theirs, EXTRA) == []
