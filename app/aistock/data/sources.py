"""What every market-data source speaks: the protocol behind :class:`DataService` and its values.

The workstation reads prices from a qlib provider directory (what RD-Agent trained on), from
miniQMT's xtdata (what the broker sees) or from the demo market (a qlib directory we write). The
research and trading layers must not care which: they talk to :class:`DataService`, which talks
to one :class:`MarketDataSource`. Sources speak canonical codes (``600000.SH``) and return frames
indexed by ``(datetime, instrument)`` — the index order qlib's handlers and datasets use — so
that a frame can be fed to a qlib model without reshuffling.

The small helpers here (frequency and adjustment names, time bounds, field names) are shared by
all sources so that ``"1d"`` and ``"day"``, ``"$close"`` and ``"close"`` mean the same thing
everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import pandas as pd

from aistock.core.codes import Board, SecurityKind
from aistock.core.errors import DataError

Freq = Literal["day", "1min"]
Adjust = Literal["front", "none"]
FloatDType = Literal["float32", "float64"]
TimeLike = dt.date | str | None
"""A bound of a time range: a date, a datetime (or ``pd.Timestamp``), an ISO string, or None
for "from the first" / "to the last" bar of the calendar."""

DAY: Freq = "day"
MINUTE: Freq = "1min"

# Fields stored as forward-adjusted prices (adjusted = raw × factor) in a qlib provider, and the
# volume that is stored divided by the factor. ``amount`` (yuan) is never adjusted.
PRICE_FIELDS = frozenset({"open", "high", "low", "close", "vwap"})
VOLUME_FIELDS = frozenset({"volume"})

_FREQ_ALIASES: dict[str, Freq] = {
    "day": DAY,
    "1d": DAY,
    "d": DAY,
    "daily": DAY,
    "1min": MINUTE,
    "1m": MINUTE,
    "min": MINUTE,
    "minute": MINUTE,
}
_ADJUST_ALIASES: dict[str, Adjust] = {
    "front": "front",
    "qfq": "front",
    "forward": "front",
    "none": "none",
    "raw": "none",
    "": "none",
}


class UnknownFieldError(DataError):
    """A field that none of the asked instruments stores (a typo, or the wrong provider)."""


class UnknownInstrumentError(DataError):
    """A well-formed code that the source does not know."""


@dataclass(frozen=True, slots=True)
class InstrumentSpan:
    """One continuous period in which an instrument belongs to a market (qlib's instrument line).

    An instrument may have several spans: a stock that left CSI 300 and came back, or one that
    was delisted and relisted.
    """

    code: str
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    """Static facts about an instrument, with ``is_st`` as of the day that was asked."""

    code: str
    name: str
    kind: SecurityKind
    board: Board
    list_date: dt.date | None
    delist_date: dt.date | None
    is_st: bool
    industry: str = ""
    """The industry the source files it under ("" when the source does not say); the risk engine's
    industry caps group by it."""


@runtime_checkable
class MarketDataSource(Protocol):
    """A source of market data. Implementations: qlib provider directory, xtdata, demo market.

    ``history`` takes either a market name (``"all"``, ``"csi300"``: membership spans apply, as
    in qlib's ``D.instruments(market)``) or a sequence of canonical codes (every stored bar).
    """

    def describe(self) -> str:
        """A human label for dialogs and logs, e.g. ``"qlib: D:/qlib_data/cn_data"``."""
        ...

    def calendar(
        self, start: TimeLike = None, end: TimeLike = None, freq: str = DAY
    ) -> list[dt.date] | list[dt.datetime]:
        """Trading days (``day``) or bar-start datetimes (``1min``) within ``[start, end]``."""
        ...

    def instruments(self, market: str = "all") -> list[InstrumentSpan]:
        """Membership spans of a market, one entry per span, canonical codes."""
        ...

    def fields(self, freq: str = DAY) -> list[str]:
        """The field names this source can deliver at ``freq`` (without ``$``)."""
        ...

    def history(
        self,
        codes: str | Sequence[str],
        start: TimeLike,
        end: TimeLike,
        fields: Sequence[str],
        freq: str = DAY,
        adjust: str = "front",
        *,
        dtype: FloatDType = "float32",
    ) -> pd.DataFrame:
        """Bars indexed by ``(datetime, instrument)``, one column per field, sorted."""
        ...

    def instrument_info(self, code: str, on: dt.date | None = None) -> InstrumentInfo:
        """Name, kind, board, listing dates and ST status on ``on`` (default: the last day)."""
        ...


# -- shared normalisation -------------------------------------------------------------------------
def normalize_freq(freq: str) -> Freq:
    """``"1d"``/``"day"`` → ``"day"``, ``"1m"``/``"1min"`` → ``"1min"``; anything else is an error."""
    try:
        return _FREQ_ALIASES[freq.strip().lower()]
    except (KeyError, AttributeError):
        raise DataError(
            f"unknown bar frequency {freq!r}",
            "use 'day' (or '1d') for daily bars or '1min' (or '1m') for minute bars",
        ) from None


def normalize_adjust(adjust: str) -> Adjust:
    """``"front"`` (forward-adjusted, as qlib stores it) or ``"none"`` (raw exchange prices)."""
    try:
        return _ADJUST_ALIASES[adjust.strip().lower()]
    except (KeyError, AttributeError):
        raise DataError(
            f"unknown price adjustment {adjust!r}",
            "use 'front' (forward-adjusted, what qlib stores) or 'none' (raw exchange prices)",
        ) from None


def normalize_field(field: str) -> str:
    """``"$close"`` → ``"close"``; qlib expressions (``"Ref($close,1)"``) are not fields."""
    if not isinstance(field, str):
        raise DataError(
            f"field {field!r} is a {type(field).__name__}, not text",
            "pass field names such as 'close' or '$close'",
        )
    name = field.strip()
    name = name.removeprefix("$").lower()
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        raise DataError(
            f"{field!r} is not a plain field name",
            "ask for stored fields such as 'close' or '$close'; compute expressions with the FactorEngine",
        )
    return name


def normalize_fields(fields: Sequence[str] | str) -> list[str]:
    """Field names without ``$``, de-duplicated in order; at least one."""
    items = [fields] if isinstance(fields, str) else list(fields)
    out: list[str] = []
    for field in items:
        name = normalize_field(field)
        if name not in out:
            out.append(name)
    if not out:
        raise DataError("no fields were asked for", "pass at least one field, e.g. ['close']")
    return out


def to_timestamp(value: dt.date | str, *, what: str) -> pd.Timestamp:
    """Parse one time bound; a clear error instead of pandas' parser message."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise DataError(
            f"cannot read {what} {value!r} as a date or time",
            "write dates as 2024-01-02 or pass datetime.date objects",
        ) from None
    if pd.isna(stamp):
        raise DataError(f"{what} is not a date ({value!r})", "pass a real date")
    if stamp.tzinfo is not None:  # calendars are naive Asia/Shanghai wall time
        stamp = stamp.tz_convert("Asia/Shanghai").tz_localize(None)
    return stamp


def time_bounds(
    start: TimeLike, end: TimeLike, freq: Freq
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Inclusive bounds; a plain date as ``end`` covers that whole day (all its minute bars).

    Raises when ``start`` is after ``end``, naming both, because an empty answer would hide the
    mistake.
    """
    lo = None if start is None else to_timestamp(start, what="start")
    hi = None if end is None else to_timestamp(end, what="end")
    if hi is not None and _is_whole_day(end) and freq == MINUTE:
        hi = hi + pd.Timedelta(days=1) - pd.Timedelta(1, unit="ns")
    if lo is not None and hi is not None and lo > hi:
        raise DataError(f"start {start} is after end {end}", "swap the dates or widen the range")
    return lo, hi


def _is_whole_day(value: TimeLike) -> bool:
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return True
    return isinstance(value, str) and len(value.strip()) <= 10
