"""Start the workstation GUI: QApplication, translator, theme, main window, qasync loop.

The Qt main thread runs the asyncio loop through qasync (DESIGN §9), so coroutines started by
panels (refreshes, broker round-trips) and Qt events share one thread and need no locks. Heavy
modules (qlib, lightgbm) are not imported here — the window must appear fast; panels import them
when first used.

An exception escaping a Qt slot or an asyncio callback is logged and shown in a message box
instead of printing to a console nobody watches (or killing the app, as PySide does for some
errors): a trader must know that something failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from aistock import __version__
from aistock.core.calendar import TradingCalendar, shanghai_now
from aistock.core.errors import AistockError
from aistock.ui.fonts import apply_ui_font
from aistock.ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, install_translator, normalize_language
from aistock.ui.main_window import KEY_LANGUAGE, MainWindow
from aistock.ui.shell_info import ShellInfo

log = logging.getLogger(__name__)

ORGANIZATION = "AIstock"
APPLICATION = "AIstock Workstation"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]
ShowError = Callable[[str, str, str], None]


def create_qapp() -> QApplication:
    """The running QApplication, or a new one named for the workstation (QSettings uses the names)."""
    existing = QCoreApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise RuntimeError("a non-GUI QCoreApplication already exists; the workstation needs QApplication")
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    return app


def open_settings(settings_path: Path | None) -> QSettings:
    """An INI file at ``settings_path`` (a workstation home keeps its own layout), else Qt's default."""
    if settings_path is None:
        return QSettings()
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(settings_path), QSettings.Format.IniFormat)


def resolve_language(language: str | None, settings: QSettings) -> str:
    """An explicit ``language`` wins; else the one remembered from the View menu; else Chinese."""
    if language:
        return normalize_language(language)
    stored = settings.value(KEY_LANGUAGE)
    return stored if isinstance(stored, str) and stored in LANGUAGES else DEFAULT_LANGUAGE


def _show_error_box(parent: QWidget | None) -> ShowError:
    def show(title: str, text: str, details: str) -> None:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(title)
        box.setText(text)
        box.setDetailedText(details)
        box.exec()

    return show


def make_excepthook(show: ShowError) -> ExceptHook:
    """A ``sys.excepthook`` that logs the error and shows it through ``show`` (title, text, traceback).

    Errors in worker threads are only logged (a message box belongs to the GUI thread), as is an
    error raised while the box for an earlier one is still open.
    """
    showing = False

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("unhandled exception", exc_info=(kind, value, tb))
        if showing or threading.current_thread() is not threading.main_thread():
            return
        if isinstance(value, AistockError):
            text = f"{value.what}\n\n{value.fix}" if value.fix else value.what
        else:
            text = f"{kind.__name__}: {value}"
        details = "".join(traceback.format_exception(kind, value, tb))
        showing = True
        try:
            show(QCoreApplication.translate("App", "AIstock — unexpected error"), text, details)
        except Exception:  # the box itself failed; the log already has the error
            log.exception("could not show the error dialog")
        finally:
            showing = False

    return hook


def _asyncio_handler(hook: ExceptHook) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """Route exceptions from asyncio callbacks and tasks through the same hook."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            hook(type(exc), exc, exc.__traceback__)
        else:
            log.error("asyncio: %s", context.get("message", context))

    return handle


def run_workstation(
    info: ShellInfo,
    calendar: TradingCalendar,
    *,
    language: str | None = DEFAULT_LANGUAGE,
    settings_path: Path | None = None,
    trading_state: Callable[[], tuple[str, str]] | None = None,
    gateway_state: Callable[[], tuple[str, str]] | None = None,
    populate: Callable[[MainWindow], object] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    after_shown: Callable[[MainWindow, object], None] | None = None,
) -> int:
    """Open the workstation window and run the GUI until it closes; returns the exit code.

    ``language`` is ``"zh_CN"`` (default) or ``"en"``; pass ``None`` to use the language picked
    in View → Language last time (Chinese when none was). ``settings_path`` is an INI file for the
    window layout, theme and language; without it Qt's per-user default store is used.
    ``populate(window)`` adds the panels before the window shows (see ``aistock.ui.workstation_ui``).
    ``clock`` replaces the Shanghai wall clock of the status bar (screenshots). ``after_shown(window,
    populated)`` runs on the GUI thread once the window is up, and the window closes when it
    returns: the screenshot tool drives the real window this way.
    """
    app = create_qapp()
    settings = open_settings(settings_path)
    install_translator(app, resolve_language(language, settings))
    app.setStyle("Fusion")  # the same look on every platform; the themes are written for it
    apply_ui_font(app)
    aistock_log = logging.getLogger("aistock")
    if aistock_log.level == logging.NOTSET:
        aistock_log.setLevel(logging.INFO)  # the Log panel shows INFO and above

    window = MainWindow(
        info,
        calendar,
        settings=settings,
        trading_state=trading_state,
        gateway_state=gateway_state,
        clock=clock or shanghai_now,
    )
    # The panels (and whatever owns them) are built on the window before it shows; the result is
    # kept alive until the loop ends.
    populated = populate(window) if populate is not None else None
    previous_hook = sys.excepthook
    hook = make_excepthook(_show_error_box(window))
    sys.excepthook = hook

    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_asyncio_handler(hook))
    finished: asyncio.Future[int] = loop.create_future()

    def finish() -> None:
        if not finished.done():
            finished.set_result(0)

    window.closed.connect(finish)
    app.aboutToQuit.connect(finish)
    window.show()
    if after_shown is not None:

        def script() -> None:
            try:
                after_shown(window, populated)
            finally:
                window.close()

        QTimer.singleShot(0, script)
    log.info("workstation started (%s, %s)", info.account_mode.value, info.data_source_label)
    try:
        return loop.run_until_complete(finished)
    finally:
        app.aboutToQuit.disconnect(finish)
        loop.close()
        sys.excepthook = previous_hook
        asyncio.set_event_loop(None)
        populated = None  # the panels go before the window
        window.deleteLater()
