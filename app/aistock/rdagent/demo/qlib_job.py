"""Train one demo loop with real qlib, as RD-Agent's ``qrun conf.yaml`` does — in its own process.

Run as ``python -m aistock.rdagent.demo.qlib_job JOB.json`` with the workspace as working
directory. A separate process because ``qlib.init`` is process-global, qlib runs ``git`` in the
working directory and writes relative ``mlruns``/``tmp`` folders there, and LightGBM and MLflow
are heavy imports the workstation itself never needs.

The steps mirror RD-Agent's factor runner and ``read_exp_res.py``:

1. compute the loop's extra factors on qlib's side of the fence — expressions with qlib's own
   ``D.features``, Python factors by running ``factor.py`` on a ``daily_pv.h5`` built from
   ``D.features`` — and write ``combined_factors_df.parquet``;
2. ``task_train`` the workflow's task (model fit, ``params.pkl``, the ``dataset`` with its fitted
   processors, SignalRecord → ``pred.pkl``, SigAnaRecord → IC, PortAnaRecord → qlib's backtest
   and ``risk_analysis``) and save the config into the recorder;
3. ``qlib_res.csv`` = ``pd.Series(recorder.list_metrics()).to_csv()`` and ``ret.pkl``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


def _daily_pv(start: str, end: str) -> Any:
    """RD-Agent's ``daily_pv.h5`` frame from qlib: ``(datetime, instrument)``, no ``$``."""
    from qlib.data import D

    from aistock.rdagent.instrument_codes import recode_instruments, to_canonical

    fields = ["$open", "$high", "$low", "$close", "$volume", "$amount", "$factor"]
    frame = D.features(D.instruments("all"), fields, start, end).swaplevel().sort_index()
    frame.columns = [c.lstrip("$") for c in frame.columns]
    return recode_instruments(frame.rename_axis(["datetime", "instrument"]), to_canonical)


def _combined_factors(job: dict[str, Any]) -> None:
    import pandas as pd
    from qlib.data import D

    from aistock.rdagent.instrument_codes import recode_instruments, to_qlib
    from aistock.rdagent.runtime.pyfactor import FactorSource, run_factor

    start, end = job["start"], job["end"]
    pieces = []
    expressions = job["expression_factors"]
    if expressions:
        frame = D.features(D.instruments("all"), [e for _, e in expressions], start, end)
        frame.columns = [n for n, _ in expressions]
        pieces.append(frame.swaplevel().sort_index().rename_axis(["datetime", "instrument"]))
    if job["python_factors"]:
        daily_pv = _daily_pv(start, end)
        for name in job["python_factors"]:
            result = run_factor(FactorSource(Path(job["factor_py"]), f"calculate_{name}"), daily_pv)
            pieces.append(recode_instruments(result[[name]], to_qlib).sort_index())
    combined = pd.concat(pieces, axis=1, join="outer").sort_index()
    combined.columns = pd.MultiIndex.from_tuples([("feature", c) for c in combined.columns])
    combined.to_parquet("combined_factors_df.parquet", engine="pyarrow")


def run(job: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    import qlib
    from qlib.model.trainer import task_train
    from ruamel.yaml import YAML

    workspace = Path.cwd()
    qlib.init(
        provider_uri=job["provider"],
        region="cn",
        kernels=int(job.get("kernels", 1)),
        logging_level="WARNING",
        exp_manager={
            "class": "MLflowExpManager",
            "module_path": "qlib.workflow.expm",
            "kwargs": {"uri": "file:" + str(workspace / "mlruns"), "default_exp_name": "Experiment"},
        },
    )
    if job["expression_factors"] or job["python_factors"]:
        _combined_factors(job)
    config = YAML(typ="safe", pure=True).load((workspace / job["conf"]).read_text(encoding="utf-8"))
    recorder = task_train(config["task"], experiment_name="workflow")
    recorder.save_objects(config=config)
    metrics = pd.Series(recorder.list_metrics())
    metrics.to_csv(workspace / "qlib_res.csv")
    recorder.load_object("portfolio_analysis/report_normal_1day.pkl").to_pickle(workspace / "ret.pkl")
    return {"experiment_id": recorder.experiment_id, "recorder_id": recorder.id}


def main() -> None:
    job_path = Path(sys.argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    outcome = run(job)
    job_path.with_suffix(".done.json").write_text(json.dumps(outcome), encoding="utf-8")


if __name__ == "__main__":
    main()
