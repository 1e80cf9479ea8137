"""The preview instances with their metrics; the check boxes choose the chart's curves.

A :class:`~aistock.ui.monitor.MonitorView` with a check column: sorting, filter, copy and CSV
export come with it, and checks are remembered by instance id, so a refresh (every scheduler
tick) or hiding the archived rows and showing them again leaves the chart's choice alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from aistock.ui.monitor import Column, Kind, MonitorView
from aistock.ui.preview.data import InstanceRow

ARCHIVED_COLOUR = QColor("#8a919c")
"""Archived rows are read-only history: greyed, in both themes."""


def status_text(status: str) -> str:
    translate = QCoreApplication.translate
    return {
        "running": translate("PreviewPage", "Running"),
        "stopped": translate("PreviewPage", "Stopped"),
        "archived": translate("PreviewPage", "Archived"),
    }.get(status, status)


def source_text(row: InstanceRow) -> str:
    translate = QCoreApplication.translate
    if row.source_kind == "loop":
        return translate("PreviewPage", "loop {ref}").format(ref=row.source)
    return translate("PreviewPage", "file {name}").format(name=row.source)


def instance_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column(
            "name",
            translate("PreviewPage", "Name"),
            tooltip=translate("PreviewPage", "Tick to draw its NAV curve"),
        ),
        Column("id", translate("PreviewPage", "ID"), Kind.INT),
        Column("status", translate("PreviewPage", "Status"), getter=lambda r: status_text(r.status)),
        Column("start_date", translate("PreviewPage", "Start"), Kind.DATE),
        Column(
            "settled_through",
            translate("PreviewPage", "Settled"),
            Kind.DATE,
            tooltip=translate("PreviewPage", "The last trading day whose close is booked"),
        ),
        Column(
            "nav",
            translate("PreviewPage", "NAV"),
            Kind.RATIO,
            tooltip=translate("PreviewPage", "Value ÷ initial capital"),
        ),
        Column("cum_pnl", translate("PreviewPage", "Cum. P&L"), Kind.SIGNED),
        Column("annual_return", translate("PreviewPage", "Annual"), Kind.SIGNED_PCT),
        Column(
            "max_drawdown",
            translate("PreviewPage", "Max DD"),
            Kind.PCT,
            tooltip=translate("PreviewPage", "The deepest fall from a running peak"),
        ),
        Column("sharpe", translate("PreviewPage", "Sharpe"), Kind.RATIO),
        Column("volatility", translate("PreviewPage", "Volatility"), Kind.PCT),
        Column(
            "turnover",
            translate("PreviewPage", "Turnover"),
            Kind.PCT,
            tooltip=translate("PreviewPage", "Mean daily value traded ÷ the previous day's value"),
        ),
        Column("trades", translate("PreviewPage", "Trades"), Kind.INT),
        Column("source", translate("PreviewPage", "Source"), getter=source_text),
    ]


class InstanceList(QWidget):
    """The instances table and its "show archived" switch."""

    show_archived_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewInstanceList")
        self.view = MonitorView(
            instance_columns(),
            name="previewInstances",
            row_key=lambda r: r.id,
            row_colour=lambda r: ARCHIVED_COLOUR if r.status == "archived" else None,
            multi_select=False,
            checkable=True,
            parent=self,
        )
        self.show_archived = QCheckBox(QCoreApplication.translate("PreviewPage", "Show archived"), self)
        self.show_archived.setObjectName("previewShowArchived")
        self.show_archived.setToolTip(
            QCoreApplication.translate("PreviewPage", "List archived (read-only) instances too")
        )
        self.show_archived.toggled.connect(self.show_archived_changed)
        self.view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by id: creation order
        self.view.toolbar.insertWidget(2, self.show_archived)
        self._sized = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def set_rows(self, rows: Sequence[InstanceRow]) -> None:
        self.view.set_records(rows)
        if rows and not self._sized:
            self.view.table.resizeColumnsToContents()
            self._sized = True

    def rows(self) -> list[InstanceRow]:
        return self.view.records()

    def row(self, preview_id: int) -> InstanceRow | None:
        return next((r for r in self.view.records() if r.id == preview_id), None)

    def selected(self) -> InstanceRow | None:
        chosen = self.view.selected_records()
        return chosen[0] if chosen else None

    def select(self, preview_id: int) -> None:
        self.view.select_keys([preview_id])

    def checked_ids(self) -> list[int]:
        return [k for k in self.view.checked_keys() if isinstance(k, int)]

    def remembered_ids(self) -> list[int]:
        """Ticked ids, including rows not listed now (archived and hidden, or not loaded yet)."""
        return sorted(k for k in self.view.remembered_keys() if isinstance(k, int))

    def set_checked(self, ids: Iterable[int]) -> None:
        self.view.set_checked(ids)

    def check(self, preview_id: int, on: bool = True) -> None:
        """Tick or clear one instance (as a click on its box does)."""
        self.view.set_key_checked(preview_id, on)

    def statuses(self) -> tuple[str, ...]:
        if self.show_archived.isChecked():
            return ("running", "stopped", "archived")
        return ("running", "stopped")
