"""What the status bar says about the market clock and the age of the data — no Qt here.

The trading calendar knows the exchange's phases; the shell needs two more facts a trader asks
at a glance: *is today a trading day at all* (a holiday reads differently from "closed for the
day") and *is my data current* (data that stops before the last completed session means the
nightly update did not run, and every signal computed from it is a day late).
"""

from __future__ import annotations

import bisect
import datetime as dt
from enum import StrEnum

from aistock.core.calendar import MARKET_CLOSE, SHANGHAI, SessionPhase, TradingCalendar


class ClockState(StrEnum):
    """The session phase as the shell names it: the calendar's phases, with ``CLOSED`` split
    into *no session today* and *before the open* so the words never mislead."""

    NO_SESSION = "no_session"  # weekend, holiday, or a day the calendar does not know
    PRE_MARKET = "pre_market"  # a trading day before 09:15
    OPENING_AUCTION = "opening_auction"
    PRE_OPEN = "pre_open"
    MORNING = "morning"
    LUNCH = "lunch"
    AFTERNOON = "afternoon"
    CLOSING_AUCTION = "closing_auction"
    AFTER_CLOSE = "after_close"

    @property
    def is_trading(self) -> bool:
        """True while the exchange accepts or matches orders (auctions and continuous trading)."""
        return self in (
            ClockState.OPENING_AUCTION,
            ClockState.PRE_OPEN,
            ClockState.MORNING,
            ClockState.AFTERNOON,
            ClockState.CLOSING_AUCTION,
        )


def to_shanghai(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware Shanghai time (naive datetimes are taken as Shanghai already)."""
    return moment.astimezone(SHANGHAI) if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def clock_state(calendar: TradingCalendar, moment: dt.datetime) -> ClockState:
    """The shell's name for the market phase at ``moment``."""
    local = to_shanghai(moment)
    if local.date() not in calendar:
        return ClockState.NO_SESSION
    phase = calendar.phase_at(local)
    if phase is SessionPhase.CLOSED:
        return ClockState.PRE_MARKET
    return ClockState(phase.value)


def last_completed_session(calendar: TradingCalendar, moment: dt.datetime) -> dt.date | None:
    """The latest session whose close (15:00) is at or before ``moment``; None if none is.

    Never raises at the calendar's edges: a moment past the calendar's last day answers with
    that last day, one before its first day answers None.
    """
    local = to_shanghai(moment)
    today = local.date()
    sessions = calendar.sessions
    i = bisect.bisect_left(sessions, today)  # sessions[:i] are strictly before today
    if i < len(sessions) and sessions[i] == today and local.time() >= MARKET_CLOSE:
        return today
    return sessions[i - 1] if i > 0 else None


def is_data_stale(data_as_of: dt.date | None, calendar: TradingCalendar, moment: dt.datetime) -> bool:
    """True when the data ends before the last completed session (or there is no data at all)."""
    if data_as_of is None:
        return True
    expected = last_completed_session(calendar, moment)
    return expected is not None and data_as_of < expected
