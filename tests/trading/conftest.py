"""Fixtures for the trading tests: a wider demo market and real qlib's backtest in a subprocess."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_QLIB_BACKTEST = r"""
import os, sys, pickle, warnings
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
warnings.filterwarnings("ignore")
import qlib
args = pickle.loads(bytes.fromhex(sys.argv[1]))
provider, signal_path, start, end, strategy_kwargs, backtest_kwargs, out = args
qlib.init(provider_uri=provider, region="cn", kernels=1, logging_level="ERROR")
import pandas as pd
from qlib.contrib.strategy import TopkDropoutStrategy
from qlib.contrib.evaluate import backtest_daily, risk_analysis
pred = pd.read_pickle(signal_path)
strategy = TopkDropoutStrategy(signal=pred, **strategy_kwargs)
report, positions = backtest_daily(start, end, strategy, **backtest_kwargs)
held = {
    t: {k: (v["amount"], v["price"], v.get("count_day", 0))
        for k, v in p.position.items() if isinstance(v, dict)}
    for t, p in positions.items()
}
excess = report["return"] - report["bench"]
risk = {
    "excess_return_without_cost": risk_analysis(excess, freq="day")["risk"],
    "excess_return_with_cost": risk_analysis(excess - report["cost"], freq="day")["risk"],
}
with open(out, "wb") as fh:
    pickle.dump((report, held, risk), fh)
"""


@pytest.fixture(scope="session")
def parity_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120-stock, 300-day demo provider: wide enough for topk=50, n_drop=5 to mean something."""
    from aistock.data.demo_market import build_demo_market

    out = tmp_path_factory.mktemp("parity_demo") / "qlib_data"
    build_demo_market(out, seed=23, stocks=120, days=300, end=dt.date(2025, 11, 21), minute_days=1)
    return out


@pytest.fixture(scope="session")
def qlib_backtest(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Run qlib's own ``backtest_daily`` + ``risk_analysis`` in a fresh process.

    Returns ``(provider, pred, start, end, strategy_kwargs, backtest_kwargs) -> (report,
    holdings {Timestamp: {qlib_code: (amount, price, count_day)}}, risk {column: Series})``.
    """
    workdir = tmp_path_factory.mktemp("qlib_backtest")
    counter = iter(range(10**6))

    def run(provider: Path, pred: Any, start: str, end: str, strategy: dict, backtest: dict):  # type: ignore[no-untyped-def]
        n = next(counter)
        signal_path = workdir / f"pred_{n}.pkl"
        pred.to_pickle(signal_path)
        out = workdir / f"result_{n}.pkl"
        payload = pickle.dumps(
            (str(provider), str(signal_path), start, end, strategy, backtest, str(out))
        ).hex()
        done = subprocess.run(
            [sys.executable, "-c", _QLIB_BACKTEST, payload],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise AssertionError(f"qlib backtest failed:\n{done.stderr[-3000:]}")
        with out.open("rb") as fh:
            return pickle.load(fh)

    return run
