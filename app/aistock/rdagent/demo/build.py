"""Build the demo RD-Agent export: real qlib models trained on the demo market, RD-Agent's layout.

The result is a directory shaped like an RD-Agent checkout after ``export_catalogs.sh``::

    <out>/RDagentDB/aistock/{factor,strategy,loop,model}_catalog.json, alpha158_meta.json
    <out>/RDagentDB/production_bundles/<asset_bundle_id>/{manifest.json, workspaces/<ws>/…}
    <out>/git_ignore_folder/RD-Agent_workspace/<workspace_id>/…   (one per workspace)
    <out>/log/
    <out>/demo_export.json                                       (ours: what was built, how)

Catalog paths are written as RD-Agent writes them — absolute, under ``/mnt/f/Dev/RD-Agent-main``
— so syncing the demo goes through the same path map as a real export. The build happens in
``<out>.partial`` and replaces ``<out>`` only when every loop trained, so a failed build never
leaves half an export where a good one was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from aistock.core.errors import AistockError
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.rdagent.demo import catalogs
from aistock.rdagent.demo.plan import (
    PYTHON_FACTOR_SOURCE,
    QLIB_PROVIDER_URI,
    LoopPlan,
    Segments,
    asset_bundle_id,
    demo_loops,
    demo_segments,
    task_run_id,
    workspace_id,
)
from aistock.rdagent.demo.templates import workflow_config
from aistock.rdagent.demo.workspace_files import (
    READ_EXP_RES,
    factor_meta,
    factor_perf,
    feedback,
    model_meta,
    read_qlib_res,
    summary_metrics,
    top_signals,
    write_json,
)
from aistock.rdagent.instrument_codes import recode_instruments, to_qlib

GENERATOR_VERSION = 1
MANIFEST_NAME = "demo_export.json"
CATALOG_DIR = Path("RDagentDB") / "aistock"
WORKSPACE_DIR = Path("git_ignore_folder") / "RD-Agent_workspace"
BUNDLE_DIR = Path("RDagentDB") / "production_bundles"

Progress = Callable[[str, float], None]


class DemoExportError(AistockError):
    """The demo RD-Agent export could not be built."""


@dataclass(frozen=True)
class DemoExport:
    """A built demo export: where it is and what it holds."""

    root: Path
    seed: int
    task_run_id: str
    loops: list[dict[str, Any]]
    provider: str
    build_seconds: float
    generator_version: int = GENERATOR_VERSION
    market_end: str = ""
    """The last session of the market it was trained on (ISO date; empty in old manifests)."""

    @property
    def catalog_dir(self) -> Path:
        return self.root / CATALOG_DIR

    def workspace_dir(self, workspace_id: str) -> Path:
        return self.root / WORKSPACE_DIR / workspace_id


def load_demo_export(root: Path) -> DemoExport | None:
    """The manifest of an existing export, or ``None`` when there is none (or it is unreadable)."""
    try:
        data = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
        return DemoExport(
            root=root,
            seed=int(data["seed"]),
            task_run_id=str(data["task_run_id"]),
            loops=list(data["loops"]),
            provider=str(data["provider"]),
            build_seconds=float(data["build_seconds"]),
            generator_version=int(data["generator_version"]),
            market_end=str(data.get("market_end", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def rebind_demo_export(export: DemoExport, provider: Path) -> DemoExport:
    """Record that the export's market now lives at ``provider`` (the home was moved or copied).

    The trained models do not depend on where the market's files are, only on their content, so
    a moved home keeps its export instead of training the four loops again for minutes. The
    caller decides that the market is the same one (same seed, same last session, not rebuilt).
    """
    path = export.root / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["provider"] = str(provider.resolve())
    write_json(path, data)
    rebound = load_demo_export(export.root)
    assert rebound is not None
    return rebound


def build_demo_export(
    provider: Path,
    out: Path,
    *,
    seed: int = 7,
    window_days: int | None = None,
    progress: Progress | None = None,
    timeout_s: float = 1800.0,
) -> DemoExport:
    """Train every demo loop with qlib on ``provider`` and write the export to ``out``.

    ``window_days`` limits the loops to the most recent sessions (training time grows with the
    window; the demo world uses 500 sessions to open in about a minute).
    """
    started = time.perf_counter()
    report = progress or (lambda _stage, _fraction: None)
    provider = provider.resolve()
    data = DataService(QlibProviderSource(provider))
    days = [d if isinstance(d, dt.date) else d.date() for d in data.calendar()]
    try:
        segments = demo_segments(days, window_days)
    except ValueError as exc:
        raise DemoExportError(str(exc), "use a market (or a window) of at least 200 trading days") from exc
    stocks = len(data.instruments("all"))
    plans = demo_loops(stocks)
    run_id = task_run_id(seed)
    now = dt.datetime.now(dt.UTC)
    at = now.isoformat()

    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / CATALOG_DIR).mkdir(parents=True)
    (partial / "log" / now.strftime("%Y-%m-%d_%H-%M-%S-%f")).mkdir(parents=True)
    records: list[catalogs.WorkspaceRecord] = []
    baseline: dict[str, float] | None = None
    summaries: list[dict[str, Any]] = []
    closes = data.history("all", segments.test[0], segments.test[1], fields=["close"])["close"]
    try:
        for index, plan in enumerate(plans):
            report(f"training loop {plan.loop_id} ({plan.action}, {len(plan.factor_names)} factors)",
                   index / (len(plans) + 1))  # fmt: skip
            record, qlib_res = _build_loop(partial, provider, plan, segments, seed, run_id, at, timeout_s)
            record_closes = recode_instruments(closes, to_qlib)
            _write_results(record, plan, qlib_res, baseline, record_closes, run_id, at)
            records.append(record)
            if baseline is None:
                baseline = qlib_res
            if plan.python_factors:
                records.append(_factor_workspace(partial, plan, seed, run_id, at, record))
            summaries.append(
                {
                    "loop_id": plan.loop_id,
                    "workspace_id": record.workspace_id,
                    "action": plan.action,
                    "factors": plan.factor_names,
                    "topk": plan.topk,
                    **summary_metrics(qlib_res),
                }
            )
        report("writing catalogs and bundles", len(plans) / (len(plans) + 1))
        _write_catalogs(partial, records, at)
        for record in records:
            if record.config is not None:
                _write_bundle(partial, record, at, seed)
        elapsed = time.perf_counter() - started
        manifest = {
            "generator_version": GENERATOR_VERSION,
            "seed": seed,
            "window_days": window_days,
            "market_end": days[-1].isoformat(),
            "task_run_id": run_id,
            "provider": str(provider),
            "segments": segments.__dict__,
            "loops": summaries,
            "built_at_utc": at,
            "build_seconds": round(elapsed, 2),
        }
        write_json(partial / MANIFEST_NAME, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    report("demo export ready", 1.0)
    result = load_demo_export(out)
    assert result is not None
    return result


def _build_loop(
    root: Path,
    provider: Path,
    plan: LoopPlan,
    segments: Segments,
    seed: int,
    run_id: str,
    at: str,
    timeout_s: float,
) -> tuple[catalogs.WorkspaceRecord, dict[str, float]]:
    ws_id = workspace_id(seed, plan.loop_id)
    ws = root / WORKSPACE_DIR / ws_id
    ws.mkdir(parents=True)
    config = workflow_config(plan, segments, QLIB_PROVIDER_URI)
    (ws / plan.conf_name).write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    (ws / "read_exp_res.py").write_text(READ_EXP_RES, encoding="utf-8")
    factor_py = ""
    if plan.python_factors:
        sub = root / WORKSPACE_DIR / workspace_id(seed, plan.loop_id, "factor")
        sub.mkdir(parents=True)
        (sub / "factor.py").write_text(PYTHON_FACTOR_SOURCE, encoding="utf-8")
        factor_py = str(sub / "factor.py")
    job = {
        "provider": str(provider),
        "conf": plan.conf_name,
        "start": segments.start,
        "end": segments.end,
        "expression_factors": [[f.name, f.expression] for f in plan.expression_factors],
        "python_factors": [f.name for f in plan.python_factors],
        "factor_py": factor_py,
        "kernels": 1,
    }
    _run_job(ws, job, timeout_s)
    record = catalogs.WorkspaceRecord(
        task_run_id=run_id,
        loop_id=plan.loop_id,
        workspace_id=ws_id,
        role="experiment_workspace",
        local_dir=ws,
        action=plan.action,
        has_result=True,
        asset_bundle_id=asset_bundle_id(seed, plan.loop_id),
        factor_names=plan.factor_names,
        config=config,
        started_at=f"{at}#{plan.loop_id:04d}",
    )
    return record, read_qlib_res(ws / "qlib_res.csv")


def _run_job(ws: Path, job: dict[str, Any], timeout_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="aistock-demo-job-") as scratch:
        job_path = Path(scratch) / "job.json"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        env = dict(
            os.environ, MLFLOW_DISABLE_TELEMETRY="true", GIT_PYTHON_REFRESH="quiet", PYTHONHASHSEED="0"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "aistock.rdagent.demo.qlib_job", str(job_path)],
                cwd=ws,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoExportError(
                f"training {job['conf']} in {ws} took longer than {timeout_s:.0f} s",
                "build a smaller demo market (--stocks/--days) or raise the time limit",
            ) from exc
        if done.returncode != 0 or not job_path.with_suffix(".done.json").exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            raise DemoExportError(
                f"qlib failed to train {job['conf']} in {ws}:\n{tail}",
                "check that the provider directory is a complete qlib provider (aistock data build-demo)",
            )
    # qlib leaves a relative tmp/ folder behind in the working directory (see qlib_runtime.md §6).
    shutil.rmtree(ws / "tmp", ignore_errors=True)


def artifacts_dir(ws: Path) -> Path:
    """The recorder's artifact folder: ``mlruns/<experiment>/<run>/artifacts`` holding pred.pkl."""
    found = sorted(ws.glob("mlruns/*/*/artifacts/pred.pkl"))
    if len(found) != 1:
        raise DemoExportError(f"{ws} holds {len(found)} recorders with pred.pkl", "rebuild the demo export")
    return found[0].parent


def _write_results(
    record: catalogs.WorkspaceRecord,
    plan: LoopPlan,
    qlib_res: dict[str, float],
    baseline: dict[str, float] | None,
    closes: pd.Series,
    run_id: str,
    at: str,
) -> None:
    ws = record.local_dir
    pred = pd.read_pickle(artifacts_dir(ws) / "pred.pkl")
    signals = top_signals(pred, closes, topk=plan.topk, n_drop=plan.n_drop, generated_at=at)
    signals.to_parquet(ws / "signals.parquet", index=False)
    signals.to_json(ws / "signals.json", orient="table", index=False, date_format="iso", force_ascii=False)
    impl_version = at[:10].replace("-", "")
    write_json(ws / "factor_meta.json", factor_meta(plan, task_run_id=run_id, created_at=at,
                                                    impl_version=impl_version))  # fmt: skip
    perf = factor_perf(plan, qlib_res, task_run_id=run_id, at=at)
    write_json(ws / "factor_perf.json", perf)
    fb = feedback(plan, qlib_res, baseline, task_run_id=run_id, at=at)
    write_json(ws / "feedback.json", fb)
    ids = {"task_run_id": run_id, "loop_id": plan.loop_id, "workspace_id": record.workspace_id}
    assert record.config is not None
    write_json(ws / "model_meta.json", model_meta(plan, record.config, ids))
    write_json(ws / "workspace_meta.json", _workspace_meta(record, at))
    record.metrics = perf["combinations"][0]["windows"][0]["metrics"]
    record.headline = summary_metrics(qlib_res)
    record.decision = bool(fb["decision"])
    record.summary = fb["summary"]


def _workspace_meta(record: catalogs.WorkspaceRecord, at: str) -> dict[str, Any]:
    return {
        "version": "v1",
        "task_run_id": record.task_run_id,
        "loop_id": record.loop_id,
        "workspace_id": record.workspace_id,
        "workspace_role": record.role,
        "workspace_path": record.workspace_path,
        "status": "success",
        "has_result": record.has_result,
        "result_criteria": "qlib_res.csv" if record.config is not None else "factor.py",
        "created_at_utc": at,
    }


def _factor_workspace(
    root: Path, plan: LoopPlan, seed: int, run_id: str, at: str, experiment: catalogs.WorkspaceRecord
) -> catalogs.WorkspaceRecord:
    """The model-less sub-workspace that holds a factor loop's ``factor.py`` (RD-Agent has one
    per implemented factor; the catalogs list it as another row of the same loop)."""
    ws_id = workspace_id(seed, plan.loop_id, "factor")
    record = catalogs.WorkspaceRecord(
        task_run_id=run_id,
        loop_id=plan.loop_id,
        workspace_id=ws_id,
        role="sub_workspace",
        local_dir=root / WORKSPACE_DIR / ws_id,
        action=plan.action,
        has_result=True,
        asset_bundle_id=experiment.asset_bundle_id,
        factor_names=[f.name for f in plan.python_factors],
        metrics={},
        headline={},
        decision=None,
        summary={},
        config=None,
        started_at=experiment.started_at,
    )
    write_json(record.local_dir / "workspace_meta.json", _workspace_meta(record, at))
    return record


def _write_catalogs(root: Path, records: list[catalogs.WorkspaceRecord], at: str) -> None:
    target = root / CATALOG_DIR
    alpha = catalogs.alpha158_meta(at)
    write_json(target / "alpha158_meta.json", alpha)
    workspace_factors: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for record in records:
        meta_path = record.local_dir / "factor_meta.json"
        if record.config is None or not meta_path.exists():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for entry in meta["factors"]:
            workspace_factors.append((entry, dict(record.headline)))
    write_json(target / "factor_catalog.json", catalogs.factor_catalog(alpha, workspace_factors, at))
    write_json(target / "strategy_catalog.json", catalogs.strategy_catalog(records, at))
    write_json(target / "loop_catalog.json", catalogs.loop_catalog(records, at))
    write_json(target / "model_catalog.json", catalogs.model_catalog(records, at))


def _write_bundle(root: Path, record: catalogs.WorkspaceRecord, at: str, seed: int) -> None:
    """A solidified bundle as ``rdagent/utils/solidification.py`` lays it out (no mlruns)."""
    bundle = root / BUNDLE_DIR / record.asset_bundle_id
    target = bundle / "workspaces" / record.workspace_id
    target.mkdir(parents=True)
    ws = record.local_dir
    configs = sorted(ws.glob("*.yaml"))
    for conf in configs:
        shutil.copy2(conf, target / conf.name)
    shutil.copy2(artifacts_dir(ws) / "params.pkl", target / "model.pkl")
    sub = ws.parent / workspace_id(seed, record.loop_id, "factor")
    if sub.is_dir() and (sub / "factor.py").exists():
        shutil.copy2(sub / "factor.py", target / "factor.py")
    write_json(
        bundle / "manifest.json",
        {
            "schema_version": 1,
            "asset_bundle_id": record.asset_bundle_id,
            "task_run_id": record.task_run_id,
            "loop_id": record.loop_id,
            "generated_at_utc": at,
            "primary_workspace_id": record.workspace_id,
            "source_workspace_path": record.workspace_path,
            "log_dir": "",
            "log_uri": "",
            "primary_assets": {
                "factor_entry_relpath": f"workspaces/{record.workspace_id}/factor.py"
                if (target / "factor.py").exists()
                else None,
                "model_weight_relpath": f"workspaces/{record.workspace_id}/model.pkl",
                "config_relpath": f"workspaces/{record.workspace_id}/{configs[0].name}" if configs else None,
            },
        },
    )
