"""Fixtures for the workstation UI tests (pytest-qt).

Qt runs off screen so the tests need no display; the variable must be set before the
QApplication exists, hence at import time. The calendar is built from a plain list of days
(``TradingCalendar.xshg`` would import exchange_calendars, which is slow and not what is tested).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import FRIDAY, MONDAY, FakeClock, WindowFactory, at, make_info

from aistock.core.calendar import TradingCalendar
from aistock.core.modes import AccountMode
from aistock.ui.i18n import install_translator
from aistock.ui.main_window import MainWindow


@pytest.fixture
def calendar() -> TradingCalendar:
    """Weekdays from October to December 2025 (holidays do not matter for the shell)."""
    day = dt.date(2025, 10, 1)
    days: list[dt.date] = []
    while day <= dt.date(2025, 12, 31):
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return TradingCalendar.from_days(days)


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "workstation.ini"


@pytest.fixture
def settings(settings_path: Path) -> QSettings:
    return QSettings(str(settings_path), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot: QtBot, calendar: TradingCalendar, settings: QSettings) -> WindowFactory:
    """Build a MainWindow with a fake clock (Monday 10:00 unless told) and the tmp INI settings."""

    def build(
        mode: AccountMode = AccountMode.PAPER,
        *,
        clock: FakeClock | None = None,
        data_as_of: dt.date | None = FRIDAY,
        settings_store: QSettings | None = None,
        show: bool = False,
    ) -> MainWindow:
        window = MainWindow(
            make_info(mode, data_as_of),
            calendar,
            clock=clock or FakeClock(at(MONDAY, 10)),
            settings=settings_store if settings_store is not None else settings,
        )
        qtbot.addWidget(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        return window

    return build


@pytest.fixture(autouse=True)
def _english_and_plain(qapp: QApplication) -> Iterator[None]:
    """Each test starts and ends in English with no style sheet, whatever the previous one did."""
    install_translator(qapp, "en")
    qapp.setStyleSheet("")
    yield
    install_translator(qapp, "en")
    qapp.setStyleSheet("")
