"""The dock framework, the View menu and the layout saved in QSettings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from ui_helpers import WindowFactory

from aistock import __version__
from aistock.core.modes import AccountMode
from aistock.ui.main_window import KEY_STATE


def test_add_panel_registers_a_view_menu_toggle(make_window: WindowFactory) -> None:
    window = make_window(show=True)
    dock = window.add_panel(
        QLabel("positions"), "Positions", Qt.DockWidgetArea.RightDockWidgetArea, "positionsPanel"
    )

    assert window.panels["positionsPanel"] is dock
    assert dock.objectName() == "positionsPanel"
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    features = dock.features()
    assert features & dock.DockWidgetFeature.DockWidgetMovable
    assert features & dock.DockWidgetFeature.DockWidgetFloatable

    action = window.view_menu.actions()
    toggle = [a for a in action if a.text() == "Positions"]
    assert len(toggle) == 1
    assert toggle[0].isChecked() and dock.isVisible()
    toggle[0].trigger()
    assert not dock.isVisible() and not toggle[0].isChecked()
    toggle[0].trigger()
    assert dock.isVisible() and toggle[0].isChecked()


def test_view_menu_lists_panels_in_registration_order(make_window: WindowFactory) -> None:
    window = make_window()
    window.add_panel(QLabel("a"), "Alpha", Qt.DockWidgetArea.LeftDockWidgetArea, "alphaPanel")
    window.add_panel(QLabel("b"), "Beta", Qt.DockWidgetArea.RightDockWidgetArea, "betaPanel")
    texts = [a.text() for a in window.view_menu.actions() if not a.isSeparator()]
    assert texts.index("Log") < texts.index("Alpha") < texts.index("Beta")
    assert list(window.panels) == ["logPanel", "alphaPanel", "betaPanel"]


def test_panel_names_must_be_unique_and_present(make_window: WindowFactory) -> None:
    window = make_window()
    with pytest.raises(ValueError, match="already registered"):
        window.add_panel(QLabel(), "Log again", Qt.DockWidgetArea.LeftDockWidgetArea, "logPanel")
    with pytest.raises(ValueError, match="object name"):
        window.add_panel(QLabel(), "Nameless", Qt.DockWidgetArea.LeftDockWidgetArea, "")


def test_dock_state_round_trips_through_settings(
    make_window: WindowFactory, qtbot: QtBot, settings_path: Path
) -> None:
    first = make_window(show=True, settings_store=QSettings(str(settings_path), QSettings.Format.IniFormat))
    dock = first.add_panel(QLabel("orders"), "Orders", Qt.DockWidgetArea.RightDockWidgetArea, "ordersPanel")
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)  # the user drags it left
    first.panels["logPanel"].toggleViewAction().trigger()  # and hides the log
    first.close()

    assert settings_path.exists()
    stored = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert stored.value(KEY_STATE) is not None

    second = make_window(show=True, settings_store=stored)
    # The log panel is built in (restored by restoreState) …
    assert not second.panels["logPanel"].isVisible()
    assert not second.panels["logPanel"].toggleViewAction().isChecked()
    # … the orders panel registers after the restore and still lands where it was left.
    again = second.add_panel(QLabel("orders"), "Orders", Qt.DockWidgetArea.RightDockWidgetArea, "ordersPanel")
    assert second.dockWidgetArea(again) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.isVisible()


def test_front_page_is_remembered_even_when_added_late(
    make_window: WindowFactory, settings_path: Path
) -> None:
    first = make_window(settings_store=QSettings(str(settings_path), QSettings.Format.IniFormat))
    index = first.add_page(QLabel("nav"), "NAV", "navPage")
    first.pages.setCurrentIndex(index)
    first.close()

    second = make_window(settings_store=QSettings(str(settings_path), QSettings.Format.IniFormat))
    assert second.pages.currentWidget() is second.overview  # not added yet
    page = QLabel("nav")
    second.add_page(page, "NAV", "navPage")
    assert second.pages.currentWidget() is page
    with pytest.raises(ValueError, match="object name"):
        second.add_page(QLabel(), "Nameless", "")


def test_reset_layout_brings_panels_home(make_window: WindowFactory) -> None:
    window = make_window(show=True)
    log_dock = window.panels["logPanel"]
    log_dock.hide()
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, log_dock)
    window.reset_layout_action.trigger()
    assert log_dock.isVisible()
    assert window.dockWidgetArea(log_dock) == Qt.DockWidgetArea.BottomDockWidgetArea


def test_overview_page_shows_the_shell_info(make_window: WindowFactory) -> None:
    window = make_window(AccountMode.LIVE)
    assert window.pages.tabText(0) == "Overview"
    overview = window.overview
    texts = {label.objectName(): label.text() for label in overview.findChildren(QLabel)}
    assert texts["overviewHomeDir"] == str(Path("/srv/aistock-home"))
    assert texts["overviewDatabase"] == str(Path("/srv/aistock-home") / "aistock.sqlite3")
    assert texts["overviewProviderDir"] == str(Path("/srv/aistock-home") / "qlib_data")
    assert texts["overviewDataAsOf"] == "2025-11-21"
    assert texts["overviewMode"] == "LIVE"
    lines = [lbl.text() for lbl in overview.findChildren(QLabel) if lbl.objectName() == "overviewSummaryLine"]
    assert lines == ["300 stocks across four boards", "catalog not synced yet"]
    assert "REAL MONEY" in overview.mode_banner_text.text()


def test_log_panel_shows_records_and_lets_go_on_close(make_window: WindowFactory, qtbot: QtBot) -> None:
    import logging
    import threading

    window = make_window()
    logging.getLogger("aistock.test").warning("order batch rejected")
    qtbot.waitUntil(lambda: "order batch rejected" in window.log_panel.toPlainText(), timeout=1000)

    worker = threading.Thread(target=lambda: logging.getLogger("aistock.test").error("from a worker"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "from a worker" in window.log_panel.toPlainText(), timeout=1000)

    handlers_before = list(logging.getLogger("aistock").handlers)
    window.close()
    assert len(logging.getLogger("aistock").handlers) == len(handlers_before) - 1


def test_about_names_version_and_home(make_window: WindowFactory) -> None:
    window = make_window()
    text = window.about_text()
    assert __version__ in text
    assert str(Path("/srv/aistock-home")) in text
    assert [a.text() for a in window.help_menu.actions()] == ["&About"]
    assert [a.text() for a in window.file_menu.actions()] == ["&Quit"]


def test_quit_closes_and_saves(make_window: WindowFactory, qtbot: QtBot, settings_path: Path) -> None:
    window = make_window(show=True)
    with qtbot.waitSignal(window.closed, timeout=1000):
        window.quit_action.trigger()
    assert not window.isVisible()
    assert not window.clock_timer.isActive()
    assert QSettings(str(settings_path), QSettings.Format.IniFormat).value(KEY_STATE) is not None
