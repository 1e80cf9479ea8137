"""The clock of the built-in miniQMT simulator, for the paper account of the demo world.

A real miniQMT trades on the exchange's clock. The simulator replays one recorded session and
only moves when told, so the demo gives the trader the clock: step one or fifteen minutes, or
run at one simulated minute per second, and watch orders rest, fill or expire in the account
views. A minute is matched in well under a millisecond, so the GUI thread can drive it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from aistock.trading.gateways.simulator import SimCounter

RUN_INTERVAL_MS = 1000


class SimulatorControl(QWidget):
    """Session day and time of the simulated exchange, with step and run controls."""

    advanced = Signal(int)
    """The new minute index after a step."""

    def __init__(self, counter: SimCounter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("simulatorControl")
        self._counter = counter
        self.time_label = QLabel(self)
        self.time_label.setObjectName("simulatorTime")
        self.step_action = QAction(QCoreApplication.translate("SimulatorControl", "+1 min"), self)
        self.step_action.setObjectName("simulatorStep")
        self.step_action.setToolTip(
            QCoreApplication.translate("SimulatorControl", "Let the simulated exchange trade one minute")
        )
        self.step_action.triggered.connect(lambda: self.step(1))
        self.step15_action = QAction(QCoreApplication.translate("SimulatorControl", "+15 min"), self)
        self.step15_action.setObjectName("simulatorStep15")
        self.step15_action.triggered.connect(lambda: self.step(15))
        self.run_action = QAction(QCoreApplication.translate("SimulatorControl", "Run"), self)
        self.run_action.setObjectName("simulatorRun")
        self.run_action.setCheckable(True)
        self.run_action.setToolTip(
            QCoreApplication.translate("SimulatorControl", "Trade one simulated minute per second")
        )
        self.run_action.toggled.connect(self._run_toggled)
        self.timer = QTimer(self)
        self.timer.setInterval(RUN_INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.step(1))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        title = QLabel(QCoreApplication.translate("SimulatorControl", "Simulated exchange"), self)
        title.setStyleSheet("font-weight: bold;")
        layout.addWidget(title)
        layout.addWidget(self.time_label)
        for action in (self.step_action, self.step15_action, self.run_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            layout.addWidget(button)
        layout.addStretch(1)
        self.refresh()

    def step(self, minutes: int) -> int:
        """Trade ``minutes`` minute bars; stops running at the close."""
        minute = self._counter.advance(minutes)
        self.refresh()
        self.advanced.emit(minute)
        return minute

    def refresh(self) -> None:
        counter = self._counter
        day = counter.session_day.isoformat()
        minutes = counter.market.minutes
        if counter.closed or counter.minute >= len(minutes):
            text = QCoreApplication.translate(
                "SimulatorControl", "{day} closed — the demo replays this session once"
            ).format(day=day)
            self.run_action.setChecked(False)
            for action in (self.step_action, self.step15_action, self.run_action):
                action.setEnabled(False)
        else:
            text = QCoreApplication.translate(
                "SimulatorControl", "{day} {time} (minute {n} of {total})"
            ).format(
                day=day, time=f"{minutes[counter.minute]:%H:%M}", n=counter.minute + 1, total=len(minutes)
            )
        self.time_label.setText(text)

    def _run_toggled(self, on: bool) -> None:
        if on:
            self.timer.start()
            self.run_action.setText(QCoreApplication.translate("SimulatorControl", "Pause"))
        else:
            self.timer.stop()
            self.run_action.setText(QCoreApplication.translate("SimulatorControl", "Run"))
