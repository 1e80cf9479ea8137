"""What the demo RD-Agent export contains: its loops, their factor sets, ids and date segments.

The demo export stands in for a real RD-Agent run on the demo market, so it varies exactly the
things that break importers and runtimes in practice:

* loop 0 is RD-Agent's baseline: the ``Alpha158`` handler narrowed by ``FilterCol`` to its
  20 features (the handler's column order, not the list's, is the training order);
* loop 1 adds factors written as qlib expressions, joined from ``combined_factors_df.parquet``
  by a ``NestedDataLoader`` (which sorts the columns alphabetically);
* loop 2 adds a Python factor in RD-Agent's ``calculate_<name>()`` form on top of loop 1's, and
  like RD-Agent's factor loops it has a second, model-less workspace for the factor's code;
* loop 3 is a "model" loop: another Alpha158 subset read by a plain ``QlibDataLoader`` (whose
  column order is the config's), other LightGBM parameters, another top-k.

Everything here is pure: ids are derived from the seed so that rebuilding the demo gives the
same ids (and a re-sync is a no-op), and segments are derived from the market's calendar.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

#: RD-Agent's 20-feature Alpha158 subset, in the order its templates list it.
ALPHA20: tuple[str, ...] = (
    "RESI5", "WVMA5", "RSQR5", "KLEN", "RSQR10", "CORR5", "CORD5", "CORR10", "ROC60", "RESI10",
    "VSTD5", "RSQR60", "CORR60", "WVMA60", "STD5", "RSQR20", "CORD60", "CORD10", "CORR20", "KLOW",
)  # fmt: skip

#: The model loop's different subset: candle shape, momentum and volatility.
ALPHA_MODEL_SUBSET: tuple[str, ...] = (
    "KMID", "KLEN", "KUP", "KLOW", "KSFT", "ROC5", "ROC20", "MA5", "MA20", "STD20", "RSV10", "CORR20",
)  # fmt: skip

LABEL_EXPRESSION = "Ref($close, -2) / Ref($close, -1) - 1"

RDAGENT_ROOT = "/mnt/f/Dev/RD-Agent-main"
"""The absolute prefix RD-Agent writes into its catalogs (its machine, not ours): kept so that
the demo exercises the path map exactly as a real export does."""

QLIB_PROVIDER_URI = "/mnt/f/Dev/AIstock/qlib_bin/qlib_bin_demo"

_NAMESPACE = uuid.UUID("5d1c1e0a-7a4e-4a43-9f5b-0c2d3e4f5a6b")


@dataclass(frozen=True)
class ExpressionFactor:
    """An RD-Agent factor whose definition is a qlib expression."""

    name: str
    expression: str
    description_cn: str


@dataclass(frozen=True)
class PythonFactor:
    """An RD-Agent factor whose definition is a ``calculate_<name>()`` function in factor.py."""

    name: str
    description_cn: str
    lookback_days: int


@dataclass(frozen=True)
class LoopPlan:
    """One demo loop: its factor set, model parameters and strategy."""

    loop_id: int
    action: str  # 'factor' | 'model'
    conf_name: str
    handler: str  # 'alpha158' (Alpha158 + FilterCol) | 'nested' (NestedDataLoader) | 'qlib' (QlibDataLoader)
    alpha_features: tuple[str, ...]
    expression_factors: tuple[ExpressionFactor, ...] = ()
    python_factors: tuple[PythonFactor, ...] = ()
    lgb_params: dict[str, object] = field(default_factory=dict)
    topk: int = 50
    n_drop: int = 5
    hypothesis: str = ""

    @property
    def extra_factor_names(self) -> list[str]:
        return [f.name for f in self.expression_factors] + [f.name for f in self.python_factors]

    @property
    def factor_names(self) -> list[str]:
        return list(self.alpha_features) + self.extra_factor_names


@dataclass(frozen=True)
class Segments:
    """Handler range, fit window and the train/valid/test segments (ISO dates)."""

    start: str
    end: str
    train: tuple[str, str]
    valid: tuple[str, str]
    test: tuple[str, str]
    backtest: tuple[str, str]


EXPRESSION_FACTORS: tuple[ExpressionFactor, ...] = (
    ExpressionFactor(
        "Reversal_VolAdj_10D",
        "(Ref($close, 10)/$close - 1) / (Std($close/Ref($close, 1) - 1, 10) + 1e-6)",
        "[反转因子] 10日反转收益除以10日收益波动率：波动调整后的短期反转强度。",
    ),
    ExpressionFactor(
        "Amount_Surge_5D",
        "Mean($amount, 5) / (Mean($amount, 60) + 1) - 1",
        "[成交额因子] 5日平均成交额相对60日平均成交额的放大程度，衡量资金关注度的突变。",
    ),
)

PYTHON_FACTOR = PythonFactor(
    "Amount_Reversal_10D",
    "[量价因子] 10日累计收益的反向值乘以成交额的10日标准化偏离（截断在±3）：放量下跌后的反转。",
    10,
)

PYTHON_FACTOR_SOURCE = '''"""Amount_Reversal_10D: reversal weighted by how unusual the traded amount is."""
import numpy as np
import pandas as pd


def calculate_Amount_Reversal_10D():
    df = pd.read_hdf("daily_pv.h5", key="data").sort_index()
    close = df["close"].unstack("instrument")
    amount = df["amount"].unstack("instrument")
    ret = close / close.shift(1) - 1
    mean = amount.rolling(10, min_periods=10).mean()
    std = amount.rolling(10, min_periods=10).std()
    surprise = ((amount - mean) / std.replace(0, np.nan)).clip(-3, 3)
    factor = -ret.rolling(10, min_periods=10).sum() * surprise
    result = factor.stack(future_stack=True).reindex(df.index).to_frame("Amount_Reversal_10D")
    result.astype("float32").to_hdf("result.h5", key="data")


if __name__ == "__main__":
    calculate_Amount_Reversal_10D()
'''

#: RD-Agent's template uses lambda_l1 205.7 / lambda_l2 581 / 210 leaves, tuned for thousands of
#: stocks over a decade. On a few hundred synthetic stocks that regularisation leaves every tree
#: without a split (constant scores, IC 0), so the demo keeps the template's shape and sampling
#: rates but scales the regularisation to the data.
_BASE_LGB: dict[str, object] = {
    "loss": "mse",
    "colsample_bytree": 0.8879,
    "learning_rate": 0.05,
    "subsample": 0.8789,
    "lambda_l1": 1.0,
    "lambda_l2": 10.0,
    "max_depth": 6,
    "num_leaves": 63,
    "num_threads": 2,
    "seed": 2025,
    "verbosity": -1,
}


def demo_loops(stocks: int) -> list[LoopPlan]:
    """The demo's loops, with the top-k scaled to the market (50 of 300, as RD-Agent uses)."""
    topk = max(5, min(50, stocks // 6))
    n_drop = max(1, topk // 10)
    return [
        LoopPlan(
            0, "factor", "conf_baseline.yaml", "alpha158", ALPHA20,
            lgb_params=dict(_BASE_LGB), topk=topk, n_drop=n_drop,
            hypothesis="基线：Alpha158 的 20 个精选因子。",
        ),
        LoopPlan(
            1, "factor", "conf_combined_factors.yaml", "nested", ALPHA20, EXPRESSION_FACTORS,
            lgb_params=dict(_BASE_LGB), topk=topk, n_drop=n_drop,
            hypothesis="波动调整的反转与成交额突变能补充基线的价量信息。",
        ),
        LoopPlan(
            2, "factor", "conf_combined_factors.yaml", "nested", ALPHA20, EXPRESSION_FACTORS,
            (PYTHON_FACTOR,), lgb_params=dict(_BASE_LGB), topk=topk, n_drop=n_drop,
            hypothesis="放量下跌后的反转（Python 因子）在 SOTA 因子之上仍有增量。",
        ),
        LoopPlan(
            3, "model", "conf_model.yaml", "qlib", ALPHA_MODEL_SUBSET,
            lgb_params={**_BASE_LGB, "num_leaves": 31, "max_depth": 5, "learning_rate": 0.1},
            topk=max(5, topk * 3 // 5), n_drop=max(1, n_drop * 3 // 5),
            hypothesis="更小的树和另一组 K 线/动量因子能降低过拟合。",
        ),
    ]  # fmt: skip


def demo_segments(days: Sequence[dt.date], window: int | None = None) -> Segments:
    """Train on the first 55 % of the calendar (or of its last ``window`` sessions), validate on
    15 %, test on the rest.

    The first 60 sessions are left out of training (Alpha158's longest window is 60 days).
    """
    if window is not None:
        days = days[-window:]
    if len(days) < 200:
        raise ValueError(f"the demo export needs at least 200 trading days, the market has {len(days)}")
    n = len(days)
    warm = 60
    train_end = warm + int((n - warm) * 0.55)
    valid_end = train_end + int((n - warm) * 0.15)
    iso = [d.isoformat() for d in days]
    return Segments(
        start=iso[0],
        end=iso[-1],
        train=(iso[warm], iso[train_end]),
        valid=(iso[train_end + 1], iso[valid_end]),
        test=(iso[valid_end + 1], iso[-1]),
        backtest=(iso[valid_end + 1], iso[-1]),
    )


def demo_uuid(seed: int, *parts: object) -> uuid.UUID:
    """A stable id for one demo object: the same seed and parts give the same id."""
    return uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in (seed, *parts)))


def task_run_id(seed: int) -> str:
    return demo_uuid(seed, "task_run").hex


def workspace_id(seed: int, loop_id: int, role: str = "experiment") -> str:
    return demo_uuid(seed, "workspace", loop_id, role).hex


def asset_bundle_id(seed: int, loop_id: int) -> str:
    """RD-Agent's bundle ids are ``str(uuid4())``: 36 characters with dashes."""
    return str(demo_uuid(seed, "bundle", loop_id))
