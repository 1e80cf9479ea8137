"""DataService: the only door to market data (DESIGN §5).

Research, the backtest, previews and the trading runners all ask this one object, so that the
same question — "what did 600000.SH close at on that day, raw or adjusted?" — gets the same
answer in every mode. It normalises what callers pass (any code format, "all" or a market name,
``"1d"`` or ``"day"``) and leaves reading to a :class:`~aistock.data.sources.MarketDataSource`.

The snapshot is where adjusted research data meets the exchange: limits and gap checks need
*raw* prices, and on an ex-dividend day the exchange's reference price is not yesterday's raw
close but yesterday's close adjusted to today's share basis. With qlib's multiplicative factor
(adjusted = raw × factor) that is ``adjusted close(yesterday) / factor(today)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.boards import NotTradableError, price_limits
from aistock.core.calendar import TradingCalendar, ensure_dates
from aistock.core.codes import parse_code
from aistock.core.errors import CodeFormatError, DataError
from aistock.data.sources import (
    DAY,
    FloatDType,
    InstrumentInfo,
    MarketDataSource,
    TimeLike,
    UnknownFieldError,
    normalize_fields,
    normalize_freq,
)

DEFAULT_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "last",
    "open",
    "high",
    "low",
    "pre_close",
    "volume",
    "amount",
    "up_limit",
    "down_limit",
    "suspended",
)
# How many sessions before ``on`` to look for a previous close (a long suspension needs more).
_PRE_CLOSE_LOOKBACK = 60

Universe = str | Sequence[str]
QuoteCallback = Callable[[dict[str, Any]], None]


class DataService:
    """Market data for every mode, from one source."""

    def __init__(self, source: MarketDataSource) -> None:
        self.source = source

    def __repr__(self) -> str:
        return f"DataService({self.source.describe()})"

    def describe(self) -> str:
        return self.source.describe()

    # -- calendars and instruments ------------------------------------------------------------------
    def calendar(
        self, start: TimeLike = None, end: TimeLike = None, freq: str = DAY
    ) -> list[dt.date] | list[dt.datetime]:
        return self.source.calendar(start, end, normalize_freq(freq))

    def trading_calendar(self) -> TradingCalendar:
        """The source's trading days as a :class:`TradingCalendar` (the source is authoritative)."""
        days = ensure_dates(self.source.calendar(None, None, DAY))
        if not days:
            raise DataError(f"{self.describe()} has an empty trading calendar", "check the data source")
        return TradingCalendar.from_days(days)

    def instruments(self, market: str = "all", on: dt.date | None = None) -> list[str]:
        """Canonical codes of a market, all members ever or only those listed on ``on``."""
        spans = self.source.instruments(market)
        return sorted({s.code for s in spans if on is None or s.contains(on)})

    def instrument_info(self, code: str, on: dt.date | None = None) -> InstrumentInfo:
        return self.source.instrument_info(str(parse_code(code)), on)

    def fields(self, freq: str = DAY) -> list[str]:
        """Field names (without ``$``) the source can deliver at ``freq``."""
        return self.source.fields(normalize_freq(freq))

    # -- bars ------------------------------------------------------------------------------------
    def history(
        self,
        universe: Universe,
        start: TimeLike = None,
        end: TimeLike = None,
        fields: Sequence[str] | str = DEFAULT_FIELDS,
        freq: str = DAY,
        adjust: str = "front",
        *,
        dtype: FloatDType = "float32",
    ) -> pd.DataFrame:
        """Bars indexed ``(datetime, instrument)`` and sorted.

        ``universe`` is ``"all"``, a market name (``"csi300"``: rows only while a member) or
        codes in any format (``600000.SH``, ``SH600000``, ``sh600000``...). ``adjust="front"``
        gives the forward-adjusted prices research uses, ``"none"`` the exchange's prices.
        """
        target = self._universe(universe)
        frame = self.source.history(
            target, start, end, normalize_fields(fields), normalize_freq(freq), adjust, dtype=dtype
        )
        if not frame.index.is_monotonic_increasing:
            frame = frame.sort_index()
        return frame

    @staticmethod
    def _universe(universe: Universe) -> str | list[str]:
        if isinstance(universe, str):
            text = universe.strip()
            try:
                return [str(parse_code(text))]
            except CodeFormatError:
                if text.isidentifier():  # "all", "csi300": a market file
                    return text.lower()
                raise
        codes = [str(parse_code(c)) for c in universe]
        if not codes:
            raise DataError("the universe is empty", "pass 'all', a market name or some codes")
        return list(dict.fromkeys(codes))

    # -- snapshot ---------------------------------------------------------------------------------
    def snapshot(self, codes: Universe, on: dt.date) -> pd.DataFrame:
        """Raw prices, limits and suspension of each instrument at the close of ``on``.

        Columns: ``last, open, high, low, pre_close, volume, amount, up_limit, down_limit,
        suspended``. Prices are exchange prices on the 0.01 grid; volume is in shares.
        ``pre_close`` is the exchange's reference price (ex-rights on an ex-dividend day); the
        limits come from stored ``up_limit``/``down_limit`` fields when the source has them,
        else from the board rules (NaN where there is no limit, e.g. a new listing or an index).
        A suspended instrument (no bar on ``on``) keeps its previous close as reference.
        """
        day = on.date() if isinstance(on, dt.datetime) else on
        calendar = self.trading_calendar()
        if day not in calendar:
            raise DataError(
                f"{day} is not a trading day of {self.describe()}",
                "ask for a session day, e.g. the previous one "
                f"({calendar.session_on_or_before(day) if day > calendar.first else calendar.first})",
            )
        target = self._universe(codes)
        members = target if isinstance(target, list) else self.instruments(target, on=day)
        if not members:
            return _empty_snapshot()
        position = calendar.index_of(day)
        start = calendar.sessions[max(0, position - _PRE_CLOSE_LOOKBACK)]
        available = set(self.source.fields(DAY))

        if "close" not in available:
            raise DataError(f"{self.describe()} stores no close prices", "use a source with daily bars")
        wanted = [f for f in ("open", "high", "low", "close", "volume", "amount") if f in available]
        # Without a factor the stored prices are taken as the exchange's own.
        adjust = "none" if "factor" in available else "front"
        bars = self._day_frame(members, day, day, wanted, adjust)
        pre_close = self._pre_close(members, start, day, available, calendar)
        out = pd.DataFrame(index=pd.Index(members, name="instrument"))
        for name in ("open", "high", "low", "close"):
            out[name] = _tick(bars[name]) if name in bars else np.nan
        out = out.rename(columns={"close": "last"})
        out["pre_close"] = _tick(pre_close.reindex(out.index))
        out["volume"] = np.round(bars["volume"].astype(np.float64)) if "volume" in bars else np.nan
        out["amount"] = bars["amount"].astype(np.float64) if "amount" in bars else np.nan
        up, down = self._limits(out, day, available, calendar)
        out["up_limit"], out["down_limit"] = up, down
        out["suspended"] = out["last"].isna()
        return out[list(SNAPSHOT_COLUMNS)]

    def _day_frame(
        self, codes: list[str], start: dt.date, end: dt.date, fields: Sequence[str], adjust: str
    ) -> pd.DataFrame:
        """Values per instrument (float64) for one day; instruments without a bar are absent."""
        frame = self.source.history(codes, start, end, list(fields), DAY, adjust, dtype="float64")
        if frame.empty:
            return pd.DataFrame(columns=list(fields), dtype=np.float64)
        return frame.droplevel("datetime")

    def _pre_close(
        self,
        codes: list[str],
        start: dt.date,
        day: dt.date,
        available: set[str],
        calendar: TradingCalendar,
    ) -> pd.Series[float]:
        """Reference price per instrument: previous adjusted close / today's factor."""
        result = pd.Series(np.nan, index=pd.Index(codes, name="instrument"), dtype=float)
        if day == calendar.first:
            return result
        fields = ["close", "factor"] if "factor" in available else ["close"]
        today = pd.Timestamp(day)
        frame = self.source.history(codes, start, day, fields, DAY, "front", dtype="float64")
        for attempt in range(2):
            if not frame.empty:
                before = frame["close"].unstack("instrument").loc[lambda f: f.index < today].ffill()
                if not before.empty:
                    reference = before.iloc[-1]
                    if "factor" in fields:
                        # No factor ever stored (an index): its prices are unadjusted.
                        factor = frame["factor"].unstack("instrument").loc[:today].ffill().iloc[-1]
                        reference = reference / factor.fillna(1.0)
                    found = reference.dropna()
                    result.loc[found.index.intersection(result.index)] = found
            pending = [str(c) for c, v in result.items() if np.isnan(v)]
            if not pending or attempt == 1 or start == calendar.first:
                break
            # A suspension longer than the lookback: read the whole history of those few.
            frame = self.source.history(pending, calendar.first, day, fields, DAY, "front", dtype="float64")
        return result

    def _limits(
        self, out: pd.DataFrame, day: dt.date, available: set[str], calendar: TradingCalendar
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Up/down limit per row of ``out``: stored exchange prices first, board rules second."""
        codes = [str(c) for c in out.index]
        up = np.full(len(codes), np.nan)
        down = np.full(len(codes), np.nan)
        if {"up_limit", "down_limit"} <= available:
            try:
                stored = self._day_frame(codes, day, day, ["up_limit", "down_limit"], "front")
            except UnknownFieldError:  # none of these instruments stores limits (indices, say)
                stored = pd.DataFrame(columns=["up_limit", "down_limit"], dtype=np.float64)
            stored = stored.reindex(out.index)
            up = _tick(stored["up_limit"]).to_numpy(dtype=np.float64)
            down = _tick(stored["down_limit"]).to_numpy(dtype=np.float64)
        pre_close = out["pre_close"].to_numpy(dtype=np.float64)
        for i in np.flatnonzero(np.isnan(up) | np.isnan(down)):
            if not pre_close[i] > 0:
                continue
            info = self.source.instrument_info(codes[i], day)
            listed = calendar.sessions_between_count(info.list_date, day) if info.list_date else 0
            try:
                limits = price_limits(
                    float(pre_close[i]),
                    info.board,
                    is_st=info.is_st,
                    on=day,
                    trading_days_listed=listed or None,
                )
            except NotTradableError:  # an index: no limit
                continue
            if limits is not None:
                up[i] = limits.up if np.isnan(up[i]) else up[i]
                down[i] = limits.down if np.isnan(down[i]) else down[i]
        return up, down

    # -- live -------------------------------------------------------------------------------------
    def subscribe(self, codes: Universe, callback: QuoteCallback) -> Any:
        """Live quotes pushed to ``callback``; only sources with a live feed support it."""
        subscribe = getattr(self.source, "subscribe", None)
        if subscribe is None:
            raise DataError(
                f"live quote subscription is not supported by {self.describe()}",
                "use snapshot() on a schedule, or connect miniQMT's xtdata for live quotes",
            )
        target = self._universe(codes)
        members = target if isinstance(target, list) else self.instruments(target)
        return subscribe(members, callback)


def _tick(values: pd.Series[Any]) -> pd.Series[float]:
    """Back onto the 0.01 grid: adjusted float32 / factor loses it, the exchange never does."""
    return values.astype(np.float64).round(2)


def _empty_snapshot() -> pd.DataFrame:
    out = pd.DataFrame(
        {c: pd.Series(dtype=bool if c == "suspended" else np.float64) for c in SNAPSHOT_COLUMNS}
    )
    out.index.name = "instrument"
    return out
