"""``aistock backtest``: a signal file and a provider in, a report directory out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.backtest.result import BacktestResult
from aistock.trading.backtest.signal import read_signal_file
from aistock.trading.portfolio.config import (
    ScoreWeightConfig,
    StrategyConfig,
    StrategyConfigError,
    TargetWeightConfig,
    TopkDropoutConfig,
)

STRATEGIES = ("topk", "equal", "score", "target")


def strategy_named(name: str, *, topk: int, n_drop: int) -> StrategyConfig:
    """The CLI's strategy names: qlib's TopkDropout, top-k equal or score weights, or the
    signal's own ``target_weight`` column."""
    match name:
        case "topk":
            return TopkDropoutConfig(topk=topk, n_drop=n_drop)
        case "equal" | "score":
            return ScoreWeightConfig(topk=topk, method=name)
        case "target":
            return TargetWeightConfig()
    raise StrategyConfigError(f"strategy {name!r} is unknown", f"use one of {', '.join(STRATEGIES)}")


def run_backtest_files(
    provider: Path,
    signal_file: Path,
    strategy: StrategyConfig,
    settings: BacktestSettings,
    out_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BacktestResult, list[Path]]:
    """Run and write report.csv, positions.csv, trades.csv and metrics.json under ``out_dir``."""
    data = DataService(QlibProviderSource(provider))
    signal = read_signal_file(signal_file)
    result = StrategyEngine(data).run_backtest(signal, strategy, settings, progress=progress)
    return result, result.write(out_dir)
