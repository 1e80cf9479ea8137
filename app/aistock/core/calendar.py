"""The SSE trading calendar and the intraday session clock.

Every scheduler, backtest and settlement asks this module which days trade and what phase the
market is in. Sessions come from ``exchange_calendars`` (XSHG) and can be overridden by a
source that knows better (xtdata's calendar, a qlib provider's ``day.txt``). Published holiday
data runs out at a year end — a known trap (akshare #3336, tushare #1209) — so days beyond the
known range are weekdays flagged *provisional* rather than silently treated as certain.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from aistock.core.errors import AistockError

SHANGHAI = ZoneInfo("Asia/Shanghai")
XSHG_FIRST_SESSION = dt.date(2005, 1, 4)  # the earliest day we ask exchange_calendars for


class CalendarError(AistockError, ValueError):
    """A day or time outside what the calendar knows."""


class SessionPhase(StrEnum):
    """Where the A-share trading day stands at a given moment (SSE and SZSE alike)."""

    CLOSED = "closed"  # not a trading day, or before 09:15 / after 15:00
    OPENING_AUCTION = "opening_auction"  # 09:15–09:25 call auction (cancels allowed until 09:20)
    PRE_OPEN = "pre_open"  # 09:25–09:30: orders accepted, not matched
    MORNING = "morning"  # 09:30–11:30 continuous
    LUNCH = "lunch"  # 11:30–13:00
    AFTERNOON = "afternoon"  # 13:00–14:57 continuous
    CLOSING_AUCTION = "closing_auction"  # 14:57–15:00 call auction
    AFTER_CLOSE = "after_close"  # after 15:00 on a trading day

    @property
    def is_continuous(self) -> bool:
        return self in (SessionPhase.MORNING, SessionPhase.AFTERNOON)

    @property
    def accepts_orders(self) -> bool:
        return self in (
            SessionPhase.OPENING_AUCTION,
            SessionPhase.PRE_OPEN,
            SessionPhase.MORNING,
            SessionPhase.AFTERNOON,
            SessionPhase.CLOSING_AUCTION,
        )


_T = dt.time
_PHASES: tuple[tuple[dt.time, dt.time, SessionPhase], ...] = (
    (_T(9, 15), _T(9, 25), SessionPhase.OPENING_AUCTION),
    (_T(9, 25), _T(9, 30), SessionPhase.PRE_OPEN),
    (_T(9, 30), _T(11, 30), SessionPhase.MORNING),
    (_T(11, 30), _T(13, 0), SessionPhase.LUNCH),
    (_T(13, 0), _T(14, 57), SessionPhase.AFTERNOON),
    (_T(14, 57), _T(15, 0), SessionPhase.CLOSING_AUCTION),
)
MARKET_OPEN = _T(9, 30)
MARKET_CLOSE = _T(15, 0)


def minute_bar_starts() -> tuple[dt.time, ...]:
    """The 240 one-minute bar labels of a day, bar-start style as qlib stores them.

    09:30 … 11:29 and 13:00 … 14:59. (xtdata labels bars by their end; convert at that edge.)
    """
    out: list[dt.time] = []
    for start_h, start_m, count in ((9, 30, 120), (13, 0, 120)):
        base = dt.datetime(2000, 1, 1, start_h, start_m)
        out.extend((base + dt.timedelta(minutes=i)).time() for i in range(count))
    return tuple(out)


MINUTES_PER_DAY = 240


@cache
def _xshg_known_sessions() -> tuple[tuple[dt.date, ...], dt.date]:
    """All XSHG sessions exchange_calendars knows, and the last day its holidays cover."""
    import exchange_calendars as xcals  # deferred: ~1 s import

    cal_cls = type(xcals.get_calendar("XSHG"))
    bound = cal_cls.bound_max()
    calendar = xcals.get_calendar("XSHG", start=XSHG_FIRST_SESSION.isoformat(), end=bound)
    sessions = tuple(ts.date() for ts in calendar.sessions)
    return sessions, bound.date()


@dataclass(frozen=True)
class TradingCalendar:
    """An ordered set of trading days, with provisional weekdays past the known holidays."""

    sessions: tuple[dt.date, ...]
    known_until: dt.date | None = None
    _index: dict[dt.date, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.sessions:
            raise CalendarError("a trading calendar needs at least one session", "check the source")
        if any(b <= a for a, b in zip(self.sessions, self.sessions[1:], strict=False)):
            raise CalendarError(
                "trading calendar sessions are not strictly increasing",
                "sort and de-duplicate the calendar's days",
            )
        object.__setattr__(self, "_index", {d: i for i, d in enumerate(self.sessions)})

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def xshg(cls, start: dt.date, end: dt.date) -> TradingCalendar:
        """SSE sessions in ``[start, end]``; weekdays after the known holidays are provisional."""
        if end < start:
            raise CalendarError(f"calendar end {end} is before start {start}", "swap the dates")
        known, bound = _xshg_known_sessions()
        if start < known[0]:
            raise CalendarError(
                f"XSHG sessions before {known[0]} are not available (asked from {start})",
                f"start on or after {known[0]}",
            )
        days = [d for d in known if start <= d <= end]
        day = max(bound + dt.timedelta(days=1), start)
        while day <= end:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        if not days:
            raise CalendarError(f"no trading day between {start} and {end}", "widen the range")
        return cls(tuple(days), known_until=bound)

    @classmethod
    def from_days(cls, days: Iterable[dt.date], known_until: dt.date | None = None) -> TradingCalendar:
        """A calendar from an authoritative list (a provider's day.txt, xtdata), sorted."""
        unique = sorted(set(days))
        return cls(tuple(unique), known_until=known_until if known_until else unique[-1] if unique else None)

    # -- queries -------------------------------------------------------------------------------
    @property
    def first(self) -> dt.date:
        return self.sessions[0]

    @property
    def last(self) -> dt.date:
        return self.sessions[-1]

    def __len__(self) -> int:
        return len(self.sessions)

    def __contains__(self, day: object) -> bool:
        return day in self._index

    def is_session(self, day: dt.date) -> bool:
        self._check_range(day)
        return day in self._index

    def is_provisional(self, day: dt.date) -> bool:
        """True for days beyond the published holiday data: weekdays assumed to trade."""
        return self.known_until is not None and day > self.known_until

    def index_of(self, day: dt.date) -> int:
        try:
            return self._index[day]
        except KeyError:
            raise CalendarError(f"{day} is not a trading day", "pick a session of the calendar") from None

    def between(self, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
        lo = bisect.bisect_left(self.sessions, start)
        hi = bisect.bisect_right(self.sessions, end)
        return self.sessions[lo:hi]

    def next_session(self, day: dt.date, n: int = 1) -> dt.date:
        """The n-th session strictly after ``day`` (``day`` need not trade)."""
        i = bisect.bisect_right(self.sessions, day) + n - 1
        return self._at(i, day)

    def previous_session(self, day: dt.date, n: int = 1) -> dt.date:
        """The n-th session strictly before ``day``."""
        i = bisect.bisect_left(self.sessions, day) - n
        return self._at(i, day)

    def session_on_or_before(self, day: dt.date) -> dt.date:
        return day if day in self._index else self.previous_session(day)

    def session_on_or_after(self, day: dt.date) -> dt.date:
        return day if day in self._index else self.next_session(day)

    def sessions_between_count(self, start: dt.date, end: dt.date) -> int:
        """How many sessions lie in ``[start, end]``."""
        return len(self.between(start, end))

    def phase_at(self, moment: dt.datetime) -> SessionPhase:
        """The market phase at ``moment`` (naive times are taken as Asia/Shanghai)."""
        local = moment.astimezone(SHANGHAI) if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
        if local.date() not in self._index:
            return SessionPhase.CLOSED
        t = local.time()
        for start, end, phase in _PHASES:
            if start <= t < end:
                return phase
        return SessionPhase.AFTER_CLOSE if t >= MARKET_CLOSE else SessionPhase.CLOSED

    def minute_bars(self, day: dt.date) -> tuple[dt.datetime, ...]:
        """The 240 bar-start datetimes (naive, Shanghai time) of a session."""
        self.index_of(day)
        return tuple(dt.datetime.combine(day, t) for t in minute_bar_starts())

    # -- helpers ---------------------------------------------------------------------------------
    def _at(self, i: int, day: dt.date) -> dt.date:
        if not 0 <= i < len(self.sessions):
            raise CalendarError(
                f"{day} is too close to the edge of the calendar ({self.first} … {self.last})",
                "extend the calendar's range",
            )
        return self.sessions[i]

    def _check_range(self, day: dt.date) -> None:
        if day < self.first or day > self.last:
            raise CalendarError(
                f"{day} is outside the calendar ({self.first} … {self.last})",
                "build the calendar over a range that covers it",
            )


def shanghai_now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI)


def ensure_dates(days: Sequence[dt.date | dt.datetime]) -> list[dt.date]:
    return [d.date() if isinstance(d, dt.datetime) else d for d in days]
