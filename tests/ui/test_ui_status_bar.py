"""The status bar: mode badge, data source, freshness and the session clock."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from ui_helpers import FRIDAY, MONDAY, SATURDAY, FakeClock, WindowFactory, at

from aistock.core.calendar import TradingCalendar
from aistock.core.modes import AccountMode
from aistock.ui.badges import LIVE_BADGE, STALE_DATA
from aistock.ui.session_status import ClockState, clock_state, is_data_stale, last_completed_session


def test_window_shows_mode_source_and_a_ticking_clock(make_window: WindowFactory) -> None:
    clock = FakeClock(at(MONDAY, 10, 0, 0))
    window = make_window(AccountMode.PAPER, clock=clock)

    assert window.mode_badge.text() == "Paper"
    assert window.data_source_label.text() == "演示行情 demo · 300 只 · 2021-01-04…2025-11-21"
    assert window.risk_state_label.objectName() == "riskStateLabel"
    assert window.clock_label.text() == "10:00:00  Continuous trading (morning)"

    clock.advance(5)
    window.refresh_clock()  # the timer's slot
    assert window.clock_label.text() == "10:00:05  Continuous trading (morning)"


def test_clock_timer_drives_the_clock(make_window: WindowFactory, qtbot: QtBot) -> None:
    clock = FakeClock(at(MONDAY, 11, 29, 58))
    window = make_window(clock=clock)
    assert window.clock_timer.isActive()
    assert window.clock_timer.interval() == 1000

    clock.advance(3)  # 11:30:01 — lunch; the next tick must show it without a manual refresh
    qtbot.waitUntil(lambda: window.clock_label.text() == "11:30:01  Lunch break", timeout=2500)


def test_status_bar_order_left_to_right(make_window: WindowFactory) -> None:
    window = make_window(show=True)
    widgets = [
        window.risk_state_label,
        window.mode_badge,
        window.data_source_label,
        window.message_label,
        window.freshness_label,
        window.clock_label,
    ]
    xs = [w.mapTo(window, w.rect().topLeft()).x() for w in widgets]
    assert xs == sorted(xs)


def test_status_messages_never_hide_the_badges(make_window: WindowFactory) -> None:
    window = make_window(AccountMode.LIVE, show=True)
    window.statusBar().showMessage("a menu status tip")
    assert window.message_label.text() == "a menu status tip"
    assert window.mode_badge.isVisible()
    assert window.data_source_label.isVisible()
    window.statusBar().clearMessage()
    assert window.message_label.text() == ""


def _background(label: QLabel) -> tuple[int, int, int]:
    """The rendered colour just inside the badge's left edge (padding, not text)."""
    image = label.grab().toImage()
    colour = image.pixelColor(3, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def test_live_badge_is_red_and_paper_is_not(make_window: WindowFactory) -> None:
    live = make_window(AccountMode.LIVE, show=True)
    paper = make_window(AccountMode.PAPER, show=True)

    assert live.mode_badge.text() == "LIVE"
    assert live.mode_badge.property("mode") == "live"
    assert live.mode_badge.styleSheet() == LIVE_BADGE
    assert "#d50000" in live.mode_badge.styleSheet()
    assert "font-weight: bold" in live.mode_badge.styleSheet()
    assert "LIVE" in live.windowTitle()
    assert "#d50000" in live.statusBar().styleSheet()

    assert "#d50000" not in paper.mode_badge.styleSheet()
    assert "#1565c0" in paper.mode_badge.styleSheet()  # paper is blue
    assert "#d50000" not in paper.statusBar().styleSheet()

    # The style really renders: the badge's background pixels are red / blue.
    r, g, b = _background(live.mode_badge)
    assert r > 180 and g < 40 and b < 40
    r, g, b = _background(paper.mode_badge)
    assert b > 150 and r < 60


@pytest.mark.parametrize(
    ("moment", "state", "words"),
    [
        (at(MONDAY, 8, 0), ClockState.PRE_MARKET, "Pre-market"),
        (at(MONDAY, 9, 20), ClockState.OPENING_AUCTION, "Opening auction"),
        (at(MONDAY, 9, 27), ClockState.PRE_OPEN, "Auction closed, awaiting open"),
        (at(MONDAY, 10, 0), ClockState.MORNING, "Continuous trading (morning)"),
        (at(MONDAY, 12, 0), ClockState.LUNCH, "Lunch break"),
        (at(MONDAY, 13, 30), ClockState.AFTERNOON, "Continuous trading (afternoon)"),
        (at(MONDAY, 14, 58), ClockState.CLOSING_AUCTION, "Closing auction"),
        (at(MONDAY, 16, 0), ClockState.AFTER_CLOSE, "Closed for the day"),
        (at(SATURDAY, 10, 0), ClockState.NO_SESSION, "No session today"),
    ],
)
def test_session_phase_in_words(
    make_window: WindowFactory,
    calendar: TradingCalendar,
    moment: dt.datetime,
    state: ClockState,
    words: str,
) -> None:
    assert clock_state(calendar, moment) is state
    window = make_window(clock=FakeClock(moment))
    assert window.clock_label.text() == f"{moment:%H:%M:%S}  {words}"
    assert window.clock_label.property("phase") == state.value


def test_clock_uses_shanghai_time_whatever_the_input_zone(calendar: TradingCalendar) -> None:
    utc = dt.datetime(2025, 11, 24, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    assert clock_state(calendar, utc) is ClockState.MORNING
    naive = dt.datetime(2025, 11, 24, 12, 0)  # naive means Shanghai
    assert clock_state(calendar, naive) is ClockState.LUNCH


def test_last_completed_session(calendar: TradingCalendar) -> None:
    assert last_completed_session(calendar, at(MONDAY, 10)) == FRIDAY
    assert last_completed_session(calendar, at(MONDAY, 14, 59, 59)) == FRIDAY
    assert last_completed_session(calendar, at(MONDAY, 15)) == MONDAY
    assert last_completed_session(calendar, at(SATURDAY, 10)) == FRIDAY
    # Calendar edges never raise.
    assert last_completed_session(calendar, at(dt.date(2025, 9, 1), 16)) is None
    assert last_completed_session(calendar, at(dt.date(2026, 3, 1), 10)) == dt.date(2025, 12, 31)


def test_fresh_data_has_no_warning_style(make_window: WindowFactory) -> None:
    window = make_window(clock=FakeClock(at(MONDAY, 10)), data_as_of=FRIDAY)
    assert window.freshness_label.text() == "Data as of 2025-11-21"
    assert window.freshness_label.property("stale") is False
    assert window.freshness_label.styleSheet() == ""


def test_data_older_than_last_completed_session_turns_stale(make_window: WindowFactory) -> None:
    window = make_window(clock=FakeClock(at(MONDAY, 10)), data_as_of=dt.date(2025, 11, 20))
    assert window.freshness_label.property("stale") is True
    assert window.freshness_label.styleSheet() == STALE_DATA
    assert window.freshness_label.text() == "Data as of 2025-11-20 (stale)"
    assert "2025-11-21" in window.freshness_label.toolTip()


def test_freshness_follows_the_clock_past_the_close(make_window: WindowFactory) -> None:
    clock = FakeClock(at(MONDAY, 14, 59, 59))
    window = make_window(clock=clock, data_as_of=FRIDAY)
    assert window.freshness_label.property("stale") is False
    clock.advance(1)  # 15:00:00 — Monday is now completed, Friday's data is a day behind
    window.refresh_clock()
    assert window.freshness_label.property("stale") is True
    assert window.freshness_label.styleSheet() == STALE_DATA


def test_no_data_reads_as_stale(make_window: WindowFactory, calendar: TradingCalendar) -> None:
    window = make_window(data_as_of=None)
    assert window.freshness_label.text() == "No data"
    assert window.freshness_label.property("stale") is True
    assert is_data_stale(None, calendar, at(MONDAY, 10))
