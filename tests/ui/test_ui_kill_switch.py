"""The kill-switch in the window: one press (or F12) halts and cancels; release asks and confirms.

Against the real engines: the demo paper account on the built-in miniQMT simulator, its OMS,
the store's trading state and the KillSwitch the CLI uses.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import MONDAY, FakeClock, at, make_info

from aistock.core.calendar import TradingCalendar
from aistock.core.fees import Side
from aistock.core.modes import AccountMode
from aistock.core.orders import OrderRequest, OrderStatus, PriceType
from aistock.core.trading_state import TradingState
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import JobRunner
from aistock.ui.kill_switch_control import KillSwitchControl
from aistock.ui.main_window import MainWindow
from aistock.ui.simulator_control import SimulatorControl
from aistock.workflows.workstation_session import WorkstationSession


def _window(
    qtbot: QtBot, calendar: TradingCalendar, settings: QSettings, session: WorkstationSession
) -> tuple[MainWindow, KillSwitchControl]:
    desk = session.desk
    assert desk is not None

    def trading_state() -> tuple[str, str]:
        snapshot = session.state.current()
        return snapshot.state.value, snapshot.describe()

    window = MainWindow(
        make_info(AccountMode.PAPER),
        calendar,
        clock=FakeClock(at(MONDAY, 10)),
        settings=settings,
        trading_state=trading_state,
        gateway_state=lambda: (desk.connection_state(), desk.account_id),
    )
    qtbot.addWidget(window)
    jobs = JobRunner(window)
    control = KillSwitchControl(session.kill_switch, jobs, parent=window)
    window.install_kill_switch(control)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window, control


def _rest_orders(session: WorkstationSession, n: int) -> list[str]:
    """Limit buys 5 % under the reference: accepted by risk, resting at the simulated exchange."""
    desk = session.desk
    assert desk is not None and desk.counter is not None
    ids: list[str] = []
    for code in desk.counter.market.codes[:n]:
        reference = desk.counter.market.reference(code)
        assert reference is not None
        price = round(reference.pre_close * 0.95, 2)
        report = desk.router.route([OrderRequest(code, Side.BUY, 100, PriceType.LIMIT, price, strategy="t")])
        ids += [cid for _, cid in report.sent]
    desk.counter.advance(1)
    assert desk.account.manager.wait_idle(5)
    return ids


def _statuses(session: WorkstationSession, ids: list[str]) -> set[OrderStatus]:
    desk = session.desk
    assert desk is not None
    by_id = {o.client_order_id: o.status for o in desk.account.service.get_orders(desk.account_id)}
    return {by_id[i] for i in ids}


def test_one_press_halts_and_cancels_every_open_order(
    qtbot: QtBot, calendar: TradingCalendar, settings: QSettings, workstation: WorkstationSession
) -> None:
    window, control = _window(qtbot, calendar, settings, workstation)
    ids = _rest_orders(workstation, 3)
    assert len(ids) == 3 and _statuses(workstation, ids) <= {OrderStatus.LIVE, OrderStatus.SUBMITTED}
    assert window.kill_switch_toolbar.isVisible()
    assert control.button.text().startswith("■ HALT")

    qtbot.mouseClick(control.button, Qt.MouseButton.LeftButton)
    assert control.engage_job is not None
    qtbot.waitUntil(lambda: not control.engage_job.running, timeout=10_000)  # type: ignore[union-attr]
    assert workstation.state.current().state is TradingState.HALTED
    desk = workstation.desk
    assert desk is not None and desk.counter is not None
    desk.counter.advance(1)
    qtbot.waitUntil(lambda: _statuses(workstation, ids) == {OrderStatus.CANCELLED}, timeout=5_000)

    window.refresh_clock()
    assert window.risk_state_label.text() == "Trading: HALTED"
    assert "HALTED" in control.button.text()
    assert control.release_active_action.isEnabled()
    # A new order is refused while halted, before it reaches the broker.
    code = desk.counter.market.codes[5]
    report = desk.router.route([OrderRequest(code, Side.BUY, 100, PriceType.LATEST, 0.0, strategy="t")])
    assert not report.sent


def test_f12_halts_from_anywhere_in_the_application(
    qtbot: QtBot, calendar: TradingCalendar, settings: QSettings, workstation: WorkstationSession
) -> None:
    window, control = _window(qtbot, calendar, settings, workstation)
    assert control.halt_action.shortcut().toString() == "F12"
    assert control.halt_action.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    assert control.halt_action in window.panel_menus["killSwitch"].actions()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    # Through the window system (QWindow), where Qt's shortcut map sees the key as a user's press.
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: workstation.state.current().state is TradingState.HALTED, timeout=5_000)


def test_release_asks_why_and_confirms_and_can_go_to_reducing(
    qtbot: QtBot,
    calendar: TradingCalendar,
    settings: QSettings,
    workstation: WorkstationSession,
    dialog_answers: object,
) -> None:
    window, control = _window(qtbot, calendar, settings, workstation)
    job = control.engage("test halt")
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    answers = dialog_answers

    answers.confirm_answer = False  # type: ignore[attr-defined]
    assert control.release(TradingState.ACTIVE) is False
    assert workstation.state.current().state is TradingState.HALTED
    assert len(answers.confirms) == 1  # type: ignore[attr-defined]

    answers.text_answer = None  # type: ignore[attr-defined]  # the reason dialog was cancelled
    assert control.release(TradingState.ACTIVE) is False
    assert workstation.state.current().state is TradingState.HALTED

    answers.text_answer = "broker link checked"  # type: ignore[attr-defined]
    answers.confirm_answer = True  # type: ignore[attr-defined]
    assert control.release(TradingState.REDUCING) is True
    snapshot = workstation.state.current()
    assert snapshot.state is TradingState.REDUCING and "broker link checked" in snapshot.describe()
    window.refresh_clock()
    assert window.risk_state_label.text() == "Trading: REDUCING only"
    assert control.button.text().startswith("■ HALT")  # halting again is one press away


def test_status_bar_shows_the_broker_link_and_panel_menus_come_from_panels(
    qtbot: QtBot, calendar: TradingCalendar, settings: QSettings, workstation: WorkstationSession
) -> None:
    window, _control = _window(qtbot, calendar, settings, workstation)
    window.refresh_clock()
    assert window.gateway_label.text() == "miniQMT: connected"
    assert window.gateway_label.property("gatewayState") == "connected"
    assert "DEMO-PAPER-001" in window.gateway_label.toolTip()
    desk = workstation.desk
    assert desk is not None
    desk.account.close()  # the link goes down
    window.refresh_clock()
    assert window.gateway_label.property("gatewayState") != "connected"
    assert "connected" not in window.gateway_label.text() or "disconnected" in window.gateway_label.text()
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Trading") < titles.index("&Help")


def test_simulator_control_steps_the_exchange_and_fills_reach_the_bridge(
    qtbot: QtBot, workstation: WorkstationSession, qapp: QApplication
) -> None:
    desk = workstation.desk
    assert desk is not None and desk.counter is not None
    bridge = EngineBridge()
    bridge.watch(desk.account.manager.changed_listeners, bridge.book_changed)
    control = SimulatorControl(desk.counter)
    qtbot.addWidget(control)
    assert "09:30" in control.time_label.text()
    code = desk.counter.market.codes[0]
    desk.router.route([OrderRequest(code, Side.BUY, 100, PriceType.LATEST, 0.0, strategy="t")])
    with qtbot.waitSignal(bridge.account_changed, timeout=5_000) as blocker:
        control.step_action.trigger()
    assert blocker.args == [desk.account_id]
    assert "09:31" in control.time_label.text()
    control.step(300)  # past the close
    assert "closed" in control.time_label.text()
    assert not control.step_action.isEnabled() and not control.run_action.isChecked()
    bridge.close()
    assert not desk.account.manager.changed_listeners
