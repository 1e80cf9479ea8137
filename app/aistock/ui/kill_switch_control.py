"""The kill-switch as a trader meets it: one red button, always in view, and F12.

Halting must take one action and no questions: the button (or F12, from any window or floating
panel) halts at once and cancels every open order. The reason is recorded as "pressed in the
workstation"; there is no dialog to dismiss first. Engaging runs on a worker thread because the
cancel sweep is paced (150/s) and a basket of resting orders takes seconds; the HALTED state itself
is written within milliseconds of the press, before the sweep starts, so no new order passes
the OMS gate from that moment.

Releasing is the opposite: it asks who and why, and confirms, and can release to REDUCING
(sells only) rather than straight to ACTIVE. A halt requested from another shell
(``aistock halt``) shows here through the window's state read-out within a second.
"""

from __future__ import annotations

import getpass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from aistock.core.trading_state import TradingState
from aistock.trading.risk.kill_switch import KillReport, KillSwitch
from aistock.ui import dialogs
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn

HALT_SHORTCUT = "F12"

_HALT_STYLE = (
    "QToolButton { background-color: #d50000; color: #ffffff; font-weight: bold; border: 1px solid #8e0000;"
    " border-radius: 4px; padding: 4px 14px; }"
    " QToolButton:hover { background-color: #ff1744; } QToolButton:disabled { background-color: #9e9e9e; }"
)
_RELEASE_STYLE = (
    "QToolButton { background-color: #fff3e0; color: #b71c1c; font-weight: bold; border: 2px solid #d50000;"
    " border-radius: 4px; padding: 4px 14px; }"
)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account): still record something
        return "workstation"


def engage_summary(report: KillReport) -> str:
    """What the halt did, in the window's language (the status bar shows it after a press)."""
    translate = QCoreApplication.translate
    text = translate(
        "KillSwitch", "Halted in {halted} ms; {sent} cancel(s) sent, the last after {last} ms"
    ).format(
        halted=f"{report.halted_after_s * 1000:.1f}",
        sent=report.cancels_sent,
        last=f"{report.last_cancel_after_s * 1000:.1f}",
    )
    if report.cancels_deferred:
        text += translate("KillSwitch", "; {n} waiting for a broker id").format(n=report.cancels_deferred)
    if report.failures:
        text += translate("KillSwitch", "; {n} failed: {what}").format(
            n=len(report.failures), what="; ".join(report.failures[:3])
        )
    return text


class KillSwitchControl(QWidget):
    """The halt button (with F12) and, while halted, the release menu."""

    engaged = Signal(object)
    """The :class:`KillReport` once the sweep has finished."""
    released = Signal(str)
    """The state released to (``active`` or ``reducing``)."""
    failed = Signal(object)

    def __init__(self, kill_switch: KillSwitch, jobs: JobRunner, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("killSwitchControl")
        self._kill_switch = kill_switch
        self._jobs = jobs
        self._state = ""
        self.engage_job: Job | None = None

        self.halt_action = QAction(QCoreApplication.translate("KillSwitch", "HALT trading"), self)
        self.halt_action.setObjectName("haltAction")
        self.halt_action.setShortcut(QKeySequence(HALT_SHORTCUT))
        self.halt_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.halt_action.setToolTip(
            QCoreApplication.translate(
                "KillSwitch", "Halt all trading now and cancel every open order ({key})"
            ).format(key=HALT_SHORTCUT)
        )
        self.halt_action.setStatusTip(self.halt_action.toolTip())
        self.halt_action.triggered.connect(lambda: self.engage())

        self.release_active_action = QAction(
            QCoreApplication.translate("KillSwitch", "Release to ACTIVE…"), self
        )
        self.release_active_action.setObjectName("releaseActiveAction")
        self.release_active_action.triggered.connect(lambda: self.release(TradingState.ACTIVE))
        self.release_reducing_action = QAction(
            QCoreApplication.translate("KillSwitch", "Release to REDUCING (sells only)…"), self
        )
        self.release_reducing_action.setObjectName("releaseReducingAction")
        self.release_reducing_action.triggered.connect(lambda: self.release(TradingState.REDUCING))

        self.button = QToolButton(self)
        self.button.setObjectName("killSwitchButton")
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.release_menu = QMenu(self)
        self.release_menu.addAction(self.release_active_action)
        self.release_menu.addAction(self.release_reducing_action)
        self.button.clicked.connect(self._clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.button)
        self.show_state(TradingState.ACTIVE.value)

    # -- read-out ----------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    def show_state(self, state: str) -> None:
        """Turn the button into HALT (active, reducing, unknown) or Release (halted)."""
        if state == self._state:
            return
        self._state = state
        self.button.setMenu(None)  # type: ignore[arg-type]
        if state == TradingState.HALTED.value:
            self.button.setText(QCoreApplication.translate("KillSwitch", "HALTED — Release…"))
            self.button.setToolTip(
                QCoreApplication.translate(
                    "KillSwitch", "Trading is halted. Release asks for a reason and a confirmation."
                )
            )
            self.button.setStyleSheet(_RELEASE_STYLE)
            self.button.setMenu(self.release_menu)
            self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        else:
            self.button.setText(
                QCoreApplication.translate("KillSwitch", "■ HALT  ({key})").format(key=HALT_SHORTCUT)
            )
            self.button.setToolTip(self.halt_action.toolTip())
            self.button.setStyleSheet(_HALT_STYLE)
            self.button.setPopupMode(QToolButton.ToolButtonPopupMode.DelayedPopup)
        self.release_active_action.setEnabled(state == TradingState.HALTED.value)
        self.release_reducing_action.setEnabled(state == TradingState.HALTED.value)

    # -- commands ----------------------------------------------------------------------------------
    def engage(self, reason: str = "") -> Job:
        """Halt now (no question asked) and sweep the open orders on a worker thread."""
        why = reason or QCoreApplication.translate("KillSwitch", "kill-switch pressed in the workstation")
        kill_switch = self._kill_switch

        def work(progress: ProgressFn, token: CancelToken) -> KillReport:
            return kill_switch.engage(why, by=_user(), source="ui")

        self.show_state(TradingState.HALTED.value)  # the press shows at once; the store follows in ms
        job = self._jobs.start("kill-switch", work)
        job.succeeded.connect(self.engaged)
        job.failed.connect(self._engage_failed)
        self.engage_job = job
        return job

    def release(self, to: TradingState) -> bool:
        """Ask why, confirm, then release to ``to``; False when the user backed out."""
        title = QCoreApplication.translate("KillSwitch", "Release the kill-switch")
        reason = dialogs.ask_text(
            self, title, QCoreApplication.translate("KillSwitch", "Why is it safe to trade again?")
        )
        if reason is None or not reason.strip():
            return False
        if to is TradingState.REDUCING:
            text = QCoreApplication.translate(
                "KillSwitch", "Release to REDUCING? Only sells will be sent; buys stay blocked."
            )
        else:
            text = QCoreApplication.translate(
                "KillSwitch", "Release to ACTIVE? New buy and sell orders will be sent again."
            )
        action = QCoreApplication.translate("KillSwitch", "Release")
        if not dialogs.confirm(self, title, text, action, danger=True):
            return False
        try:
            snapshot = self._kill_switch.release(
                reason=reason.strip(), by=_user(), confirmed=True, to=to, source="ui"
            )
        except Exception as exc:
            dialogs.show_error(self, title, exc)
            return False
        self.show_state(snapshot.state.value)
        self.released.emit(snapshot.state.value)
        return True

    def _clicked(self) -> None:
        """A click halts unless already halted (then the button opens the release menu)."""
        if self._state != TradingState.HALTED.value:
            self.halt_action.trigger()

    def _engage_failed(self, exc: BaseException) -> None:
        self.failed.emit(exc)
        dialogs.show_error(self, QCoreApplication.translate("KillSwitch", "Kill-switch"), exc)
