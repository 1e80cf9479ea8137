"""The kill-switch's state is the first read-out of the status bar, from the real store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from ui_helpers import MONDAY, FakeClock, at, make_info

from aistock.core.calendar import TradingCalendar
from aistock.core.modes import AccountMode
from aistock.core.trading_state import TradingState
from aistock.store import WorkstationHome, open_store
from aistock.trading.risk.state import TradingStateService, write_request
from aistock.ui.badges import ACTIVE_BADGE, HALTED_BADGE, REDUCING_BADGE
from aistock.ui.i18n import install_translator
from aistock.ui.main_window import MainWindow


def test_status_bar_follows_the_stored_trading_state(
    qapp: QApplication, qtbot: object, calendar: TradingCalendar, settings: object, tmp_path: Path
) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:
        state = TradingStateService(store, request_dir=home.root)

        def read() -> tuple[str, str]:
            snapshot = state.current()
            return snapshot.state.value, snapshot.describe()

        window = MainWindow(
            make_info(AccountMode.PAPER, None),
            calendar,
            clock=FakeClock(at(MONDAY, 10)),
            settings=settings,  # type: ignore[arg-type]
            trading_state=read,
        )
        window.resize(1280, 800)
        window.show()
        window.refresh_clock()
        read_outs = [
            window.mode_badge,
            window.data_source_label,
            window.freshness_label,
            window.clock_label,
        ]
        # First in the bar: left of every other read-out, as laid out on screen.
        assert all(window.risk_state_label.x() < w.x() for w in read_outs if w.isVisible())
        assert window.risk_state_label.text() == "Trading: ACTIVE"
        assert window.risk_state_label.styleSheet() == ACTIVE_BADGE

        state.change(TradingState.HALTED, reason="broker outage", by="desk", source="test")
        window.refresh_clock()
        assert window.risk_state_label.text() == "Trading: HALTED"
        assert window.risk_state_label.styleSheet() == HALTED_BADGE
        assert "broker outage" in window.risk_state_label.toolTip()

        state.change(TradingState.REDUCING, reason="sells only", by="desk", source="test")
        install_translator(qapp, "zh_CN")
        try:
            window.refresh_clock()
            assert window.risk_state_label.text() == "交易: 只减仓"
            assert window.risk_state_label.styleSheet() == REDUCING_BADGE
        finally:
            install_translator(qapp, "en")

        # A halt requested from another shell shows at once, before anything processed it.
        assert state.halt_request_path is not None
        write_request(state.halt_request_path, "halt from cli", "ops")
        window.refresh_clock()
        assert window.risk_state_label.text() == "Trading: HALTED"

        def broken() -> tuple[str, str]:
            raise OSError("database unreadable")

        window._trading_state = broken
        window.refresh_clock()
        assert window.risk_state_label.text() == "Trading: state unknown"
        assert window.risk_state_label.styleSheet() == HALTED_BADGE
        window.close()
