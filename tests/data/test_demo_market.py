"""The demo market: deterministic, exchange-true, and readable by real qlib."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aistock.core.boards import price_limits
from aistock.core.codes import Board, parse_code
from aistock.core.errors import DataError
from aistock.data import qlib_format as qf
from aistock.data.demo_market import build_demo_market, load_demo_manifest

DEMO_END = dt.date(2025, 11, 21)  # the session demo's end (tests/conftest.py)


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(provider: Path, qlib_code: str, field: str, freq: str = qf.DAY) -> tuple[int, np.ndarray]:
    raw = np.fromfile(qf.feature_path(provider, qlib_code, field, freq), dtype="<f4")
    return int(raw[0]), raw[1:].astype(np.float64)


def test_same_seed_same_bytes_other_seed_other_market(tmp_path: Path) -> None:
    kwargs = {"stocks": 20, "days": 120, "end": DEMO_END, "minute_days": 1}
    build_demo_market(tmp_path / "a", seed=5, **kwargs)
    build_demo_market(tmp_path / "b", seed=5, **kwargs)
    build_demo_market(tmp_path / "c", seed=6, **kwargs)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    assert _tree_digest(tmp_path / "a") != _tree_digest(tmp_path / "c")


def test_layout_and_manifest(small_demo: Path) -> None:
    manifest = load_demo_manifest(small_demo)
    assert manifest is not None
    assert manifest.stocks == 60 and manifest.days == 300 and manifest.end == DEMO_END.isoformat()
    days = qf.calendar_path(small_demo).read_text().split()
    future = qf.calendar_path(small_demo, future=True).read_text().split()
    assert len(days) == 300 and days[-1] == DEMO_END.isoformat()
    assert future[: len(days)] == days and len(future) > len(days)  # qlib's backtest needs it
    minutes = qf.calendar_path(small_demo, qf.MINUTE).read_text().splitlines()
    assert len(minutes) == 3 * 240 and minutes[-1] == f"{DEMO_END} 14:59:00"
    assert not small_demo.with_name(small_demo.name + ".partial").exists()
    for index in ("SH000001", "SH000300"):
        assert qf.feature_path(small_demo, index, "close").is_file()


def _instruments(provider: Path) -> dict[str, dict[str, str]]:
    with (provider / qf.METADATA_DIR / "instruments.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def test_every_board_and_life_event_is_present(tmp_path: Path) -> None:
    manifest = build_demo_market(tmp_path / "m", seed=7, stocks=300, days=600, end=DEMO_END, minute_days=0)
    counts = manifest.counts
    for board in ("sh_main", "sz_main", "chinext", "star", "bj"):
        assert counts[f"board_{board}"] > 0
    for event in (
        "limit_up_days",
        "limit_down_days",
        "suspended_days",
        "st_stocks",
        "new_listings",
        "delistings",
        "ex_dividend_events",
    ):
        assert counts[event] > 0, event
    meta = _instruments(tmp_path / "m")
    assert meta["000001.SH"]["name"] == "上证指数"
    assert "000001.SZ" not in meta  # the demo never reuses Ping An Bank's number


def test_prices_obey_the_exchange_rules(small_demo: Path) -> None:
    """Raw prices sit on the fen grid, inside the band the board allows, OHLC consistent."""
    meta = _instruments(small_demo)
    checked_limits = 0
    for code, row in meta.items():
        if row["kind"] != "stock":
            continue
        qcode = parse_code(code).qlib
        _start, close = _read(small_demo, qcode, "close")
        _, factor = _read(small_demo, qcode, "factor")
        _, high = _read(small_demo, qcode, "high")
        _, low = _read(small_demo, qcode, "low")
        _, up = _read(small_demo, qcode, "up_limit")
        _, down = _read(small_demo, qcode, "down_limit")
        traded = ~np.isnan(close)
        raw_close = close[traded] / factor[traded]
        # float32 storage keeps ~7 digits: raw prices come back within a hundredth of a fen.
        assert np.abs(raw_close * 100 - np.round(raw_close * 100)).max() < 0.05
        assert (high[traded] >= close[traded] - 1e-3).all() and (low[traded] <= close[traded] + 1e-3).all()
        limited = traded & ~np.isnan(up)
        assert (raw_close[limited[traded]] <= up[limited] + 1e-3).all()
        assert (raw_close[limited[traded]] >= down[limited] - 1e-3).all()
        # The stored limits are the ones the board rules give from the reference price.
        board = Board(row["board"])
        rows = np.flatnonzero(limited)
        if rows.size > 2 and board in (Board.CHINEXT, Board.STAR, Board.BJ):
            i = int(rows[-1])
            prev = int(np.flatnonzero(traded[:i])[-1])
            pre_close = close[prev] / factor[i]  # ex-rights reference on day i
            expected = price_limits(round(pre_close, 2), board)
            assert expected is not None
            assert abs(expected.up - up[i]) < 0.011 and abs(expected.down - down[i]) < 0.011
            checked_limits += 1
    assert checked_limits > 0


def test_minute_bars_add_up_to_the_daily_bar(small_demo: Path) -> None:
    days = qf.calendar_path(small_demo).read_text().split()
    for qcode in ("SH000001", parse_code(next(iter(_instruments(small_demo)))).qlib):
        d_start, d_close = _read(small_demo, qcode, "close")
        _, d_volume = _read(small_demo, qcode, "volume")
        _, d_high = _read(small_demo, qcode, "high")
        m_start, m_close = _read(small_demo, qcode, "close", qf.MINUTE)
        _, m_volume = _read(small_demo, qcode, "volume", qf.MINUTE)
        _, m_high = _read(small_demo, qcode, "high", qf.MINUTE)
        assert m_start == 0
        last_day = len(days) - 1 - d_start
        if np.isnan(d_close[last_day]):
            continue
        day_rows = slice(2 * 240, 3 * 240)
        assert m_close[day_rows][-1] == pytest.approx(d_close[last_day], rel=1e-6)
        assert m_high[day_rows].max() == pytest.approx(d_high[last_day], rel=1e-6)
        assert m_volume[day_rows].sum() == pytest.approx(d_volume[last_day], rel=1e-5)


def test_bad_arguments_are_refused_and_nothing_half_built_is_left(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 10 stocks"):
        build_demo_market(tmp_path / "x", stocks=3, days=100, end=DEMO_END)
    with pytest.raises(ValueError, match="minute_days"):
        build_demo_market(tmp_path / "x", stocks=20, days=100, end=DEMO_END, minute_days=200)
    with pytest.raises(DataError, match="trading days exist before"):
        build_demo_market(tmp_path / "x", stocks=20, days=100, end=dt.date(2005, 3, 1))
    assert not (tmp_path / "x").exists()


@pytest.mark.qlib
def test_real_qlib_reads_the_demo_market(small_demo: Path, qlib_features) -> None:  # type: ignore[no-untyped-def]
    """`qlib.init(provider_uri=...)` + `D.features` on the demo world, daily and minute."""
    daily = qlib_features(
        small_demo,
        ["SH000001", "SH000300"],
        ["$close", "Ref($close, 1)", "$factor"],
        "2025-11-17",
        "2025-11-21",
        "day",
    )
    _, idx_close = _read(small_demo, "SH000001", "close")
    assert daily.loc["SH000001"]["$close"].iloc[-1] == pytest.approx(idx_close[-1], rel=1e-7)
    assert (daily["$factor"] == 1.0).all()
    minute = qlib_features(
        small_demo, ["SH000001"], ["$close"], f"{DEMO_END} 09:30:00", f"{DEMO_END} 15:00:00", "1min"
    )
    assert len(minute) == 240
    members = qlib_features(small_demo, "csi300", ["$close"], "2025-01-02", "2025-11-21", "day")
    assert members.index.get_level_values(0).nunique() >= 10
