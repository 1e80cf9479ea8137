"""What a backtest returns: qlib's report, daily positions, every trade, and the metrics.

The report has qlib's columns in qlib's order so that RD-Agent's numbers and ours can be laid
side by side; :meth:`BacktestResult.risk` is qlib's ``risk_analysis`` of the excess return
with and without cost (the ``1day.excess_return_*`` keys of ``qlib_res.csv``), and
:meth:`BacktestResult.summary` adds the trader's compounded view.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.metrics import performance_summary, risk_analysis
from aistock.trading.backtest.orders import Trade

TRADE_COLUMNS = (
    "datetime",
    "instrument",
    "side",
    "amount",
    "deal_amount",
    "price",
    "value",
    "cost",
    "reason",
)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    report: pd.DataFrame  # index datetime; qlib's nine columns
    positions: pd.DataFrame  # (datetime, instrument): amount, price, value, weight, count_day
    trades: pd.DataFrame  # one row per order, filled or not
    settings: Any
    strategy: Any
    notes: tuple[str, ...]

    @classmethod
    def build(
        cls,
        *,
        days: Sequence[dt.date],
        report: npt.NDArray[np.float64],
        columns: Sequence[str],
        holdings: list[tuple[int, str, float, float, int]],
        trades: list[Trade],
        codes: Sequence[str],
        settings: Any,
        strategy: Any,
        notes: Sequence[str],
    ) -> BacktestResult:
        index = pd.DatetimeIndex([pd.Timestamp(d) for d in days], name="datetime")
        frame = pd.DataFrame(report, index=index, columns=list(columns))
        held = pd.DataFrame(holdings, columns=["day", "instrument", "amount", "price", "count_day"])
        held["value"] = held["amount"] * held["price"]
        held["datetime"] = index[held["day"].to_numpy()] if len(held) else pd.DatetimeIndex([])
        held["weight"] = (
            held["value"] / frame["account"].to_numpy()[held["day"].to_numpy()] if len(held) else []
        )
        positions = held.set_index(["datetime", "instrument"])[
            ["amount", "price", "value", "weight", "count_day"]
        ]
        # Column-wise: indexing a DatetimeIndex one element at a time is slow.
        code_array = np.asarray(codes, dtype=object)
        count = len(trades)
        trade_frame = pd.DataFrame(
            {
                "datetime": index[np.fromiter((tr.day for tr in trades), np.int64, count)],
                "instrument": code_array[np.fromiter((tr.instrument for tr in trades), np.int64, count)],
                "side": [tr.side.value for tr in trades],
                "amount": [tr.amount for tr in trades],
                "deal_amount": [tr.deal_amount for tr in trades],
                "price": [tr.price for tr in trades],
                "value": [tr.value for tr in trades],
                "cost": [tr.cost for tr in trades],
                "reason": [tr.reason for tr in trades],
            },
            columns=list(TRADE_COLUMNS),
        )
        return cls(frame, positions, trade_frame, settings, strategy, tuple(notes))

    # -- metrics --------------------------------------------------------------------------------
    def excess_returns(self, *, with_cost: bool) -> pd.Series:
        excess = self.report["return"] - self.report["bench"]
        return excess - self.report["cost"] if with_cost else excess

    def risk(self, mode: str = "sum") -> pd.DataFrame:
        """qlib's ``risk_analysis`` (N = 238) of the excess return without and with cost."""
        return pd.DataFrame(
            {
                "excess_return_without_cost": risk_analysis(self.excess_returns(with_cost=False), mode=mode),  # type: ignore[arg-type]
                "excess_return_with_cost": risk_analysis(self.excess_returns(with_cost=True), mode=mode),  # type: ignore[arg-type]
            }
        )

    def qlib_metrics(self) -> dict[str, float]:
        """The ``1day.excess_return_*`` entries of RD-Agent's ``qlib_res.csv``."""
        out: dict[str, float] = {}
        for column, values in self.risk().items():
            for key, value in values.items():
                out[f"1day.{column}.{key}"] = float(value)
        return out

    def summary(self) -> dict[str, float]:
        """Compounded annual return, volatility, Sharpe, drawdown, IR, tracking error, win rate,
        turnover — net of costs (the account's own daily change)."""
        net = self.report["account"].pct_change()
        net.iloc[0] = self.report["account"].iloc[0] / float(self.settings.account) - 1.0
        return performance_summary(net, benchmark=self.report["bench"], turnover=self.report["turnover"])

    # -- files ----------------------------------------------------------------------------------
    def write(self, out_dir: Path) -> list[Path]:
        """Write report.csv, positions.csv, trades.csv and metrics.json into ``out_dir``.

        Each file is written beside its target and renamed into place, so a failure never
        leaves a half-written file where an earlier good one was.
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        metrics = {
            "qlib": self.qlib_metrics(),
            "summary": self.summary(),
            "notes": list(self.notes),
            "settings": _plain(self.settings),
            "strategy": {"class": type(self.strategy).__name__, **_plain(self.strategy)},
        }
        written = [
            _atomic(out_dir / "report.csv", lambda p: self.report.to_csv(p)),
            _atomic(out_dir / "positions.csv", lambda p: self.positions.to_csv(p)),
            _atomic(out_dir / "trades.csv", lambda p: self.trades.to_csv(p, index=False)),
            _atomic(
                out_dir / "metrics.json",
                lambda p: p.write_text(
                    json.dumps(metrics, indent=2, default=str, allow_nan=True), encoding="utf-8"
                ),
            ),
        ]
        return written


def _plain(value: Any) -> dict[str, Any]:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return {}


def _atomic(target: Path, write: Any) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
    return target
