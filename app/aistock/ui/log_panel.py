"""The Log panel: the ``aistock`` loggers, shown in a dock.

Python's ``logging`` is the engine; this widget only reads from it (DESIGN §3). Records may be
emitted from any thread (gateway callbacks, workers), so the handler only emits a Qt signal; Qt
queues it onto the GUI thread, where the text is appended.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from aistock.core.calendar import SHANGHAI

MAX_LINES = 5000


def _shanghai_time(seconds: float | None) -> time.struct_time:
    """Log times in exchange time, like the status-bar clock, whatever the machine's zone."""
    return dt.datetime.fromtimestamp(time.time() if seconds is None else seconds, SHANGHAI).timetuple()


class _Bridge(QObject):
    """Carries formatted records across threads (signals are queued to the receiver's thread)."""

    line = Signal(str)


class QtLogHandler(logging.Handler):
    """A logging handler that forwards each formatted record as a Qt signal."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.bridge = _Bridge()
        formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        formatter.converter = _shanghai_time
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.bridge.line.emit(self.format(record))
        except RuntimeError:  # the bridge was deleted with the window; nothing left to show
            pass
        except Exception:
            self.handleError(record)


class LogPanel(QPlainTextEdit):
    """Read-only view of log records from ``logger`` (and its children)."""

    def __init__(self, logger: logging.Logger, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logPanelView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._logger = logger
        self._handler: QtLogHandler | None = QtLogHandler()
        self._handler.bridge.line.connect(self.appendPlainText)
        logger.addHandler(self._handler)

    def detach(self) -> None:
        """Stop listening; called when the window closes so no handler outlives its widget."""
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler = None
