"""The preview's minute refresh: marks for 10, 100 and 1,000 running instances of ~50 names each.

Builds the demo market (seed 11, 400 stocks × 60 days ending 2025-11-21, minute bars for the
last 3 sessions; ``--provider`` takes any provider with minute bars on its last session) and a
workstation store in a temp dir, then sets up the instances honestly, through the engine:

* each instance is created with ``PreviewService.create`` (the active limit raised with
  ``set_max_active``), on its own signal file (``signals.parquet``: a common score plus
  per-instance noise, so the books overlap but differ) and ``TopkDropoutConfig(topk=50,
  n_drop=5)``, rebalancing at 09:31;
* ``PreviewService.replay`` over day D1 (it buys ~50 names and settles), then
  ``engine.advance(id, D2 10:00)``: D2 opens, rebalances at 09:31 on the minute prices (the
  dropouts) and stays open. The books are checked (open on D2, 09:31 done, positions counted).

Replaying costs ~0.1 s per instance (1,000 would take about two minutes), so by default only the
first ``--engine-built`` (200) are built that way; each further instance is still created by
``PreviewService.create`` but gets, by direct ``INSERT … SELECT``, a copy of the rows
``engine._save`` wrote for engine-built instance ``i mod 200`` (accounts, positions, scores,
trades, events) — the output says so. ``--engine-built 1000`` replays them all.

Then, per size, a fresh PreviewService (new DataService, engine and market, so nothing is
cached): the instances' state is loaded from the store (timed apart), the first
``engine.refresh(ids, D2 10:01)`` is timed alone (it loads the day's facts and the minute-close
matrix), then ``--minutes`` further minutes (10:02, 10:03, …): median and p95, rows written.

The qlib peer values the same positions with qlib's own prices, in a subprocess after
``qlib.init(kernels=1)`` on the same provider: per minute ``D.features(<held codes>,
["$close/$factor"], bar, bar, freq="1min")`` (a price missing — suspended — keeps the stored
mark, as ours does), then volume × price summed per instance plus cash (numpy, vectorised).
It writes nothing, where ours updates every position and account row in the store, so the ratio
is "a refresh that persists" over "a valuation in memory". A second qlib row reads the whole
day's minute closes once (as our market does) and then only indexes a column per minute.
Finally the totals qlib computes at the last minute are compared with the ``total_value`` rows
ours wrote. The memory of the engine's cache (loaded books + the day's minute matrix) for the
largest size is measured in a separate pass with tracemalloc (and the RSS growth).

Usage::

    .venv/bin/python benchmarks/bench_preview.py [--provider DIR] [--sizes 10,100,1000] [--minutes 20]
    .venv/bin/python benchmarks/bench_preview.py --engine-built 1000   # every instance by replay
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from aistock.core.calendar import SHANGHAI

FIRST_MINUTE = dt.time(10, 1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _moments(day: dt.date, count: int) -> list[dt.datetime]:
    """``count`` refresh moments from 10:01 on, one a minute (all inside the morning session)."""
    start = dt.datetime.combine(day, FIRST_MINUTE, tzinfo=SHANGHAI)
    return [start + dt.timedelta(minutes=i) for i in range(count)]


# -- setup -------------------------------------------------------------------------------------------
def _setup(provider: Path, home: Path, signals: Path, count: int, built: int) -> dict[str, Any]:
    import pandas as pd

    from aistock.data.qlib_provider import QlibProviderSource
    from aistock.data.service import DataService
    from aistock.store import WorkstationHome, open_store
    from aistock.trading.portfolio.config import TopkDropoutConfig
    from aistock.trading.preview.config import PreviewConfig
    from aistock.trading.preview.engine import at
    from aistock.trading.preview.market import PreviewMarket
    from aistock.trading.preview.service import PreviewService

    data = DataService(QlibProviderSource(provider))
    calendar = data.trading_calendar()
    d2 = calendar.last
    d1 = calendar.previous_session(d2)
    d0 = calendar.previous_session(d1)
    universe = data.instruments("all", on=d1)
    if not PreviewMarket(data).has_minutes(d2, universe[:50]):
        raise SystemExit(f"{provider} has no minute bars on {d2}: the refresh needs them")
    store = open_store(WorkstationHome(home).ensure())
    service = PreviewService(store, data)
    service.set_max_active(max(count, 10))
    config = PreviewConfig(strategy=TopkDropoutConfig(topk=50, n_drop=5), rebalance_times=(dt.time(9, 31),))
    rng = np.random.default_rng(11)
    common = rng.normal(size=len(universe))
    signals.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}

    began = time.perf_counter()
    ids: list[int] = []
    for i in range(built):
        frame = pd.concat(
            pd.DataFrame(
                {
                    "trade_date": pd.Timestamp(day),
                    "instrument": universe,
                    "score": common + rng.normal(size=len(universe)),
                }
            )
            for day in (d0, d1)
        )
        path = signals / f"signal_{i:04d}.parquet"
        frame.to_parquet(path)
        row = service.create(f"bench {i}", source_kind="file", source_ref=str(path), start=d1, config=config)
        assert row.id is not None
        ids.append(row.id)
    times["create"] = time.perf_counter() - began

    began = time.perf_counter()
    for pid in ids:
        service.replay(pid, d1, d1)
    times["replay"] = time.perf_counter() - began

    began = time.perf_counter()
    for pid in ids:
        service.engine.advance(pid, at(d2, dt.time(10, 0)))
    times["advance"] = time.perf_counter() - began

    if count > built:
        began = time.perf_counter()
        ids += _clone(service, ids, count - built, config, d1)
        times["clone"] = time.perf_counter() - began

    counts = []
    held: set[str] = set()
    for pid in ids:
        live = service.engine.live(pid)
        assert live.day == d2 and live.opened and not live.settled and "09:31" in live.done, (
            f"instance {pid} is not open on {d2} after its 09:31 rebalance"
        )
        assert live.row.settled_through == d1, (pid, live.row.settled_through)
        counts.append(len(live.book.positions))
        held |= set(live.book.positions)
    store.close()
    return {
        "ids": ids,
        "days": (d0, d1, d2),
        "times": times,
        "positions": counts,
        "held_codes": len(held),
        "universe": len(universe),
    }


def _clone(service: Any, templates: list[int], extra: int, config: Any, start: dt.date) -> list[int]:
    """``extra`` more instances, each created by the service and given a copy of an engine-built
    instance's stored rows (accounts, positions, scores, trades, events) — what ``engine._save``
    and the signal store wrote for it — so the engine loads it as that instance's twin."""
    from sqlalchemy import text

    from aistock.store import (
        PreviewAccount,
        PreviewEvent,
        PreviewPosition,
        PreviewSignal,
        PreviewStrategy,
        PreviewTrade,
    )

    tables = (PreviewAccount, PreviewPosition, PreviewSignal, PreviewTrade, PreviewEvent)
    statements = []
    for table in tables:
        columns = table.__table__.columns  # type: ignore[union-attr]
        names = [c.name for c in columns if c.name not in ("preview_id", "id")]
        listed = ", ".join(names)
        statements.append(
            text(
                f"INSERT INTO {table.__tablename__} (preview_id, {listed}) "
                f"SELECT :new, {listed} FROM {table.__tablename__} WHERE preview_id = :old"
            )
        )
    pairs: list[dict[str, int]] = []
    for i in range(extra):
        template = service.get(templates[i % len(templates)])
        row = service.create(
            f"bench clone {i}",
            source_kind="file",
            source_ref=template.source_ref,
            start=start,
            config=config,
        )
        assert row.id is not None
        pairs.append({"new": row.id, "old": template.id})
    with service.store.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement, pairs)
        connection.execute(
            text(
                f"UPDATE {PreviewStrategy.__tablename__} SET settled_through = "
                f"(SELECT settled_through FROM {PreviewStrategy.__tablename__} WHERE id = :old) "
                "WHERE id = :new"
            ),
            pairs,
        )
    return [p["new"] for p in pairs]


def _fresh(provider: Path, home: Path) -> Any:
    from aistock.data.qlib_provider import QlibProviderSource
    from aistock.data.service import DataService
    from aistock.store import WorkstationHome, open_store
    from aistock.trading.preview.service import PreviewService

    return PreviewService(open_store(WorkstationHome(home)), DataService(QlibProviderSource(provider)))


# -- ours --------------------------------------------------------------------------------------------
def bench_ours(provider: Path, home: Path, ids: list[int], day: dt.date, minutes: int) -> dict[str, Any]:
    service = _fresh(provider, home)
    engine = service.engine
    moments = _moments(day, minutes + 1)
    began = time.perf_counter()
    lives = [engine.live(pid) for pid in ids]
    load = time.perf_counter() - began
    began = time.perf_counter()
    rows = engine.refresh(ids, moments[0])
    first = time.perf_counter() - began
    times = []
    written = [rows]
    for moment in moments[1:]:
        began = time.perf_counter()
        written.append(engine.refresh(ids, moment))
        times.append(time.perf_counter() - began)
    positions = sum(len(lv.book.positions) for lv in lives)
    assert all(w == positions + len(ids) for w in written), (written, positions)
    service.store.close()
    return {
        "load": load,
        "first": first,
        "times": times,
        "median": statistics.median(times),
        "p95": _percentile(times, 0.95),
        "rows": rows,
        "positions": positions,
    }


def dump_books(provider: Path, home: Path, ids: list[int], out: Path) -> None:
    """What the qlib peer needs: each instance's cash, volumes and stored marks (before refresh)."""
    from aistock.core.codes import parse_code
    from aistock.core.fees import yuan_to_fen

    service = _fresh(provider, home)
    books = []
    for pid in ids:
        live = service.engine.live(pid)
        items = sorted(live.book.positions.items())
        books.append(
            {
                "cash_fen": live.book.cash_fen,
                "codes": [parse_code(c).qlib for c, _ in items],
                "volumes": [p.volume for _, p in items],
                "marks_fen": [yuan_to_fen(live.marks[c]) for c, _ in items],
            }
        )
    service.store.close()
    with out.open("wb") as fh:
        pickle.dump(books, fh)


def stored_totals(provider: Path, home: Path, ids: list[int], day: dt.date) -> dict[int, float]:
    from sqlalchemy import text

    service = _fresh(provider, home)
    with service.store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT preview_id, total_value FROM preview_account WHERE trading_day = :d"),
            {"d": day},
        ).all()
    service.store.close()
    wanted = set(ids)
    return {int(p): float(v) for p, v in rows if p in wanted}


def bench_memory(provider: Path, home: Path, ids: list[int], day: dt.date) -> dict[str, float]:
    """The engine's cache for ``ids``: loaded books, then the day's facts and minute matrix."""
    gc.collect()
    rss0 = _rss_mb()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    service = _fresh(provider, home)
    gc.collect()
    after_service = tracemalloc.get_traced_memory()[0]
    for pid in ids:
        service.engine.live(pid)
    gc.collect()
    after_books = tracemalloc.get_traced_memory()[0]
    service.engine.refresh(ids, _moments(day, 1)[0])
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    entry = service.market._days[day]
    arrays = (entry.close, entry.pre_close, entry.up, entry.down, entry.suspended, entry.ratio)
    matrix = entry.minutes.nbytes if entry.minutes is not None else 0
    rss1 = _rss_mb()
    service.store.close()
    return {
        "books_mb": (after_books - after_service) / 2**20,
        "cache_mb": (current - after_service) / 2**20,
        "peak_mb": (peak - base) / 2**20,
        "facts_mb": sum(a.nbytes for a in arrays) / 2**20,
        "matrix_mb": matrix / 2**20,
        "matrix_codes": len(entry.codes),
        "rss_mb": rss1 - rss0,
    }


# -- qlib (its own process) ---------------------------------------------------------------------------
class _Books:
    """The positions of ``n`` instances as flat arrays: valued per minute in a few numpy calls."""

    def __init__(self, books: list[dict[str, Any]]) -> None:
        self.n = len(books)
        self.codes = sorted({c for b in books for c in b["codes"]})
        index = {c: i for i, c in enumerate(self.codes)}
        self.owner = np.concatenate(
            [np.full(len(b["codes"]), k, dtype=np.int64) for k, b in enumerate(books)]
        )
        self.where = np.array([index[c] for b in books for c in b["codes"]], dtype=np.int64)
        self.volume = np.array([v for b in books for v in b["volumes"]], dtype=np.float64)
        self.stored = np.array([m for b in books for m in b["marks_fen"]], dtype=np.float64)
        self.cash = np.array([b["cash_fen"] for b in books], dtype=np.float64)
        self.marks = self.stored.copy()

    def reset(self) -> None:
        self.marks[:] = self.stored

    def value(self, closes: np.ndarray) -> np.ndarray:
        """Total value per instance (yuan) at ``closes`` (one per code); a missing price keeps the mark."""
        fen = np.round(np.round(closes * 100.0) / 100.0 * 100.0)[self.where]
        np.copyto(self.marks, fen, where=np.isfinite(fen) & (fen > 0))
        stock = np.bincount(self.owner, weights=self.volume * self.marks, minlength=self.n)
        out: np.ndarray = (stock + self.cash) / 100.0
        return out


def _qlib_worker(provider: str, books_path: str, sizes: list[int], day: str, minutes: int) -> dict[str, Any]:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import pandas as pd

    began = time.perf_counter()
    import qlib
    from qlib.data import D

    os.chdir(tempfile.mkdtemp(prefix="bench_qlib_"))  # whatever qlib writes lands there
    qlib.init(provider_uri=provider, region="cn", kernels=1, logging_level="ERROR")
    init = time.perf_counter() - began
    with Path(books_path).open("rb") as fh:
        all_books: list[dict[str, Any]] = pickle.load(fh)
    session = dt.date.fromisoformat(day)
    # qlib labels a minute bar by its start: at 10:01 the last closed bar is the 10:00 one.
    bars = [
        pd.Timestamp(m.replace(tzinfo=None) - dt.timedelta(minutes=1)) for m in _moments(session, minutes + 1)
    ]
    field = ["$close/$factor"]
    out: dict[str, Any] = {"init": init, "sizes": {}}
    for n in sizes:
        books = _Books(all_books[:n])

        def per_minute(bar: pd.Timestamp, books: _Books = books) -> np.ndarray:
            frame = D.features(books.codes, field, bar, bar, freq="1min")
            closes = frame.iloc[:, 0].droplevel("datetime").reindex(books.codes)
            return books.value(closes.to_numpy(dtype=np.float64))

        result: dict[str, Any] = {}
        began = time.perf_counter()
        totals = per_minute(bars[0])
        result["first"] = time.perf_counter() - began
        times = []
        for bar in bars[1:]:
            began = time.perf_counter()
            totals = per_minute(bar)
            times.append(time.perf_counter() - began)
        result |= {"median": statistics.median(times), "p95": _percentile(times, 0.95)}
        result["totals"] = totals.tolist()

        # The day's minute closes read once, like our market's matrix, then a column per minute.
        books.reset()
        began = time.perf_counter()
        opening = bars[0].normalize()
        frame = D.features(books.codes, field, opening, opening + pd.Timedelta(hours=16), freq="1min")
        matrix = frame.iloc[:, 0].unstack("instrument").reindex(columns=books.codes).ffill()
        column = {ts: i for i, ts in enumerate(matrix.index)}
        values = matrix.to_numpy(dtype=np.float64)
        books.value(values[column[bars[0]]])
        result["day_first"] = time.perf_counter() - began
        times = []
        for bar in bars[1:]:
            began = time.perf_counter()
            day_totals = books.value(values[column[bar]])
            times.append(time.perf_counter() - began)
        result |= {"day_median": statistics.median(times), "day_p95": _percentile(times, 0.95)}
        result["day_agrees"] = bool(np.allclose(day_totals, totals, atol=0.005, rtol=0))
        out["sizes"][str(n)] = result
    return out


def _run_qlib(provider: Path, books: Path, sizes: list[int], day: dt.date, minutes: int) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--worker", "qlib", "--provider", str(provider), "--books", str(books),
        "--sizes", ",".join(map(str, sizes)), "--day", day.isoformat(), "--minutes", str(minutes),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"qlib worker failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the driver --------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", type=Path, help="a qlib provider with minute bars on its last day")
    parser.add_argument("--stocks", type=int, default=400, help="stocks in the demo market (default 400)")
    parser.add_argument("--sizes", default="10,100,1000", help="instance counts (default 10,100,1000)")
    parser.add_argument("--minutes", type=int, default=20, help="timed minutes after the first (default 20)")
    parser.add_argument(
        "--engine-built",
        type=int,
        default=200,
        help="instances built by replay (default 200); the rest copy their stored rows",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--books", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.worker:
        print(json.dumps(_qlib_worker(str(args.provider), args.books, sizes, args.day, args.minutes)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_preview_") as tmp:
        root = Path(tmp)
        provider: Path = args.provider or root / "qlib_data"
        if args.provider is None:
            from aistock.data.demo_market import build_demo_market

            began = time.perf_counter()
            build_demo_market(
                provider, seed=11, stocks=args.stocks, days=60, end=dt.date(2025, 11, 21), minute_days=3
            )
            print(
                f"built the demo market (seed 11, {args.stocks} stocks × 60 days, minute bars on the "
                f"last 3) in {time.perf_counter() - began:.1f} s"
            )
        home = root / "home"
        count = sizes[-1]
        built = min(count, args.engine_built)
        print(
            f"setting up {count:,} instances: {built:,} through the engine (create, replay D1, "
            f"advance D2)"
            + (f", {count - built:,} as copies of their stored rows" if count > built else "")
            + "…",
            flush=True,
        )
        setup = _setup(provider, home, root / "signals", count, built)
        _, d1, d2 = setup["days"]
        t = setup["times"]
        pos = setup["positions"]
        engine_s = t["create"] + t["replay"] + t["advance"]
        print(
            f"setup: create {t['create']:.1f} s, replay {d1} {t['replay']:.1f} s, advance to {d2} 10:00 "
            f"{t['advance']:.1f} s ({engine_s / built * 1e3:.0f} ms per engine-built instance)"
        )
        if count > built:
            print(
                f"  + {count - built:,} more created with PreviewService.create and given, by direct "
                f"INSERT … SELECT, the rows engine._save wrote for instance (i mod {built}) — accounts, "
                f"positions, scores, trades, events — in {t['clone']:.1f} s "
                f"(replaying all {count:,} would take ~{engine_s / built * count:.0f} s; "
                f"--engine-built {count} does it)"
            )
        print(
            f"books on {d2} after the 09:31 rebalance: {statistics.mean(pos):.1f} positions per instance "
            f"(min {min(pos)}, max {max(pos)}; topk 50), "
            f"{setup['held_codes']} of {setup['universe']} listed codes held by some instance"
        )
        ids: list[int] = setup["ids"]

        ours: dict[int, dict[str, Any]] = {}
        for n in sizes:
            gc.collect()
            ours[n] = bench_ours(provider, home, ids[:n], d2, args.minutes)
        books = root / "books.pkl"
        dump_books(provider, home, ids, books)
        theirs = _run_qlib(provider, books, sizes, d2, args.minutes)
        ours_totals = stored_totals(provider, home, ids, d2)
        memory = bench_memory(provider, home, ids, d2)

        last = _moments(d2, args.minutes + 1)[-1]
        print(
            f"\nminute refresh on {d2}: first call at 10:01 alone (fresh service), then median / p95 of "
            f"{args.minutes} minutes 10:02–{last:%H:%M}; ms"
        )
        header = (
            f"{'instances':>9} {'positions':>9} {'rows/refresh':>12} {'load books':>10} {'first':>8} "
            f"{'median':>8} {'p95':>8} | {'qlib first':>10} {'qlib med':>8} {'ours/qlib':>9} | "
            f"{'qlib day 1st':>12} {'day med':>8} {'ours/day':>9}"
        )
        print(header)
        print("-" * len(header))
        for n in sizes:
            r, q = ours[n], theirs["sizes"][str(n)]
            print(
                f"{n:>9,} {r['positions']:>9,} {r['rows']:>12,} {r['load'] * 1e3:>10.1f} "
                f"{r['first'] * 1e3:>8.1f} {r['median'] * 1e3:>8.2f} {r['p95'] * 1e3:>8.2f} | "
                f"{q['first'] * 1e3:>10.1f} {q['median'] * 1e3:>8.2f} {r['median'] / q['median']:>9.2f} | "
                f"{q['day_first'] * 1e3:>12.1f} {q['day_median'] * 1e3:>8.3f} "
                f"{r['median'] / q['day_median']:>9.0f}"
            )
        print(
            "(ours: engine.refresh — marks from the minute matrix plus two executemany UPDATEs of every "
            "position and account row;\n qlib: D.features($close/$factor) of the held codes for that "
            "minute's bar, kernels=1, valued in numpy, nothing stored;\n qlib day: the whole day's "
            "minute closes read once, then one column per minute; ours/qlib is the median over the "
            f"median; qlib.init took {theirs['init']:.1f} s, not timed)"
        )
        hundred = ours.get(100)
        if hundred is not None:
            verdict = "met" if hundred["median"] < 0.1 and hundred["p95"] < 0.1 else "MISSED"
            print(
                f"target (100 instances under 100 ms): {verdict} — median {hundred['median'] * 1e3:.1f} ms, "
                f"p95 {hundred['p95'] * 1e3:.1f} ms"
            )
        big = theirs["sizes"][str(count)]
        q_totals = np.array(big["totals"])
        o_totals = np.array([ours_totals[pid] for pid in ids])
        diff = np.abs(q_totals - o_totals)
        print(
            f"values at {last:%H:%M} for {count:,} instances: ours (stored total_value) vs qlib's prices: "
            f"max |Δ| ¥{diff.max():.2f}, {int((diff < 0.005).sum()):,} of {count:,} equal to the fen; "
            f"qlib day-matrix totals agree with qlib per-minute: {big['day_agrees']}"
        )
        print(
            f"engine cache for {count:,} instances: loaded books {memory['books_mb']:.1f} MB (tracemalloc), "
            f"the day's minute matrix {memory['matrix_codes']} codes × 240 = {memory['matrix_mb']:.2f} MB "
            f"+ facts {memory['facts_mb'] * 1024:.0f} KB (numpy); kept after the first refresh "
            f"{memory['cache_mb']:.1f} MB, peak while loading and refreshing {memory['peak_mb']:.1f} MB; "
            f"RSS growth {memory['rss_mb']:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
