"""Prices for virtual books: the day's facts once, minute closes as a matrix, quotes at any moment.

A preview refreshes many instances every minute, so nothing here asks the data layer per
instance or per code: the day's limits, suspensions and closes come from one snapshot, the
minute closes of every code any instance holds from one history read, and a moment's prices are
one column of that matrix. A rebalance at 14:50 uses the close of the 14:49 bar — the last price
known at 14:50 — both live and in a replay, which is why the two agree.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.calendar import SHANGHAI, minute_bar_starts
from aistock.core.errors import AistockError
from aistock.core.risk import Quote
from aistock.data.service import DataService
from aistock.trading.risk.quotes import InstrumentFacts

F64 = npt.NDArray[np.float64]
_BAR_ENDS = tuple(
    (dt.datetime.combine(dt.date(2000, 1, 1), t) + dt.timedelta(minutes=1)).time()
    for t in minute_bar_starts()
)


def completed_bars(moment: dt.datetime) -> int:
    """How many of the day's 240 minute bars have closed at ``moment`` (Shanghai time)."""
    local = moment.astimezone(SHANGHAI) if moment.tzinfo else moment
    return bisect.bisect_right(_BAR_ENDS, local.time())


class _Day:
    """One session's facts for a growing set of codes."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.codes: list[str] = []
        self.row: dict[str, int] = {}
        self.close = np.empty(0)
        self.pre_close = np.empty(0)
        self.up = np.empty(0)
        self.down = np.empty(0)
        self.suspended = np.empty(0, dtype=bool)
        self.ratio = np.empty(0)
        self.minutes: F64 | None = None  # codes × 240, forward-filled; None until asked
        self.has_minutes: bool | None = None


class PreviewMarket:
    """The DataService seen as a preview needs it: per day, per moment, for many codes at once."""

    def __init__(self, data: DataService, *, keep_days: int = 3) -> None:
        self.data = data
        self.calendar = data.trading_calendar()
        self._days: dict[dt.date, _Day] = {}
        self._keep = keep_days
        self._facts = InstrumentFacts(data, lambda: self._facts_day)
        self._facts_day = dt.date.min
        self._known = set(data.instruments("all"))

    # -- loading ----------------------------------------------------------------------------------
    def _day(self, day: dt.date, codes: Iterable[str]) -> _Day:
        entry = self._days.pop(day, None)
        if entry is None:
            entry = _Day(day)
            while len(self._days) >= self._keep:  # least recently used first (dicts keep order)
                self._days.pop(next(iter(self._days)))
        self._days[day] = entry
        missing = sorted({c for c in codes if c not in entry.row and c in self._known})
        if missing:
            self._extend(entry, missing)
        return entry

    def _extend(self, entry: _Day, codes: list[str]) -> None:
        snap = self.data.snapshot(codes, entry.day).reindex(codes)
        ratio = self._ratios(codes, entry.day)
        base = len(entry.codes)
        entry.codes.extend(codes)
        entry.row.update({c: base + i for i, c in enumerate(codes)})
        entry.close = np.concatenate([entry.close, snap["last"].to_numpy(dtype=np.float64)])
        entry.pre_close = np.concatenate([entry.pre_close, snap["pre_close"].to_numpy(dtype=np.float64)])
        entry.up = np.concatenate([entry.up, snap["up_limit"].to_numpy(dtype=np.float64)])
        entry.down = np.concatenate([entry.down, snap["down_limit"].to_numpy(dtype=np.float64)])
        entry.suspended = np.concatenate(
            [entry.suspended, snap["suspended"].fillna(True).to_numpy(dtype=bool)]
        )
        entry.ratio = np.concatenate([entry.ratio, ratio])
        if entry.minutes is not None:
            entry.minutes = np.vstack([entry.minutes, self._minute_closes(codes, entry.day)])

    def _ratios(self, codes: list[str], day: dt.date) -> F64:
        """factor(day) ÷ the last stored factor before it: the backtest's corporate-action ratio."""
        out = np.ones(len(codes))
        if day == self.calendar.first or "factor" not in self.data.fields():
            return out
        start = self.calendar.sessions[max(0, self.calendar.index_of(day) - 20)]
        frame = self.data.history(codes, start, day, ["factor"], adjust="front", dtype="float32")
        if frame.empty:
            return out
        table = frame["factor"].unstack("instrument").astype(np.float64)
        today = pd.Timestamp(day)
        if today not in table.index:
            return out
        before = table.loc[table.index < today].ffill()
        if before.empty:
            return out
        ratio = (table.loc[today] / before.iloc[-1]).reindex(codes).to_numpy(dtype=np.float64)
        ratio[~np.isfinite(ratio)] = 1.0
        return ratio

    def _minute_closes(self, codes: list[str], day: dt.date) -> F64:
        out = np.full((len(codes), len(_BAR_ENDS)), np.nan)
        try:
            frame = self.data.history(
                codes,
                dt.datetime.combine(day, dt.time(9, 0)),
                dt.datetime.combine(day, dt.time(15, 1)),
                ["close"],
                freq="1min",
                adjust="none",
                dtype="float64",
            )
        except AistockError:
            return out
        if frame.empty:
            return out
        table = frame["close"].unstack("instrument").reindex(columns=codes)
        starts = [dt.datetime.combine(day, t) for t in minute_bar_starts()]
        table = table.reindex(pd.DatetimeIndex(starts)).ffill()
        values = np.round(table.to_numpy(dtype=np.float64).T * 100.0) / 100.0
        return values

    def minutes(self, day: dt.date, codes: Iterable[str]) -> _Day:
        entry = self._day(day, codes)
        if entry.minutes is None:
            entry.minutes = self._minute_closes(entry.codes, day)
            entry.has_minutes = bool(np.isfinite(entry.minutes).any())
        return entry

    def has_minutes(self, day: dt.date, codes: Iterable[str]) -> bool:
        """Whether any of ``codes`` has a minute bar that day (asked per code set: the answer must
        not depend on which other instance loaded the day first)."""
        wanted = list(codes)
        entry = self.minutes(day, wanted)
        assert entry.minutes is not None
        rows = [entry.row[c] for c in wanted if c in entry.row]
        return bool(rows) and bool(np.isfinite(entry.minutes[rows]).any())

    # -- answers ----------------------------------------------------------------------------------
    def ratios(self, day: dt.date, codes: Iterable[str]) -> dict[str, float]:
        wanted = list(codes)
        entry = self._day(day, wanted)
        return {c: float(entry.ratio[entry.row[c]]) for c in wanted if c in entry.row}

    def prices(self, day: dt.date, codes: Iterable[str], moment: dt.datetime | None) -> dict[str, float]:
        """Last prices (NaN while suspended or unpriced): the close, or the last minute's close."""
        wanted = list(codes)
        if moment is None:
            entry = self._day(day, wanted)
            values = np.where(entry.suspended, np.nan, entry.close)
        else:
            entry = self.minutes(day, wanted)
            k = completed_bars(moment)
            assert entry.minutes is not None
            values = entry.minutes[:, k - 1] if k > 0 else np.full(len(entry.codes), np.nan)
            values = np.where(entry.suspended, np.nan, values)
        return {c: float(values[entry.row[c]]) for c in wanted if c in entry.row}

    def quotes(
        self,
        day: dt.date,
        codes: Iterable[str],
        moment: dt.datetime | None,
        *,
        held: Mapping[str, float],
        as_of: dt.datetime,
    ) -> dict[str, Quote]:
        """Quotes as the planner and the risk rules read them; a held name's reference is its mark."""
        wanted = list(codes)
        last = self.prices(day, wanted, moment)
        entry = self._day(day, wanted)
        self._facts_day = day
        out: dict[str, Quote] = {}
        for code in wanted:
            i = entry.row.get(code)
            if i is None:
                continue
            is_st, industry = self._facts(code)
            up, down = float(entry.up[i]), float(entry.down[i])
            out[code] = Quote(
                code=code,
                last=last[code],
                pre_close=held.get(code, math.nan) if code in held else float(entry.pre_close[i]),
                up_limit=up if up > 0 else None,
                down_limit=down if down > 0 else None,
                suspended=bool(entry.suspended[i]),
                is_st=is_st,
                industry=industry,
                as_of=as_of,
            )
        return out
