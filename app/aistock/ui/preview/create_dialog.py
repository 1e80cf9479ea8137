"""The "New preview" form: a name, what scores the days, when it starts, its capital and book.

The form only collects; :class:`~aistock.trading.preview.service.PreviewService` validates
(capital, start inside the data, the running limit), so the rules live in one place and the
CLI and the window refuse the same things with the same words. The page passes ``submit``; the
dialog closes only when it returns True, so a refused request leaves the form filled in for a
fix. A test fills the fields and calls :meth:`CreatePreviewDialog.request` or ``accept()``
without ever running the dialog's event loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from aistock.core.fees import FeeSchedule
from aistock.rdagent.catalog.repository import LoopRecord, RdagentRepository
from aistock.trading.portfolio.config import TopkDropoutConfig
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.rebalance import RebalanceRules

DEFAULT_CAPITAL = 1_000_000.0


@dataclass(frozen=True)
class LoopChoice:
    """A synced loop offered as a source, with its own book size when RD-Agent recorded one."""

    ref: str
    """``task_run_id/loop_id/workspace_id``: names the workspace, so it is never ambiguous."""
    label: str
    loop_id: int
    experiment_id: str
    strategy_id: str
    topk: int | None = None
    n_drop: int | None = None


def _int_kwarg(config: object, key: str) -> int | None:
    if not isinstance(config, dict):
        return None
    kwargs = config.get("kwargs")
    value = kwargs.get(key) if isinstance(kwargs, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def loop_choice(loop: LoopRecord, repository: RdagentRepository | None = None) -> LoopChoice:
    strategy = repository.strategy(loop.strategy_id) if repository and loop.strategy_id else None
    portfolio = strategy.portfolio_config if strategy is not None else None
    annual = loop.annualized_return
    annual_text = "" if annual is None else f" · {annual:+.1%}"
    label = f"{loop.task_run_id[:8]}… / loop {loop.loop_id} ({loop.action or '?'}){annual_text}"
    return LoopChoice(
        ref=f"{loop.task_run_id}/{loop.loop_id}/{loop.workspace_id}",
        label=label,
        loop_id=loop.loop_id,
        experiment_id=f"{loop.task_run_id}/{loop.loop_id}",
        strategy_id=loop.strategy_id or "",
        topk=_int_kwarg(portfolio, "topk"),
        n_drop=_int_kwarg(portfolio, "n_drop"),
    )


def loop_choices(repository: RdagentRepository) -> list[LoopChoice]:
    """The loops a preview can score with: materialized, with a model to load."""
    return [
        loop_choice(loop, repository)
        for loop in repository.loops(consumable_only=True)
        if loop.has_model_paths
    ]


@dataclass(frozen=True)
class CreateRequest:
    """Everything :meth:`PreviewService.create` needs, as the user gave it."""

    name: str
    source_kind: str
    source_ref: str
    start: dt.date
    capital: float
    topk: int
    n_drop: int
    bars: str = "minute"
    broker_fees: bool = False
    experiment_id: str = ""
    strategy_id: str = ""

    def config(self) -> PreviewConfig:
        """Raises the strategy's own error when topk/n_drop do not make a book."""
        rules = RebalanceRules(fees=FeeSchedule() if self.broker_fees else FeeSchedule.zero())
        return PreviewConfig(
            strategy=TopkDropoutConfig(topk=self.topk, n_drop=self.n_drop),
            rules=rules,
            bars=self.bars,  # type: ignore[arg-type]  # checked by PreviewConfig
        )


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class CreatePreviewDialog(QDialog):
    """Name, source (a synced loop or a signal file), start, capital, topk / n_drop, bars, fees."""

    def __init__(
        self,
        loops: Sequence[LoopChoice],
        *,
        default_start: dt.date,
        submit: Callable[[CreateRequest], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        translate = QCoreApplication.translate
        self.setObjectName("previewCreateDialog")
        self.setWindowTitle(translate("PreviewPage", "New preview instance"))
        self.setModal(True)
        self._loops = list(loops)
        self._submit = submit
        defaults = PreviewConfig()
        default_topk = getattr(defaults.strategy, "topk", 50)
        default_drop = getattr(defaults.strategy, "n_drop", 5)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("previewCreateName")
        self.loop_radio = QRadioButton(translate("PreviewPage", "RD-Agent loop"), self)
        self.loop_radio.setObjectName("previewCreateLoopSource")
        self.file_radio = QRadioButton(translate("PreviewPage", "Signal file"), self)
        self.file_radio.setObjectName("previewCreateFileSource")
        self._kind = QButtonGroup(self)
        self._kind.addButton(self.loop_radio)
        self._kind.addButton(self.file_radio)
        self.loop_combo = QComboBox(self)
        self.loop_combo.setObjectName("previewCreateLoop")
        for choice in self._loops:
            self.loop_combo.addItem(choice.label, choice.ref)
        if not self._loops:
            self.loop_combo.addItem(
                translate("PreviewPage", "No synced loop — sync an RD-Agent export first"), ""
            )
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("previewCreateFile")
        self.file_edit.setPlaceholderText(translate("PreviewPage", "scores.parquet / .pkl / .csv"))
        self.browse_button = QPushButton(translate("PreviewPage", "Browse…"), self)
        self.browse_button.setObjectName("previewCreateBrowse")
        self.browse_button.clicked.connect(self._browse)
        self.start_edit = QDateEdit(_qdate(default_start), self)
        self.start_edit.setObjectName("previewCreateStart")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("yyyy-MM-dd")
        self.capital_spin = QDoubleSpinBox(self)
        self.capital_spin.setObjectName("previewCreateCapital")
        self.capital_spin.setRange(0.0, 1e12)
        self.capital_spin.setDecimals(0)
        self.capital_spin.setSingleStep(100_000)
        self.capital_spin.setGroupSeparatorShown(True)
        self.capital_spin.setPrefix("¥ ")
        self.capital_spin.setValue(DEFAULT_CAPITAL)
        self.topk_spin = QSpinBox(self)
        self.topk_spin.setObjectName("previewCreateTopk")
        self.topk_spin.setRange(1, 1000)
        self.topk_spin.setValue(default_topk)
        self.topk_spin.setToolTip(translate("PreviewPage", "Names held (TopkDropout)"))
        self.n_drop_spin = QSpinBox(self)
        self.n_drop_spin.setObjectName("previewCreateNDrop")
        self.n_drop_spin.setRange(0, 1000)
        self.n_drop_spin.setValue(default_drop)
        self.n_drop_spin.setToolTip(translate("PreviewPage", "Names replaced per rebalance"))
        self.bars_combo = QComboBox(self)
        self.bars_combo.setObjectName("previewCreateBars")
        self.bars_combo.addItem(translate("PreviewPage", "Minute bars at the rebalance times"), "minute")
        self.bars_combo.addItem(translate("PreviewPage", "Daily bars (the close)"), "day")
        self.bars_combo.setCurrentIndex(max(0, self.bars_combo.findData(defaults.bars)))
        self.fees_check = QCheckBox(
            translate("PreviewPage", "Charge the broker's fees (default: none)"), self
        )
        self.fees_check.setObjectName("previewCreateFees")

        source_row = QHBoxLayout()
        source_row.addWidget(self.loop_radio)
        source_row.addWidget(self.loop_combo, 1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_radio)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        book_row = QHBoxLayout()
        book_row.addWidget(self.topk_spin)
        book_row.addWidget(self.n_drop_spin)
        book_row.addStretch(1)
        form = QFormLayout()
        form.addRow(translate("PreviewPage", "Name"), self.name_edit)
        form.addRow(translate("PreviewPage", "Source"), source_row)
        form.addRow("", file_row)
        form.addRow(translate("PreviewPage", "First trading day"), self.start_edit)
        form.addRow(translate("PreviewPage", "Initial capital"), self.capital_spin)
        form.addRow(translate("PreviewPage", "Top k / drop per day"), book_row)
        form.addRow(translate("PreviewPage", "Catch-up bars"), self.bars_combo)
        form.addRow("", self.fees_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button = buttons.addButton(
            translate("PreviewPage", "Create"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setObjectName("previewCreateOk")
        self.create_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(buttons)

        self.loop_radio.toggled.connect(self._source_changed)
        self.loop_combo.currentIndexChanged.connect(self._loop_changed)
        self.file_edit.textChanged.connect(self._suggest_name)
        self.topk_spin.valueChanged.connect(self._suggest_name)
        (self.loop_radio if self._loops else self.file_radio).setChecked(True)
        self.loop_radio.setEnabled(bool(self._loops))
        self._source_changed()
        self._loop_changed()
        self.setMinimumWidth(620)

    # -- values ---------------------------------------------------------------------------------
    def use_file(self, path: Path | str) -> None:
        self.file_radio.setChecked(True)
        self.file_edit.setText(str(path))

    def use_loop(self, index: int) -> None:
        self.loop_radio.setChecked(True)
        self.loop_combo.setCurrentIndex(index)

    def request(self) -> CreateRequest:
        """The form's values (the suggested name when none was typed)."""
        loop = self._chosen_loop()
        is_loop = self.loop_radio.isChecked()
        return CreateRequest(
            name=self.name_edit.text().strip() or self.name_edit.placeholderText(),
            source_kind="loop" if is_loop else "file",
            source_ref=(loop.ref if loop else "") if is_loop else self.file_edit.text().strip(),
            start=_date(self.start_edit.date()),
            capital=float(self.capital_spin.value()),
            topk=self.topk_spin.value(),
            n_drop=self.n_drop_spin.value(),
            bars=str(self.bars_combo.currentData()),
            broker_fees=self.fees_check.isChecked(),
            experiment_id=loop.experiment_id if is_loop and loop else "",
            strategy_id=loop.strategy_id if is_loop and loop else "",
        )

    def accept(self) -> None:
        if self._submit is None or self._submit(self.request()):
            super().accept()

    # -- internals --------------------------------------------------------------------------------
    def _chosen_loop(self) -> LoopChoice | None:
        index = self.loop_combo.currentIndex()
        return self._loops[index] if 0 <= index < len(self._loops) else None

    def _source_changed(self) -> None:
        is_loop = self.loop_radio.isChecked()
        self.loop_combo.setEnabled(is_loop and bool(self._loops))
        self.file_edit.setEnabled(not is_loop)
        self.browse_button.setEnabled(not is_loop)
        self._suggest_name()

    def _loop_changed(self) -> None:
        loop = self._chosen_loop()
        if loop is not None and loop.topk is not None:
            self.topk_spin.setValue(loop.topk)
            if loop.n_drop is not None:
                self.n_drop_spin.setValue(loop.n_drop)
        self._suggest_name()

    def _suggest_name(self) -> None:
        translate = QCoreApplication.translate
        loop = self._chosen_loop()
        if self.loop_radio.isChecked() and loop is not None:
            suggestion = translate("PreviewPage", "Loop {loop} · top {topk}").format(
                loop=loop.loop_id, topk=self.topk_spin.value()
            )
        elif self.file_edit.text().strip():
            suggestion = Path(self.file_edit.text().strip()).stem
        else:
            suggestion = ""
        self.name_edit.setPlaceholderText(suggestion)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("PreviewPage", "Signal file"),
            "",
            QCoreApplication.translate("PreviewPage", "Signal files (*.parquet *.pkl *.csv)"),
        )
        if name:
            self.use_file(name)
