"""The "Replay" form: which days to rebuild an instance's history over.

It defaults to the instance's start through the last day the market data has, which is what
one wants after creating an instance or changing data; the service checks the range.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ReplayDialog(QDialog):
    """Two dates; :meth:`date_range` reads them (tests call it without running the dialog)."""

    def __init__(self, name: str, start: dt.date, end: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        translate = QCoreApplication.translate
        self.setObjectName("previewReplayDialog")
        self.setWindowTitle(translate("PreviewPage", "Replay {name}").format(name=name))
        self.setModal(True)
        note = QLabel(
            translate(
                "PreviewPage",
                "Rebuilds the instance's trades, holdings and NAV over these days at once. "
                "Its history is replaced; the scores it traded on are kept.",
            ),
            self,
        )
        note.setWordWrap(True)
        self.start_edit = QDateEdit(_qdate(start), self)
        self.start_edit.setObjectName("previewReplayStart")
        self.end_edit = QDateEdit(_qdate(end), self)
        self.end_edit.setObjectName("previewReplayEnd")
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout()
        form.addRow(translate("PreviewPage", "From"), self.start_edit)
        form.addRow(translate("PreviewPage", "Through"), self.end_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        go = buttons.addButton(translate("PreviewPage", "Replay"), QDialogButtonBox.ButtonRole.AcceptRole)
        go.setObjectName("previewReplayOk")
        go.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(note)
        column.addLayout(form)
        column.addWidget(buttons)
        self.setMinimumWidth(420)

    def date_range(self) -> tuple[dt.date, dt.date]:
        return _date(self.start_edit.date()), _date(self.end_edit.date())
