import datetime as dt

import pytest

from aistock.core.calendar import (
    MINUTES_PER_DAY,
    SHANGHAI,
    CalendarError,
    SessionPhase,
    TradingCalendar,
    minute_bar_starts,
)


@pytest.fixture(scope="module")
def xshg() -> TradingCalendar:
    return TradingCalendar.xshg(dt.date(2024, 1, 1), dt.date(2027, 3, 31))


def test_known_holidays(xshg: TradingCalendar) -> None:
    assert not xshg.is_session(dt.date(2024, 10, 1))  # National Day
    assert not xshg.is_session(dt.date(2024, 2, 12))  # Spring Festival
    assert not xshg.is_session(dt.date(2024, 6, 8))  # a Saturday
    assert xshg.is_session(dt.date(2024, 10, 8))
    assert xshg.next_session(dt.date(2024, 9, 30)) == dt.date(2024, 10, 8)
    assert xshg.previous_session(dt.date(2024, 10, 8)) == dt.date(2024, 9, 30)
    # 2024 had 242 SSE sessions.
    assert len(xshg.between(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == 242


def test_days_past_the_published_holidays_are_provisional(xshg: TradingCalendar) -> None:
    assert xshg.known_until is not None
    later = xshg.known_until + dt.timedelta(days=10)
    assert xshg.is_provisional(xshg.session_on_or_after(later))
    assert not xshg.is_provisional(dt.date(2024, 10, 8))
    # Provisional days are weekdays only.
    assert all(d.weekday() < 5 for d in xshg.sessions if xshg.is_provisional(d))


def test_outside_the_range_is_an_error_not_a_guess(xshg: TradingCalendar) -> None:
    with pytest.raises(CalendarError, match="outside the calendar"):
        xshg.is_session(dt.date(2030, 1, 2))
    with pytest.raises(CalendarError, match="edge of the calendar"):
        xshg.next_session(xshg.last)
    with pytest.raises(CalendarError, match="not a trading day"):
        xshg.index_of(dt.date(2024, 10, 1))
    with pytest.raises(CalendarError, match="before start"):
        TradingCalendar.xshg(dt.date(2024, 2, 1), dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (dt.datetime(2024, 10, 8, 9, 0), SessionPhase.CLOSED),
        (dt.datetime(2024, 10, 8, 9, 15), SessionPhase.OPENING_AUCTION),
        (dt.datetime(2024, 10, 8, 9, 27), SessionPhase.PRE_OPEN),
        (dt.datetime(2024, 10, 8, 9, 30), SessionPhase.MORNING),
        (dt.datetime(2024, 10, 8, 11, 30), SessionPhase.LUNCH),
        (dt.datetime(2024, 10, 8, 13, 0), SessionPhase.AFTERNOON),
        (dt.datetime(2024, 10, 8, 14, 57), SessionPhase.CLOSING_AUCTION),
        (dt.datetime(2024, 10, 8, 15, 0), SessionPhase.AFTER_CLOSE),
        (dt.datetime(2024, 10, 1, 10, 0), SessionPhase.CLOSED),  # holiday
    ],
)
def test_session_phases(xshg: TradingCalendar, moment: dt.datetime, phase: SessionPhase) -> None:
    assert xshg.phase_at(moment) is phase


def test_phase_converts_other_time_zones(xshg: TradingCalendar) -> None:
    utc_morning = dt.datetime(2024, 10, 8, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    assert xshg.phase_at(utc_morning) is SessionPhase.MORNING
    assert xshg.phase_at(dt.datetime(2024, 10, 8, 10, 0, tzinfo=SHANGHAI)).is_continuous


def test_minute_bars() -> None:
    bars = minute_bar_starts()
    assert len(bars) == MINUTES_PER_DAY == 240
    assert bars[0] == dt.time(9, 30) and bars[119] == dt.time(11, 29)
    assert bars[120] == dt.time(13, 0) and bars[-1] == dt.time(14, 59)


def test_from_days_sorts_and_rejects_empty() -> None:
    cal = TradingCalendar.from_days([dt.date(2024, 1, 3), dt.date(2024, 1, 2), dt.date(2024, 1, 3)])
    assert cal.sessions == (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
    with pytest.raises(CalendarError):
        TradingCalendar.from_days([])
