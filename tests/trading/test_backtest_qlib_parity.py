"""Our backtest against qlib's own ``backtest_daily`` on the same provider and signal.

RD-Agent's reported numbers are qlib's, so these tests hold the engine to them: every report
column within 1e-6 relative, ``risk_analysis`` of the excess return with and without cost
within 1e-6, and the same holdings (amounts and prices) every day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aistock.core.codes import parse_code
from aistock.core.fees import QlibCostModel
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.backtest.result import BacktestResult
from aistock.trading.portfolio.config import TopkDropoutConfig

RDAGENT_EXCHANGE = {
    "limit_threshold": 0.095,
    "deal_price": "close",
    "open_cost": 0.0005,
    "close_cost": 0.0015,
    "min_cost": 5,
}


def _signal(data: DataService, first: dt.date, seed: int, holes: bool = False) -> pd.Series:
    """Random scores for every instrument and day from ``first``, as qlib's pred.pkl."""
    days = [d for d in data.trading_calendar().sessions if d >= first]
    names = [parse_code(c).qlib for c in data.instruments("all")]
    index = pd.MultiIndex.from_product([pd.DatetimeIndex(days), names], names=["datetime", "instrument"])
    rng = np.random.default_rng(seed)
    pred = pd.Series(rng.normal(size=len(index)), index=index, name="score")
    if holes:
        # Whole days without a signal, and a fifth of the names missing on the other days.
        stamps = pred.index.get_level_values("datetime")
        gone = set(pd.DatetimeIndex(days)[10::17])
        keep = ~stamps.isin(gone) & (rng.random(len(pred)) > 0.2)
        pred = pred[keep]
    return pred


def _compare(ours: BacktestResult, qlib: tuple[pd.DataFrame, dict[Any, Any], dict[str, pd.Series]]) -> None:
    report, holdings, risk = qlib
    assert list(ours.report.index) == list(report.index)
    assert list(ours.report.columns) == list(report.columns)
    for column in report.columns:
        np.testing.assert_allclose(
            ours.report[column].to_numpy(float),
            report[column].to_numpy(float),
            rtol=1e-6,
            atol=1e-9,
            err_msg=column,
        )
    ours_risk = ours.risk()
    for column, values in risk.items():
        np.testing.assert_allclose(
            ours_risk[column].to_numpy(float), values.to_numpy(float), rtol=1e-6, err_msg=column
        )
    positions = ours.positions
    for stamp, held in holdings.items():
        theirs = {str(parse_code(code)): value for code, value in held.items()}
        mine = positions.loc[stamp] if stamp in positions.index.get_level_values(0) else positions.iloc[:0]
        assert set(mine.index) == set(theirs), f"holdings differ on {stamp.date()}"
        for code, (amount, price, count) in theirs.items():
            row = mine.loc[code]
            assert row["amount"] == pytest.approx(amount, rel=1e-9), (stamp, code)
            assert row["price"] == pytest.approx(price, rel=1e-12), (stamp, code)
            assert row["count_day"] == count, (stamp, code)


@pytest.fixture(scope="module")
def data(parity_demo: Path) -> DataService:
    return DataService(QlibProviderSource(parity_demo))


def test_rdagent_standard_topk50_matches_qlib(
    data: DataService, parity_demo: Path, qlib_backtest: Any
) -> None:
    """The Done-when case: TopkDropout(50, 5), RD-Agent's exchange settings, 1e8, CSI 300."""
    sessions = data.trading_calendar().sessions
    start, end = sessions[-230], sessions[-1]
    pred = _signal(data, sessions[-240], seed=1)
    theirs = qlib_backtest(
        parity_demo,
        pred,
        str(start),
        str(end),
        {"topk": 50, "n_drop": 5},
        {"account": 1e8, "benchmark": "SH000300", "exchange_kwargs": RDAGENT_EXCHANGE},
    )
    ours = StrategyEngine(data).run_backtest(
        pred,
        TopkDropoutConfig(topk=50, n_drop=5),
        BacktestSettings(start=start, end=end, benchmark="000300.SH"),
    )
    assert len(ours.report) == 230
    assert ours.report["turnover"].iloc[1:].gt(0).mean() > 0.9  # it really trades every day
    _compare(ours, theirs)


def test_small_account_open_price_and_strategy_options_match_qlib(
    data: DataService, parity_demo: Path, qlib_backtest: Any
) -> None:
    """A ¥300k account fully invested (min cost and cash clipping bite), open prices, a
    tighter limit, a hold threshold, tradable-only picks and trading at the limit allowed."""
    sessions = data.trading_calendar().sessions
    start, end = sessions[-150], sessions[-5]
    pred = _signal(data, sessions[-160], seed=2)
    strategy = {
        "topk": 12,
        "n_drop": 4,
        "hold_thresh": 3,
        "only_tradable": True,
        "forbid_all_trade_at_limit": False,
    }
    exchange = {
        "limit_threshold": 0.05,
        "deal_price": "open",
        "open_cost": 0.0003,
        "close_cost": 0.0013,
        "min_cost": 5,
    }
    theirs = qlib_backtest(
        parity_demo,
        pred,
        str(start),
        str(end),
        strategy,
        {"account": 3e5, "benchmark": "SH000001", "exchange_kwargs": exchange},
    )
    settings = BacktestSettings(
        start=start,
        end=end,
        account=3e5,
        benchmark="000001.SH",
        deal_price="open",
        limit_threshold=0.05,
        costs=QlibCostModel(open_cost=0.0003, close_cost=0.0013, min_cost=5),
    )
    ours = StrategyEngine(data).run_backtest(pred, TopkDropoutConfig(**strategy), settings)
    assert ours.report["cash"].min() < 0.01 * ours.report["account"].min()  # fully invested
    _compare(ours, theirs)


def test_signal_with_missing_days_and_names_matches_qlib(
    data: DataService, parity_demo: Path, qlib_backtest: Any
) -> None:
    """Days without any score trade nothing; held names without a score are dropped first."""
    sessions = data.trading_calendar().sessions
    start, end = sessions[-120], sessions[-1]
    pred = _signal(data, sessions[-125], seed=3, holes=True)
    theirs = qlib_backtest(
        parity_demo,
        pred,
        str(start),
        str(end),
        {"topk": 20, "n_drop": 5},
        {"account": 1e7, "benchmark": "SH000300", "exchange_kwargs": RDAGENT_EXCHANGE},
    )
    ours = StrategyEngine(data).run_backtest(
        pred, TopkDropoutConfig(topk=20, n_drop=5), BacktestSettings(start=start, end=end, account=1e7)
    )
    assert any("no signal" in note for note in ours.notes)
    _compare(ours, theirs)
