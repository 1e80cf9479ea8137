"""Small layout helpers the research widgets share (column fitting, section titles, value labels)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from aistock.ui.monitor import Column, MonitorView

MAX_COLUMN_WIDTH = 320
"""A fitted column never grows past this (a long formula must not push the numbers off screen)."""


def fit_columns(view: MonitorView, max_width: int = MAX_COLUMN_WIDTH) -> None:
    """Size every column to its contents, capped; the last one still stretches."""
    table = view.table
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > max_width:
            header.resizeSection(column, max_width)


def section_title(text: str, parent: QWidget | None = None) -> QLabel:
    """A small bold heading above a block of the detail pane."""
    label = QLabel(text, parent)
    label.setObjectName("sectionTitle")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def value_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A selectable, wrapping label: paths and ids get copied into terminals and bug reports."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def natural_order(view: MonitorView) -> None:
    """Show the rows in the order they were given (no column sorted) until a header is clicked.

    Qt's header starts with a descending sort indicator on the first column, which would turn a
    ranked list upside down.
    """
    view.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)


def monitor(columns: Sequence[Column], name: str, **options: Any) -> MonitorView:
    """A :class:`MonitorView` that shows its rows in the order given (see :func:`natural_order`)."""
    view = MonitorView(columns, name=name, **options)
    natural_order(view)
    return view
