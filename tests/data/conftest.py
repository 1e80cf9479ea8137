"""A small qlib provider directory written with the lead's writer, plus what it should read back.

The market (60 weekdays from 2024-01-02) holds one of each awkward case a reader must get
right, each on a known day so tests can point at it:

* ``600000.SH`` (SH main) — an ex-dividend on day 30 (``factor`` steps from 1.0 to 10/9.5: the
  raw reference price drops 10.00 → 9.50), stored ``up_limit``/``down_limit`` fields, and minute
  bars on the first two days;
* ``000001.SZ`` (SZ main, Ping An — not the index) — suspended (NaN) on days 10–12, ST from
  day 40 per ``aistock/st_periods.csv``, minute bars too;
* ``300750.SZ`` (ChiNext) — listed on day 20 (its bins start at index 20);
* ``688001.SH`` (STAR) — two spans in ``all.txt`` (days 0–24 and 35–59) with stored values in
  the gap, so the market mask is visible;
* ``430047.BJ`` (BJ) — plain;
* ``000001.SH`` (SSE Composite) — an index: no ``factor`` file.

``csi300.txt`` holds three members, one of them with two spans.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from aistock.core.calendar import minute_bar_starts
from aistock.data import qlib_format as qf

N_DAYS = 60
EX_DAY = 30
SUSPENDED = (10, 11, 12)
IPO_DAY = 20
GAP = (25, 34)  # 688001.SH is outside the "all" market on these days (inclusive)
ST_FROM = 40


@dataclass
class FixtureMarket:
    """The provider's path and the truth it was written from (raw prices, factors, volumes)."""

    root: Path
    days: list[dt.date]
    minutes: list[dt.datetime]
    raw_close: dict[str, np.ndarray] = field(default_factory=dict)
    raw_open: dict[str, np.ndarray] = field(default_factory=dict)
    raw_volume: dict[str, np.ndarray] = field(default_factory=dict)
    factor: dict[str, np.ndarray] = field(default_factory=dict)
    start: dict[str, int] = field(default_factory=dict)

    def day(self, i: int) -> dt.date:
        return self.days[i]


def _weekdays(start: dt.date, n: int) -> list[dt.date]:
    out: list[dt.date] = []
    day = start
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _raw_path(rng: np.random.Generator, n: int, first: float) -> np.ndarray:
    steps = rng.normal(0, 0.015, n)
    return np.round(first * np.cumprod(1 + steps), 2)


def build_fixture_market(root: Path) -> FixtureMarket:
    rng = np.random.default_rng(20240102)
    days = _weekdays(dt.date(2024, 1, 2), N_DAYS)
    minutes = [dt.datetime.combine(d, t) for d in days[:2] for t in minute_bar_starts()]
    market = FixtureMarket(root=root, days=days, minutes=minutes)
    qf.write_calendar(root, days)
    qf.write_calendar(root, [*days, *_weekdays(days[-1] + dt.timedelta(days=1), 10)], future=True)
    qf.write_calendar(root, minutes, qf.MINUTE)

    stocks = {
        "SH600000": (0, 10.0),
        "SZ000001": (0, 12.0),
        "SZ300750": (IPO_DAY, 150.0),
        "SH688001": (0, 40.0),
        "BJ430047": (0, 8.0),
    }
    for qcode, (start, first) in stocks.items():
        n = N_DAYS - start
        close = _raw_path(rng, n, first)
        factor = np.ones(n)
        if qcode == "SH600000":
            close[EX_DAY - 1] = 10.00  # the day before the ex-date: a round reference
            close[EX_DAY:] = np.round(close[EX_DAY:] * 9.5 / close[EX_DAY], 2)  # ~9.50 after
            factor[EX_DAY:] = 10.0 / 9.5
        open_ = np.round(close * (1 + rng.normal(0, 0.005, n)), 2)
        high = np.maximum(open_, close) + 0.05
        low = np.minimum(open_, close) - 0.05
        volume = np.round(rng.lognormal(13, 0.3, n) / 100) * 100
        amount = volume * (open_ + close) / 2
        if qcode == "SZ000001":
            for i in SUSPENDED:
                close[i] = open_[i] = high[i] = low[i] = volume[i] = amount[i] = np.nan
        stored = {
            "open": open_ * factor,
            "high": high * factor,
            "low": low * factor,
            "close": close * factor,
            "volume": volume / factor,
            "amount": amount,
            "factor": np.where(np.isnan(close), np.nan, factor),
            "change": np.r_[np.nan, close[1:] * factor[1:] / (close[:-1] * factor[:-1]) - 1],
        }
        if qcode == "SH600000":
            # Raw exchange limits, as the demo builder stores them (one day deliberately odd so a
            # test can tell stored limits from computed ones).
            pre = np.r_[np.nan, close[:-1] * factor[:-1] / factor[1:]]
            stored["up_limit"] = np.round(pre * 1.1, 2)
            stored["down_limit"] = np.round(pre * 0.9, 2)
            stored["up_limit"][EX_DAY + 1] = 99.99
        qf.write_features(root, qcode, stored, start_index=start)
        code = f"{qcode[2:]}.{qcode[:2]}"
        market.raw_close[code] = close
        market.raw_open[code] = open_
        market.raw_volume[code] = volume
        market.factor[code] = factor
        market.start[code] = start

    index_close = _raw_path(rng, N_DAYS, 3000.0)
    qf.write_features(
        root,
        "SH000001",
        {"open": index_close, "close": index_close, "volume": np.full(N_DAYS, 1e9)},
        start_index=0,
    )
    market.raw_close["000001.SH"] = index_close
    market.start["000001.SH"] = 0

    # Minute bars for the first two days (stored like qlib's 1min data: adjusted, with factor).
    for qcode in ("SH600000", "SZ000001"):
        n = len(minutes)
        close = np.round(10 + np.cumsum(rng.normal(0, 0.01, n)), 2)
        volume = np.round(rng.lognormal(9, 0.3, n) / 100) * 100
        qf.write_features(
            root,
            qcode,
            {"close": close * 1.0, "volume": volume, "factor": np.ones(n)},
            start_index=0,
            freq=qf.MINUTE,
        )

    last = days[-1]
    qf.write_instruments(
        root,
        "all",
        [
            ("SH600000", days[0], last),
            ("SZ000001", days[0], last),
            ("SZ300750", days[IPO_DAY], last),
            ("SH688001", days[0], days[GAP[0] - 1]),
            ("SH688001", days[GAP[1] + 1], last),
            ("BJ430047", days[0], last),
            ("SH000001", days[0], last),
        ],
    )
    qf.write_instruments(
        root,
        "csi300",
        [
            ("SH600000", days[0], last),
            ("SZ000001", days[0], days[14]),
            ("SZ000001", days[30], last),
            ("SZ300750", days[IPO_DAY], last),
        ],
    )
    meta = root / qf.METADATA_DIR
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "instruments.csv").write_text(
        "code,name,board,kind,list_date,delist_date\n"
        f"600000.SH,浦发银行,sh_main,stock,1999-11-10,\n"
        f"000001.SZ,平安银行,sz_main,stock,1991-04-03,\n"
        f"300750.SZ,宁德时代,chinext,stock,{days[IPO_DAY].isoformat()},\n"
        f"000001.SH,上证指数,index,index,1991-07-15,\n",
        encoding="utf-8",
    )
    (meta / "st_periods.csv").write_text(
        f"code,start,end\n000001.SZ,{days[ST_FROM].isoformat()},\n", encoding="utf-8"
    )
    return market


@pytest.fixture(scope="session")
def fixture_market(tmp_path_factory: pytest.TempPathFactory) -> FixtureMarket:
    """The shared, read-only fixture provider (tests that damage files use ``market_copy``)."""
    return build_fixture_market(tmp_path_factory.mktemp("provider") / "qlib_data")


@pytest.fixture
def market_copy(fixture_market: FixtureMarket, tmp_path: Path) -> FixtureMarket:
    """A private copy of the fixture provider that a test may damage."""
    root = tmp_path / "qlib_data"
    shutil.copytree(fixture_market.root, root)
    copy = FixtureMarket(**{**fixture_market.__dict__, "root": root})
    return copy
