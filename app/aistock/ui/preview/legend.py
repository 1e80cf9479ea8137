"""The chart's legend beside the plots, doubling as the crosshair read-out.

A pyqtgraph legend floats over the data, and with a dozen curves it hides a third of the chart.
This one is a narrow table to the right of the panes: a line sample (dashed for the benchmark)
and the name, then the NAV and the drawdown on the session under the crosshair, right-aligned
so the numbers line up and the layout never reflows as the mouse moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

SAMPLE = QSize(22, 10)
ROW_HEIGHT = 20
MIN_WIDTH, MAX_WIDTH = 230, 400


@dataclass(frozen=True)
class LegendEntry:
    name: str
    text: str
    colour: QColor
    dashed: bool = False
    bold: bool = False


def _sample_icon(colour: QColor, dashed: bool) -> QIcon:
    pixmap = QPixmap(SAMPLE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    pen = QPen(colour, 2.0)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    middle = SAMPLE.height() // 2
    painter.drawLine(1, middle, SAMPLE.width() - 1, middle)
    painter.end()
    return QIcon(pixmap)


class CurveLegend(QTableWidget):
    """Name, NAV and drawdown per curve; filled by :class:`~aistock.ui.preview.nav_chart.NavChart`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("navLegend")
        self.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("NavChart", "Curve"),
                QCoreApplication.translate("NavChart", "NAV"),
                QCoreApplication.translate("NavChart", "DD"),
            ]
        )
        dd_header = self.horizontalHeaderItem(2)
        if dd_header is not None:
            dd_header.setToolTip(
                QCoreApplication.translate("NavChart", "Drawdown: how far below its running peak")
            )
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setShowGrid(False)
        self.setIconSize(SAMPLE)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setFixedWidth(MIN_WIDTH)
        self._names: list[str] = []

    def set_entries(self, entries: Sequence[LegendEntry]) -> None:
        self.setRowCount(len(entries))
        self._names = [e.name for e in entries]
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, entry in enumerate(entries):
            name = QTableWidgetItem(_sample_icon(entry.colour, entry.dashed), entry.text)
            name.setToolTip(entry.text)
            if entry.bold:
                font = QFont(name.font())
                font.setBold(True)
                name.setFont(font)
            self.setItem(row, 0, name)
            for column in (1, 2):
                cell = QTableWidgetItem("")
                cell.setTextAlignment(right)
                self.setItem(row, column, cell)
        self._fit_width(entries)

    def _fit_width(self, entries: Sequence[LegendEntry]) -> None:
        """As wide as the longest name needs (within bounds): an elided name is a useless legend."""
        metrics = QFontMetrics(self.font())
        name = max((metrics.horizontalAdvance(e.text) for e in entries), default=0)
        numbers = metrics.horizontalAdvance("0.0000") + metrics.horizontalAdvance("−00.00%") + 28
        wanted = name + SAMPLE.width() + 22 + numbers
        self.setFixedWidth(int(min(MAX_WIDTH, max(MIN_WIDTH, wanted))))

    def set_values(self, values: Sequence[tuple[str, str]]) -> None:
        """(NAV text, drawdown text) per entry, in entry order."""
        for row, texts in enumerate(values[: self.rowCount()]):
            for column, text in ((1, texts[0]), (2, texts[1])):
                cell = self.item(row, column)
                if cell is not None and cell.text() != text:
                    cell.setText(text)

    def names(self) -> list[str]:
        return list(self._names)

    def row_texts(self) -> list[tuple[str, str, str]]:
        return [(self._text(r, 0), self._text(r, 1), self._text(r, 2)) for r in range(self.rowCount())]

    def _text(self, row: int, column: int) -> str:
        cell = self.item(row, column)
        return cell.text() if cell is not None else ""
