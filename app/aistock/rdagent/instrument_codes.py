"""Switch the instrument level of a ``(datetime, instrument)`` index between code spellings.

qlib, its providers and ``pred.pkl`` spell codes ``SH600000``; RD-Agent's ``daily_pv.h5`` and the
workstation spell them ``600000.SH``. Frames cross that line in both directions, and relabelling
the index level's categories (not every row) keeps it cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from aistock.core.codes import parse_code

FrameOrSeries = TypeVar("FrameOrSeries", pd.DataFrame, "pd.Series[float]")


def to_qlib(code: str) -> str:
    return parse_code(code).qlib


def to_canonical(code: str) -> str:
    return str(parse_code(code))


def recode_instruments(obj: FrameOrSeries, convert: Callable[[str], str]) -> FrameOrSeries:
    """A copy of ``obj`` whose ``instrument`` index level is spelled by ``convert``."""
    index = obj.index
    if not isinstance(index, pd.MultiIndex):
        raise TypeError("expected a (datetime, instrument) MultiIndex")
    level = index.names.index("instrument")
    labels = [convert(str(code)) for code in index.levels[level]]
    out = obj.copy(deep=False)
    out.index = index.set_levels(labels, level=level, verify_integrity=False)
    return out
