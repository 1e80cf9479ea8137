"""The imported RD-Agent catalog: loops, factors, strategies and models, with a detail pane.

Each catalog is a monitor (filter, numeric sort, copy, CSV). Loops come first because they are
what a trader picks from: one row per loop × workspace with the headline metrics side by side,
greyed when the workspace cannot be used for a selection (not materialized, or no model in it).
Double-clicking a loop hands it to the selection panel.

The browser only reads; it is refreshed after a sync.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from aistock.rdagent.catalog.repository import (
    FactorRecord,
    LoopRecord,
    ModelRecord,
    RdagentRepository,
    StrategyRecord,
)
from aistock.store.store import Store
from aistock.ui import dialogs
from aistock.ui.monitor import Column, Kind, MonitorView
from aistock.ui.research.detail import LoopDetail, RawDetail
from aistock.ui.research.folders import (
    FolderNotHere,
    FolderOpener,
    desktop_opener,
    log_folder,
    log_folder_error,
    open_folder,
    workspace_folder,
    workspace_folder_error,
)
from aistock.ui.research.layout import fit_columns, monitor
from aistock.ui.research.records import (
    LoopRow,
    all_models,
    all_strategies,
    factor_description,
    factor_flags,
    factor_formula,
    factor_implementation,
    factor_performance,
    loop_rows,
    model_class,
    model_feature_count,
    model_files,
    model_handler,
    short_id,
    strategy_class,
    strategy_example_loop,
    strategy_feature_count,
    strategy_kwarg,
    strategy_model_class,
)

MUTED = QColor("#8a919c")
"""Rows that cannot be used (a loop not materialized or without a model): readable, but quiet."""

LOOPS, FACTORS, STRATEGIES, MODELS = range(4)


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return (
        QCoreApplication.translate("CatalogBrowser", "yes")
        if value
        else QCoreApplication.translate("CatalogBrowser", "no")
    )


def _decision(value: bool | None) -> str | None:
    if value is None:
        return None
    translate = QCoreApplication.translate
    return translate("CatalogBrowser", "accepted") if value else translate("CatalogBrowser", "rejected")


def _usable(row: LoopRow) -> str:
    translate = QCoreApplication.translate
    if not row.loop.consumable:
        return translate("CatalogBrowser", "not materialized")
    if not row.has_model:
        return translate("CatalogBrowser", "no model")
    return translate("CatalogBrowser", "ready")


def loop_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("task_run", translate("CatalogBrowser", "Task run"), getter=lambda r: r.task_run),
        Column("loop_id", translate("CatalogBrowser", "Loop"), Kind.INT, getter=lambda r: r.loop.loop_id),
        Column("workspace", translate("CatalogBrowser", "Workspace"), getter=lambda r: r.workspace),
        Column("action", translate("CatalogBrowser", "Action"), getter=lambda r: r.loop.action),
        Column(
            "usable",
            translate("CatalogBrowser", "Selection"),
            getter=_usable,
            tooltip=translate("CatalogBrowser", "Whether the selection can run this workspace's model"),
        ),
        Column(
            "decision", translate("CatalogBrowser", "Decision"), getter=lambda r: _decision(r.loop.decision)
        ),
        Column(
            "annualized_return",
            translate("CatalogBrowser", "Ann. return"),
            Kind.SIGNED_PCT,
            getter=lambda r: r.metric("annualized_return"),
            tooltip=translate(
                "CatalogBrowser", "Annualized excess return without cost, as RD-Agent reports it"
            ),
        ),
        Column(
            "max_drawdown",
            translate("CatalogBrowser", "Max DD"),
            Kind.PCT,
            getter=lambda r: r.metric("max_drawdown"),
        ),
        Column("ic", translate("CatalogBrowser", "IC"), Kind.RATIO, getter=lambda r: r.metric("ic")),
        Column("ic_ir", translate("CatalogBrowser", "ICIR"), Kind.RATIO, getter=lambda r: r.metric("ic_ir")),
        Column(
            "sharpe",
            translate("CatalogBrowser", "IR"),
            Kind.RATIO,
            getter=lambda r: r.metric("sharpe"),
            tooltip=translate(
                "CatalogBrowser", "Information ratio of the excess return (RD-Agent's 'sharpe')"
            ),
        ),
        Column(
            "factors",
            translate("CatalogBrowser", "Factors"),
            Kind.INT,
            getter=lambda r: len(r.loop.factor_names),
        ),
        Column("model", translate("CatalogBrowser", "Model"), getter=lambda r: r.model_type),
        Column("status", translate("CatalogBrowser", "Status"), getter=lambda r: r.loop.status),
        Column(
            "has_result", translate("CatalogBrowser", "Result"), getter=lambda r: _yes_no(r.loop.has_result)
        ),
        Column(
            "strategy", translate("CatalogBrowser", "Strategy"), getter=lambda r: short_id(r.loop.strategy_id)
        ),
    ]


def factor_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("name", translate("CatalogBrowser", "Factor"), getter=lambda f: f.name),
        Column("source", translate("CatalogBrowser", "Source"), getter=lambda f: f.source),
        Column("formula", translate("CatalogBrowser", "Expression / formula"), getter=factor_formula),
        Column("implementation", translate("CatalogBrowser", "Implementation"), getter=factor_implementation),
        Column("version", translate("CatalogBrowser", "Version"), getter=lambda f: f.impl_version),
        Column(
            "flags", translate("CatalogBrowser", "Flags"), getter=lambda f: ", ".join(factor_flags(f)) or None
        ),
        Column("performance", translate("CatalogBrowser", "Best performance"), getter=factor_performance),
        Column("tags", translate("CatalogBrowser", "Tags"), getter=lambda f: ", ".join(f.tags) or None),
        Column("description", translate("CatalogBrowser", "Description"), getter=factor_description),
    ]


def strategy_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column(
            "strategy_id", translate("CatalogBrowser", "Strategy"), getter=lambda s: short_id(s.strategy_id)
        ),
        Column("action", translate("CatalogBrowser", "Action"), getter=lambda s: s.action),
        Column("step", translate("CatalogBrowser", "Step"), getter=lambda s: s.step_name),
        Column("kind", translate("CatalogBrowser", "Portfolio strategy"), getter=strategy_class),
        Column(
            "topk", translate("CatalogBrowser", "Top-k"), Kind.INT, getter=lambda s: strategy_kwarg(s, "topk")
        ),
        Column(
            "n_drop",
            translate("CatalogBrowser", "Drop"),
            Kind.INT,
            getter=lambda s: strategy_kwarg(s, "n_drop"),
        ),
        Column("model", translate("CatalogBrowser", "Model"), getter=strategy_model_class),
        Column("features", translate("CatalogBrowser", "Features"), Kind.INT, getter=strategy_feature_count),
        Column("loop", translate("CatalogBrowser", "Example loop"), getter=strategy_example_loop),
        Column(
            "template_count",
            translate("CatalogBrowser", "Templates"),
            Kind.INT,
            getter=lambda s: len(s.template_files),
        ),
        Column(
            "templates",
            translate("CatalogBrowser", "Template files"),
            getter=lambda s: ", ".join(s.template_files),
        ),
    ]


def model_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("model_type", translate("CatalogBrowser", "Model type"), getter=lambda m: m.model_type),
        Column("class", translate("CatalogBrowser", "Class"), getter=model_class),
        Column("handler", translate("CatalogBrowser", "Handler"), getter=model_handler),
        Column("task_run", translate("CatalogBrowser", "Task run"), getter=lambda m: short_id(m.task_run_id)),
        Column("loop_id", translate("CatalogBrowser", "Loop"), Kind.INT, getter=lambda m: m.loop_id),
        Column(
            "workspace", translate("CatalogBrowser", "Workspace"), getter=lambda m: short_id(m.workspace_id)
        ),
        Column("features", translate("CatalogBrowser", "Features"), Kind.INT, getter=model_feature_count),
        Column(
            "files", translate("CatalogBrowser", "Files"), getter=lambda m: ", ".join(model_files(m)) or None
        ),
        Column("model_id", translate("CatalogBrowser", "Model id"), getter=lambda m: short_id(m.model_id)),
    ]


class CatalogBrowser(QWidget):
    """Four catalog tabs over one detail pane; owns the Open-folder commands."""

    loop_activated = Signal(object)
    """A loop row was double-clicked: its :class:`LoopRecord` (the page hands it to the selection)."""

    def __init__(
        self,
        store: Store,
        repository: RdagentRepository,
        *,
        opener: FolderOpener = desktop_opener,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catalogBrowser")
        self._store = store
        self._repository = repository
        self._opener = opener
        self._fitted: set[int] = set()
        translate = QCoreApplication.translate

        self.open_log_action = QAction(translate("CatalogBrowser", "Open log folder"), self)
        self.open_log_action.setObjectName("openLogFolderAction")
        self.open_log_action.setStatusTip(
            translate("CatalogBrowser", "Open the selected loop's RD-Agent log folder")
        )
        self.open_log_action.triggered.connect(lambda: self.open_log_folder())
        self.open_workspace_action = QAction(translate("CatalogBrowser", "Open workspace"), self)
        self.open_workspace_action.setObjectName("openWorkspaceAction")
        self.open_workspace_action.setStatusTip(
            translate("CatalogBrowser", "Open the selected loop's workspace folder")
        )
        self.open_workspace_action.triggered.connect(lambda: self.open_workspace_folder())

        self.loops_view = monitor(
            loop_columns(), name="catalogLoops", row_key=lambda r: r.key, row_colour=self._loop_colour
        )
        self.factors_view = monitor(
            factor_columns(), name="catalogFactors", row_key=lambda f: (f.source, f.name)
        )
        self.strategies_view = monitor(
            strategy_columns(), name="catalogStrategies", row_key=lambda s: s.strategy_id
        )
        self.models_view = monitor(model_columns(), name="catalogModels", row_key=lambda m: m.model_id)
        self.views: tuple[MonitorView, ...] = (
            self.loops_view,
            self.factors_view,
            self.strategies_view,
            self.models_view,
        )
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("catalogTabs")
        self.tabs.setDocumentMode(True)
        for view, title in zip(
            self.views,
            (
                translate("CatalogBrowser", "Loops"),
                translate("CatalogBrowser", "Factors"),
                translate("CatalogBrowser", "Strategies"),
                translate("CatalogBrowser", "Models"),
            ),
            strict=True,
        ):
            self.tabs.addTab(view, title)

        self.loop_detail = LoopDetail(repository, self.open_log_action, self.open_workspace_action, self)
        self.raw_detail = RawDetail(self)
        self.empty_detail = QLabel(translate("CatalogBrowser", "Select a row to see its details."), self)
        self.empty_detail.setObjectName("catalogEmptyDetail")
        self.empty_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QStackedWidget(self)
        self.detail.setObjectName("catalogDetail")
        for widget in (self.loop_detail, self.raw_detail, self.empty_detail):
            self.detail.addWidget(widget)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("catalogSplitter")
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self._sized = False
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        for view in self.views:
            view.selection_changed.connect(self._show_detail)
        self.loops_view.record_activated.connect(lambda row: self.loop_activated.emit(row.loop))
        self.tabs.currentChanged.connect(lambda _index: self._show_detail())
        self.refresh()

    # -- data ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read every catalog (after a sync); selections are kept by key."""
        self.loops_view.set_records(loop_rows(self._repository))
        factors = self._repository.factors()
        self.factors_view.set_records(factors)
        self.factors_view.table.setColumnHidden(
            [c.key for c in self.factors_view.model.columns].index("flags"),
            not any(factor_flags(f) for f in factors),
        )
        self.strategies_view.set_records(all_strategies(self._store, self._repository))
        self.models_view.set_records(all_models(self._store))
        for index, view in enumerate(self.views):
            if index not in self._fitted and view.records():
                fit_columns(view)
                self._fitted.add(index)
        self._show_detail()

    def loop_rows(self) -> list[LoopRow]:
        return list(self.loops_view.records())

    def current_loop_row(self) -> LoopRow | None:
        """The loop selected in the loop tab (the first one when several are)."""
        selected = self.loops_view.selected_records()
        return selected[0] if selected else None

    def current_loop(self) -> LoopRecord | None:
        row = self.current_loop_row()
        return row.loop if row is not None else None

    def add_tab(self, widget: QWidget, title: str) -> int:
        """A page of its own beside the catalogs (the sync report); it hides the detail pane."""
        return self.tabs.addTab(widget, title)

    def select_loop(self, key: str) -> None:
        """Select the loop with ``key`` in the loop tab and bring that tab to the front."""
        self.tabs.setCurrentIndex(LOOPS)
        self.loops_view.select_keys([key])

    # -- commands ----------------------------------------------------------------------------------------
    def open_log_folder(self, loop: LoopRecord | None = None) -> None:
        """Open the loop's log folder (mapped to this machine), or say why it cannot be."""
        loop = loop or self.current_loop()
        if loop is None:
            return
        location = log_folder(self._repository, loop)
        try:
            open_folder(location, self._opener, log_folder_error(loop, location))
        except FolderNotHere as exc:
            dialogs.show_error(self, QCoreApplication.translate("CatalogBrowser", "Open log folder"), exc)

    def open_workspace_folder(self, loop: LoopRecord | None = None) -> None:
        loop = loop or self.current_loop()
        if loop is None:
            return
        location = workspace_folder(self._repository, loop)
        try:
            open_folder(location, self._opener, workspace_folder_error(loop, location))
        except FolderNotHere as exc:
            dialogs.show_error(self, QCoreApplication.translate("CatalogBrowser", "Open workspace"), exc)

    # -- internals -------------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        """Give the detail pane the larger share once, after the first real layout."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._initial_sizes)

    def _initial_sizes(self) -> None:
        total = sum(self.splitter.sizes())
        self.splitter.setSizes([total * 2 // 5, total - total * 2 // 5])

    @staticmethod
    def _loop_colour(row: Any) -> QColor | None:
        return None if isinstance(row, LoopRow) and row.loop.consumable and row.has_model else MUTED

    def _show_detail(self) -> None:
        index = self.tabs.currentIndex()
        row = self.current_loop_row()
        self.open_log_action.setEnabled(row is not None)
        self.open_workspace_action.setEnabled(row is not None)
        in_catalog = 0 <= index < len(self.views)
        self.detail.setVisible(in_catalog)
        if not in_catalog:
            return
        if index == LOOPS:
            if row is None:
                self.detail.setCurrentWidget(self.empty_detail)
                return
            self.loop_detail.show_loop(row)
            self.detail.setCurrentWidget(self.loop_detail)
            return
        selected = self.views[index].selected_records()
        if not selected:
            self.detail.setCurrentWidget(self.empty_detail)
            return
        record = selected[0]
        self.raw_detail.show_fields(self._raw_title(record), self._raw_of(record))
        self.detail.setCurrentWidget(self.raw_detail)

    @staticmethod
    def _raw_of(record: object) -> dict[str, Any]:
        if isinstance(record, FactorRecord | StrategyRecord | ModelRecord):
            return dict(record.raw)
        return {}

    @staticmethod
    def _raw_title(record: object) -> str:
        translate = QCoreApplication.translate
        if isinstance(record, FactorRecord):
            return translate("CatalogBrowser", "Factor {name} ({source})").format(
                name=record.name, source=record.source
            )
        if isinstance(record, StrategyRecord):
            return translate("CatalogBrowser", "Strategy {id}").format(id=record.strategy_id)
        if isinstance(record, ModelRecord):
            return translate("CatalogBrowser", "Model {id} · {type}").format(
                id=record.model_id, type=record.model_type or "—"
            )
        return ""
