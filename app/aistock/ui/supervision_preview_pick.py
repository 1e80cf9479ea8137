"""The preview picker behind "Plan from preview…": which instance's book should the account copy.

A plain dialog over ``PreviewService.instances()``. It is built, filled and read without
``exec()`` (select an instance, read :meth:`PreviewPickDialog.selected_id`), so a test drives it
exactly as the panel's slot does after the user pressed Plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from aistock.store import PreviewStrategy
from aistock.ui.account_views import keep_given_order
from aistock.ui.monitor import Column, Kind, MonitorView


class PreviewPickDialog(QDialog):
    """Pick the preview instance whose book to copy. Testable without exec(): select, then read."""

    def __init__(self, instances: Sequence[PreviewStrategy], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPickDialog")
        self.setWindowTitle(QCoreApplication.translate("PreviewPickDialog", "Plan from a preview"))
        columns = [
            Column("id", "#", Kind.INT),
            Column("name", QCoreApplication.translate("PreviewPickDialog", "Name")),
            Column("status", QCoreApplication.translate("PreviewPickDialog", "Status")),
            Column("source_kind", QCoreApplication.translate("PreviewPickDialog", "Source")),
            Column("start_date", QCoreApplication.translate("PreviewPickDialog", "Start"), Kind.DATE),
            Column(
                "settled_through",
                QCoreApplication.translate("PreviewPickDialog", "Settled through"),
                Kind.DATE,
            ),
        ]
        self.view = MonitorView(
            columns, name="previewPick", row_key=lambda p: p.id, multi_select=False, parent=self
        )
        self.view.set_records(list(instances))
        keep_given_order(self.view)
        for section, width in enumerate((40, 200, 70, 60, 90)):
            self.view.table.setColumnWidth(section, width)
        if instances:
            self.view.select_keys([instances[-1].id])
        hint = QLabel(
            QCoreApplication.translate(
                "PreviewPickDialog",
                "The plan copies the instance's latest book: each holding's share of its total value. "
                "Nothing is sent until you approve the plan.",
            ),
            self,
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.plan_button = buttons.addButton(
            QCoreApplication.translate("PreviewPickDialog", "Plan"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.plan_button.setObjectName("previewPickPlan")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.view.record_activated.connect(lambda _record: self.accept())
        self.view.selection_changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(620, 320)
        self._update()

    def selected_id(self) -> int | None:
        chosen = self.view.selected_records()
        return int(chosen[0].id) if chosen and chosen[0].id is not None else None

    def select(self, preview_id: int) -> None:
        self.view.select_keys([preview_id])

    def _update(self) -> None:
        self.plan_button.setEnabled(self.selected_id() is not None)
