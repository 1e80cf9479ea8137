"""``aistock backtest`` as a user types it: a report directory, or a clear error and no files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from aistock.cli import app
from aistock.core.errors import AistockError
from aistock.data import DataService, QlibProviderSource
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.portfolio.config import TopkDropoutConfig

runner = CliRunner()


@pytest.fixture(scope="module")
def signal_file(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RD-Agent's signals.parquet shape: trade_date, instrument, score, target_weight."""
    data = DataService(QlibProviderSource(small_demo))
    days = data.trading_calendar().sessions[-80:]
    codes = data.instruments("all")
    rng = np.random.default_rng(7)
    rows = [(pd.Timestamp(d), c, float(rng.normal())) for d in days for c in codes]
    frame = pd.DataFrame(rows, columns=["trade_date", "instrument", "score"])
    frame["target_weight"] = np.where(
        frame.groupby("trade_date")["score"].rank(ascending=False) <= 10, 0.09, np.nan
    )
    path = tmp_path_factory.mktemp("signal") / "signals.parquet"
    frame.to_parquet(path)
    return path


def _args(provider: Path, signal: Path, out: Path, start: str, end: str) -> list[str]:
    return ["backtest", "--provider", str(provider), "--signal", str(signal), "--start", start, "--end", end]


def test_backtest_writes_report_positions_trades_and_metrics(
    small_demo: Path, signal_file: Path, tmp_path: Path
) -> None:
    sessions = DataService(QlibProviderSource(small_demo)).trading_calendar().sessions
    start, end = str(sessions[-60]), str(sessions[-1])
    out = tmp_path / "run"
    args = [
        *_args(small_demo, signal_file, out, start, end),
        "--topk",
        "10",
        "--n-drop",
        "2",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "information_ratio" in result.output and "Wrote" in result.output
    report = pd.read_csv(out / "report.csv", index_col=0, parse_dates=True)
    assert list(report.columns) == [
        "account",
        "return",
        "total_turnover",
        "turnover",
        "total_cost",
        "cost",
        "value",
        "cash",
        "bench",
    ]
    expected = StrategyEngine(DataService(QlibProviderSource(small_demo))).run_backtest(
        pd.read_parquet(signal_file),
        TopkDropoutConfig(topk=10, n_drop=2),
        BacktestSettings(start=sessions[-60], end=sessions[-1]),
    )
    np.testing.assert_allclose(report.to_numpy(), expected.report.to_numpy(), rtol=1e-12)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["qlib"]["1day.excess_return_with_cost.annualized_return"] == pytest.approx(
        expected.risk().loc["annualized_return", "excess_return_with_cost"]
    )
    assert metrics["strategy"]["class"] == "TopkDropoutConfig" and metrics["strategy"]["topk"] == 10
    positions = pd.read_csv(out / "positions.csv")
    assert positions.groupby("datetime").size().max() <= 12
    trades = pd.read_csv(out / "trades.csv")
    assert set(trades["side"]) == {"buy", "sell"}


def test_ashare_rules_and_target_weights(small_demo: Path, signal_file: Path, tmp_path: Path) -> None:
    sessions = DataService(QlibProviderSource(small_demo)).trading_calendar().sessions
    out = tmp_path / "ashare"
    args = _args(small_demo, signal_file, out, str(sessions[-40]), str(sessions[-1]))
    result = runner.invoke(app, [*args, "--rules", "ashare", "--strategy", "target", "--out", str(out)])
    assert result.exit_code == 0, result.output
    trades = pd.read_csv(out / "trades.csv")
    filled = trades[trades["deal_amount"] > 0]
    assert (filled["deal_amount"] % 1 == 0).all()  # whole shares under the A-share rules
    positions = pd.read_csv(out / "positions.csv")
    invested = positions.groupby("datetime")["weight"].sum()
    # 10 names × 0.09: rebalanced to 90% every day; names that cannot be sold (limit-down,
    # suspended) may leave a day above it, never above everything.
    assert invested.median() == pytest.approx(0.9, abs=0.005) and invested.max() < 1.0


def test_bad_dates_fail_with_a_fix_and_write_nothing(
    small_demo: Path, signal_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "never"
    env = {**os.environ, "AISTOCK_HOME": str(tmp_path / "h")}
    cmd = [sys.executable, "-m", "aistock", *_args(small_demo, signal_file, out, "2019-01-02", "2025-11-21")]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "reaches beyond" in done.stderr and "fix:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def _refusal(args: list[str]) -> AistockError:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert isinstance(result.exception, AistockError), result.output
    assert result.exception.fix
    return result.exception


def test_unknown_rules_and_missing_signal_file(small_demo: Path, signal_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    base = [*_args(small_demo, signal_file, out, "2025-10-01", "2025-11-21"), "--out", str(out)]
    assert "--rules qlib" in _refusal([*base, "--rules", "nyse"]).fix
    assert "topk" in _refusal([*base, "--strategy", "momentum"]).fix
    missing = [
        *_args(small_demo, tmp_path / "nope.parquet", out, "2025-10-01", "2025-11-21"),
        "--out",
        str(out),
    ]
    assert "does not exist" in _refusal(missing).what
    assert not out.exists()
