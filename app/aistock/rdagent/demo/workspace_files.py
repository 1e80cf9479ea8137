"""The per-workspace JSON and parquet files RD-Agent's backfill writes, in its exact shapes.

Shapes follow ``rdagent/utils/artifacts_writer.py`` as documented in
``rdagent_contracts.md`` §3 and §7: ``factor_meta.json``, ``factor_perf.json``,
``feedback.json``, ``model_meta.json``, ``workspace_meta.json`` and ``signals.parquet`` (the
top-k of each test day from ``pred.pkl``). Metric keys come straight from qlib's recorder via
``qlib_res.csv``, so the catalogs derived from them carry qlib's own numbers.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aistock.rdagent.demo.plan import ExpressionFactor, LoopPlan, PythonFactor

FACTOR_IMPL_MODULE = "rd_factors_lib.generated"


def write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def read_qlib_res(path: Path) -> dict[str, float]:
    """``qlib_res.csv`` as RD-Agent's readers parse it: ``read_csv(index_col=0).iloc[:, 0]``."""
    series = pd.read_csv(path, index_col=0).iloc[:, 0]
    return {str(k).strip(): float(v) for k, v in series.items()}


def _clean(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def summary_metrics(qlib_res: dict[str, float]) -> dict[str, float | None]:
    """The catalog's headline numbers: without-cost excess return, IR as "sharpe", IC."""
    prefix = "1day.excess_return_without_cost."
    return {
        "annualized_return": _clean(qlib_res.get(prefix + "annualized_return")),
        "max_drawdown": _clean(qlib_res.get(prefix + "max_drawdown")),
        "sharpe": _clean(qlib_res.get(prefix + "information_ratio")),
        "ic": _clean(qlib_res.get("IC")),
        "ic_ir": _clean(qlib_res.get("ICIR")),
    }


def _input_schema(name: str) -> dict[str, Any]:
    match = re.search(r"(\d+)D", name)
    return {
        "required_fields": ["open", "high", "low", "close", "volume"],
        "optional_fields": [],
        "lookback_days": int(match.group(1)) if match else 10,
        "index_type": "MultiIndex(datetime, instrument)",
        "description": "daily_pv.h5 columns without $; instruments like 600000.SH",
    }


def factor_meta_entry(
    factor: ExpressionFactor | PythonFactor, *, experiment_id: str, created_at: str, impl_version: str
) -> dict[str, Any]:
    if isinstance(factor, ExpressionFactor):
        formula = factor.expression
        variables = {"$close": "收盘价（前复权）", "$amount": "成交额（元）"}
    else:
        formula = (
            r"-\sum_{s=t-9}^{t} r_s \cdot "
            r"\mathrm{clip}\left(\frac{amt_t-\mu_{10}(amt)}{\sigma_{10}(amt)},-3,3\right)"
        )
        variables = {"r_s": "日收益率", "amt": "成交额（元）", "window": "滚动窗口长度，10日"}
    return {
        "name": factor.name,
        "source": "rdagent_generated",
        "region": "cn",
        "description_cn": factor.description_cn,
        "formula_hint": formula,
        "expression": formula,
        "created_at_utc": created_at,
        "experiment_id": experiment_id,
        "tags": ["rdagent"],
        "variables": variables,
        "freq": "1d",
        "align": "close",
        "nan_policy": "dataservice_default",
        "input_schema": _input_schema(factor.name),
        "impl_module": FACTOR_IMPL_MODULE,
        "impl_func": factor.name,
        "impl_version": impl_version,
        "interface_info": {"type": "function"},
    }


def factor_meta(
    plan: LoopPlan, *, task_run_id: str, created_at: str, impl_version: str, new_only: bool = False
) -> dict[str, Any]:
    """The loop's generated factors (the SOTA ones it inherited and its own)."""
    factors: list[ExpressionFactor | PythonFactor] = [*plan.expression_factors, *plan.python_factors]
    experiment_id = f"{task_run_id}/{plan.loop_id}"
    return {
        "version": "v1",
        "task_run_id": task_run_id,
        "loop_id": plan.loop_id,
        "created_at_utc": created_at,
        "factors": [
            factor_meta_entry(
                f, experiment_id=experiment_id, created_at=created_at, impl_version=impl_version
            )
            for f in factors
        ],
    }


def factor_perf(plan: LoopPlan, qlib_res: dict[str, float], *, task_run_id: str, at: str) -> dict[str, Any]:
    headline = summary_metrics(qlib_res)
    return {
        "version": "v1",
        "task_run_id": task_run_id,
        "loop_id": plan.loop_id,
        "generated_at_utc": at,
        "factors": [],
        "combinations": [
            {
                "name": "main",
                "factor_names": plan.factor_names,
                "windows": [
                    {
                        "name": "main_window",
                        "annual_return": headline["annualized_return"],
                        "max_drawdown": headline["max_drawdown"],
                        "sharpe": headline["sharpe"],
                        "metrics": {**qlib_res, **headline},
                    }
                ],
            }
        ],
    }


def feedback(
    plan: LoopPlan,
    qlib_res: dict[str, float],
    baseline: dict[str, float] | None,
    *,
    task_run_id: str,
    at: str,
) -> dict[str, Any]:
    """A feedback record worded as RD-Agent's LLM words it, from the measured numbers."""
    now = summary_metrics(qlib_res)
    if baseline is None:
        decision = True
        execution = (
            f"基线实验完成：年化超额收益 {now['annualized_return']:.3f}，IC {now['ic']:.4f}，"
            f"最大回撤 {now['max_drawdown']:.3f}。"
        )
    else:
        before = summary_metrics(baseline)
        decision = (now["annualized_return"] or -math.inf) > (before["annualized_return"] or -math.inf)
        execution = (
            f"年化超额收益从 {before['annualized_return']:.3f} 变为 {now['annualized_return']:.3f}，"
            f"IC 从 {before['ic']:.4f} 变为 {now['ic']:.4f}，"
            f"最大回撤从 {before['max_drawdown']:.3f} 变为 {now['max_drawdown']:.3f}。"
        )
    return {
        "version": "v1",
        "task_run_id": task_run_id,
        "loop_id": plan.loop_id,
        "generated_at_utc": at,
        "decision": decision,
        "hypothesis": plan.hypothesis,
        "summary": {
            "execution": execution,
            "value_feedback": "假设得到支持。" if decision else "假设未得到支持。",
            "shape_feedback": "演示导出：由 AIstock 在合成行情上以真实 qlib 训练生成。",
            "code_critic": [],
            "limitations": ["合成行情，仅用于演示"],
        },
    }


def model_meta(plan: LoopPlan, config: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_type": "LGBModel",
        "model_conf": config["task"]["model"],
        "dataset_conf": config["task"]["dataset"],
        "feature_schema": None,
        "preprocess_config": {
            "normalize": "robust_zscore",
            "fillna": "zero",
            "clip": 3,
            "standardize_features": True,
        },
        **ids,
    }


def top_signals(
    pred: pd.DataFrame | pd.Series,
    closes: pd.Series,
    *,
    topk: int,
    n_drop: int,
    generated_at: str,
) -> pd.DataFrame:
    """The top-k of each day's scores, in ``signals.parquet``'s columns.

    Ranking is by score, highest first, ties broken by instrument code so the file is stable.
    """
    scores = pred.iloc[:, 0] if isinstance(pred, pd.DataFrame) else pred
    frame = scores.rename("score").reset_index()
    frame.columns = ["trade_date", "instrument", "score"]
    frame = frame.dropna(subset=["score"]).sort_values(
        ["trade_date", "score", "instrument"], ascending=[True, False, True], kind="mergesort"
    )
    frame["rank"] = frame.groupby("trade_date").cumcount() + 1
    frame = frame[frame["rank"] <= topk].reset_index(drop=True)
    price = closes.reindex(pd.MultiIndex.from_frame(frame[["trade_date", "instrument"]]))
    n = len(frame)
    na = pd.array([pd.NA] * n, dtype="Float64")
    text_na = pd.array([pd.NA] * n, dtype="string")
    out = pd.DataFrame(
        {
            "trade_date": frame["trade_date"],
            "instrument": frame["instrument"].astype(str),
            "signal": frame["score"].astype("float64"),
            "target_weight": np.full(n, 1.0 / topk),
            "target_position": np.full(n, 1.0 / topk),
            "price_ref": price.to_numpy(dtype="float64"),
            "universe_flag": np.ones(n, dtype="int64"),
            "score": frame["score"].astype("float64"),
            "rank": frame["rank"].astype("int64"),
            "pred_return": frame["score"].astype("float64"),
            "generated_at_utc": generated_at,
            "confidence": na,
            "volatility_est": na,
            "max_weight": na,
            "min_weight": na,
            "sector": text_na,
            "industry": text_na,
            "task_run_id": text_na,
            "loop_id": pd.array([pd.NA] * n, dtype="Int64"),
            "workspace_id": text_na,
            "model_version": text_na,
            "weight_method": "topk_equal_weight",
            "topk": topk,
            "n_drop": n_drop,
            "rebalance_freq": "1d",
        }
    )
    return out


READ_EXP_RES = '''"""Write qlib_res.csv and ret.pkl from the newest finished recorder (as RD-Agent does)."""
from pathlib import Path

import pandas as pd
import qlib
from qlib.workflow import R

qlib.init()
latest = None
for experiment in R.list_experiments():
    for recorder_id in R.list_recorders(experiment_name=experiment):
        recorder = R.get_recorder(recorder_id=recorder_id, experiment_name=experiment)
        end = recorder.info["end_time"]
        if end is not None and (latest is None or end > latest.info["end_time"]):
            latest = recorder
here = Path(__file__).resolve().parent
pd.Series(latest.list_metrics()).to_csv(here / "qlib_res.csv")
latest.load_object("portfolio_analysis/report_normal_1day.pkl").to_pickle(here / "ret.pkl")
'''
