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


# -- the real engines on a small demo world -------------------------------------------------------


class DialogAnswers:
    """Stands in for the modal dialogs (a real one would block an offscreen test forever).

    Every question asked is recorded; ``confirm`` answers ``self.confirm_answer`` and
    ``ask_text`` returns ``self.text_answer`` (None means the user cancelled).
    """

    def __init__(self) -> None:
        self.confirm_answer = False
        self.text_answer: str | None = "test"
        self.confirms: list[tuple[str, str]] = []
        self.errors: list[tuple[str, BaseException]] = []
        self.infos: list[tuple[str, str]] = []
        self.texts: list[str] = []

    def confirm(self, parent: object, title: str, text: str, action: str, *, danger: bool = False) -> bool:
        self.confirms.append((title, text))
        return self.confirm_answer

    def ask_text(self, parent: object, title: str, label: str, default: str = "") -> str | None:
        self.texts.append(label)
        return self.text_answer

    def show_error(self, parent: object, title: str, exc: BaseException) -> None:
        self.errors.append((title, exc))

    def show_info(self, parent: object, title: str, text: str) -> None:
        self.infos.append((title, text))


@pytest.fixture(autouse=True)
def dialog_answers(monkeypatch: pytest.MonkeyPatch) -> DialogAnswers:
    from aistock.ui import dialogs

    answers = DialogAnswers()
    for name in ("confirm", "ask_text", "show_error", "show_info"):
        monkeypatch.setattr(dialogs, name, getattr(answers, name))
    return answers


@pytest.fixture
def demo_home(tmp_path: Path) -> Iterator[tuple[object, object, object]]:
    """(home, store, world): the same 60-stock market as ``small_demo``, built in the home; no RD-Agent."""
    from aistock.store import open_store, resolve_home
    from aistock.workflows.demo_world import DemoSettings, prepare_demo_world

    home = resolve_home(tmp_path / "home").ensure()
    with open_store(home) as store:
        world = prepare_demo_world(
            home,
            store,
            DemoSettings(
                seed=11, stocks=60, days=300, minute_days=3, end=dt.date(2025, 11, 21), rdagent=False
            ),
        )
        yield home, store, world


@pytest.fixture
def workstation(demo_home: tuple[object, object, object]) -> Iterator[object]:
    """A :class:`WorkstationSession` on the demo world with the paper account connected and
    reconciled (the simulator at the first minute of its session day; clocks not started)."""
    from aistock.workflows.paper_demo import wait_reconciled
    from aistock.workflows.workstation_session import open_demo_session

    home, store, world = demo_home
    session = open_demo_session(home, store, world.data_service(), world.calendar(), poll_interval_s=0.2)  # type: ignore[attr-defined]
    assert session.desk is not None and wait_reconciled(session.desk.account)
    yield session
    session.close()


@pytest.fixture
def synced_workstation(workstation: object, demo_export: object) -> object:
    """The workstation with the demo RD-Agent export (four qlib-trained loops) synced into its store."""
    from aistock.rdagent.catalog.sync import CatalogSync

    report = CatalogSync(workstation.store).run(demo_export.root)  # type: ignore[attr-defined]
    assert not report.rejected, report.summary()
    workstation.rdagent_export = demo_export.root  # type: ignore[attr-defined]
    return workstation
