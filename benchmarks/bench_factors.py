"""Alpha158 with our FactorEngine against qlib's expression engine, on the same data in one run.

Computes all 158 Alpha158 columns for every instrument of the demo market (300 stocks × 1200
days, built first unless ``--provider`` is given) over the whole calendar:

* ours — ``FactorEngine(DataService(QlibProviderSource(dir))).compute_factor_set(["alpha158"],
  "all", first, last)``;
* qlib — ``D.features(D.instruments("all"), <the 158 expressions>, first, last)`` after
  ``qlib.init(kernels=K)`` with K = the number of cores (qlib's best case) and K = 1.

Each case runs in a fresh subprocess so its peak memory is its own (qlib's workers are counted
through the largest child). The first call is timed separately — for us it includes loading the
compiled numba kernels from their cache (or compiling them, on a fresh checkout) — then the
median of ``--repeat`` further calls; qlib's in-memory expression cache is cleared before each.
Finally the two frames are compared column by column: rows, NaN positions, relative error.

Usage::

    .venv/bin/python benchmarks/bench_factors.py
    .venv/bin/python benchmarks/bench_factors.py --provider DIR --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _peak_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, in MB (Linux: KiB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def _worker(case: str, provider: str, repeat: int, out: str | None) -> dict[str, Any]:
    if case == "build":
        from aistock.data.demo_market import build_demo_market

        began = time.perf_counter()
        build_demo_market(Path(provider), seed=7, stocks=300, days=1200)
        return {"case": case, "seconds": time.perf_counter() - began}
    from aistock.factors.alpha import ALPHA158

    if case == "ours":
        from aistock.data import DataService, QlibProviderSource
        from aistock.factors.engine import FactorEngine

        service = DataService(QlibProviderSource(provider))
        days = service.calendar()
        engine = FactorEngine(service)

        def call() -> Any:
            return engine.compute_factor_set(["alpha158"], "all", days[0], days[-1])

        def reset() -> None:
            return None
    else:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import qlib
        from qlib.data import D
        from qlib.data.cache import H

        kernels = int(case.removeprefix("qlib_k"))
        os.chdir(tempfile.mkdtemp(prefix="bench_qlib_"))
        qlib.init(provider_uri=provider, region="cn", kernels=kernels, logging_level="ERROR")
        cal = D.calendar(freq="day")
        fields = list(ALPHA158.expressions)

        def call() -> Any:
            return D.features(D.instruments("all"), fields, cal[0], cal[-1], freq="day")

        def reset() -> None:
            for key in ("c", "i", "f"):
                H[key].clear()

    before, _ = _peak_mb()
    began = time.perf_counter()
    frame = call()
    first = time.perf_counter() - began
    times = []
    for _ in range(repeat):
        reset()
        began = time.perf_counter()
        frame = call()
        times.append(time.perf_counter() - began)
    after, kids = _peak_mb()
    if out:
        with Path(out).open("wb") as fh:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {
        "case": case,
        "first": first,
        "times": times,
        "median": statistics.median(times) if times else first,
        "rows": len(frame),
        "peak_mb": after,
        "work_mb": after - before,
        "children_peak_mb": kids,
    }


def _run_case(case: str, provider: Path, repeat: int, out: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", case, "--provider", str(provider), "--repeat", str(repeat)]
    if out is not None:
        cmd += ["--dump", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _compare(ours_path: Path, qlib_path: Path) -> str:
    """Same rows, same NaN places, worst relative error over all 158 columns."""
    import numpy as np
    import pandas as pd

    from aistock.core.codes import to_canonical

    with ours_path.open("rb") as fh:
        ours: pd.DataFrame = pickle.load(fh)
    with qlib_path.open("rb") as fh:
        theirs: pd.DataFrame = pickle.load(fh)
    codes = theirs.index.get_level_values("instrument").map(to_canonical)
    dates = theirs.index.get_level_values("datetime")
    theirs.index = pd.MultiIndex.from_arrays([dates, codes], names=["datetime", "instrument"])
    theirs = theirs.sort_index()
    if not ours.index.equals(theirs.index):
        return f"DIFFERENT rows: ours {len(ours):,}, qlib {len(theirs):,}"
    a = ours.to_numpy(dtype=np.float64)
    b = theirs.to_numpy(dtype=np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if not np.array_equal(nan_a, nan_b):
        return f"DIFFERENT NaN places in {int((nan_a != nan_b).sum()):,} cells"
    ok = ~nan_a & np.isfinite(b)
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-12)
    exact = float((a[ok] == b[ok]).mean())
    return (
        f"{a.shape[0]:,} rows × {a.shape[1]} columns, NaN in the same {int(nan_a.sum()):,} cells, "
        f"max relative error {rel.max():.2e}, {exact:.2%} of values bit-identical"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", type=Path, help="a qlib provider directory (default: build the demo)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per case after the first")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, str(args.provider), args.repeat, args.dump)))
        return

    scratch = Path(tempfile.mkdtemp(prefix="bench_factors_"))
    provider: Path = args.provider or scratch / "demo_qlib_data"
    if args.provider is None:
        built = _run_case("build", provider, 0, None)
        print(f"built the demo market (seed 7, 300 stocks, 1200 days) in {built['seconds']:.1f} s")
    cores = os.cpu_count() or 1
    ours = _run_case("ours", provider, args.repeat, scratch / "ours.pkl")
    cases = [("ours: FactorEngine", ours)]
    q_cores = _run_case(f"qlib_k{cores}", provider, args.repeat, scratch / "qlib.pkl")
    cases.append((f"qlib D.features, kernels={cores}", q_cores))
    if cores != 1:
        cases.append(("qlib D.features, kernels=1", _run_case("qlib_k1", provider, args.repeat, None)))

    print(f"\nAlpha158, all instruments, whole calendar; median of {args.repeat} after a first call")
    columns = ("rows", "first s", "median s", "peak MB", "work MB", "kids MB", "time ×", "peak ×")
    header = f"{'case':34} " + " ".join(f"{c:>9}" for c in columns)
    print(header)
    print("-" * len(header))
    for label, r in cases:
        time_ratio = "" if r is ours else f"{r['median'] / ours['median']:.1f}"
        peak = r["peak_mb"] + r["children_peak_mb"] * (0 if r is ours else 1)
        peak_ratio = "" if r is ours else f"{peak / ours['peak_mb']:.2f}"
        print(
            f"{label:34} {r['rows']:>9,} {r['first']:>9.3f} {r['median']:>9.3f} {r['peak_mb']:>9.0f} "
            f"{r['work_mb']:>9.0f} {r['children_peak_mb']:>9.0f} {time_ratio:>9} {peak_ratio:>9}"
        )
    print(
        "(time × and peak × are qlib over ours; qlib's peak counts its main process plus its largest worker)"
    )
    print(f"\nours vs qlib kernels={cores}: {_compare(scratch / 'ours.pkl', scratch / 'qlib.pkl')}")


if __name__ == "__main__":
    main()
