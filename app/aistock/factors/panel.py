"""Stored fields as wide (instrument × day) float32 arrays — the shape the kernels work on.

qlib computes one instrument at a time on a pandas Series; we compute every instrument at once
on a 2-D array whose rows are instruments (each series contiguous for the rolling kernels) and
whose columns are calendar days. A cell with no stored bar is NaN, and ``present`` says which
cells exist at all, because qlib's series *begin* at an instrument's first stored bar: windows,
shifts and positions are truncated there, not padded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.data.service import DataService

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Panel:
    """Fields of ``codes`` over ``days`` (a contiguous stretch of the trading calendar)."""

    codes: tuple[str, ...]
    days: npt.NDArray[np.datetime64]
    fields: dict[str, FloatArray]
    present: BoolArray  # (instruments, days): a stored bar exists (its values may still be NaN)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.codes), len(self.days)

    def rows(self, lo: int, hi: int) -> Panel:
        """Instruments ``[lo, hi)`` as a panel of views (no copy)."""
        if (lo, hi) == (0, len(self.codes)):
            return self
        fields = {name: array[lo:hi] for name, array in self.fields.items()}
        return Panel(self.codes[lo:hi], self.days, fields, self.present[lo:hi])

    def first_rows(self) -> IntArray:
        """Index of each instrument's first stored bar in ``days`` (``len(days)`` if none)."""
        has = self.present.any(axis=1)
        return np.where(has, self.present.argmax(axis=1), self.present.shape[1]).astype(np.int64)

    def last_rows(self) -> IntArray:
        """Index of each instrument's last stored bar (``-1`` if none)."""
        has = self.present.any(axis=1)
        width = self.present.shape[1]
        return np.where(has, width - 1 - self.present[:, ::-1].argmax(axis=1), -1).astype(np.int64)


def load_panel(
    data: DataService, codes: Sequence[str], days: Sequence[dt.date], fields: Sequence[str]
) -> Panel:
    """Read ``fields`` of ``codes`` (canonical, sorted) for ``days`` into a :class:`Panel`.

    Every stored bar is read whatever the membership spans say: qlib computes an expression on
    the whole stored series and only then drops the rows outside a market's spans.
    """
    stamps = np.asarray(pd.DatetimeIndex(list(days)).values)
    n, t = len(codes), len(stamps)
    arrays = {f: np.full((n, t), np.nan, dtype=np.float32) for f in fields}
    present = np.zeros((n, t), dtype=bool)
    if n == 0 or t == 0 or not fields:
        return Panel(tuple(codes), stamps, arrays, present)
    frame = data.history(list(codes), days[0], days[-1], list(fields), adjust="front")
    if len(frame):
        index = frame.index
        assert isinstance(index, pd.MultiIndex)
        level_days = np.asarray(pd.DatetimeIndex(index.levels[0]).values)
        row_of_day = np.searchsorted(stamps, level_days)
        column_of_code = {code: j for j, code in enumerate(codes)}
        level_codes = [column_of_code[str(c)] for c in index.levels[1]]
        rows = np.asarray(level_codes, dtype=np.int64)[index.codes[1]]
        cols = row_of_day[index.codes[0]]
        present[rows, cols] = True
        for name in fields:
            arrays[name][rows, cols] = frame[name].to_numpy(dtype=np.float32, copy=False)
    return Panel(tuple(codes), stamps, arrays, present)
