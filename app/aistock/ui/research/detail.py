"""The detail pane under the catalog tables: everything about the selected entry.

For a loop it answers what a researcher asks before trusting one: every metric qlib recorded,
what RD-Agent decided and why (the hypothesis and feedback texts the catalog carries), which
factors fed the model, and where its workspace and log are — here and on RD-Agent's machine —
with buttons to open them. For factors, strategies and models it lists the raw catalog entry
field by field, which is all the catalog knows about them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from aistock.rdagent.catalog.repository import LoopRecord, RdagentRepository
from aistock.store.jsontypes import JsonValue
from aistock.ui.monitor import Column, Kind
from aistock.ui.research.folders import log_folder, workspace_folder
from aistock.ui.research.layout import fit_columns, monitor, section_title, value_label
from aistock.ui.research.records import (
    LoopRow,
    compact_json,
    factor_formula,
    feedback_texts,
    materialization_error,
    metric_items,
    split_metric_key,
)


def _feedback_titles() -> dict[str, str]:
    translate = QCoreApplication.translate
    return {
        "hypothesis": translate("LoopDetail", "Hypothesis"),
        "observations": translate("LoopDetail", "Observations"),
        "execution": translate("LoopDetail", "Execution"),
        "value_feedback": translate("LoopDetail", "Value feedback"),
        "shape_feedback": translate("LoopDetail", "Shape feedback"),
        "reason": translate("LoopDetail", "Reason"),
    }


def metric_label(key: str) -> str:
    """A metric's name as the pane shows it: qlib's excess-return keys say "with/without cost" last."""
    name, cost = split_metric_key(key)
    if cost == "with":
        return QCoreApplication.translate("LoopDetail", "{metric} · excess, net of cost").format(metric=name)
    if cost == "without":
        return QCoreApplication.translate("LoopDetail", "{metric} · excess, before cost").format(metric=name)
    return key


def decision_text(decision: bool | None) -> str:
    translate = QCoreApplication.translate
    if decision is True:
        return translate("LoopDetail", "Accepted: RD-Agent kept this hypothesis")
    if decision is False:
        return translate("LoopDetail", "Rejected: RD-Agent did not keep this hypothesis")
    return translate("LoopDetail", "No decision recorded")


def feedback_html(loop: LoopRecord) -> str:
    """The decision, materialization and feedback texts as simple HTML (every text escaped)."""
    translate = QCoreApplication.translate
    parts = [f"<p><b>{html.escape(decision_text(loop.decision))}</b></p>"]
    state = (
        translate("LoopDetail", "Usable for selection: {reason}")
        if loop.consumable
        else translate("LoopDetail", "Not usable yet: {reason}")
    ).format(reason=loop.consumable_reason)
    parts.append(f"<p>{html.escape(state)}</p>")
    error = materialization_error(loop)
    if error:
        parts.append(
            "<p>{label} {text}</p>".format(
                label=html.escape(translate("LoopDetail", "Materialization error:")), text=html.escape(error)
            )
        )
    titles = _feedback_titles()
    texts = feedback_texts(loop)
    for key, text in texts:
        body = html.escape(text).replace("\n", "<br>")
        parts.append(f"<p><b>{html.escape(titles[key])}</b><br>{body}</p>")
    if not texts:
        parts.append(
            "<p><i>{}</i></p>".format(
                html.escape(
                    translate(
                        "LoopDetail", "The catalog carries no hypothesis or feedback text for this loop."
                    )
                )
            )
        )
    return "".join(parts)


class LoopDetail(QWidget):
    """Metrics | decision and feedback | factors side by side, the paths along the bottom."""

    def __init__(
        self,
        repository: RdagentRepository,
        open_log: QAction,
        open_workspace: QAction,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loopDetail")
        self._repository = repository
        translate = QCoreApplication.translate

        self.title = QLabel(self)
        self.title.setObjectName("loopDetailTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)

        self.metrics_view = monitor(
            [
                Column("metric", translate("LoopDetail", "Metric")),
                Column("value", translate("LoopDetail", "Value"), Kind.RATIO),
            ],
            name="loopMetrics",
            row_key=lambda r: r["key"],
            show_filter=False,
        )
        self.feedback = QTextBrowser(self)
        self.feedback.setObjectName("loopFeedback")
        self.feedback.setOpenLinks(False)
        self.factors_view = monitor(
            [
                Column("name", translate("LoopDetail", "Factor")),
                Column("source", translate("LoopDetail", "Source")),
                Column("formula", translate("LoopDetail", "Expression / formula")),
            ],
            name="loopFactors",
            row_key=lambda r: r["name"],
            show_filter=False,
        )

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("loopDetailSplitter")
        for title, body in (
            (translate("LoopDetail", "Metrics"), self.metrics_view),
            (translate("LoopDetail", "Decision and feedback"), self.feedback),
            (translate("LoopDetail", "Factors"), self.factors_view),
        ):
            self.splitter.addWidget(self._block(title, body))
        for index, stretch in enumerate((5, 4, 3)):
            self.splitter.setStretchFactor(index, stretch)
        self.splitter.setChildrenCollapsible(False)

        self.workspace_raw = value_label("loopWorkspaceRaw", self)
        self.workspace_local = value_label("loopWorkspaceLocal", self)
        self.log_raw = value_label("loopLogRaw", self)
        self.log_local = value_label("loopLogLocal", self)
        self.ids = value_label("loopIds", self)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        for column, heading in (
            (1, translate("LoopDetail", "RD-Agent path")),
            (2, translate("LoopDetail", "On this machine")),
        ):
            header = QLabel(heading, self)
            header.setObjectName("fieldName")
            grid.addWidget(header, 0, column)
        rows = (
            (translate("LoopDetail", "Workspace"), self.workspace_raw, self.workspace_local, open_workspace),
            (translate("LoopDetail", "Log folder"), self.log_raw, self.log_local, open_log),
        )
        for row, (name, raw, local, action) in enumerate(rows, start=1):
            grid.addWidget(QLabel(name, self), row, 0)
            grid.addWidget(raw, row, 1)
            grid.addWidget(local, row, 2)
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            grid.addWidget(button, row, 3)
        grid.addWidget(QLabel(translate("LoopDetail", "Ids"), self), 3, 0)
        grid.addWidget(self.ids, 3, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(section_title(translate("LoopDetail", "Paths"), self))
        layout.addLayout(grid)
        self.show_loop(None)

    def _block(self, title: str, body: QWidget) -> QWidget:
        block = QWidget(self)
        layout = QVBoxLayout(block)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(section_title(title, block))
        layout.addWidget(body, 1)
        return block

    def show_loop(self, row: LoopRow | None) -> None:
        """Show ``row`` (``None`` clears the pane)."""
        translate = QCoreApplication.translate
        if row is None:
            self.title.setText(
                translate("LoopDetail", "Select a loop to see its metrics, decision and paths.")
            )
            self.metrics_view.set_records([])
            self.factors_view.set_records([])
            self.feedback.clear()
            for label in (self.workspace_raw, self.workspace_local, self.log_raw, self.log_local, self.ids):
                label.clear()
            return
        loop = row.loop
        self.title.setText(
            translate(
                "LoopDetail", "Loop {loop} of task run {run} · workspace {workspace} · {action}"
            ).format(
                loop=loop.loop_id,
                run=loop.task_run_id,
                workspace=loop.workspace_id,
                action=loop.action or "—",
            )
        )
        self.metrics_view.set_records(
            [{"key": k, "metric": metric_label(k), "value": v} for k, v in metric_items(loop)]
        )
        self.feedback.setHtml(feedback_html(loop))
        factors = []
        for name in loop.factor_names:
            record = self._repository.factor(name)
            factors.append(
                {
                    "name": name,
                    "source": record.source if record else None,
                    "formula": factor_formula(record) if record else None,
                }
            )
        self.factors_view.set_records(factors)
        fit_columns(self.factors_view, 150)
        fit_columns(self.metrics_view, 250)

        missing = translate("LoopDetail", "not on this machine")
        workspace = workspace_folder(self._repository, loop)
        self.workspace_raw.setText(workspace.raw or "—")
        self.workspace_local.setText(str(workspace.local) if workspace.exists else missing)
        log = log_folder(self._repository, loop)
        self.log_raw.setText(log.raw or "—")
        self.log_local.setText(str(log.local) if log.exists else missing)
        model = row.model
        self.ids.setText(
            translate("LoopDetail", "bundle {bundle} · strategy {strategy} · model {model}").format(
                bundle=loop.asset_bundle_id or "—",
                strategy=loop.strategy_id or "—",
                model=model.model_id if model else "—",
            )
        )


class RawDetail(QWidget):
    """A catalog entry's raw fields as a tree (nested configs expand), for factors, strategies, models."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rawDetail")
        translate = QCoreApplication.translate
        self.title = QLabel(self)
        self.title.setObjectName("rawDetailTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("rawDetailTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([translate("RawDetail", "Field"), translate("RawDetail", "Value")])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.tree, 1)

    def show_fields(self, title: str, raw: Mapping[str, JsonValue]) -> None:
        self.title.setText(title)
        self.tree.clear()
        for key in sorted(raw):
            self.tree.addTopLevelItem(_tree_item(key, raw[key]))
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0) + 24, 260))

    def fields(self) -> dict[str, str]:
        """Top-level field → the value shown (what a test or a copy reads)."""
        root = self.tree.invisibleRootItem()
        return {root.child(i).text(0): root.child(i).text(1) for i in range(root.childCount())}


def _tree_item(key: str, value: JsonValue) -> QTreeWidgetItem:
    """A field; a dict or a list gets one child per member (its own line shows it compactly)."""
    item = QTreeWidgetItem([key, compact_json(value)])
    item.setToolTip(1, compact_json(value))
    if isinstance(value, dict):
        for child_key in sorted(value):
            item.addChild(_tree_item(child_key, value[child_key]))
    elif (isinstance(value, list) and any(isinstance(v, dict | list) for v in value)) or (
        isinstance(value, list) and len(value) > 3
    ):
        for index, member in enumerate(value):
            item.addChild(_tree_item(f"[{index}]", member))
    return item
