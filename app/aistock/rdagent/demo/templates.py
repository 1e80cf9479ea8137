"""The qlib workflow configurations of the demo loops, in RD-Agent's template shapes.

These dictionaries become the workspaces' ``conf*.yaml`` and are exactly what trains the
models (``qrun``'s ``task_train``), so the config a runtime reads is the config that ran.
They follow ``rdagent/scenarios/qlib/experiment/factor_template``: an ``Alpha158`` handler with
``FilterCol`` for the baseline, a ``DataHandlerLP`` over a ``NestedDataLoader`` (qlib features +
``combined_factors_df.parquet``) for factor loops, RobustZScoreNorm + Fillna at inference and
DropnaLabel + CSRankNorm when learning, LightGBM, and a TopkDropout backtest with RD-Agent's
costs.
"""

from __future__ import annotations

from typing import Any

from aistock.factors.alpha import ALPHA158
from aistock.rdagent.demo.plan import LABEL_EXPRESSION, LoopPlan, Segments

COMBINED_FACTORS_FILE = "combined_factors_df.parquet"
BENCHMARK = "SH000300"

EXCHANGE_KWARGS: dict[str, Any] = {
    "limit_threshold": 0.095,
    "deal_price": "close",
    "open_cost": 0.0005,
    "close_cost": 0.0015,
    "min_cost": 5,
}


def _infer_processors(plan: LoopPlan, seg: Segments) -> list[dict[str, Any]]:
    norm: dict[str, Any] = {"fields_group": "feature", "clip_outlier": True}
    if plan.handler != "alpha158":  # DataHandlerLP does not inject the fit window as Alpha158 does
        norm |= {"fit_start_time": seg.train[0], "fit_end_time": seg.train[1]}
    processors: list[dict[str, Any]] = []
    if plan.handler == "alpha158":
        processors.append(
            {
                "class": "FilterCol",
                "kwargs": {"fields_group": "feature", "col_list": list(plan.alpha_features)},
            }
        )
    processors += [
        {"class": "RobustZScoreNorm", "kwargs": norm},
        {"class": "Fillna", "kwargs": {"fields_group": "feature"}},
    ]
    return processors


LEARN_PROCESSORS: list[dict[str, Any]] = [
    {"class": "DropnaLabel"},
    {"class": "CSRankNorm", "kwargs": {"fields_group": "label"}},
]


def data_handler_config(plan: LoopPlan, seg: Segments) -> dict[str, Any]:
    config: dict[str, Any] = {
        "start_time": seg.start,
        "end_time": seg.end,
        "fit_start_time": seg.train[0],
        "fit_end_time": seg.train[1],
        "instruments": "all",
    }
    if plan.handler in ("nested", "qlib"):
        expressions = [ALPHA158.expressions[ALPHA158.names.index(n)] for n in plan.alpha_features]
        qlib_loader: dict[str, Any] = {
            "class": "QlibDataLoader",
            "module_path": "qlib.data.dataset.loader",
            "kwargs": {
                "config": {
                    "feature": [expressions, list(plan.alpha_features)],
                    "label": [[LABEL_EXPRESSION], ["LABEL0"]],
                }
            },
        }
        if plan.handler == "qlib":
            config["data_loader"] = qlib_loader
        else:
            static_loader = {
                "class": "StaticDataLoader",
                "module_path": "qlib.data.dataset.loader",
                "kwargs": {"config": COMBINED_FACTORS_FILE},
            }
            config["data_loader"] = {
                "class": "NestedDataLoader",
                "module_path": "qlib.data.dataset.loader",
                "kwargs": {"dataloader_l": [qlib_loader, static_loader], "join": "left"},
            }
        del config["fit_start_time"], config["fit_end_time"]  # DataHandlerLP takes no fit window
    config["infer_processors"] = _infer_processors(plan, seg)
    config["learn_processors"] = LEARN_PROCESSORS
    if plan.handler == "alpha158":
        config["label"] = [LABEL_EXPRESSION]
    return config


def workflow_config(plan: LoopPlan, seg: Segments, provider_uri: str) -> dict[str, Any]:
    """The whole ``conf*.yaml`` of one loop."""
    handler = data_handler_config(plan, seg)
    if plan.handler == "alpha158":
        handler_spec = {"class": "Alpha158", "module_path": "qlib.contrib.data.handler", "kwargs": handler}
    else:
        handler_spec = {
            "class": "DataHandlerLP",
            "module_path": "qlib.data.dataset.handler",
            "kwargs": handler,
        }
    strategy = {
        "class": "TopkDropoutStrategy",
        "module_path": "qlib.contrib.strategy",
        "kwargs": {"signal": "<PRED>", "topk": plan.topk, "n_drop": plan.n_drop},
    }
    backtest = {
        "start_time": seg.backtest[0],
        "end_time": seg.backtest[1],
        "account": 100000000,
        "benchmark": BENCHMARK,
        "exchange_kwargs": dict(EXCHANGE_KWARGS),
    }
    return {
        "qlib_init": {"provider_uri": provider_uri, "region": "cn"},
        "market": "all",
        "benchmark": BENCHMARK,
        "data_handler_config": handler,
        "port_analysis_config": {"strategy": strategy, "backtest": backtest},
        "task": {
            "model": {
                "class": "LGBModel",
                "module_path": "qlib.contrib.model.gbdt",
                "kwargs": dict(plan.lgb_params),
            },
            "dataset": {
                "class": "DatasetH",
                "module_path": "qlib.data.dataset",
                "kwargs": {
                    "handler": handler_spec,
                    "segments": {
                        "train": list(seg.train),
                        "valid": list(seg.valid),
                        "test": list(seg.test),
                    },
                },
            },
            "record": [
                {
                    "class": "SignalRecord",
                    "module_path": "qlib.workflow.record_temp",
                    "kwargs": {"model": "<MODEL>", "dataset": "<DATASET>"},
                },
                {
                    "class": "SigAnaRecord",
                    "module_path": "qlib.workflow.record_temp",
                    "kwargs": {"ana_long_short": False, "ann_scaler": 252},
                },
                {
                    "class": "PortAnaRecord",
                    "module_path": "qlib.workflow.record_temp",
                    "kwargs": {"config": {"strategy": strategy, "backtest": backtest}},
                },
            ],
        },
    }
