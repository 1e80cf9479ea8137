"""The embedded demo market: a deterministic synthetic A-share market as a qlib provider.

A new user must be able to open the workstation and see something that behaves like the real
market without a data subscription, a miniQMT login or a download. This module draws that
market from a seed and writes it in the very format RD-Agent's qlib reads, so every engine —
qlib itself included — runs on it unchanged. The same seed and end date always give the same
bytes.

The build goes to a sibling ``*.partial`` directory and is renamed into place at the end, so an
interrupted build never leaves a half-written world behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from aistock.core.calendar import SHANGHAI, XSHG_FIRST_SESSION, TradingCalendar, minute_bar_starts
from aistock.core.codes import CSI300, SSE_COMPOSITE, Board, Exchange
from aistock.core.errors import DataError
from aistock.data import qlib_format as qf
from aistock.data.demo.bars import Bars
from aistock.data.demo.daily import DailyBars, cap_weighted_index, generate_daily
from aistock.data.demo.minute import generate_minutes
from aistock.data.demo.universe import INDUSTRIES, StockProfile, build_universe

GENERATOR_VERSION = 1
MANIFEST_NAME = "manifest.json"
FUTURE_SESSIONS = 40

ProgressCallback = Callable[[str, float], None]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DemoManifest:
    """What was built, so the app can show it and decide whether to rebuild."""

    path: str
    seed: int
    stocks: int
    days: int
    start: str
    end: str
    minute_days: int
    minute_start: str | None
    indices: list[str]
    generator_version: int = GENERATOR_VERSION
    counts: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def start_date(self) -> dt.date:
        return dt.date.fromisoformat(self.start)

    @property
    def end_date(self) -> dt.date:
        return dt.date.fromisoformat(self.end)


def manifest_path(provider: Path) -> Path:
    return provider / qf.METADATA_DIR / MANIFEST_NAME


def load_demo_manifest(provider: Path) -> DemoManifest | None:
    """The manifest of a built demo market, or ``None`` if there is none (or it is unreadable)."""
    path = manifest_path(provider)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DemoManifest(**data)
    except (ValueError, TypeError):
        return None


def last_completed_session(now: dt.datetime | None = None) -> dt.date:
    """The most recent session whose close has passed, in Shanghai time."""
    now = (now or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    calendar = TradingCalendar.xshg(now.date() - dt.timedelta(days=30), now.date())
    today = now.date()
    if today in calendar and now.time() >= dt.time(15, 0):
        return today
    return calendar.previous_session(today) if today > calendar.first else calendar.first


def _sessions(end: dt.date, days: int) -> tuple[tuple[dt.date, ...], tuple[dt.date, ...]]:
    """``days`` sessions ending on or before ``end``, and the future sessions after them."""
    span = dt.timedelta(days=int(days * 1.6) + 60)
    if end < XSHG_FIRST_SESSION:
        raise DataError(
            f"only 0 trading days exist before {end}", f"choose an --end after {XSHG_FIRST_SESSION}"
        )
    start = max(end - span, XSHG_FIRST_SESSION)
    calendar = TradingCalendar.xshg(start, end + dt.timedelta(days=FUTURE_SESSIONS * 2 + 30))
    past = calendar.between(calendar.first, end)
    if len(past) < days:
        raise DataError(
            f"only {len(past)} trading days exist before {end}, {days} were asked",
            "ask for fewer --days or a later --end",
        )
    last = past[-1]
    future = calendar.between(last + dt.timedelta(days=1), calendar.last)[:FUTURE_SESSIONS]
    return past[-days:], future


def _csi300_members(bars: DailyBars, profiles: list[StockProfile], size: int) -> npt.NDArray[np.bool_]:
    """Index membership by float cap, reviewed every 120 sessions (BJ and ST names excluded)."""
    days, n = bars.close.shape
    members = np.zeros((days, n), dtype=bool)
    shares = np.array([p.float_shares for p in profiles])
    eligible_board = np.array([p.board is not Board.BJ for p in profiles])
    last = np.nan_to_num(bars.pre_close[0], nan=0.0)
    current = np.zeros(n, dtype=bool)
    for t in range(days):
        last = np.where(np.isnan(bars.close[t]), last, bars.close[t])
        if t % 120 == 0:
            seasoned = bars.listed[max(0, t - 60) : t + 1].all(axis=0) if t else bars.listed[0]
            eligible = eligible_board & seasoned & ~bars.is_st[t] & bars.listed[t]
            cap = np.where(eligible, shares * last, -1.0)
            order = np.argsort(-cap)[:size]
            current = np.zeros(n, dtype=bool)
            current[order[cap[order] > 0]] = True
        current &= bars.listed[t]
        members[t] = current
    return members


def _spans(mask: npt.NDArray[np.bool_], sessions: tuple[dt.date, ...]) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    start: int | None = None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        if not on and start is not None:
            out.append((sessions[start], sessions[i - 1]))
            start = None
    if start is not None:
        out.append((sessions[start], sessions[len(mask) - 1]))
    return out


def _write_series(
    provider: Path, qlib_code: str, columns: dict[str, F64], freq: str, valid: npt.NDArray[np.bool_]
) -> None:
    """Write one instrument's fields from its first to its last valid row."""
    rows = np.flatnonzero(valid)
    if rows.size == 0:
        return
    first, last = int(rows[0]), int(rows[-1])
    for name, values in columns.items():
        qf.write_feature(provider, qlib_code, name, values[first : last + 1], start_index=first, freq=freq)


def _change(close_adj: F64) -> F64:
    """qlib's ``$change``: close over the previous traded close, minus one."""
    out = np.full_like(close_adj, np.nan)
    for j in range(close_adj.shape[1]):
        col = close_adj[:, j]
        rows = np.flatnonzero(~np.isnan(col))
        if rows.size > 1:
            out[rows[1:], j] = col[rows[1:]] / col[rows[:-1]] - 1.0
    return out


def build_demo_market(
    out: Path,
    *,
    seed: int = 7,
    stocks: int = 300,
    days: int = 1200,
    end: dt.date | None = None,
    minute_days: int = 20,
    progress: ProgressCallback | None = None,
) -> DemoManifest:
    """Build the demo market into ``out`` (replacing what is there) and return its manifest."""
    began = time.perf_counter()
    report = progress or (lambda _stage, _fraction: None)
    if minute_days < 0 or minute_days > days:
        raise ValueError(f"minute_days must be between 0 and days ({days}), got {minute_days}")
    end = end or last_completed_session()
    out = Path(out)
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)

    report("calendar", 0.0)
    sessions, future = _sessions(end, days)
    rng = np.random.default_rng(seed)
    profiles = build_universe(rng, stocks, len(sessions))
    report("daily bars", 0.05)
    bars = generate_daily(rng, profiles, sessions)
    factor = bars.factor

    report("indices", 0.35)
    shares = np.array([p.float_shares for p in profiles])
    sh_members = np.broadcast_to(
        np.array([p.code.exchange is Exchange.SH for p in profiles]), bars.close.shape
    )
    csi_members = _csi300_members(bars, profiles, max(10, stocks // 3))
    indices: dict[str, Bars] = {
        SSE_COMPOSITE.qlib: cap_weighted_index(rng, bars, shares, sh_members & bars.listed, 3000.0),
        CSI300.qlib: cap_weighted_index(rng, bars, shares, csi_members, 4000.0),
    }

    report("writing daily bins", 0.45)
    qf.write_calendar(staging, sessions, qf.DAY)
    qf.write_calendar(staging, sessions + future, qf.DAY, future=True)
    close_adj = bars.close * factor
    change = _change(close_adj)
    for j, profile in enumerate(profiles):
        f = factor[:, j]
        columns = {
            "open": bars.open[:, j] * f,
            "high": bars.high[:, j] * f,
            "low": bars.low[:, j] * f,
            "close": close_adj[:, j],
            "vwap": bars.vwap[:, j] * f,
            "volume": bars.volume[:, j] / f,
            "amount": bars.amount[:, j],
            "factor": f,
            "change": change[:, j],
            "up_limit": bars.up_limit[:, j],
            "down_limit": bars.down_limit[:, j],
        }
        _write_series(staging, profile.code.qlib, columns, qf.DAY, bars.listed[:, j])
    for qlib_code, index in indices.items():
        close = index.close[:, None]
        columns = {
            "open": index.open,
            "high": index.high,
            "low": index.low,
            "close": index.close,
            "vwap": (index.open + index.high + index.low + index.close) / 4.0,
            "volume": index.volume,
            "amount": index.amount,
            "factor": np.ones(len(sessions)),
            "change": _change(close)[:, 0],
        }
        _write_series(staging, qlib_code, columns, qf.DAY, np.ones(len(sessions), dtype=bool))

    minute_start: str | None = None
    if minute_days:
        report("minute bars", 0.6)
        minute_start = _write_minutes(staging, rng, bars, factor, indices, profiles, sessions, minute_days)

    report("instruments and metadata", 0.9)
    stock_spans: list[tuple[str, dt.date, dt.date]] = []
    csi_spans: list[tuple[str, dt.date, dt.date]] = []
    for j, profile in enumerate(profiles):
        stock_spans += [(profile.code.qlib, s, e) for s, e in _spans(bars.listed[:, j], sessions)]
        csi_spans += [(profile.code.qlib, s, e) for s, e in _spans(csi_members[:, j], sessions)]
    qf.write_instruments(staging, "all", stock_spans)
    qf.write_instruments(staging, "csi300", csi_spans)
    qf.write_instruments(staging, "index", [(code, sessions[0], sessions[-1]) for code in indices])
    _write_metadata(staging, rng, profiles, sessions)

    counts = {
        "limit_up_days": int(np.nansum(bars.close == bars.up_limit)),
        "limit_down_days": int(np.nansum(bars.close == bars.down_limit)),
        "suspended_days": int((bars.listed & np.isnan(bars.close)).sum()),
        "st_stocks": int(bars.is_st.any(axis=0).sum()),
        "new_listings": sum(p.is_new_listing for p in profiles),
        "delistings": sum(p.delist_index is not None for p in profiles),
        "ex_dividend_events": sum(len(p.ex_dates) for p in profiles),
        "csi300_members_today": int(csi_members[-1].sum()),
        **{f"board_{b.value}": sum(p.board is b for p in profiles) for b in Board if b is not Board.INDEX},
    }
    counts = {k: v for k, v in counts.items() if v or not k.startswith("board_")}
    manifest = DemoManifest(
        path=str(out),
        seed=seed,
        stocks=stocks,
        days=len(sessions),
        start=sessions[0].isoformat(),
        end=sessions[-1].isoformat(),
        minute_days=minute_days,
        minute_start=minute_start,
        indices=[SSE_COMPOSITE.canonical, CSI300.canonical],
        counts=counts,
        build_seconds=round(time.perf_counter() - began, 2),
    )
    manifest_path(staging).write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False), "utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    report("done", 1.0)
    return manifest


def _write_minutes(
    provider: Path,
    rng: np.random.Generator,
    bars: DailyBars,
    factor: F64,
    indices: dict[str, Bars],
    profiles: list[StockProfile],
    sessions: tuple[dt.date, ...],
    minute_days: int,
) -> str:
    rows = slice(len(sessions) - minute_days, len(sessions))
    days = sessions[rows]
    stamps = [dt.datetime.combine(day, t) for day in days for t in minute_bar_starts()]
    qf.write_calendar(provider, stamps, qf.MINUTE)
    stock_minutes = generate_minutes(
        rng,
        bars.open[rows],
        bars.high[rows],
        bars.low[rows],
        bars.close[rows],
        bars.volume[rows],
        bars.amount[rows],
    )
    day_factor = np.repeat(factor[rows], len(minute_bar_starts()), axis=0)
    for j, profile in enumerate(profiles):
        _write_minute_columns(provider, profile.code.qlib, stock_minutes, j, day_factor[:, j])
    for qlib_code, index in indices.items():

        def col(a: F64) -> F64:
            return a[rows][:, None]

        index_minutes = generate_minutes(
            rng,
            col(index.open),
            col(index.high),
            col(index.low),
            col(index.close),
            col(index.volume),
            col(index.amount),
            tick=None,
        )
        _write_minute_columns(provider, qlib_code, index_minutes, 0, np.ones(len(stamps)))
    return days[0].isoformat()


def _write_minute_columns(provider: Path, qlib_code: str, bars: Bars, j: int, factor: F64) -> None:
    columns = {
        "open": bars.open[:, j] * factor,
        "high": bars.high[:, j] * factor,
        "low": bars.low[:, j] * factor,
        "close": bars.close[:, j] * factor,
        "volume": bars.volume[:, j] / factor,
        "amount": bars.amount[:, j],
        "factor": np.where(np.isnan(bars.close[:, j]), np.nan, factor),
    }
    valid = np.ones(factor.shape[0], dtype=bool)
    _write_series(provider, qlib_code, columns, qf.MINUTE, valid)


def _write_metadata(
    provider: Path, rng: np.random.Generator, profiles: list[StockProfile], sessions: tuple[dt.date, ...]
) -> None:
    meta = provider / qf.METADATA_DIR
    meta.mkdir(parents=True, exist_ok=True)
    with (meta / "instruments.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "board", "kind", "industry", "list_date", "delist_date"])
        for p in profiles:
            listed = (
                sessions[p.list_index]
                if p.is_new_listing
                else sessions[0] - dt.timedelta(days=int(rng.integers(400, 6000)))
            )
            delisted = sessions[p.delist_index].isoformat() if p.delist_index is not None else ""
            writer.writerow(
                [
                    p.code.canonical,
                    p.name,
                    p.board.value,
                    "stock",
                    INDUSTRIES[p.industry],
                    listed.isoformat(),
                    delisted,
                ]
            )
        writer.writerow(
            [SSE_COMPOSITE.canonical, "上证指数", Board.INDEX.value, "index", "", "1991-07-15", ""]
        )
        writer.writerow([CSI300.canonical, "沪深300", Board.INDEX.value, "index", "", "2005-04-08", ""])
    with (meta / "st_periods.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "start", "end"])
        for p in profiles:
            for s, e in p.st_periods:
                writer.writerow([p.code.canonical, sessions[s].isoformat(), sessions[e - 1].isoformat()])
