"""The four AIstock catalogs and the alpha meta file, in RD-Agent's export shapes.

Mirrors ``tools/export_aistock_{factor,strategy,loop,model}_catalog.py`` at HEAD (see
``rdagent_contracts.md`` §1–§2): the same envelopes, field names, id formulas (uuid5 over
sorted JSON), sort orders and the same quirks — absolute ``/mnt/f/...`` paths, ``model_files``
holding basenames of files that live under ``mlruns/``, ``log_dir`` pointing at the log root,
strategy ids that hash every YAML under the workspace including ``mlruns/**/meta.yaml``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aistock.factors.alpha import ALPHA158
from aistock.rdagent.demo.plan import ALPHA20, RDAGENT_ROOT

STRATEGY_NAMESPACE = uuid.UUID("7b6b2c6c-0b4d-4e2c-9b7f-3b1b9b4f3a11")
MODEL_NAMESPACE = uuid.UUID("a8a6a7de-c8c7-4f3e-9f5a-3c4b7d3e2b11")


@dataclass
class WorkspaceRecord:
    """What the catalog exporters read about one workspace (the registry row + its files)."""

    task_run_id: str
    loop_id: int
    workspace_id: str
    role: str  # experiment_workspace | sub_workspace
    local_dir: Path
    action: str
    has_result: bool
    asset_bundle_id: str
    factor_names: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: dict[str, float | None] = field(default_factory=dict)
    decision: bool | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    started_at: str = ""

    @property
    def workspace_path(self) -> str:
        return f"{RDAGENT_ROOT}/git_ignore_folder/RD-Agent_workspace/{self.workspace_id}"


def envelope(kind: str, items: list[dict[str, Any]], generated_at: str) -> dict[str, Any]:
    return {"version": "v1", "generated_at_utc": generated_at, "source": "rdagent_tools", kind: items}


def alpha158_meta(generated_at: str) -> dict[str, Any]:
    """``export_alpha158_meta.py``: the 20 features the YAML templates use."""
    return {
        "version": "v1",
        "generated_at_utc": generated_at,
        "source": "qlib_alpha158",
        "config_path": "rdagent/scenarios/qlib/experiment/factor_template/conf_combined_factors_dynamic.yaml",
        "factors": [_alpha_entry(name) for name in ALPHA20],
    }


def _alpha_entry(name: str) -> dict[str, Any]:
    expression = ALPHA158.expressions[ALPHA158.names.index(name)]
    return {
        "name": name,
        "expression": expression,
        "source": "qlib_alpha158",
        "region": "cn",
        "tags": ["alpha158"],
    }


def _dedup_key(entry: dict[str, Any]) -> str:
    expr = entry.get("expression") or entry.get("formula_hint") or entry["name"]
    return hashlib.md5("".join(str(expr).split()).lower().encode("utf-8")).hexdigest()


def factor_catalog(
    alpha_meta: dict[str, Any], workspace_factors: list[tuple[dict[str, Any], dict[str, Any] | None]], at: str
) -> dict[str, Any]:
    """Alpha entries first, then workspace factors (higher sharpe wins a tie), sorted by name."""
    chosen: dict[str, tuple[dict[str, Any], float]] = {}
    for entry in alpha_meta["factors"]:
        chosen[_dedup_key(entry)] = (dict(entry), float("inf"))
    for entry, perf in workspace_factors:
        sharpe = perf.get("sharpe") if perf else None
        key = _dedup_key(entry)
        score = float(sharpe) if sharpe is not None else float("-inf")
        if key in chosen and chosen[key][1] >= score:
            continue
        record = dict(entry)
        if perf and perf.get("sharpe") is not None and perf.get("annualized_return") is not None:
            record["best_performance"] = (
                f"Sharpe: {perf['sharpe']:.2f}, Ann.Ret: {perf['annualized_return']:.2%}"
            )
        else:
            record["best_performance"] = "无回测记录"
        chosen[key] = (record, score)
    factors = sorted((e for e, _ in chosen.values()), key=lambda e: str(e["name"]))
    return envelope("factors", factors, at)


def _yaml_templates(ws: WorkspaceRecord) -> list[str]:
    return sorted(
        p.relative_to(ws.local_dir).as_posix()
        for p in ws.local_dir.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def strategy_id(ws: WorkspaceRecord, step_name: str = "feedback") -> str:
    payload = {"scenario": "", "step_name": step_name, "action": ws.action, "templates": _yaml_templates(ws)}
    return uuid.uuid5(STRATEGY_NAMESPACE, json.dumps(payload, sort_keys=True, ensure_ascii=False)).hex


def model_id(ws: WorkspaceRecord, model_type: str, model_config: Any, dataset_config: Any) -> str:
    payload = {
        "task_run_id": ws.task_run_id,
        "loop_id": ws.loop_id,
        "workspace_id": ws.workspace_id,
        "model_type": model_type,
        "model_config": model_config,
        "dataset_config": dataset_config,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return uuid.uuid5(MODEL_NAMESPACE, text).hex


def _feature_list(config: dict[str, Any]) -> list[str]:
    handler = config["task"]["dataset"]["kwargs"]["handler"]["kwargs"]
    for processor in handler.get("infer_processors", []):
        if processor.get("class") == "FilterCol":
            return list(processor["kwargs"]["col_list"])
    return []


def strategy_catalog(workspaces: list[WorkspaceRecord], at: str) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for ws in workspaces:
        if not ws.has_result or ws.config is None:
            continue
        config = ws.config
        sid = strategy_id(ws)
        rows[sid] = {
            "strategy_id": sid,
            "scenario": None,
            "step_name": "feedback",
            "action": ws.action,
            "workspace_example": {
                "task_run_id": ws.task_run_id,
                "loop_id": ws.loop_id,
                "workspace_id": ws.workspace_id,
                "workspace_path": ws.workspace_path,
            },
            "template_files": _yaml_templates(ws),
            "python_implementation": {},
            "data_config": config["data_handler_config"],
            "dataset_config": config["task"]["dataset"],
            "portfolio_config": config["port_analysis_config"]["strategy"],
            "backtest_config": config["port_analysis_config"]["backtest"],
            "model_config": config["task"]["model"],
            "feature_list": _feature_list(config),
            "market": config.get("market", "all"),
            "instruments": config.get("market", "all"),
            "freq": "1d",
        }
    return envelope("strategies", [rows[k] for k in sorted(rows)], at)


def loop_catalog(workspaces: list[WorkspaceRecord], at: str) -> dict[str, Any]:
    """HEAD's loop catalog: solidified loops with results, newest first."""
    loops = []
    for ws in sorted(workspaces, key=lambda w: (w.started_at, w.role), reverse=True):
        if not ws.has_result:
            continue
        has_model = ws.config is not None
        loops.append(
            {
                "task_run_id": ws.task_run_id,
                "loop_id": ws.loop_id,
                "workspace_id": ws.workspace_id,
                "workspace_path": ws.workspace_path,
                "scenario": None,
                "step_name": "feedback",
                "action": ws.action,
                "status": "success",
                "has_result": True,
                "log_dir": f"{RDAGENT_ROOT}/log",
                "materialization_status": "done",
                "materialization_error": None,
                "asset_bundle_id": ws.asset_bundle_id,
                "is_solidified": True,
                "sync_status": "pending",
                "strategy_id": strategy_id(ws) if has_model else None,
                "factor_names": ws.factor_names,
                "annualized_return": ws.headline.get("annualized_return"),
                "max_drawdown": ws.headline.get("max_drawdown"),
                "sharpe": ws.headline.get("sharpe"),
                "ic": ws.headline.get("ic"),
                "ic_ir": ws.headline.get("ic_ir"),
                "win_rate": None,
                "metrics": ws.metrics,
                "decision": ws.decision,
                "summary_texts": {
                    k: ws.summary.get(k) for k in ("execution", "value_feedback", "shape_feedback")
                },
                "paths": {
                    "factor_meta": "factor_meta.json",
                    "factor_perf": "factor_perf.json",
                    "feedback": "feedback.json",
                    "ret_curve": "ret_curve.png",
                    "dd_curve": "dd_curve.png",
                    "mlruns": "mlruns" if has_model else None,
                    "model_files": ["params.pkl"] if has_model else [],
                },
            }
        )
    return envelope("loops", loops, at)


def model_catalog(workspaces: list[WorkspaceRecord], at: str) -> dict[str, Any]:
    models = []
    for ws in workspaces:
        if not ws.has_result or ws.config is None:
            continue
        model_config = ws.config["task"]["model"]
        dataset_config = ws.config["task"]["dataset"]
        model_type = str(model_config["class"])
        models.append(
            {
                "task_run_id": ws.task_run_id,
                "loop_id": ws.loop_id,
                "log_dir": f"{RDAGENT_ROOT}/log",
                "workspace_id": ws.workspace_id,
                "workspace_path": ws.workspace_path,
                "model_type": model_type,
                "model_config": model_config,
                "dataset_config": dataset_config,
                "feature_schema": None,
                "flattened_feature_list": [],
                "model_artifacts": {"mlruns": "mlruns", "model_files": []},
                "model_id": model_id(ws, model_type, model_config, dataset_config),
            }
        )
    return envelope("models", models, at)
