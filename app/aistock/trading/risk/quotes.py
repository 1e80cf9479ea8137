"""Where the risk engine and the planner get prices: a quote source per mode.

``MarketQuotes`` reads a :class:`~aistock.trading.gateways.simulator.market.SimMarket` at the
simulator's current minute (paper on the built-in miniQMT); ``SnapshotQuotes`` reads the
DataService's end-of-day snapshot (previews, tools). Both stamp each quote with the time it
describes, so staleness is judged the same way everywhere. ST flags and industries come from
the DataService's instrument facts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from aistock.core.calendar import shanghai_now
from aistock.core.errors import AistockError
from aistock.core.risk import Quote
from aistock.data import DataService
from aistock.trading.gateways.simulator.market import SimMarket


class QuoteSource(Protocol):
    def quotes(self, codes: Iterable[str]) -> dict[str, Quote]:
        """Quotes for the codes it knows; unknown codes are simply absent (the rules deny them)."""
        ...


class InstrumentFacts:
    """is_st / industry per code, cached per day (instrument facts do not change intraday)."""

    def __init__(self, data: DataService | None, day: Callable[[], dt.date]) -> None:
        self._data = data
        self._day = day
        self._cache: dict[tuple[str, dt.date], tuple[bool, str]] = {}

    def __call__(self, code: str) -> tuple[bool, str]:
        if self._data is None:
            return False, ""
        key = (code, self._day())
        if key not in self._cache:
            try:
                info = self._data.instrument_info(code, key[1])
                self._cache[key] = (info.is_st, info.industry)
            except AistockError:
                self._cache[key] = (False, "")
        return self._cache[key]


class MarketQuotes:
    """Quotes from a minute-bar market at the minute a clock says."""

    def __init__(
        self,
        market: Callable[[], SimMarket],
        minute: Callable[[], int],
        *,
        data: DataService | None = None,
        clock: Callable[[], dt.datetime] = shanghai_now,
    ) -> None:
        self._market = market
        self._minute = minute
        self._clock = clock
        self._facts = InstrumentFacts(data, lambda: self._market().session_day)

    def quotes(self, codes: Iterable[str]) -> dict[str, Quote]:
        market = self._market()
        minute = self._minute()
        now = self._clock()
        out: dict[str, Quote] = {}
        for code in codes:
            reference = market.reference(code)
            if reference is None:
                continue
            last = market.last_price(code, minute - 1) if minute > 0 else None
            is_st, industry = self._facts(code)
            out[code] = Quote(
                code=code,
                last=last if last is not None and not reference.suspended else math.nan,
                pre_close=reference.pre_close if reference.pre_close > 0 else math.nan,
                up_limit=reference.up_limit,
                down_limit=reference.down_limit,
                suspended=reference.suspended,
                is_st=is_st,
                industry=industry,
                as_of=now,
            )
        return out


class SnapshotQuotes:
    """Quotes from the DataService's snapshot of one day (its close), stamped with ``as_of``."""

    def __init__(self, data: DataService, day: dt.date, *, as_of: dt.datetime | None = None) -> None:
        self._data = data
        self._day = day
        self._as_of = as_of
        self._facts = InstrumentFacts(data, lambda: day)

    def quotes(self, codes: Iterable[str]) -> dict[str, Quote]:
        wanted: Sequence[str] = sorted(set(codes))
        if not wanted:
            return {}
        try:
            frame = self._data.snapshot(list(wanted), self._day)
        except AistockError:
            return {}
        out: dict[str, Quote] = {}
        for code, row in frame.iterrows():
            is_st, industry = self._facts(str(code))
            out[str(code)] = Quote(
                code=str(code),
                last=float(row["last"]),
                pre_close=float(row["pre_close"]),
                up_limit=_limit(row["up_limit"]),
                down_limit=_limit(row["down_limit"]),
                suspended=bool(row["suspended"]),
                is_st=is_st,
                industry=industry,
                as_of=self._as_of,
            )
        return out


def _limit(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) or number <= 0 else number
