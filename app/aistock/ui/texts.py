"""Display words for domain values (account modes, session phases), translated at call time.

Kept in one place so the status bar, the Overview page and later panels name a mode or a phase
identically, and so ``pyside6-lupdate`` finds every string (each is a literal
``QCoreApplication.translate`` call; a lookup table of bare strings would be invisible to it).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from aistock.core.modes import AccountMode
from aistock.ui.session_status import ClockState


def mode_name(mode: AccountMode) -> str:
    """The short name of an account mode, as shown on the status-bar badge."""
    match mode:
        case AccountMode.BACKTEST:
            return QCoreApplication.translate("Shell", "Backtest")
        case AccountMode.PREVIEW:
            return QCoreApplication.translate("Shell", "Preview")
        case AccountMode.PAPER:
            return QCoreApplication.translate("Shell", "Paper")
        case AccountMode.LIVE:
            return QCoreApplication.translate("Shell", "LIVE")


def mode_description(mode: AccountMode) -> str:
    """One sentence on what orders do in this mode — the line that stops a costly mistake."""
    match mode:
        case AccountMode.BACKTEST:
            return QCoreApplication.translate("Shell", "Historical simulation — no order reaches a broker.")
        case AccountMode.PREVIEW:
            return QCoreApplication.translate(
                "Shell", "Virtual fills at current prices — no order reaches a broker."
            )
        case AccountMode.PAPER:
            return QCoreApplication.translate(
                "Shell", "Orders go to a miniQMT simulation account — no real money."
            )
        case AccountMode.LIVE:
            return QCoreApplication.translate(
                "Shell", "Orders go to a real miniQMT account and use REAL MONEY."
            )


def clock_state_text(state: ClockState) -> str:
    """The session phase in words, as the status-bar clock shows it."""
    match state:
        case ClockState.NO_SESSION:
            return QCoreApplication.translate("Shell", "No session today")
        case ClockState.PRE_MARKET:
            return QCoreApplication.translate("Shell", "Pre-market")
        case ClockState.OPENING_AUCTION:
            return QCoreApplication.translate("Shell", "Opening auction")
        case ClockState.PRE_OPEN:
            return QCoreApplication.translate("Shell", "Auction closed, awaiting open")
        case ClockState.MORNING:
            return QCoreApplication.translate("Shell", "Continuous trading (morning)")
        case ClockState.LUNCH:
            return QCoreApplication.translate("Shell", "Lunch break")
        case ClockState.AFTERNOON:
            return QCoreApplication.translate("Shell", "Continuous trading (afternoon)")
        case ClockState.CLOSING_AUCTION:
            return QCoreApplication.translate("Shell", "Closing auction")
        case ClockState.AFTER_CLOSE:
            return QCoreApplication.translate("Shell", "Closed for the day")
