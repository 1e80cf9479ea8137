"""The whole window as ``aistock demo`` builds it: every panel wired to the real engines.

The panels have their own tests; this one checks the wiring of :class:`WorkstationUi` — pages
and docks registered and arranged, menus generated from the panels, engine events reaching the
docks with nobody refreshing them, a double-clicked position filling the ticket, the kill-switch
installed, and a clean close (jobs stopped, listeners detached) before the session shuts down.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from ui_helpers import MONDAY, FakeClock, at, make_info

from aistock.core.calendar import TradingCalendar
from aistock.core.fees import Side
from aistock.core.modes import AccountMode
from aistock.core.orders import OrderRequest, PriceType
from aistock.ui.main_window import MainWindow
from aistock.ui.workstation_ui import WorkstationUi
from aistock.workflows.workstation_session import WorkstationSession

WAIT_MS = 15_000


@pytest.fixture
def window_ui(
    qtbot: QtBot, calendar: TradingCalendar, settings: QSettings, workstation: WorkstationSession
) -> tuple[MainWindow, WorkstationUi]:
    session = workstation
    desk = session.desk
    assert desk is not None
    window = MainWindow(
        make_info(AccountMode.PAPER),
        calendar,
        clock=FakeClock(at(MONDAY, 10)),
        settings=settings,
        trading_state=lambda: (session.state.current().state.value, ""),
        gateway_state=lambda: (desk.connection_state(), desk.account_id),
    )
    qtbot.addWidget(window)
    ui = WorkstationUi(window, session, account_mode=AccountMode.PAPER)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    return window, ui


def test_every_panel_is_registered_arranged_and_in_the_menus(
    window_ui: tuple[MainWindow, WorkstationUi],
) -> None:
    window, ui = window_ui
    pages = [window.pages.widget(i).objectName() for i in range(window.pages.count())]
    assert pages[1:] == ["previewPage", "researchPage"]
    assert set(window.panels) >= {
        "logPanel",
        "assetPanel",
        "positionsPanel",
        "supervisionPanel",
        "ordersPanel",
        "fillsPanel",
        "simulatorPanel",
    }
    area = {key: window.dockWidgetArea(dock) for key, dock in window.panels.items()}
    right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    assert area["assetPanel"] == area["supervisionPanel"] == right
    assert area["positionsPanel"] == area["ordersPanel"] == area["fillsPanel"] == area["logPanel"] == bottom
    # Fills and the log are tabs of the orders; positions sit beside them, not under them.
    tabbed = {d.objectName() for d in window.tabifiedDockWidgets(window.panels["ordersPanel"])}
    assert tabbed == {"fillsPanel", "logPanel"}
    orders, positions = window.panels["ordersPanel"], window.panels["positionsPanel"]
    assert positions.geometry().right() < orders.geometry().left()
    # The panels' commands are in the window's menus, generated from the panels themselves.
    menus = window.panel_menus
    assert {"previewPage", "researchPage", "supervisionPanel", "killSwitch"} <= set(menus)
    preview_actions = menus["previewPage"].actions()
    assert ui.preview_page.replay_action in preview_actions and ui.preview_page.new_action in preview_actions
    research_actions = menus["researchPage"].actions()
    assert ui.research_page.sync_action in research_actions
    assert ui.kill_switch.halt_action in menus["killSwitch"].actions()
    assert window.kill_switch_control is ui.kill_switch


def test_fills_reach_the_docks_and_a_double_clicked_position_fills_the_ticket(
    qtbot: QtBot, window_ui: tuple[MainWindow, WorkstationUi]
) -> None:
    _window, ui = window_ui
    desk = ui.session.desk
    assert desk is not None and desk.counter is not None and ui.simulator is not None
    market = desk.counter.market
    code = next(
        c
        for c in market.codes
        if (ref := market.reference(c)) is not None
        and not ref.suspended
        and ref.pre_close < 60
        and c[:2] in ("00", "60")
    )
    report = desk.router.route([OrderRequest(code, Side.BUY, 1_000, PriceType.LATEST, strategy="t")])
    assert len(report.sent) == 1, report.describe()
    ui.simulator.step(2)
    qtbot.waitUntil(lambda: any(p.code == code for p in ui.positions_panel.records()), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(ui.fills_panel.records()) >= 1, timeout=WAIT_MS)
    assert [o.code for o in ui.orders_panel.records()] == [code]

    position = next(p for p in ui.positions_panel.records() if p.code == code)
    assert position.sellable == 0  # bought today: T+1
    ui.positions_panel.view.record_activated.emit(position)
    ticket = ui.supervision.ticket
    assert ticket.code_edit.text() == code and ticket.side is Side.SELL
    assert ticket.volume_spin.value() == 0  # nothing sellable today, and nothing was sent
    assert len(ui.orders_panel.records()) == 1


def test_closing_the_window_stops_jobs_and_detaches_the_listeners(
    qtbot: QtBot, window_ui: tuple[MainWindow, WorkstationUi]
) -> None:
    window, ui = window_ui
    session = ui.session
    assert session.desk is not None
    book_listeners = session.desk.account.manager.changed_listeners
    watched = (len(book_listeners), len(session.monitoring.listeners), len(session.tick_listeners))
    assert all(n >= 1 for n in watched)
    job = ui.jobs.start("endless", lambda _progress, token: _spin(token))
    window.close()
    assert not job.running
    assert len(book_listeners) == watched[0] - 1
    assert len(session.monitoring.listeners) == watched[1] - 1
    assert len(session.tick_listeners) == watched[2] - 1


def _spin(token: object) -> None:
    import time

    while True:
        token.check()  # type: ignore[attr-defined]
        time.sleep(0.01)
