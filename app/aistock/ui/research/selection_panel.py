"""Run a loop's model on a day: "which stocks does loop X pick on date D?".

The panel asks :class:`~aistock.selection.service.SelectionService` in a background job — the
first run imports qlib and loads the model, which takes seconds — and shows the ranked
candidates of that day. The service reports no progress while it scores, so the bar shows a
busy state; Cancel cannot stop qlib half-way, but the result of a cancelled run is thrown away
(the service has already stored the run in its history, like any other).

Only loops a selection can use are offered as choices; the others are listed, disabled, with
the reason (RD-Agent has not materialized them, or the workspace holds no model), so a trader
sees *why* a loop from the catalog is missing rather than wondering.

A failed selection (a day outside the data, a loop whose model files are gone) is shown as an
error and the previous table stays, so the last good answer is never replaced by nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from aistock.core.calendar import TradingCalendar
from aistock.core.errors import AistockError
from aistock.rdagent.catalog.repository import LoopRecord
from aistock.selection.service import SelectionResult, SelectionService
from aistock.store.store import Store
from aistock.ui import dialogs
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, ProgressStrip
from aistock.ui.monitor import WARN_COLOUR, Column, Kind
from aistock.ui.research.candidates import (
    Candidate,
    candidates_of,
    instrument_names,
    shown,
    write_candidates_csv,
)
from aistock.ui.research.layout import fit_columns, monitor
from aistock.ui.research.records import LoopRow, short_id

SavePathChooser = Callable[[QWidget | None, str], Path | None]
"""Asks where to save a file (parent, suggested name) → the path, or None when cancelled."""

SCORE_DECIMALS = 6
"""Scores are small (±0.05 on the demo); four decimals would show ties that are not there."""

MUTED = QColor("#8a919c")


def save_file_dialog(parent: QWidget | None, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        parent,
        QCoreApplication.translate("SelectionPanel", "Export candidates"),
        suggested,
        QCoreApplication.translate("SelectionPanel", "CSV files (*.csv)"),
    )
    return Path(name) if name else None


@dataclass(frozen=True)
class LoopChoice:
    """One entry of the loop chooser."""

    loop: LoopRecord
    label: str
    usable: bool
    reason: str


def loop_choices(rows: Sequence[LoopRow]) -> list[LoopChoice]:
    """Usable loops first (by task run and loop), then the rest with the reason they cannot run."""
    translate = QCoreApplication.translate
    choices: list[LoopChoice] = []
    for row in rows:
        loop = row.loop
        annual = row.metric("annualized_return")
        label = "{run}/{loop} · {action} · {ws}".format(
            run=short_id(loop.task_run_id),
            loop=loop.loop_id,
            action=loop.action or "—",
            ws=short_id(loop.workspace_id),
        )
        if annual is not None:
            label += f" · {annual * 100:+.2f}%"
        if not loop.consumable:
            usable, reason = False, loop.consumable_reason
            label = translate("SelectionPanel", "{loop} — not materialized").format(loop=label)
        elif not row.has_model:
            usable = False
            reason = translate(
                "SelectionPanel", "this workspace holds no trained model (the catalog names no model files)"
            )
            label = translate("SelectionPanel", "{loop} — no model").format(loop=label)
        else:
            usable, reason = True, loop.consumable_reason
        choices.append(LoopChoice(loop, label, usable, reason))
    return sorted(
        choices, key=lambda c: (not c.usable, c.loop.task_run_id, c.loop.loop_id, c.loop.workspace_id)
    )


def _short_key(key: str) -> str:
    """``run/loop/workspace`` with the two long ids shortened (the whole key is in the tooltip)."""
    parts = key.split("/")
    return "/".join(short_id(p) or p for p in parts) if len(parts) == 3 else key


class _ScoreDelegate(QStyledItemDelegate):
    """Shows a number column with more decimals than its monitor kind (the raw value sorts)."""

    def initStyleOption(  # noqa: N802 (Qt API)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        value = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(value, float) and math.isfinite(value):
            option.text = f"{value:.{SCORE_DECIMALS}f}"  # type: ignore[attr-defined]


def candidate_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("rank", translate("SelectionPanel", "Rank"), Kind.INT),
        Column("code", translate("SelectionPanel", "Code")),
        Column("name", translate("SelectionPanel", "Name")),
        Column("score", translate("SelectionPanel", "Score"), Kind.RATIO),
        Column(
            "target_weight",
            translate("SelectionPanel", "Target weight"),
            Kind.PCT,
            tooltip=translate("SelectionPanel", "1/top-k for the top-k names (equal weight), 0 for the rest"),
        ),
    ]


class SelectionPanel(QWidget):
    """Loop, day and top-k in; ranked candidates out."""

    selection_finished = Signal(object)
    """A selection succeeded and the panel is idle again: the :class:`SelectionResult` (not
    emitted for a cancelled or failed run)."""

    def __init__(
        self,
        store: Store,
        selection: Callable[[], SelectionService],
        jobs: JobRunner,
        calendar: TradingCalendar,
        *,
        save_path_chooser: SavePathChooser = save_file_dialog,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("selectionPanel")
        self._store = store
        self._selection_factory = selection
        self._service: SelectionService | None = None
        self._jobs = jobs
        self._calendar = calendar
        self._today = today
        self._save_path_chooser = save_path_chooser
        self._names: dict[str, str] | None = None
        self._choices: list[LoopChoice] = []
        self._days: TradingCalendar | None = None
        self.result: SelectionResult | None = None
        self.candidates: list[Candidate] = []
        self.job: Job | None = None
        self._done: SelectionResult | None = None
        translate = QCoreApplication.translate

        self.run_action = QAction(translate("SelectionPanel", "Run selection"), self)
        self.run_action.setObjectName("runSelectionAction")
        self.run_action.setStatusTip(
            translate("SelectionPanel", "Score the loop's universe on the day with its own model")
        )
        self.run_action.triggered.connect(lambda: self.start_selection())
        self.export_action = QAction(translate("SelectionPanel", "Export candidates…"), self)
        self.export_action.setObjectName("exportCandidatesAction")
        self.export_action.setStatusTip(
            translate("SelectionPanel", "Write the candidates shown to a CSV file")
        )
        self.export_action.triggered.connect(self.export_candidates_dialog)

        self.loop_combo = QComboBox(self)
        self.loop_combo.setObjectName("selectionLoop")
        self.loop_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.loop_combo.setMinimumContentsLength(28)
        self.loop_model = QStandardItemModel(self)
        self.loop_combo.setModel(self.loop_model)
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("selectionDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_hint = QLabel(self)
        self.date_hint.setObjectName("selectionDateHint")
        self.date_hint.setStyleSheet(f"color: {WARN_COLOUR.name()};")
        self.topk_spin = QSpinBox(self)
        self.topk_spin.setObjectName("selectionTopk")
        self.topk_spin.setRange(0, 5000)
        self.topk_spin.setSpecialValueText(translate("SelectionPanel", "loop's own"))
        self.topk_spin.setToolTip(
            translate("SelectionPanel", "How many names to select; the loop's strategy top-k by default")
        )
        self.top_only = QCheckBox(translate("SelectionPanel", "Top-k only"), self)
        self.top_only.setObjectName("selectionTopkOnly")
        self.top_only.setChecked(True)
        self.top_only.toggled.connect(lambda _on: self._show_candidates())

        run_button = QToolButton(self)
        run_button.setObjectName("runSelectionButton")
        run_button.setDefaultAction(self.run_action)
        run_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        form.addRow(translate("SelectionPanel", "Loop"), self.loop_combo)
        date_row = QHBoxLayout()
        date_row.setContentsMargins(0, 0, 0, 0)
        date_row.addWidget(self.date_edit)
        date_row.addWidget(self.date_hint, 1)
        form.addRow(translate("SelectionPanel", "Trade date"), date_row)
        topk_row = QHBoxLayout()
        topk_row.setContentsMargins(0, 0, 0, 0)
        topk_row.addWidget(self.topk_spin)
        topk_row.addWidget(self.top_only)
        topk_row.addStretch(1)
        topk_row.addWidget(run_button)
        form.addRow(translate("SelectionPanel", "Top-k"), topk_row)

        self.progress = ProgressStrip("selectionProgress", self)
        self.status = QLabel(self)
        self.status.setObjectName("selectionStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.view = monitor(
            candidate_columns(),
            name="selectionCandidates",
            row_key=lambda c: c.code,
            row_colour=lambda c: None if c.selected else MUTED,
        )
        self._score_delegate = _ScoreDelegate(self.view.table)
        self.view.table.setItemDelegateForColumn(3, self._score_delegate)
        # One export for the candidates, with exact numbers, whichever button asks for it.
        self.view.export_action.triggered.disconnect(self.view.export_csv_dialog)
        self.view.export_action.triggered.connect(self.export_candidates_dialog)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

        self.loop_combo.currentIndexChanged.connect(lambda _i: self._update_actions())
        self.date_edit.dateChanged.connect(lambda _d: self._check_date())
        self.refresh_dates()
        self._show_status()
        self._update_actions()

    # -- inputs --------------------------------------------------------------------------------------
    def service(self) -> SelectionService:
        """The selection service, made once: its model runtime caches loaded models between runs."""
        if self._service is None:
            self._service = self._selection_factory()
        return self._service

    def set_loops(self, rows: Sequence[LoopRow]) -> None:
        """Offer ``rows`` (after a sync); the chosen loop stays chosen when it is still there."""
        current = self.current_loop()
        self._choices = loop_choices(rows)
        self.loop_model.clear()
        for choice in self._choices:
            item = QStandardItem(choice.label)
            item.setData(choice.loop.key, Qt.ItemDataRole.UserRole)
            item.setToolTip(choice.reason)
            if not choice.usable:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.loop_model.appendRow(item)
        if current is not None and self.set_loop(current.key):
            return
        first_usable = next((i for i, c in enumerate(self._choices) if c.usable), -1)
        self.loop_combo.setCurrentIndex(first_usable)
        self._update_actions()

    def choices(self) -> list[LoopChoice]:
        return list(self._choices)

    def set_loop(self, key: str) -> bool:
        """Choose the loop with ``key``; False when it is not offered or cannot be used."""
        for index, choice in enumerate(self._choices):
            if choice.loop.key == key and choice.usable:
                self.loop_combo.setCurrentIndex(index)
                return True
        return False

    def current_loop(self) -> LoopRecord | None:
        index = self.loop_combo.currentIndex()
        if not 0 <= index < len(self._choices) or not self._choices[index].usable:
            return None
        return self._choices[index].loop

    def trade_date(self) -> dt.date:
        chosen = self.date_edit.date()
        return dt.date(chosen.year(), chosen.month(), chosen.day())

    def set_trade_date(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def topk(self) -> int | None:
        value = self.topk_spin.value()
        return value if value > 0 else None

    def data_days(self) -> TradingCalendar:
        """The trading days the market data covers (the selection can only score those)."""
        if self._days is None:
            try:
                self._days = self.service().data.trading_calendar()
            except AistockError:
                today = self._today()
                past = [d for d in self._calendar.sessions if d <= today] or list(self._calendar.sessions)
                self._days = TradingCalendar.from_days(past)
        return self._days

    def refresh_dates(self) -> None:
        """Limit the date to the data and default to its last day (after the data was updated)."""
        self._days = None
        days = self.data_days()
        self.date_edit.setDateRange(
            QDate(days.first.year, days.first.month, days.first.day),
            QDate(days.last.year, days.last.month, days.last.day),
        )
        self.set_trade_date(days.last)
        self._check_date()

    # -- running -------------------------------------------------------------------------------------
    def start_selection(
        self, loop: LoopRecord | None = None, day: dt.date | None = None, topk: int | None = None
    ) -> Job | None:
        """Run the selection in a job (the chosen loop, date and top-k unless given)."""
        if self.job is not None:
            return None
        loop = loop or self.current_loop()
        if loop is None:
            dialogs.show_error(
                self,
                QCoreApplication.translate("SelectionPanel", "Run selection"),
                AistockError(
                    QCoreApplication.translate("SelectionPanel", "No usable loop is chosen."),
                    QCoreApplication.translate(
                        "SelectionPanel",
                        "Sync the RD-Agent catalog, then choose a materialized loop with a model.",
                    ),
                ),
            )
            return None
        day = day or self.trade_date()
        k = topk if topk is not None else self.topk()
        service = self.service()

        def work(_progress: ProgressFn, token: CancelToken) -> SelectionResult:
            token.check()
            result = service.select(loop, day, topk=k)
            token.check()  # a cancelled run's result is discarded
            return result

        job = self._jobs.start(f"selection {loop.key} {day}", work)
        self.job = job
        self.progress.bind(
            job,
            QCoreApplication.translate("SelectionPanel", "Selecting {loop} on {day}…").format(
                loop=f"{short_id(loop.task_run_id)}/{loop.loop_id}", day=day.isoformat()
            ),
        )
        self.progress.bar.setRange(0, 0)  # busy: the service reports no progress while it scores
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self._update_actions()
        return job

    def _succeeded(self, result: object) -> None:
        if not isinstance(result, SelectionResult):
            return
        self.result = result
        if self._names is None:
            self._names = instrument_names(self._store)
        self.candidates = candidates_of(result, result.end, self._names)
        self._show_candidates()
        self._show_status()
        self._done = result

    def _failed(self, exc: object) -> None:
        if isinstance(exc, BaseException):
            dialogs.show_error(self, QCoreApplication.translate("SelectionPanel", "Selection failed"), exc)

    def _finished(self) -> None:
        # The result is announced only now, when the panel is idle again, so a listener may
        # start the next selection at once.
        self.job = None
        self.progress.bar.setRange(0, 1000)
        self._update_actions()
        done, self._done = self._done, None
        if done is not None:
            self.selection_finished.emit(done)

    # -- output --------------------------------------------------------------------------------------
    def shown_candidates(self) -> list[Candidate]:
        return shown(self.candidates, self.top_only.isChecked())

    def export_candidates(self, path: Path) -> int:
        """Write the candidates shown to ``path`` as CSV; returns the row count."""
        return write_candidates_csv(path, self.shown_candidates())

    def export_candidates_dialog(self) -> None:
        if self.result is None:
            return
        loop = self.result.loop_key.replace("/", "_")
        path = self._save_path_chooser(self, f"selection_{loop}_{self.result.end.isoformat()}.csv")
        if path is None:
            return
        try:
            self.export_candidates(path)
        except OSError as exc:
            dialogs.show_error(
                self,
                QCoreApplication.translate("SelectionPanel", "Export candidates"),
                AistockError(
                    QCoreApplication.translate(
                        "SelectionPanel", "{path} could not be written ({error})."
                    ).format(path=path, error=exc),
                    QCoreApplication.translate("SelectionPanel", "Choose a folder you can write to."),
                ),
            )

    # -- internals -----------------------------------------------------------------------------------
    def _show_candidates(self) -> None:
        self.view.set_records(self.shown_candidates())
        fit_columns(self.view, 160)

    def _show_status(self) -> None:
        translate = QCoreApplication.translate
        result = self.result
        if result is None:
            self.status.setText(
                translate("SelectionPanel", "No selection yet: choose a loop and a day, then run.")
            )
            return
        timings = result.timings
        text = translate(
            "SelectionPanel",
            "Loop {loop} · {day} · top {topk} of {scored} scored · run #{run} · "
            "model {load:.2f} s, scoring {predict:.2f} s",
        ).format(
            loop=_short_key(result.loop_key),
            day=result.end.isoformat(),
            topk=result.topk,
            scored=len(self.candidates),
            run=result.run_id if result.run_id is not None else "—",
            load=timings.get("load_s", 0.0),
            predict=timings.get("predict_s", 0.0),
        )
        if result.notes:
            text += "\n" + "\n".join(result.notes)
        self.status.setText(text)
        self.status.setToolTip(result.loop_key)

    def _check_date(self) -> None:
        day = self.trade_date()
        days = self.data_days()
        if days.first <= day <= days.last and day not in days:
            self.date_hint.setText(
                QCoreApplication.translate(
                    "SelectionPanel", "not a trading day; the one before is {day}"
                ).format(day=days.session_on_or_before(day).isoformat())
            )
        else:
            self.date_hint.clear()

    def _update_actions(self, *_: Any) -> None:
        self.run_action.setEnabled(self.job is None and self.current_loop() is not None)
        self.export_action.setEnabled(self.result is not None)
        self.view.export_action.setEnabled(self.result is not None)
