"""Selection latency: one trading day over every demo stock, ours against qlib's online inference.

Builds (or reuses, ``--provider`` / ``--export``) the demo market (seed 7, 300 stocks × 1200
days) and the demo RD-Agent export trained on it, then scores one trading day — the market's
last — with two loops: loop 0 (RD-Agent's baseline: the ``Alpha158`` handler + FilterCol, 20
features) and loop 3 (a ``QlibDataLoader`` with 12 Alpha158 features).

* ours — ``ModelRuntime(DataService(QlibProviderSource(dir)))``: ``load`` (trusted unpickle of
  ``params.pkl`` and ``dataset``, the feature plan) then ``predict(day, day)`` (FactorEngine over
  the look-back, qlib's ``DataHandlerLP(init_data=False)`` + ``IT_LS``, ``model.predict``);
* qlib — qlib's own online path (``qlib.workflow.online.update``'s recipe): ``qlib.init`` on
  the provider, unpickle ``params.pkl`` and ``dataset``, ``dataset.config(handler_kwargs=
  {start_time, end_time}, segments={"test": (day, day)})``, ``dataset.setup_data(handler_kwargs=
  {"init_type": IT_LS})`` and ``model.predict``. Its handler recomputes every column it was
  configured with (all 158 Alpha158 features for loop 0) over the look-back qlib derives.

Each case runs in a fresh process. "cold" = the first selection in that process, including the
imports of qlib/numba/LightGBM that the first call triggers (what an analyst waits for after
opening the app); "warm" = the median of ``--repeat`` further calls on other days (the model is
already loaded). The scores of both paths are compared (max |Δ|); exit 1 if they differ by
more than 1e-6.

Usage::

    .venv/bin/python benchmarks/bench_selection.py
    .venv/bin/python benchmarks/bench_selection.py --provider DIR --export DIR --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LOOPS = (0, 3)

_OURS = r"""
import json, sys, time, resource, pickle
t0 = time.perf_counter()
import datetime as dt
from pathlib import Path
from aistock.data import DataService, QlibProviderSource
from aistock.rdagent.runtime.model_runtime import LoopSource, ModelRuntime
from aistock.rdagent.instrument_codes import recode_instruments, to_qlib
provider, export, ws, days, out = sys.argv[1:6]
days = [dt.date.fromisoformat(d) for d in days.split(",")]
runtime = ModelRuntime(DataService(QlibProviderSource(Path(provider))))
source = LoopSource(key=ws, workspace=Path(export) / "git_ignore_folder/RD-Agent_workspace" / ws,
                    trusted_roots=(Path(export),))
loaded = runtime.load(source)
scores = runtime.predict(loaded, days[0], days[0])
cold = time.perf_counter() - t0
warm = []
for day in days[1:]:
    t = time.perf_counter(); runtime.predict(loaded, day, day); warm.append(time.perf_counter() - t)
pickle.dump(recode_instruments(scores, to_qlib), open(out, "wb"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold": cold, "warm": warm, "rss_mb": peak}))
"""

_QLIB = r"""
import json, sys, time, resource, pickle, os, io, contextlib
t0 = time.perf_counter()
import pandas as pd
import qlib
from qlib.data.dataset.handler import DataHandlerLP
provider, export, ws, days, out = sys.argv[1:6]
days = days.split(",")
qlib.init(provider_uri=provider, region="cn", kernels=1, logging_level="ERROR")
from pathlib import Path
art = next(Path(export).glob(f"git_ignore_folder/RD-Agent_workspace/{ws}/mlruns/*/*/artifacts"))
with contextlib.redirect_stdout(io.StringIO()):
    model = pickle.load(open(art / "params.pkl", "rb"))
dataset = pickle.load(open(art / "dataset", "rb"))

def score(day):
    dataset.config(handler_kwargs={"start_time": day, "end_time": day}, segments={"test": (day, day)})
    dataset.setup_data(handler_kwargs={"init_type": DataHandlerLP.IT_LS})
    return model.predict(dataset, segment="test")

scores = score(days[0])
cold = time.perf_counter() - t0
warm = []
for day in days[1:]:
    t = time.perf_counter(); score(day); warm.append(time.perf_counter() - t)
pickle.dump(scores, open(out, "wb"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold": cold, "warm": warm, "rss_mb": peak}))
"""


def _run(code: str, args: list[str], cwd: Path) -> dict[str, Any]:
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", PYTHONHASHSEED="0")
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"case failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--provider", type=Path)
    parser.add_argument("--export", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench_selection_"))
    provider = args.provider or scratch / "qlib_data"
    if args.provider is None:
        from aistock.data.demo_market import build_demo_market

        build_demo_market(provider, seed=7, stocks=300, days=1200)
    export = args.export or scratch / "RD-Agent-main"
    if args.export is None:
        from aistock.rdagent.demo.build import build_demo_export

        started = time.perf_counter()
        build_demo_export(provider, export, seed=7)
        print(f"demo export trained in {time.perf_counter() - started:.0f} s")
    manifest = json.loads((export / "demo_export.json").read_text(encoding="utf-8"))
    calendar = (provider / "calendars" / "day.txt").read_text().split()
    days = calendar[-1 : -(args.repeat + 2) : -1]  # the last day cold, earlier days warm
    stocks = len((provider / "instruments" / "all.txt").read_text().splitlines())
    print(f"one-day selection over {stocks} instruments, {days[0]} (warm: {', '.join(days[1:])})\n")
    print(f"{'loop':<28}{'case':<8}{'cold s':>9}{'warm s':>9}{'peak MB':>9}{'qlib÷ours cold':>16}{'warm':>7}")
    worst = 0.0
    for loop in manifest["loops"]:
        if loop["loop_id"] not in LOOPS:
            continue
        ws = loop["workspace_id"]
        results = {}
        for name, code in (("ours", _OURS), ("qlib", _QLIB)):
            out = scratch / f"{name}_{ws}.pkl"
            results[name] = _run(code, [str(provider), str(export), ws, ",".join(days), str(out)], scratch)
            results[name]["scores"] = pickle.loads(out.read_bytes())
        label = f"{loop['loop_id']} ({len(loop['factors'])} features)"
        for name in ("ours", "qlib"):
            r = results[name]
            warm = statistics.median(r["warm"]) if r["warm"] else float("nan")
            ratio = ""
            if name == "qlib":
                o = results["ours"]
                ratio = f"{r['cold'] / o['cold']:>16.1f}{warm / statistics.median(o['warm']):>7.1f}"
            print(f"{label:<28}{name:<8}{r['cold']:>9.2f}{warm:>9.3f}{r['rss_mb']:>9.0f}{ratio}")
        import pandas as pd

        ours, theirs = results["ours"]["scores"], results["qlib"]["scores"]
        joined = pd.concat([ours.rename("ours"), theirs.rename("qlib")], axis=1)
        diff = float((joined["ours"] - joined["qlib"]).abs().max())
        worst = max(worst, diff if joined.notna().all().all() else float("inf"))
        print(f"{'':<28}scores: {len(ours)} vs {len(theirs)} rows, max |Δ| = {diff:.2e}")
    return 0 if worst <= 1e-6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
