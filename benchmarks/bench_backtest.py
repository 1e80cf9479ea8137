"""A TopkDropout backtest with our StrategyEngine against qlib's ``backtest_daily``, same data, one run.

Builds the demo market (seed 7, 300 stocks × 400 days, ending on a fixed date; ``--provider``
to use another directory) and a deterministic random signal — ``numpy.random.default_rng(seed)``
scores for every instrument of the ``all`` market on every trading day of the backtest range
plus the day before, a Series on a (datetime, instrument) index with qlib's names, pickled —
then backtests one trading year (the last ``--backtest-days`` sessions, a few kept after it):

* ours — ``StrategyEngine(DataService(QlibProviderSource(dir))).run_backtest(pred,
  TopkDropoutConfig(topk=50, n_drop=5), BacktestSettings(start, end, benchmark="SH000300"))``
  and ``result.risk()``;
* qlib — ``backtest_daily(start, end, TopkDropoutStrategy(signal=pred, topk=50, n_drop=5),
  account=1e8, benchmark="SH000300", exchange_kwargs=...)`` (limit 0.095, close price, costs
  0.0005 / 0.0015 / min 5) and ``risk_analysis`` of the excess return without and with cost,
  after ``qlib.init(kernels=1)``.

Each case runs in a fresh subprocess so its peak memory is its own. Imports, the signal's
unpickling, building the engine and ``qlib.init`` are not timed (``qlib.init`` is reported
apart). The first call is timed alone ("cold": it pays the one-off costs — for us parsing the
provider's calendar and instrument files, a few milliseconds, which later calls find in the
source's file cache; for qlib filling its calendar and instrument caches and lazy imports);
then the median of ``--repeat`` further calls in the same process ("warm"). qlib's in-memory
feature cache ``H["f"]`` is cleared before each call since ours keeps no feature values
between calls (both keep their parsed calendar and instrument lists).

Finally the two runs are compared: the report column by column (largest relative difference;
a value below a millionth of its column's largest counts as that large, since e.g. the first
day's return is 0 exactly and ±1e-16 in floating point), the risk tables, and the set of
instruments held each day. The script exits with 1 if a column differs by more than 1e-6
relative or the holdings differ on any day. qlib's last bits depend on the string hash seed
(it adds up a position in set order), so the workers run with ``PYTHONHASHSEED=0``.

Usage::

    .venv/bin/python benchmarks/bench_backtest.py
    .venv/bin/python benchmarks/bench_backtest.py --quick      # 100 stocks, 120-day backtest, 1 repeat
    .venv/bin/python benchmarks/bench_backtest.py --provider DIR --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
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

SEED = 7
DEMO_END = dt.date(2025, 12, 31)  # fixed, so every run builds the same market
TAIL = 5  # sessions kept after the backtest (qlib's calendar looks one step ahead)
TOPK, N_DROP = 50, 5
BENCHMARK = "SH000300"
TOLERANCE = 1e-6


def _peak_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, in MB (Linux: KiB units)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / scale / 1024
    return own, kids


# -- workers (run in their own process) ---------------------------------------------------------------
def _prepare(provider: str, signal: str, build: bool, stocks: int, days: int, span: int) -> dict[str, Any]:
    """Build the demo market if asked, pick the backtest range and pickle the signal."""
    import numpy as np
    import pandas as pd

    from aistock.core.codes import parse_code
    from aistock.data.qlib_provider import QlibProviderSource

    seconds = 0.0
    if build:
        from aistock.data.demo_market import build_demo_market

        began = time.perf_counter()
        build_demo_market(Path(provider), seed=SEED, stocks=stocks, days=days, end=DEMO_END)
        seconds = time.perf_counter() - began
    source = QlibProviderSource(provider)
    calendar = source.calendar()
    if len(calendar) < span + TAIL + 2:
        raise SystemExit(f"the provider has {len(calendar)} sessions; a {span}-day backtest needs more")
    last = len(calendar) - 1 - TAIL
    first = last - span + 1
    codes = sorted({parse_code(s.code).qlib for s in source.instruments("all")})
    stamps = pd.DatetimeIndex([pd.Timestamp(d) for d in calendar[first - 1 : last + 1]])
    scores = np.random.default_rng(SEED).standard_normal(len(stamps) * len(codes))
    index = pd.MultiIndex.from_product([stamps, codes], names=["datetime", "instrument"])
    pd.Series(scores, index=index, name="score").to_pickle(signal)
    return {
        "case": "prepare",
        "seconds": seconds,
        "start": calendar[first].isoformat(),
        "end": calendar[last].isoformat(),
        "days": span,
        "instruments": len(codes),
        "rows": len(index),
    }


def _worker(
    case: str, provider: str, signal: str, start: str, end: str, repeat: int, out: str
) -> dict[str, Any]:
    import pandas as pd

    pred: pd.Series = pd.read_pickle(signal)
    first_day, last_day = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if case == "ours":
        from aistock.data.qlib_provider import QlibProviderSource
        from aistock.data.service import DataService
        from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
        from aistock.trading.portfolio.config import TopkDropoutConfig

        began = time.perf_counter()
        engine = StrategyEngine(DataService(QlibProviderSource(provider)))
        init = time.perf_counter() - began
        config = TopkDropoutConfig(topk=TOPK, n_drop=N_DROP)
        settings = BacktestSettings(first_day, last_day, benchmark=BENCHMARK)

        def call() -> dict[str, Any]:
            result = engine.run_backtest(pred, config, settings)
            risk = result.risk()
            return {"report": result.report, "risk": risk, "held": result.positions}

        def reset() -> None:
            return None
    else:
        import warnings

        warnings.filterwarnings("ignore")
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import qlib
        from qlib.contrib.evaluate import backtest_daily, risk_analysis
        from qlib.contrib.strategy import TopkDropoutStrategy
        from qlib.data.cache import H

        os.chdir(tempfile.mkdtemp(prefix="bench_qlib_"))  # whatever qlib writes lands there
        began = time.perf_counter()
        qlib.init(provider_uri=provider, region="cn", kernels=1, logging_level="ERROR")
        init = time.perf_counter() - began
        exchange = {
            "limit_threshold": 0.095,
            "deal_price": "close",
            "open_cost": 0.0005,
            "close_cost": 0.0015,
            "min_cost": 5,
        }

        def call() -> dict[str, Any]:
            strategy = TopkDropoutStrategy(signal=pred, topk=TOPK, n_drop=N_DROP)
            report, positions = backtest_daily(
                start, end, strategy, account=1e8, benchmark=BENCHMARK, exchange_kwargs=exchange
            )
            excess = report["return"] - report["bench"]
            risk = pd.DataFrame(
                {
                    "excess_return_without_cost": risk_analysis(excess, freq="day")["risk"],
                    "excess_return_with_cost": risk_analysis(excess - report["cost"], freq="day")["risk"],
                }
            )
            return {"report": report, "risk": risk, "held": positions}

        def reset() -> None:
            H["f"].clear()

    before, _ = _peak_mb()
    timed = _timed(call, reset, repeat)
    after, kids = _peak_mb()
    output = timed["output"]
    output["held"] = (_our_holdings if case == "ours" else _qlib_holdings)(output["held"])
    with Path(out).open("wb") as fh:
        pickle.dump(output, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {
        "case": case,
        "init": init,
        "first": timed["first"],
        "times": timed["times"],
        "median": statistics.median(timed["times"]) if timed["times"] else timed["first"],
        "peak_mb": after,
        "work_mb": after - before,
        "children_peak_mb": kids,
    }


def _timed(call: Callable[[], dict[str, Any]], reset: Callable[[], None], repeat: int) -> dict[str, Any]:
    reset()
    began = time.perf_counter()
    output = call()
    first = time.perf_counter() - began
    times = []
    for _ in range(repeat):
        reset()
        began = time.perf_counter()
        output = call()
        times.append(time.perf_counter() - began)
    return {"first": first, "times": times, "output": output}


def _our_holdings(positions: Any) -> dict[str, list[str]]:
    held: dict[str, list[str]] = {}
    for day, code in positions.index:
        held.setdefault(day.date().isoformat(), []).append(str(code))
    return {day: sorted(codes) for day, codes in held.items()}


def _qlib_holdings(positions: dict[Any, Any]) -> dict[str, list[str]]:
    from aistock.core.codes import parse_code

    skip = {"cash", "now_account_value", "cash_delay"}
    held: dict[str, list[str]] = {}
    for day, position in positions.items():
        names = set(position.position) - skip
        if names:
            held[day.date().isoformat()] = sorted(parse_code(n).canonical for n in names)
    return held


# -- the driver ---------------------------------------------------------------------------------------
def _run(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *args]
    # qlib sums a position's values in set order, so its last bits follow the string hash seed.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{args[1]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _max_rel(a: Any, b: Any) -> tuple[float, int]:
    """Largest relative difference and the number of bit-identical values.

    Relative to the larger of the two values, but never to less than a millionth of the
    column's largest magnitude: a value that small is the rounding noise of a difference of
    near-equal numbers (the first day's return is 0 exactly, ±1e-16 in floating point).
    """
    import numpy as np

    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return float("inf"), 0
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    if not x.size or same.all():
        return 0.0, int(same.sum())
    both = np.concatenate([np.abs(x), np.abs(y)])
    floor = 1e-6 * float(np.nanmax(both)) if np.isfinite(both).any() else 0.0
    scale = np.maximum(np.maximum(np.abs(x), np.abs(y)), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(same, 0.0, np.abs(x - y) / scale)
    return float(np.nan_to_num(rel, nan=np.inf).max()), int(same.sum())


def _compare(ours_path: Path, qlib_path: Path) -> tuple[bool, list[str]]:
    """Report columns, risk tables and daily holdings; ``(ok, lines to print)``."""
    import pandas as pd

    with ours_path.open("rb") as fh:
        ours: dict[str, Any] = pickle.load(fh)
    with qlib_path.open("rb") as fh:
        theirs: dict[str, Any] = pickle.load(fh)
    ok = True
    lines: list[str] = []
    a: pd.DataFrame = ours["report"]
    b: pd.DataFrame = theirs["report"]
    if not pd.DatetimeIndex(a.index).equals(pd.DatetimeIndex(b.index)):
        lines.append(f"report rows DIFFER: ours {len(a)} days, qlib {len(b)} days")
        ok = False
    else:
        cells = []
        identical = 0
        for column in a.columns:
            if column not in b.columns:
                cells.append(f"{column} missing in qlib")
                ok = False
                continue
            rel, same = _max_rel(a[column], b[column])
            ok &= rel <= TOLERANCE
            identical += same
            cells.append(f"{column} {rel:.1e}")
        lines.append(f"report, {len(a)} days × {len(a.columns)} columns, max relative difference:")
        lines.append("  " + ", ".join(cells[:5]) + ",")
        lines.append("  " + ", ".join(cells[5:]))
        lines.append(f"  ({identical / a.size:.1%} of the values bit-identical)")
    risk_cells = []
    for column in ours["risk"].columns:
        rel, _ = _max_rel(ours["risk"][column], theirs["risk"][column].reindex(ours["risk"].index))
        ok &= rel <= TOLERANCE
        risk_cells.append(f"{column} {rel:.1e}")
    lines.append("risk_analysis, max relative difference: " + ", ".join(risk_cells))
    ours_held: dict[str, list[str]] = ours["held"]
    qlib_held: dict[str, list[str]] = theirs["held"]
    days = sorted(set(ours_held) | set(qlib_held))
    differ = [d for d in days if ours_held.get(d) != qlib_held.get(d)]
    counts = [len(v) for v in ours_held.values()] or [0]
    if differ:
        ok = False
        d = differ[0]
        only_ours = sorted(set(ours_held.get(d, [])) - set(qlib_held.get(d, [])))
        only_qlib = sorted(set(qlib_held.get(d, [])) - set(ours_held.get(d, [])))
        lines.append(
            f"holdings DIFFER on {len(differ)} of {len(days)} days; first {d}: "
            f"only ours {only_ours[:5]}, only qlib {only_qlib[:5]}"
        )
    else:
        lines.append(
            f"holdings equal on all {len(days)} days ({min(counts)}-{max(counts)} names a day, "
            f"{sum(counts):,} (day, name) pairs)"
        )
    both = ours["risk"].loc[["annualized_return", "information_ratio", "max_drawdown"]]
    lines.append(
        "ours: excess with cost "
        + ", ".join(f"{k} {v:.6f}" for k, v in both["excess_return_with_cost"].items())
        + f"; final account {a['account'].iloc[-1]:,.2f} (qlib {b['account'].iloc[-1]:,.2f})"
    )
    return ok, lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", type=Path, help="a qlib provider directory (default: build the demo)")
    parser.add_argument("--stocks", type=int, default=300, help="demo market size (default 300)")
    parser.add_argument("--days", type=int, default=400, help="demo market sessions (default 400)")
    parser.add_argument("--backtest-days", type=int, default=243, help="sessions backtested (default 243)")
    parser.add_argument("--repeat", type=int, default=10, help="timed calls per case after the first")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 100 stocks, 120-day backtest, 1 repeat"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--signal", help=argparse.SUPPRESS)
    parser.add_argument("--range", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.stocks, args.days, args.backtest_days, args.repeat = 100, 200, 120, 1

    if args.worker == "prepare":
        result = _prepare(
            str(args.provider), args.signal, args.build, args.stocks, args.days, args.backtest_days
        )
        print(json.dumps(result))
        return
    if args.worker:
        start, end = args.range
        print(
            json.dumps(
                _worker(args.worker, str(args.provider), args.signal, start, end, args.repeat, args.dump)
            )
        )
        return

    # The driver stays small (no pandas here) until every worker has run: on Linux a child's
    # ru_maxrss starts from its parent's at fork, so a fat driver would inflate every measurement.
    scratch = Path(tempfile.mkdtemp(prefix="bench_backtest_"))
    provider: Path = args.provider or scratch / "demo_qlib_data"
    signal = scratch / "pred.pkl"
    common = ["--provider", str(provider), "--signal", str(signal)]
    prep = ["--worker", "prepare", *common, "--stocks", str(args.stocks), "--days", str(args.days)]
    prep += ["--backtest-days", str(args.backtest_days)] + ([] if args.provider else ["--build"])
    ready = _run(prep)
    if args.provider is None:
        print(
            f"built the demo market (seed {SEED}, {args.stocks} stocks, {args.days} days to {DEMO_END}) "
            f"in {ready['seconds']:.1f} s"
        )
    print(
        f"signal: {ready['rows']:,} random scores ({ready['instruments']} instruments); backtest "
        f"{ready['start']}..{ready['end']} ({ready['days']} sessions), TopkDropout topk={TOPK} "
        f"n_drop={N_DROP}, benchmark {BENCHMARK}"
    )
    span = ["--range", ready["start"], ready["end"], "--repeat", str(args.repeat)]
    results: dict[str, dict[str, Any]] = {}
    for case in ("ours", "qlib"):
        results[case] = _run(["--worker", case, *common, *span, "--dump", str(scratch / f"{case}.pkl")])
    ours, theirs = results["ours"], results["qlib"]

    print(
        f"\nbacktest + risk, one process per case; warm = median of {args.repeat} after the cold first call"
    )
    columns = ("init s", "cold s", "warm s", "peak MB", "work MB", "cold ×", "warm ×", "peak ×")
    header = f"{'case':36} " + " ".join(f"{c:>8}" for c in columns)
    print(header)
    print("-" * len(header))
    rows = (
        ("ours: StrategyEngine.run_backtest", ours),
        ("qlib backtest_daily, kernels=1", theirs),
    )
    for label, r in rows:
        peak = r["peak_mb"] + (0 if r is ours else r["children_peak_mb"])
        ratios = (
            ("", "", "")
            if r is ours
            else (
                f"{r['first'] / ours['first']:.1f}",
                f"{r['median'] / ours['median']:.1f}",
                f"{peak / ours['peak_mb']:.2f}",
            )
        )
        print(
            f"{label:36} {r['init']:>8.3f} {r['first']:>8.3f} {r['median']:>8.3f} {peak:>8.0f} "
            f"{r['work_mb']:>8.0f} {ratios[0]:>8} {ratios[1]:>8} {ratios[2]:>8}"
        )
    print(
        "(× columns are qlib over ours; init is building the engine for us, qlib.init for qlib; "
        "cold includes one-off costs, see --help)"
    )
    ok, lines = _compare(scratch / "ours.pkl", scratch / "qlib.pkl")
    print("\nparity (tolerance 1e-6 relative): " + ("EQUAL" if ok else "DIFFERENT"))
    for line in lines:
        print("  " + line)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
