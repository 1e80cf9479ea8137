"""run_workstation (qasync loop, settings file, exit code) and the exception hook."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from ui_helpers import make_info

from aistock.core.calendar import TradingCalendar
from aistock.core.errors import AistockError
from aistock.ui.app import make_excepthook, open_settings, run_workstation
from aistock.ui.main_window import KEY_STATE, MainWindow


def test_shell_info_is_frozen() -> None:
    info = make_info()
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.data_source_label = "other"  # type: ignore[misc]


def test_run_workstation_runs_asyncio_on_the_qt_thread_until_the_window_closes(
    qapp: QApplication, calendar: TradingCalendar, tmp_path: Path
) -> None:
    settings_path = tmp_path / "home" / "workstation.ini"
    seen: dict[str, object] = {}
    hook_before = sys.excepthook

    async def close_soon(window: MainWindow) -> None:
        await asyncio.sleep(0.05)  # an asyncio timer, served by the qasync loop
        seen["excepthook_installed"] = sys.excepthook is not hook_before
        window.close()

    def start() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["windows"] = len(windows)
        seen["title"] = windows[0].windowTitle()
        loop = asyncio.get_running_loop()
        seen["qasync_loop"] = isinstance(loop, qasync.QEventLoop)
        seen["task"] = loop.create_task(close_soon(windows[0]))

    QTimer.singleShot(0, start)
    code = run_workstation(make_info(), calendar, language="en", settings_path=settings_path)

    assert code == 0
    assert seen["windows"] == 1
    assert seen["qasync_loop"] is True
    assert seen["excepthook_installed"] is True
    assert "AIstock Workstation" in str(seen["title"])
    assert sys.excepthook is hook_before  # restored on the way out
    assert qapp.organizationName() == "AIstock"
    # The layout went to the INI file of this workstation home.
    assert settings_path.exists()
    assert QSettings(str(settings_path), QSettings.Format.IniFormat).value(KEY_STATE) is not None


def test_open_settings_uses_the_given_ini_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "ui.ini"
    settings = open_settings(path)
    assert settings.format() == QSettings.Format.IniFormat
    assert Path(settings.fileName()) == path


def test_excepthook_logs_and_shows(caplog: pytest.LogCaptureFixture) -> None:
    shown: list[tuple[str, str, str]] = []
    hook = make_excepthook(lambda title, text, details: shown.append((title, text, details)))

    try:
        raise ValueError("boom")
    except ValueError as exc:
        with caplog.at_level(logging.CRITICAL, logger="aistock.ui.app"):
            hook(type(exc), exc, exc.__traceback__)

    assert "unhandled exception" in caplog.text
    assert len(shown) == 1
    _title, text, details = shown[0]
    assert text == "ValueError: boom"
    assert "Traceback" in details and "boom" in details


def test_excepthook_shows_what_and_fix_of_our_errors() -> None:
    shown: list[str] = []
    hook = make_excepthook(lambda title, text, details: shown.append(text))
    error = AistockError("the catalog file is missing", "run `aistock sync` first")
    hook(AistockError, error, None)
    assert shown == ["the catalog file is missing\n\nrun `aistock sync` first"]


def test_excepthook_survives_a_failing_dialog(caplog: pytest.LogCaptureFixture) -> None:
    def broken(title: str, text: str, details: str) -> None:
        raise RuntimeError("no display")

    hook = make_excepthook(broken)
    hook(ValueError, ValueError("x"), None)  # does not raise
    assert "could not show the error dialog" in caplog.text
