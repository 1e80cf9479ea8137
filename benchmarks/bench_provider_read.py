"""Reading a qlib provider directory: our numpy reader against qlib's ``D.features``.

Measures, in one run on the same directory:

* the whole market — ``DataService.history("all", first, last, [open, high, low, close,
  volume, factor])`` against ``D.features(D.instruments("all"), ["$open", ...], first, last)``
  with ``qlib.init(kernels=1)`` and ``kernels=2``;
* one instrument's full history, both ways.

Each case runs in a fresh subprocess (so imports and caches of one cannot help another, and its
peak memory is its own): one warm-up call, then the median of ``--repeat`` timed calls. Peak RSS
is ``resource.getrusage(...).ru_maxrss`` of that process (plus its largest child, for qlib's
joblib workers); "read MB" is the growth of the peak during the reads, i.e. without the cost of
importing pandas or qlib. The two whole-market frames are then checked for equality: same rows,
same float32 values, NaN in the same places.

Usage::

    .venv/bin/python benchmarks/bench_provider_read.py                 # builds the demo market
    .venv/bin/python benchmarks/bench_provider_read.py --provider DIR  # any qlib provider dir
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIELDS = ["open", "high", "low", "close", "volume", "factor"]


# -- workers (run in their own process) ---------------------------------------------------------------
def _peak_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, in MB (Linux: KiB units)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / scale / 1024
    return own, kids


def _time(call: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    result = call()  # warm-up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return times, result


def _worker(case: str, provider: str, repeat: int, out: str | None, single: str) -> dict[str, Any]:
    if case == "build":
        from aistock.data.demo_market import build_demo_market

        began = time.perf_counter()
        build_demo_market(Path(provider), seed=7, stocks=300, days=1200)
        return {"case": case, "seconds": time.perf_counter() - began}
    if single == "first":
        single = _first_stock(Path(provider))
    if case == "ours":
        from aistock.data import DataService, QlibProviderSource

        service = DataService(QlibProviderSource(provider))
        days = service.calendar()
        universe: Any = "all" if single == "" else [single]
        before, _ = _peak_mb()
        times, frame = _time(lambda: service.history(universe, days[0], days[-1], FIELDS), repeat)
    else:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import qlib
        from qlib.data import D

        kernels = int(case.removeprefix("qlib_k"))
        os.chdir(tempfile.mkdtemp(prefix="bench_qlib_"))  # whatever qlib writes lands there
        qlib.init(provider_uri=provider, region="cn", kernels=kernels, logging_level="ERROR")
        cal = D.calendar(freq="day")
        instruments: Any = D.instruments("all") if single == "" else [_to_qlib(single)]
        fields = [f"${f}" for f in FIELDS]
        before, _ = _peak_mb()
        times, frame = _time(lambda: D.features(instruments, fields, cal[0], cal[-1], freq="day"), repeat)
    after, kids = _peak_mb()
    if out:
        with Path(out).open("wb") as fh:
            pickle.dump(frame, fh)
    return {
        "case": case,
        "single": single,
        "times": times,
        "median": statistics.median(times),
        "rows": len(frame),
        "peak_mb": after,
        "read_mb": after - before,
        "children_peak_mb": kids,
    }


def _to_qlib(code: str) -> str:
    symbol, exchange = code.split(".")
    return f"{exchange}{symbol}"


# -- the driver ---------------------------------------------------------------------------------------
def _run_case(case: str, provider: Path, repeat: int, out: Path | None, single: str = "") -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", case, "--provider", str(provider), "--repeat", str(repeat)]
    if out is not None:
        cmd += ["--dump", str(out)]
    if single:
        cmd += ["--single", single]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr[-4000:]}")
    line = done.stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(line)
    return result


def _compare(ours_path: Path, qlib_path: Path) -> str:
    """Equal values and NaN places, after putting qlib's frame in our shape."""
    import numpy as np
    import pandas as pd

    from aistock.core.codes import to_canonical

    with ours_path.open("rb") as fh:
        ours: pd.DataFrame = pickle.load(fh)
    with qlib_path.open("rb") as fh:
        theirs: pd.DataFrame = pickle.load(fh)
    theirs.columns = [str(c).removeprefix("$") for c in theirs.columns]
    codes = theirs.index.get_level_values("instrument").map(to_canonical)
    dates = theirs.index.get_level_values("datetime")
    theirs.index = pd.MultiIndex.from_arrays([dates, codes], names=["datetime", "instrument"])
    theirs = theirs.sort_index()
    if len(ours) != len(theirs) or not ours.index.equals(theirs.index):
        return f"DIFFERENT rows: ours {len(ours)}, qlib {len(theirs)}"
    a, b = ours[FIELDS].to_numpy(), theirs[FIELDS].to_numpy()
    if a.dtype != b.dtype:
        return f"DIFFERENT dtypes: ours {a.dtype}, qlib {b.dtype}"
    same_nan = bool((np.isnan(a) == np.isnan(b)).all())
    same_values = bool(np.array_equal(a, b, equal_nan=True))
    nan_count = int(np.isnan(a).sum())
    if same_nan and same_values:
        return f"equal: {len(ours):,} rows × {len(FIELDS)} fields, {nan_count:,} NaN in the same places"
    return f"DIFFERENT: same NaN places={same_nan}, same values={same_values}"


def _first_stock(provider: Path) -> str:
    from aistock.data import QlibProviderSource

    spans = QlibProviderSource(provider).instruments("all")
    return sorted({s.code for s in spans})[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", type=Path, help="a qlib provider directory (default: build the demo)")
    parser.add_argument("--out", type=Path, help="where to build the demo market (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per case, after one warm-up")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--single", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(_worker(args.worker, str(args.provider), args.repeat, args.dump, args.single)))
        return

    # The driver stays small (no pandas, no build in this process) until every worker has run:
    # on Linux a child's ru_maxrss starts from its parent's at fork, so a fat driver would
    # inflate every measurement.
    scratch = Path(tempfile.mkdtemp(prefix="bench_provider_read_"))
    given: Path | None = args.provider
    provider: Path = given or args.out or scratch / "demo_qlib_data"
    if given is None:
        built = _run_case("build", provider, 0, None)
        print(
            f"built the demo market (seed 7, 300 stocks, 1200 days) in {built['seconds']:.1f} s: {provider}"
        )

    rows: list[tuple[str, dict[str, Any]]] = []
    ours = _run_case("ours", provider, args.repeat, scratch / "ours.pkl")
    rows.append(("ours: DataService.history('all')", ours))
    q1 = _run_case("qlib_k1", provider, args.repeat, scratch / "qlib_k1.pkl")
    rows.append(("qlib D.features, kernels=1", q1))
    q2 = _run_case("qlib_k2", provider, args.repeat, scratch / "qlib_k2.pkl")
    rows.append(("qlib D.features, kernels=2", q2))
    s_ours = _run_case("ours", provider, args.repeat, None, "first")
    rows.append((f"ours: one instrument ({s_ours['single']})", s_ours))
    s_q1 = _run_case("qlib_k1", provider, args.repeat, None, "first")
    rows.append(("qlib: one instrument, kernels=1", s_q1))

    def ratio(result: dict[str, Any], base: dict[str, Any]) -> str:
        return "" if result is base else f"{result['median'] / base['median']:.1f}×"

    base_for = {id(q1): ours, id(q2): ours, id(s_q1): s_ours}
    print(f"\nprovider: {provider}  fields: {', '.join(FIELDS)}  median of {args.repeat} after a warm-up")
    columns = ("rows", "seconds", "peak MB", "read MB", "kids MB", "qlib/ours")
    header = f"{'case':40} " + " ".join(f"{c:>9}" for c in columns)
    print(header)
    print("-" * len(header))
    for label, result in rows:
        base = base_for.get(id(result), result)
        print(
            f"{label:40} {result['rows']:>9,} {result['median']:>9.4f} {result['peak_mb']:>9.0f} "
            f"{result['read_mb']:>9.0f} {result['children_peak_mb']:>9.0f} {ratio(result, base):>9}"
        )
    print(f"\nours vs qlib kernels=1: {_compare(scratch / 'ours.pkl', scratch / 'qlib_k1.pkl')}")
    print(f"ours vs qlib kernels=2: {_compare(scratch / 'ours.pkl', scratch / 'qlib_k2.pkl')}")


if __name__ == "__main__":
    main()
