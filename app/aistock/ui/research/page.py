"""The Research page: RD-Agent's catalog, selections from its loops, and syncing it.

Three parts, each its own module: the sync bar along the top (where the catalog comes from),
the catalog browser on the left (what RD-Agent found, loop by loop) and the selection panel on
the right (what a loop picks on a day). The page only wires them: a finished sync refreshes the
browser and the loop chooser and shows its report; double-clicking a loop in the browser
chooses it for the selection.

Everything the page needs comes through its constructor; the file and folder dialogs and the
desktop's "open folder" are injectable so the tests can drive the page without a real dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from aistock.core.calendar import TradingCalendar
from aistock.rdagent.catalog.repository import LoopRecord, RdagentRepository
from aistock.rdagent.catalog.sync import SyncReport
from aistock.selection.service import SelectionService
from aistock.store.store import Store
from aistock.ui.jobs import JobRunner
from aistock.ui.research.catalog_browser import CatalogBrowser
from aistock.ui.research.folders import FolderOpener, desktop_opener
from aistock.ui.research.selection_panel import SavePathChooser, SelectionPanel, save_file_dialog
from aistock.ui.research.sync_action import DirectoryChooser, SyncBar, choose_directory
from aistock.ui.research.sync_report import SyncReportView


def _separator(parent: QWidget) -> QAction:
    action = QAction(parent)
    action.setSeparator(True)
    return action


class ResearchPage(QWidget):
    """Catalog browser + selection panel + catalog sync, with a "Research" menu."""

    catalog_synced = Signal(object)
    """A sync wrote the catalog: its :class:`~aistock.rdagent.catalog.sync.SyncReport` (other
    panels that list loops — previews — may refresh on it)."""

    def __init__(
        self,
        store: Store,
        repository: RdagentRepository,
        selection: Callable[[], SelectionService],
        jobs: JobRunner,
        calendar: TradingCalendar,
        rdagent_export: Path | None,
        parent: QWidget | None = None,
        *,
        opener: FolderOpener = desktop_opener,
        chooser: DirectoryChooser = choose_directory,
        save_path_chooser: SavePathChooser = save_file_dialog,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("researchPage")
        translate = QCoreApplication.translate

        self.sync_bar = SyncBar(store, repository, jobs, rdagent_export, chooser=chooser, parent=self)
        self.browser = CatalogBrowser(store, repository, opener=opener, parent=self)
        self.report_view = SyncReportView(repository, self)
        # In a scroll area: the report needs height, and a tab's minimum would otherwise squeeze
        # the detail pane under the other tabs.
        report_scroll = QScrollArea(self)
        report_scroll.setObjectName("syncReportScroll")
        report_scroll.setWidgetResizable(True)
        report_scroll.setFrameShape(QFrame.Shape.NoFrame)
        report_scroll.setWidget(self.report_view)
        self.browser.add_tab(report_scroll, translate("ResearchPage", "Sync report"))
        self._report_tab = report_scroll
        self.selection = SelectionPanel(
            store, selection, jobs, calendar, save_path_chooser=save_path_chooser, parent=self
        )
        self.selection.set_loops(self.browser.loop_rows())

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("researchSplitter")
        self.splitter.addWidget(self.browser)
        self.splitter.addWidget(self.selection)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 460])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.sync_bar)
        layout.addWidget(self.splitter, 1)

        self.sync_action = self.sync_bar.sync_action
        self.run_selection_action = self.selection.run_action
        self.export_candidates_action = self.selection.export_action
        self.open_log_action = self.browser.open_log_action
        self.open_workspace_action = self.browser.open_workspace_action
        self._menu_actions = [
            self.sync_action,
            _separator(self),
            self.run_selection_action,
            self.export_candidates_action,
            _separator(self),
            self.open_log_action,
            self.open_workspace_action,
        ]

        self.sync_bar.synced.connect(self._synced)
        self.sync_bar.sync_ended.connect(self.report_view.refresh_history)
        self.browser.loop_activated.connect(self._use_loop)

    # -- ProvidesMenu ----------------------------------------------------------------------------------
    def menu_title(self) -> str:
        return QCoreApplication.translate("ResearchPage", "&Research")

    def menu_actions(self) -> list[QAction]:
        return list(self._menu_actions)

    # -- wiring ----------------------------------------------------------------------------------------
    def _synced(self, report: object) -> None:
        if not isinstance(report, SyncReport):
            return
        self.browser.refresh()
        self.selection.set_loops(self.browser.loop_rows())
        self.report_view.show_report(report)
        self.browser.tabs.setCurrentWidget(self._report_tab)
        self.catalog_synced.emit(report)

    def _use_loop(self, loop: object) -> None:
        if isinstance(loop, LoopRecord):
            self.selection.set_loop(loop.key)
