"""Trading-day index space: the chart's x is the session number, not the calendar date.

A calendar-date axis would show every weekend and holiday as a flat gap (about a third of the
width over a year); plotting against the session index removes them. This module maps back:
which sessions start a new year / quarter / month (where date ticks go), what they are called,
and which index range a quick button such as "3M" means. Pure numpy, no Qt, so it is tested
directly and costs nothing per paint (the period keys are computed once per data set).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

QUICK_RANGES: tuple[str, ...] = ("1M", "3M", "6M", "YTD", "1Y", "All")
SESSIONS_IN = {"1M": 21, "3M": 63, "6M": 126, "1Y": 252}
"""Sessions per quick range: the A-share market trades about 21 days a month, 252 a year."""


@dataclass(frozen=True)
class Granularity:
    name: str
    label_format: str
    """``strftime`` format of a tick at this granularity."""


YEAR = Granularity("year", "%Y")
QUARTER = Granularity("quarter", "%Y-%m")
MONTH = Granularity("month", "%Y-%m")
WEEK = Granularity("week", "%m-%d")
DAY = Granularity("day", "%m-%d")
_ORDER = (YEAR, QUARTER, MONTH, WEEK, DAY)
"""Coarse to fine."""


class Timeline:
    """The sessions of one chart and where their periods begin."""

    def __init__(self, dates: Sequence[dt.date]) -> None:
        self.dates: tuple[dt.date, ...] = tuple(dates)
        n = len(self.dates)
        years = np.fromiter((d.year for d in self.dates), dtype=np.int64, count=n)
        months = np.fromiter((d.month for d in self.dates), dtype=np.int64, count=n)
        ordinal = np.fromiter((d.toordinal() for d in self.dates), dtype=np.int64, count=n)
        keys = {
            YEAR.name: years,
            QUARTER.name: years * 4 + (months - 1) // 3,
            MONTH.name: years * 12 + months,
            WEEK.name: (ordinal - 1) // 7,  # ordinal 1 is a Monday: weeks start on Mondays
        }
        self._starts: dict[str, npt.NDArray[np.int64]] = {
            name: np.flatnonzero(np.diff(key) != 0).astype(np.int64) + 1 for name, key in keys.items()
        }
        self._starts[DAY.name] = np.arange(1, n, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.dates)

    def date_at(self, x: float) -> dt.date | None:
        """The session nearest to ``x`` (None outside the data)."""
        i = self.index_at(x)
        return None if i is None else self.dates[i]

    def index_at(self, x: float) -> int | None:
        """``x`` snapped to the nearest session index, clamped into the data (None when empty)."""
        if not self.dates or not math.isfinite(x):
            return None
        return int(min(max(round(x), 0), len(self.dates) - 1))

    def index_of(self, day: dt.date) -> int:
        """The index of the first session on or after ``day`` (the last one past the end)."""
        lo, hi = 0, len(self.dates)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.dates[mid] < day:
                lo = mid + 1
            else:
                hi = mid
        return min(lo, len(self.dates) - 1)

    def ticks(self, lo: float, hi: float, max_labels: int) -> tuple[list[tuple[int, str]], list[int]]:
        """Labelled ticks and unlabelled minor ticks for the visible range ``lo..hi``.

        The finest granularity (year, quarter, month, week, day) whose period starts fit
        ``max_labels`` is labelled; the next finer one, when it is not too dense, gives minor
        ticks. A week or day tick on a year's first session names the year in full.
        """
        if not self.dates or max_labels < 1:
            return [], []
        first = max(0, math.ceil(lo))
        last = min(len(self.dates) - 1, math.floor(hi))
        if last < first:
            return [], []
        level = -1
        for candidate, granularity in enumerate(_ORDER):
            if len(self._visible(granularity.name, first, last)) > max_labels:
                break
            level = candidate
        if level < 0:  # even the years are too dense (decades at thumbnail size): every k-th year
            chosen = self._thin(self._visible(YEAR.name, first, last), max_labels)
            return [(int(i), self._label(int(i), YEAR)) for i in chosen], []
        granularity = _ORDER[level]
        chosen = self._visible(granularity.name, first, last)
        if len(chosen) == 0:  # a single session in view
            return [(first, self._label(first, DAY))], []
        labelled = [(int(i), self._label(int(i), granularity)) for i in chosen]
        minor: list[int] = []
        if level + 1 < len(_ORDER):
            finer = self._visible(_ORDER[level + 1].name, first, last)
            if len(finer) <= 4 * max_labels:
                taken = set(chosen.tolist())
                minor = [int(i) for i in finer if int(i) not in taken]
        return labelled, minor

    def quick_range(self, key: str) -> tuple[float, float]:
        """The x range a quick button shows: the last N sessions, this year, or everything."""
        n = len(self.dates)
        if n == 0:
            return 0.0, 1.0
        last = n - 1
        if key == "All":
            return 0.0, float(last)
        if key == "YTD":
            year = self.dates[-1].year
            return float(self.index_of(dt.date(year, 1, 1))), float(last)
        if key not in SESSIONS_IN:
            raise ValueError(f"unknown quick range {key!r}; use one of {', '.join(QUICK_RANGES)}")
        return float(max(0, last - SESSIONS_IN[key] + 1)), float(last)

    # -- internals -----------------------------------------------------------------------------------
    def _visible(self, name: str, first: int, last: int) -> npt.NDArray[np.int64]:
        starts = self._starts[name]
        return starts[(starts >= first) & (starts <= last)]

    @staticmethod
    def _thin(values: npt.NDArray[np.int64], most: int) -> npt.NDArray[np.int64]:
        if len(values) <= most:
            return values
        return values[:: math.ceil(len(values) / most)]

    def _label(self, index: int, granularity: Granularity) -> str:
        day = self.dates[index]
        if granularity in (WEEK, DAY) and (index == 0 or self.dates[index - 1].year != day.year):
            return f"{day:%Y-%m-%d}"
        return day.strftime(granularity.label_format)
