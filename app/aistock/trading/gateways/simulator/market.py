"""What the simulated exchange matches against: one session day of one-minute bars.

The simulator replays a *past* day. Its clock is a minute index into that day (0 = the 09:30
bar, 240 = the close), not the wall clock, so the same recorded day can stand in for "today"
in a live demo: a timer maps the wall-clock time of day to a minute index
(:func:`minute_index_at`) and advances the counter to it. Orders then fill against bars that
really traded, with the real day's limits and suspensions, while every date the traders see is
the replayed session's.

Prices are kept as integer fen internally (the exchange's grid), so "is the bar locked at the
limit" and "does the low touch my limit price" are exact comparisons, never float guesses.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.calendar import minute_bar_starts
from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError, DataError
from aistock.data.service import DataService

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
BAR_FIELDS = ("open", "high", "low", "close", "volume")


class SimMarketError(AistockError, ValueError):
    """A simulated market that cannot be built or asked as requested."""


@dataclass(frozen=True, slots=True)
class MinuteBar:
    """One traded minute in exchange prices (yuan, on the 0.01 grid) and shares."""

    open: float
    high: float
    low: float
    close: float
    volume: int

    def locked_at(self, price: float) -> bool:
        """True when the whole minute traded at one price (a limit-locked bar)."""
        return fen(self.low) == fen(self.high) == fen(price)


@dataclass(frozen=True, slots=True)
class Reference:
    """The exchange's facts for the day: reference price, limits (None = no limit), suspension."""

    pre_close: float
    up_limit: float | None
    down_limit: float | None
    suspended: bool
    name: str


@runtime_checkable
class SimMarket(Protocol):
    """What the counter needs from a market: bars by minute index and the day's references."""

    @property
    def session_day(self) -> dt.date: ...

    @property
    def minutes(self) -> tuple[dt.time, ...]: ...

    def bar(self, code: str, minute_index: int) -> MinuteBar | None:
        """The bar of ``code`` at ``minute_index``; None when it did not trade that minute."""
        ...

    def reference(self, code: str) -> Reference | None:
        """The day's reference of ``code``; None for a code the exchange does not know."""
        ...

    def last_price(self, code: str, minute_index: int) -> float | None:
        """Close of the latest bar at or before ``minute_index``, else the pre-close."""
        ...


def fen(price: float) -> int:
    """A grid price in whole fen (prices here are on the 0.01 grid, so rounding is exact)."""
    return round(price * 100)


def minute_index_at(moment: dt.time, minutes: Sequence[dt.time] | None = None) -> int:
    """The clock position at wall-clock time ``moment``: how many bars have started by then.

    09:29 → 0, 09:30:00 → 0 (the 09:30 bar is about to trade), 09:31 → 1, 12:00 → 120 (lunch:
    the morning is done), 15:00 and later → 240. Used to drive a replayed day from a live clock.
    """
    starts = tuple(minutes) if minutes is not None else minute_bar_starts()
    # Bars that have started by ``moment``, minus the one still running (a bar is matched only
    # once its minute is over, as a replay must not trade on a half-formed bar).
    passed = bisect.bisect_right(starts, moment)
    if passed and moment < _bar_end(starts[passed - 1]):
        passed -= 1
    return passed


def _bar_end(start: dt.time) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=1)).time()


class MinuteTape:
    """A market held as dense (instrument × minute) arrays, so ``bar()`` is an index, not a search.

    Build it from arrays directly (tests and scenarios), from a :class:`DemoMinuteTape`, or
    derive a variant with :meth:`with_bars` / :meth:`with_reference` to stage a limit-locked or
    suspended stock on top of real data.
    """

    def __init__(
        self,
        session_day: dt.date,
        codes: Sequence[str],
        bars_fen: Mapping[str, I64],
        volume: I64,
        references: Mapping[str, Reference],
        minutes: Sequence[dt.time] | None = None,
    ) -> None:
        self._day = session_day
        self._minutes = tuple(minutes) if minutes is not None else minute_bar_starts()
        self._codes = tuple(codes)
        self._row = {code: i for i, code in enumerate(self._codes)}
        shape = (len(self._codes), len(self._minutes))
        arrays = {
            name: np.asarray(bars_fen[name], dtype=np.int64) for name in ("open", "high", "low", "close")
        }
        vol = np.asarray(volume, dtype=np.int64)
        for name, array in (*arrays.items(), ("volume", vol)):
            if array.shape != shape:
                raise SimMarketError(
                    f"minute {name} array has shape {array.shape}, expected {shape} (codes × minutes)",
                    "pass one row per code and one column per minute bar",
                )
        self._open, self._high, self._low, self._close = (arrays[n] for n in ("open", "high", "low", "close"))
        self._volume = vol
        self._refs = dict(references)
        missing = [c for c in self._codes if c not in self._refs]
        if missing:
            raise SimMarketError(
                f"no reference (pre-close, limits) for {', '.join(missing[:5])}",
                "give every code with bars a Reference",
            )
        # A bar "exists" when it has a positive close; 0 marks a minute without trading.
        self._traded = self._close > 0
        self._last = self._forward_filled_close()

    def _forward_filled_close(self) -> I64:
        """Close of the latest traded bar at or before each minute (0 where none yet)."""
        idx = np.where(self._traded, np.arange(self._close.shape[1])[None, :], -1)
        np.maximum.accumulate(idx, axis=1, out=idx)
        rows = np.arange(self._close.shape[0])[:, None]
        last: I64 = np.where(idx >= 0, self._close[rows, np.maximum(idx, 0)], 0)
        return last

    # -- SimMarket ---------------------------------------------------------------------------------
    @property
    def session_day(self) -> dt.date:
        return self._day

    @property
    def minutes(self) -> tuple[dt.time, ...]:
        return self._minutes

    @property
    def codes(self) -> tuple[str, ...]:
        return self._codes

    def bar(self, code: str, minute_index: int) -> MinuteBar | None:
        row = self._row.get(code)
        if row is None or not 0 <= minute_index < len(self._minutes) or not self._traded[row, minute_index]:
            return None
        return MinuteBar(
            open=int(self._open[row, minute_index]) / 100,
            high=int(self._high[row, minute_index]) / 100,
            low=int(self._low[row, minute_index]) / 100,
            close=int(self._close[row, minute_index]) / 100,
            volume=int(self._volume[row, minute_index]),
        )

    def reference(self, code: str) -> Reference | None:
        return self._refs.get(code)

    def last_price(self, code: str, minute_index: int) -> float | None:
        ref = self._refs.get(code)
        if ref is None:
            return None
        row = self._row.get(code)
        if row is not None and minute_index >= 0:
            last = int(self._last[row, min(minute_index, len(self._minutes) - 1)])
            if last > 0:
                return last / 100
        return ref.pre_close if ref.pre_close > 0 else None

    # -- variants ----------------------------------------------------------------------------------
    def with_bars(
        self, code: str, minute_indices: Sequence[int] | range, bar: MinuteBar | None
    ) -> MinuteTape:
        """A copy where ``code`` trades ``bar`` at the given minutes (None: no trading then)."""
        row = self._require(code)
        arrays = {"open": self._open.copy(), "high": self._high.copy(), "low": self._low.copy()}
        arrays["close"] = self._close.copy()
        volume = self._volume.copy()
        cols = list(minute_indices)
        for name, array in arrays.items():
            array[row, cols] = fen(getattr(bar, name)) if bar is not None else 0
        volume[row, cols] = bar.volume if bar is not None else 0
        return MinuteTape(self._day, self._codes, arrays, volume, self._refs, self._minutes)

    def with_reference(self, code: str, reference: Reference) -> MinuteTape:
        """A copy with a different reference for ``code`` (a suspension, a removed limit...)."""
        self._require(code)
        refs = {**self._refs, code: reference}
        arrays = {"open": self._open, "high": self._high, "low": self._low, "close": self._close}
        return MinuteTape(self._day, self._codes, arrays, self._volume, refs, self._minutes)

    def _require(self, code: str) -> int:
        try:
            return self._row[code]
        except KeyError:
            raise SimMarketError(
                f"{code} is not in this market of {self._day}", "pick one of the tape's codes"
            ) from None


class DemoMinuteTape(MinuteTape):
    """One session day of the demo market (or any provider with minute bars), read once.

    Bars are the raw exchange prices (``adjust="none"``) of every listed stock; pre-close,
    limits and suspension come from :meth:`DataService.snapshot` for that day. The default day
    is the last session that has minute bars.
    """

    def __init__(self, data: DataService, day: dt.date | None = None) -> None:
        stamps = data.calendar(freq="1min")
        minute_days = sorted({s.date() if isinstance(s, dt.datetime) else s for s in stamps})
        if not minute_days:
            raise DataError(f"{data.describe()} has no minute bars", "build the demo market with minute days")
        session = day if day is not None else minute_days[-1]
        if session not in minute_days:
            raise DataError(
                f"{data.describe()} has no minute bars on {session}",
                f"pick one of the minute days {minute_days[0]} … {minute_days[-1]}",
            )
        codes = [c for c in data.instruments("all", on=session) if _is_stock(c)]
        if not codes:
            raise DataError(f"no stock is listed on {session} in {data.describe()}", "pick another day")
        minutes = minute_bar_starts()
        frame = data.history(
            codes, session, session, list(BAR_FIELDS), freq="1min", adjust="none", dtype="float64"
        )
        n, m = len(codes), len(minutes)
        prices = {name: np.zeros((n, m), dtype=np.int64) for name in ("open", "high", "low", "close")}
        volume = np.zeros((n, m), dtype=np.int64)
        if not frame.empty:
            stamp_col = {dt.datetime.combine(session, t): j for j, t in enumerate(minutes)}
            row_of = {c: i for i, c in enumerate(codes)}
            datetimes = pd.DatetimeIndex(frame.index.get_level_values("datetime")).to_pydatetime()
            rows = np.array(
                [row_of[str(c)] for c in frame.index.get_level_values("instrument")], dtype=np.int64
            )
            cols = np.array([stamp_col.get(t, -1) for t in datetimes], dtype=np.int64)
            values = {name: frame[name].to_numpy(dtype=np.float64) for name in BAR_FIELDS}
            ok = (cols >= 0) & ~np.isnan(values["close"]) & ~np.isnan(values["open"])
            for name in prices:
                prices[name][rows[ok], cols[ok]] = np.round(values[name][ok] * 100).astype(np.int64)
            vol = np.nan_to_num(values["volume"][ok], nan=0.0)
            volume[rows[ok], cols[ok]] = np.maximum(np.round(vol), 0).astype(np.int64)
        snapshot = data.snapshot(codes, session)
        references: dict[str, Reference] = {}
        for code in codes:
            row = snapshot.loc[code]
            references[code] = Reference(
                pre_close=_price_or(float(row["pre_close"]), 0.0),
                up_limit=_price_or_none(float(row["up_limit"])),
                down_limit=_price_or_none(float(row["down_limit"])),
                suspended=bool(row["suspended"]),
                name=data.instrument_info(code, session).name,
            )
        super().__init__(session, codes, prices, volume, references, minutes)
        self.source = data.describe()

    def __repr__(self) -> str:
        return f"DemoMinuteTape({self.source}, {self.session_day}, {len(self.codes)} stocks)"


def _is_stock(code: str) -> bool:
    try:
        return parse_code(code).is_stock
    except CodeFormatError:
        return False


def _price_or_none(value: float) -> float | None:
    """A snapshot price, or None where the snapshot has none (NaN: no limit, no close)."""
    return None if np.isnan(value) or value <= 0 else round(value, 2)


def _price_or(value: float, default: float) -> float:
    price = _price_or_none(value)
    return default if price is None else price
