"""The workstation's main window: status bar, Overview page and a dock framework for panels.

Modelled on vnpy's ``MainWindow`` (``reference/miniqmt_and_vnpy.md`` §2.3) and improved where a
trader gets hurt:

* the **account mode** is always visible as a badge (LIVE in red, bold, white — and in the window
  title), and no menu hover or status message can hide it: QStatusBar hides its normal widgets
  while a temporary message shows, so every read-out here is a *permanent* widget and temporary
  messages are routed into a label of their own;
* the **session clock** names the phase in words and knows holidays from the calendar, and the
  **data freshness** read-out turns amber when the data ends before the last completed session;
* panels are registered through one call, :meth:`MainWindow.add_panel`, which creates a movable,
  floatable dock, remembers it, and lists it in the View menu (vnpy builds docks the same way but
  cannot bring a closed one back); the layout survives restarts through ``QSettings``, including
  panels registered after the layout was restored.

Everything comes in through the constructor (the session facts, the calendar, the clock and the
settings store), so a test can build the window with a fake clock and a throw-away INI file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)

from aistock import __version__
from aistock.core.calendar import TradingCalendar, shanghai_now
from aistock.ui.badges import (
    ACTIVE_BADGE,
    HALTED_BADGE,
    LIVE_STATUS_BAR,
    REDUCING_BADGE,
    STALE_DATA,
    mode_badge_style,
)
from aistock.ui.i18n import CHINESE, ENGLISH, LANGUAGES, current_language
from aistock.ui.kill_switch_control import KillSwitchControl
from aistock.ui.log_panel import LogPanel
from aistock.ui.overview import OverviewPage
from aistock.ui.panel import ProvidesMenu
from aistock.ui.session_status import (
    ClockState,
    clock_state,
    is_data_stale,
    last_completed_session,
    to_shanghai,
)
from aistock.ui.shell_info import ShellInfo
from aistock.ui.texts import clock_state_text, mode_description, mode_name
from aistock.ui.theme import DARK, DEFAULT_THEME, LIGHT, THEMES, apply_theme

log = logging.getLogger(__name__)

# QSettings keys. The layout version guards restoreState against a saved layout from an
# incompatible build: bump it when dock object names change meaning.
KEY_GEOMETRY = "mainWindow/geometry"
KEY_STATE = "mainWindow/state"
KEY_PAGE = "mainWindow/page"
KEY_THEME = "ui/theme"
KEY_LANGUAGE = "ui/language"
LAYOUT_VERSION = 1
CLOCK_INTERVAL_MS = 1000
LOG_PANEL_HEIGHT = 150

# Language names are shown in their own language, whatever the UI language is.
_LANGUAGE_NAMES = {CHINESE: "中文", ENGLISH: "English"}


class MainWindow(QMainWindow):
    """The workstation shell. Later panels plug in through :meth:`add_panel`."""

    closed = Signal()
    """Emitted once the window has saved its layout and is closing."""

    def __init__(
        self,
        info: ShellInfo,
        calendar: TradingCalendar,
        clock: Callable[[], dt.datetime] = shanghai_now,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        trading_state: Callable[[], tuple[str, str]] | None = None,
        gateway_state: Callable[[], tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._info = info
        # (connection state value, account id) of the broker link, read every clock tick.
        self._gateway_state = gateway_state
        self.kill_switch_control: KillSwitchControl | None = None
        self._panel_menus: dict[str, QMenu] = {}
        # (state value, worded detail) of the kill-switch, read every clock tick; None: no risk layer.
        self._trading_state = trading_state
        self._calendar = calendar
        self._clock = clock
        self._settings = settings if settings is not None else QSettings()
        self._panels: dict[str, QDockWidget] = {}
        self._panel_areas: dict[str, Qt.DockWidgetArea] = {}
        self._layout_restored = False
        self._wanted_page = ""
        self._closed = False

        self.setObjectName("MainWindow")
        self.setWindowTitle(self._window_title())
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.resize(1280, 800)

        self.pages = QTabWidget()
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.overview = OverviewPage(info)
        self.pages.addTab(self.overview, QCoreApplication.translate("MainWindow", "Overview"))
        self.setCentralWidget(self.pages)

        self._build_status_bar()
        self.theme_actions: dict[str, QAction] = {}
        self.language_actions: dict[str, QAction] = {}
        self._build_menus()

        self.log_panel = LogPanel(logging.getLogger("aistock"))
        self.add_panel(
            self.log_panel,
            QCoreApplication.translate("MainWindow", "Log"),
            Qt.DockWidgetArea.BottomDockWidgetArea,
            "logPanel",
        )

        self.set_theme(self._stored_theme(), remember=False)
        self.layout_was_restored = self.restore_layout()
        """Whether a saved layout was applied: panel builders arrange docks only on a first start."""
        if not self.layout_was_restored:
            # First start: the log is a strip under the page, not half the window.
            self.resizeDocks([self._panels["logPanel"]], [LOG_PANEL_HEIGHT], Qt.Orientation.Vertical)

        self.clock_timer = QTimer(self)
        self.clock_timer.setObjectName("clockTimer")
        self.clock_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.clock_timer.setInterval(CLOCK_INTERVAL_MS)
        self.clock_timer.timeout.connect(self.refresh_clock)
        self.refresh_clock()
        self.clock_timer.start()

    # -- public API -----------------------------------------------------------------------------
    @property
    def info(self) -> ShellInfo:
        return self._info

    @property
    def settings(self) -> QSettings:
        return self._settings

    @property
    def panels(self) -> dict[str, QDockWidget]:
        """The registered docks by object name, in registration order (a copy)."""
        return dict(self._panels)

    def add_panel(
        self, widget: QWidget, title: str, area: Qt.DockWidgetArea, object_name: str
    ) -> QDockWidget:
        """Put ``widget`` in a movable, floatable dock and list it in the View menu.

        ``object_name`` keys the dock in the saved layout, so it must be unique and stable across
        versions. A panel registered after the layout was restored gets its saved place too.
        """
        if not object_name:
            raise ValueError("a panel needs an object name: it keys the panel in the saved layout")
        if object_name in self._panels:
            raise ValueError(f"a panel named {object_name!r} is already registered — pick another name")
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        dock.setWidget(widget)
        toggle = dock.toggleViewAction()
        toggle.setObjectName(f"toggle_{object_name}")
        toggle.setStatusTip(QCoreApplication.translate("MainWindow", "Show or hide this panel"))
        self._panels[object_name] = dock
        self._panel_areas[object_name] = area
        # After restoreState, Qt keeps a placeholder for each saved dock; restoreDockWidget (called
        # *instead of* addDockWidget) puts a late panel back there, hidden or floating as it was left.
        if not (self._layout_restored and self.restoreDockWidget(dock)):
            self.addDockWidget(area, dock)
            dock.show()  # Qt does not show a dock added to a window already on screen
        self._rebuild_view_menu()
        self._add_panel_menu(object_name, widget)
        return dock

    def add_page(self, widget: QWidget, title: str, object_name: str) -> int:
        """Add a page beside the Overview in the central area; returns its tab index.

        ``object_name`` keys the page in the saved layout: the page in front at the last close
        comes to the front again when it is added.
        """
        if not object_name:
            raise ValueError("a page needs an object name: it keys the page in the saved layout")
        widget.setObjectName(object_name)
        index = self.pages.addTab(widget, title)
        if object_name == self._wanted_page:
            self.pages.setCurrentIndex(index)
        self._add_panel_menu(object_name, widget)
        return index

    def install_kill_switch(self, control: KillSwitchControl) -> None:
        """Put the kill-switch in a fixed toolbar at the top and its commands in the Trading menu.

        The toolbar cannot be moved, floated or hidden (its toggle is not offered): the halt button
        is always in view, whatever the layout. F12 works from any window of the application.
        """
        self.kill_switch_control = control
        bar = QToolBar(QCoreApplication.translate("MainWindow", "Kill-switch"), self)
        bar.setObjectName("killSwitchToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setEnabled(False)
        bar.toggleViewAction().setVisible(False)
        bar.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        bar.addWidget(control)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.kill_switch_toolbar = bar
        self.addAction(control.halt_action)  # the shortcut lives as long as the window
        menu = self._panel_menu("killSwitch", QCoreApplication.translate("MainWindow", "&Trading"))
        menu.addAction(control.halt_action)
        menu.addSeparator()
        menu.addAction(control.release_active_action)
        menu.addAction(control.release_reducing_action)
        self.refresh_trading_state()

    def refresh_clock(self) -> None:
        """Update the session clock and the data freshness read-out (the 1-second timer's slot)."""
        now = to_shanghai(self._clock())
        state = clock_state(self._calendar, now)
        self.clock_label.setText(f"{now:%H:%M:%S}  {clock_state_text(state)}")
        self.clock_label.setProperty("phase", state.value)
        self.clock_label.setToolTip(
            QCoreApplication.translate("MainWindow", "Shanghai time, {date}").format(date=f"{now:%Y-%m-%d}")
        )
        self._refresh_freshness(now)
        self.refresh_trading_state()
        self.refresh_gateway_state()

    def refresh_trading_state(self) -> None:
        """Show the kill-switch's state first in the status bar, in words and colour."""
        if self._trading_state is None:
            return
        try:
            state, detail = self._trading_state()
        except Exception as exc:  # an unreadable state is shown as such, never as "active"
            state, detail = "unknown", str(exc)
        texts = {
            "active": QCoreApplication.translate("MainWindow", "Trading: ACTIVE"),
            "reducing": QCoreApplication.translate("MainWindow", "Trading: REDUCING only"),
            "halted": QCoreApplication.translate("MainWindow", "Trading: HALTED"),
        }
        styles = {"active": ACTIVE_BADGE, "reducing": REDUCING_BADGE}
        self.risk_state_label.setText(
            texts.get(state, QCoreApplication.translate("MainWindow", "Trading: state unknown"))
        )
        self.risk_state_label.setStyleSheet(styles.get(state, HALTED_BADGE))
        self.risk_state_label.setProperty("tradingState", state)
        self.risk_state_label.setToolTip(detail)
        if self.kill_switch_control is not None:
            job = self.kill_switch_control.engage_job
            if job is None or not job.running:  # a press being written is not undone by an old read
                self.kill_switch_control.show_state(state)

    def refresh_gateway_state(self) -> None:
        """Show whether the broker link is up: green connected, amber connecting, red otherwise."""
        if self._gateway_state is None:
            self.gateway_label.hide()
            return
        try:
            state, account = self._gateway_state()
        except Exception as exc:  # unreadable is shown as such, never as "connected"
            state, account = "unknown", str(exc)
        texts = {
            "connected": QCoreApplication.translate("MainWindow", "miniQMT: connected"),
            "connecting": QCoreApplication.translate("MainWindow", "miniQMT: connecting…"),
            "disconnected": QCoreApplication.translate("MainWindow", "miniQMT: disconnected"),
        }
        self.gateway_label.setText(
            texts.get(state, QCoreApplication.translate("MainWindow", "miniQMT: state unknown"))
        )
        self.gateway_label.setStyleSheet(
            ACTIVE_BADGE
            if state == "connected"
            else REDUCING_BADGE
            if state == "connecting"
            else HALTED_BADGE
        )
        self.gateway_label.setProperty("gatewayState", state)
        self.gateway_label.setToolTip(
            QCoreApplication.translate("MainWindow", "Broker link of account {account}").format(
                account=account
            )
        )
        self.gateway_label.show()

    def save_layout(self) -> None:
        """Write window geometry, dock layout and the current page to the settings store."""
        self._settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        self._settings.setValue(KEY_STATE, self.saveState(LAYOUT_VERSION))
        current = self.pages.currentWidget()
        self._settings.setValue(KEY_PAGE, current.objectName() if current is not None else "")
        self._settings.sync()

    def restore_layout(self) -> bool:
        """Restore what :meth:`save_layout` wrote; False when nothing (usable) was saved."""
        geometry = self._settings.value(KEY_GEOMETRY)
        state = self._settings.value(KEY_STATE)
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            restored = self.restoreState(state, LAYOUT_VERSION) and restored
        page = self._settings.value(KEY_PAGE)
        self._wanted_page = page if isinstance(page, str) else ""
        for index in range(self.pages.count()):
            if self.pages.widget(index).objectName() == self._wanted_page:
                self.pages.setCurrentIndex(index)
        self._layout_restored = True
        return restored

    def reset_layout(self) -> None:
        """Dock every panel back in its default area and show it (for a layout gone astray)."""
        for name, dock in self._panels.items():
            dock.setFloating(False)
            self.addDockWidget(self._panel_areas[name], dock)
            dock.show()

    def set_theme(self, theme: str, *, remember: bool = True) -> None:
        """Switch the whole application to ``theme`` now, and remember it for the next start."""
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r} — use one of {', '.join(THEMES)}")
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        if remember:
            self._settings.setValue(KEY_THEME, theme)
        for name, action in self.theme_actions.items():
            action.setChecked(name == theme)

    def set_language_preference(self, language: str) -> None:
        """Remember the UI language for the next start (Qt widgets cannot re-translate live)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown UI language {language!r} — use one of {', '.join(LANGUAGES)}")
        self._settings.setValue(KEY_LANGUAGE, language)
        for name, action in self.language_actions.items():
            action.setChecked(name == language)
        app = QCoreApplication.instance()
        if app is not None and language != current_language(app):
            self.statusBar().showMessage(
                QCoreApplication.translate("MainWindow", "The language changes when AIstock restarts."),
                10_000,
            )

    def about_text(self) -> str:
        """The body of Help → About: version and where this workstation keeps its files."""
        return QCoreApplication.translate(
            "MainWindow",
            "<h3>AIstock Workstation {version}</h3>"
            "<p>A China A-share trading workstation running beside miniQMT.</p>"
            "<p>Home directory:<br><code>{home}</code></p>"
            "<p>Database:<br><code>{database}</code></p>",
        ).format(version=__version__, home=self._info.home_dir, database=self._info.database_path)

    def show_about(self) -> None:
        QMessageBox.about(self, QCoreApplication.translate("MainWindow", "About AIstock"), self.about_text())

    # -- Qt overrides ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Save the layout and release the log handler before the window goes."""
        if not self._closed:
            self._closed = True
            self.clock_timer.stop()
            self.save_layout()
            self.log_panel.detach()
            self.closed.emit()
        super().closeEvent(event)

    # -- construction ----------------------------------------------------------------------------
    def _window_title(self) -> str:
        app_name = QCoreApplication.translate("MainWindow", "AIstock Workstation")
        return f"{app_name} — {mode_name(self._info.account_mode)}"

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")

        # Far left: the kill-switch / trading state, before anything else.
        # Without a risk layer (a bare shell) nothing claims that trading is safe.
        self.risk_state_label = QLabel(QCoreApplication.translate("MainWindow", "Trading: state unknown"))
        self.risk_state_label.setObjectName("riskStateLabel")
        self.risk_state_label.setToolTip(
            QCoreApplication.translate("MainWindow", "Trading state of the risk engine")
        )

        mode = self._info.account_mode
        self.mode_badge = QLabel(mode_name(mode))
        self.mode_badge.setObjectName("modeBadge")
        self.mode_badge.setProperty("mode", mode.value)
        self.mode_badge.setStyleSheet(mode_badge_style(mode))
        self.mode_badge.setToolTip(mode_description(mode))
        if mode.touches_real_money:
            # A red rule along the whole bottom edge: visible whichever page or panel is in front.
            bar.setStyleSheet(LIVE_STATUS_BAR)

        self.gateway_label = QLabel()
        self.gateway_label.setObjectName("gatewayLabel")
        self.gateway_label.hide()

        self.data_source_label = QLabel(self._info.data_source_label)
        self.data_source_label.setObjectName("dataSourceLabel")
        self.data_source_label.setToolTip(QCoreApplication.translate("MainWindow", "Market data source"))

        # Temporary messages (menu status tips, notices) get a label of their own so they never
        # hide the read-outs; see the module docstring.
        self.message_label = QLabel()
        self.message_label.setObjectName("statusMessageLabel")
        self.message_label.setMinimumWidth(40)
        bar.messageChanged.connect(self.message_label.setText)

        self.freshness_label = QLabel()
        self.freshness_label.setObjectName("freshnessLabel")

        self.clock_label = QLabel()
        self.clock_label.setObjectName("clockLabel")
        metrics = self.clock_label.fontMetrics()
        widest = max(metrics.horizontalAdvance(f"00:00:00  {clock_state_text(s)}") for s in ClockState)
        self.clock_label.setMinimumWidth(widest + 16)  # no jitter as the phase text changes

        for widget, stretch in (
            (self.risk_state_label, 0),
            (self.mode_badge, 0),
            (self.gateway_label, 0),
            (self.data_source_label, 0),
            (self.message_label, 1),
            (self.freshness_label, 0),
            (self.clock_label, 0),
        ):
            bar.addPermanentWidget(widget, stretch)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&File"))
        self.file_menu.setObjectName("fileMenu")
        self.quit_action = QAction(QCoreApplication.translate("MainWindow", "&Quit"), self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setStatusTip(QCoreApplication.translate("MainWindow", "Save the layout and quit"))
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.view_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&View"))
        self.view_menu.setObjectName("viewMenu")

        self.reset_layout_action = QAction(QCoreApplication.translate("MainWindow", "&Reset layout"), self)
        self.reset_layout_action.setObjectName("resetLayoutAction")
        self.reset_layout_action.setStatusTip(
            QCoreApplication.translate("MainWindow", "Dock every panel back in its default place")
        )
        self.reset_layout_action.triggered.connect(self.reset_layout)

        self.theme_menu = QMenu(QCoreApplication.translate("MainWindow", "&Theme"), self)
        self.theme_menu.setObjectName("themeMenu")
        theme_group = QActionGroup(self)
        theme_names = {
            LIGHT: QCoreApplication.translate("MainWindow", "Light"),
            DARK: QCoreApplication.translate("MainWindow", "Dark"),
        }
        for theme in THEMES:
            action = QAction(theme_names[theme], self)
            action.setCheckable(True)
            action.setObjectName(f"theme_{theme}")
            action.setStatusTip(QCoreApplication.translate("MainWindow", "Switch the colour theme"))
            action.triggered.connect(lambda _checked=False, t=theme: self.set_theme(t))
            theme_group.addAction(action)
            self.theme_menu.addAction(action)
            self.theme_actions[theme] = action

        self.language_menu = QMenu(QCoreApplication.translate("MainWindow", "&Language"), self)
        self.language_menu.setObjectName("languageMenu")
        language_group = QActionGroup(self)
        app = QCoreApplication.instance()
        active = current_language(app) if app is not None else ENGLISH
        for language in LANGUAGES:
            action = QAction(_LANGUAGE_NAMES[language], self)
            action.setCheckable(True)
            action.setObjectName(f"language_{language}")
            action.setStatusTip(QCoreApplication.translate("MainWindow", "Takes effect after a restart"))
            action.setChecked(language == active)
            action.triggered.connect(lambda _checked=False, lang=language: self.set_language_preference(lang))
            language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[language] = action

        self.help_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Help"))
        self.help_menu.setObjectName("helpMenu")
        self.about_action = QAction(QCoreApplication.translate("MainWindow", "&About"), self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setStatusTip(
            QCoreApplication.translate("MainWindow", "Version and where this workstation keeps its files")
        )
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

        self._rebuild_view_menu()

    def _rebuild_view_menu(self) -> None:
        """View menu = one toggle per registered panel, then layout, theme and language."""
        menu = self.view_menu
        menu.clear()
        header = menu.addSection(QCoreApplication.translate("MainWindow", "Panels"))
        header.setObjectName("panelsSection")
        for dock in self._panels.values():
            menu.addAction(dock.toggleViewAction())
        menu.addAction(self.reset_layout_action)
        menu.addSeparator()
        menu.addMenu(self.theme_menu)
        menu.addMenu(self.language_menu)

    def _panel_menu(self, key: str, title: str) -> QMenu:
        """The menu for ``key``, created before Help (menus follow the order panels arrive in)."""
        menu = self._panel_menus.get(key)
        if menu is None:
            menu = QMenu(title, self)
            menu.setObjectName(f"{key}Menu")
            self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
            self._panel_menus[key] = menu
        return menu

    def _add_panel_menu(self, key: str, widget: QWidget) -> None:
        """A panel that offers commands (:class:`ProvidesMenu`) gets a menu of them."""
        if not isinstance(widget, ProvidesMenu):
            return
        actions = widget.menu_actions()
        if not actions:
            return
        menu = self._panel_menu(key, widget.menu_title())
        menu.addActions(actions)

    @property
    def panel_menus(self) -> dict[str, QMenu]:
        """The menus generated from panels, by panel object name (a copy)."""
        return dict(self._panel_menus)

    # -- helpers ---------------------------------------------------------------------------------
    def _stored_theme(self) -> str:
        value = self._settings.value(KEY_THEME, DEFAULT_THEME)
        return value if isinstance(value, str) and value in THEMES else DEFAULT_THEME

    def _refresh_freshness(self, now: dt.datetime) -> None:
        as_of = self._info.data_as_of
        expected = last_completed_session(self._calendar, now)
        stale = is_data_stale(as_of, self._calendar, now)
        label = self.freshness_label
        if as_of is None:
            text = QCoreApplication.translate("MainWindow", "No data")
            tip = QCoreApplication.translate("MainWindow", "No market data has been loaded yet.")
        elif stale:
            text = QCoreApplication.translate("MainWindow", "Data as of {date} (stale)").format(
                date=as_of.isoformat()
            )
            tip = QCoreApplication.translate(
                "MainWindow",
                "The data ends on {date}, before the last completed session {session}. "
                "Update the market data before trusting signals.",
            ).format(date=as_of.isoformat(), session=expected.isoformat() if expected else "—")
        else:
            text = QCoreApplication.translate("MainWindow", "Data as of {date}").format(
                date=as_of.isoformat()
            )
            tip = QCoreApplication.translate(
                "MainWindow", "The data is current: the last completed session is {session}."
            ).format(session=expected.isoformat() if expected else "—")
        label.setText(text)
        label.setToolTip(tip)
        if label.property("stale") != stale:
            label.setProperty("stale", stale)
            label.setStyleSheet(STALE_DATA if stale else "")
