"""The Preview page: instances, their NAV curves against the market, and the commands.

Top to bottom: the commands, the instance list (tick a row to draw it), the chart, and the
holdings and trades of the selected row. The page re-reads on every preview tick the bridge
reports (the scheduler runs on its own thread every minute), on a tick of a box, on "show
archived" and on a new selection — always on a worker thread through :class:`LatestLoader`,
never on the GUI thread.

A replay runs as a job with a progress strip and Cancel. A running instance is stopped for the
replay and resumed after it, so the scheduler's clock (which only advances running instances)
does not trade the same book from its own thread meanwhile; cancelling keeps the days already
rebuilt and the clock catches up the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

from aistock.core.errors import AistockError
from aistock.rdagent.catalog.repository import RdagentRepository
from aistock.store import PreviewStrategy
from aistock.trading.preview.service import PreviewError, PreviewService
from aistock.ui import dialogs
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, ProgressStrip
from aistock.ui.preview.create_dialog import CreatePreviewDialog, CreateRequest, loop_choices
from aistock.ui.preview.data import Details, InstanceRow, PageData, load_details, load_page
from aistock.ui.preview.details import DetailsPane
from aistock.ui.preview.instance_list import InstanceList
from aistock.ui.preview.loader import LatestLoader, start_connected
from aistock.ui.preview.nav_chart import NavChart
from aistock.ui.preview.replay_dialog import ReplayDialog

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
DEFAULT_START_SESSIONS = 120
"""A new instance starts about six months back by default: enough days to compare."""


class PreviewPage(QWidget):
    """Compare preview instances; create, replay, stop, resume, archive and delete them."""

    def __init__(
        self,
        service: PreviewService,
        repository: RdagentRepository,
        bridge: EngineBridge,
        jobs: JobRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("previewPage")
        self._service = service
        self._repository = repository
        self._jobs = jobs
        self._replay_job: Job | None = None
        self._replay_id: int | None = None
        self._select_after_load: int | None = None
        self.dialog: CreatePreviewDialog | ReplayDialog | None = None
        """The form the last New… or Replay… opened (tests fill it in and accept it)."""

        self._build_actions()
        self.instances = InstanceList(self)
        self.chart = NavChart(self)
        self.details = DetailsPane(self)
        self.progress = ProgressStrip("previewProgress", self)
        self.status = QLabel(self)
        self.status.setObjectName("previewStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._page_loader: LatestLoader[PageData] = LatestLoader(
            jobs, "preview-load", self._apply_page, self._load_failed, self
        )
        self._details_loader: LatestLoader[Details] = LatestLoader(
            jobs, "preview-details", self._apply_details, self._load_failed, self
        )

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("previewSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.instances)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([160, 450, 230])  # a few instances; the chart and the book get the room

        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        column.setSpacing(4)
        column.addLayout(self._toolbar())
        column.addWidget(self.splitter, 1)

        bridge.previews_changed.connect(self.refresh)
        self.instances.view.checked_changed.connect(self.refresh)
        self.instances.show_archived_changed.connect(lambda _on: self.refresh())
        self.instances.view.selection_changed.connect(self._selection_changed)
        self.chart.set_message(translate("PreviewPage", "Loading…"))
        self._update_actions()
        self.refresh()

    # -- the panel protocol ---------------------------------------------------------------------------
    def menu_title(self) -> str:
        return translate("PreviewPage", "&Preview")

    def menu_actions(self) -> list[QAction]:
        return [
            self.new_action,
            self.replay_action,
            self._separator("previewMenuSep1"),
            self.stop_action,
            self.resume_action,
            self.archive_action,
            self.delete_action,
            self._separator("previewMenuSep2"),
            self.refresh_action,
        ]

    # -- state --------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A load or a replay is under way (tests wait for this to clear)."""
        return self._page_loader.busy or self._details_loader.busy or self._replay_job is not None

    @property
    def replay_job(self) -> Job | None:
        return self._replay_job

    def selected(self) -> InstanceRow | None:
        return self.instances.selected()

    def refresh(self) -> None:
        """Re-read the instances and the ticked curves (on a worker; the widgets follow)."""
        service = self._service
        statuses = self.instances.statuses()
        chart_ids = self.instances.remembered_ids()

        def load(token: CancelToken) -> PageData:
            return load_page(service, statuses, chart_ids, token)

        self._page_loader.request(load)

    # -- commands ----------------------------------------------------------------------------------------
    def new_preview(self) -> CreatePreviewDialog:
        """Open the create form (non-blocking); it calls :meth:`create_from` on Create."""
        dialog = self.create_dialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def create_dialog(self) -> CreatePreviewDialog:
        calendar = self._service.calendar
        default_start = calendar.previous_session(calendar.last, DEFAULT_START_SESSIONS - 1)
        try:
            loops = loop_choices(self._repository)
        except AistockError as exc:  # a damaged catalog must not stop a file-sourced preview
            log.warning("the loop catalog cannot be read: %s", exc)
            loops = []
        return CreatePreviewDialog(loops, default_start=default_start, submit=self.create_from, parent=self)

    def create_from(self, request: CreateRequest) -> bool:
        """Create the instance the form describes; on refusal say why and create nothing."""
        try:
            row = self._create(request)
        except (AistockError, ValueError) as exc:
            dialogs.show_error(self, translate("PreviewPage", "Cannot create the preview"), exc)
            return False
        assert row.id is not None
        self._select_after_load = row.id
        self._say(
            translate(
                "PreviewPage", "Created {name}: it trades from {start}. Replay it to build its history now."
            ).format(name=row.name, start=row.start_date.isoformat())
        )
        self.instances.check(row.id)  # its curve is what the user wants to see next
        self.refresh()
        return True

    def replay_selected(self) -> ReplayDialog | None:
        row = self.selected()
        if row is None or not self.replay_action.isEnabled():
            return None
        dialog = self.replay_dialog(row)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.start_replay(row.id, *dialog.date_range()))
        dialog.open()
        return dialog

    def replay_dialog(self, row: InstanceRow) -> ReplayDialog:
        return ReplayDialog(row.label, row.start_date, self._service.calendar.last, self)

    def start_replay(self, preview_id: int, start: dt.date, end: dt.date) -> Job | None:
        """Rebuild ``preview_id`` over ``start..end`` in a job with progress; None if one runs."""
        if self._replay_job is not None:
            return None
        row = self.instances.row(preview_id)
        name = row.label if row is not None else f"#{preview_id}"
        service = self._service

        def work(progress: ProgressFn, token: CancelToken) -> int:
            paused = service.get(preview_id).status == "running"
            if paused:
                service.stop(preview_id)
            try:
                progress(0.0, translate("PreviewPage", "Scoring…"))

                def report(done: int, total: int) -> None:
                    progress(
                        done / max(total, 1),
                        translate("PreviewPage", "{done} of {total} days").format(done=done, total=total),
                    )

                return service.replay(preview_id, start, end, progress=report)
            finally:
                if paused:
                    try:
                        service.resume(preview_id)
                    except AistockError as exc:  # e.g. the running limit was reached meanwhile
                        log.warning("preview %s stays stopped after its replay: %s", preview_id, exc)

        def wire(job: Job) -> None:
            self.progress.bind(job, translate("PreviewPage", "Replaying {name}").format(name=name))
            job.succeeded.connect(
                lambda days: self._say(
                    translate("PreviewPage", "Replayed {name}: {days} days settled.").format(
                        name=name, days=days
                    )
                )
            )
            job.failed.connect(
                lambda exc: dialogs.show_error(self, translate("PreviewPage", "Replay failed"), exc)
            )
            job.was_cancelled.connect(
                lambda: self._say(
                    translate(
                        "PreviewPage", "Replay of {name} cancelled; the days already rebuilt are kept."
                    ).format(name=name)
                )
            )
            job.finished.connect(self._replay_finished)

        job = start_connected(self._jobs, f"preview-replay-{preview_id}", work, wire)
        self._replay_job, self._replay_id = job, preview_id
        self.instances.check(preview_id)
        self._update_actions()
        return job

    def cancel_replay(self) -> None:
        if self._replay_job is not None:
            self._replay_job.cancel()

    def stop_selected(self) -> None:
        self._lifecycle(
            self._service.stop,
            translate("PreviewPage", "Cannot stop the preview"),
            translate("PreviewPage", "Stopped {name}."),
        )

    def resume_selected(self) -> None:
        self._lifecycle(
            self._service.resume,
            translate("PreviewPage", "Cannot resume the preview"),
            translate("PreviewPage", "Resumed {name}."),
        )

    def archive_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not dialogs.confirm(
            self,
            translate("PreviewPage", "Archive preview"),
            translate(
                "PreviewPage",
                "Archive {name}? It stops for good and becomes read-only; its trades, holdings "
                "and NAV stay readable (tick Show archived).",
            ).format(name=row.label),
            translate("PreviewPage", "Archive"),
        ):
            return
        self._lifecycle(
            self._service.archive,
            translate("PreviewPage", "Cannot archive the preview"),
            translate("PreviewPage", "Archived {name}."),
        )

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not dialogs.confirm(
            self,
            translate("PreviewPage", "Delete preview"),
            translate(
                "PreviewPage",
                "Delete {name} and everything it recorded — trades, holdings, NAV and scores? "
                "This cannot be undone.",
            ).format(name=row.label),
            translate("PreviewPage", "Delete"),
            danger=True,
        ):
            return
        try:
            self._service.delete(row.id)
        except AistockError as exc:
            dialogs.show_error(self, translate("PreviewPage", "Cannot delete the preview"), exc)
            return
        self.instances.check(row.id, False)
        self.details.show_details(None, None)
        self._say(translate("PreviewPage", "Deleted {name}.").format(name=row.label))
        self.refresh()

    # -- building ----------------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(name: str, text: str, tip: str, slot: object) -> QAction:
            made = QAction(text, self)
            made.setObjectName(name)
            made.setToolTip(tip)
            made.setStatusTip(tip)
            made.triggered.connect(slot)
            return made

        self.new_action = action(
            "previewNew",
            translate("PreviewPage", "New…"),
            translate("PreviewPage", "Create a preview instance of a loop or a signal file"),
            self.new_preview,
        )
        self.replay_action = action(
            "previewReplay",
            translate("PreviewPage", "Replay…"),
            translate("PreviewPage", "Rebuild the selected instance's history over a range of days"),
            self.replay_selected,
        )
        self.stop_action = action(
            "previewStop",
            translate("PreviewPage", "Stop"),
            translate("PreviewPage", "Stop trading the selected instance (keeps it)"),
            self.stop_selected,
        )
        self.resume_action = action(
            "previewResume",
            translate("PreviewPage", "Resume"),
            translate("PreviewPage", "Resume the selected instance; it catches up the days it missed"),
            self.resume_selected,
        )
        self.archive_action = action(
            "previewArchive",
            translate("PreviewPage", "Archive…"),
            translate("PreviewPage", "Make the selected instance read-only and free its running place"),
            self.archive_selected,
        )
        self.delete_action = action(
            "previewDelete",
            translate("PreviewPage", "Delete…"),
            translate("PreviewPage", "Delete the selected instance and everything it recorded"),
            self.delete_selected,
        )
        self.refresh_action = action(
            "previewRefresh",
            translate("PreviewPage", "Refresh"),
            translate("PreviewPage", "Read the instances and curves again"),
            self.refresh,
        )
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.refresh_action)

    def _separator(self, name: str) -> QAction:
        separator = QAction(self)
        separator.setObjectName(name)
        separator.setSeparator(True)
        return separator

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        groups = (
            (self.new_action, self.replay_action),
            (self.stop_action, self.resume_action, self.archive_action, self.delete_action),
            (self.refresh_action,),
        )
        for number, group in enumerate(groups):
            if number:
                line = QFrame(self)
                line.setFrameShape(QFrame.Shape.VLine)
                line.setFrameShadow(QFrame.Shadow.Sunken)
                row.addWidget(line)
            for act in group:
                button = QToolButton(self)
                button.setObjectName(f"{act.objectName()}Button")
                button.setDefaultAction(act)
                button.setAutoRaise(True)
                row.addWidget(button)
        row.addSpacing(12)
        row.addWidget(self.status, 1)
        row.addWidget(self.progress, 1)
        return row

    # -- loading ------------------------------------------------------------------------------------------
    def _apply_page(self, data: PageData) -> None:
        self.instances.set_rows(data.rows)
        chart = data.chart
        self.chart.set_message(chart.message)
        if chart.curves:
            self.chart.set_series(chart.dates, chart.curves, chart.benchmark)
        else:
            self.chart.clear()
        wanted, self._select_after_load = self._select_after_load, None
        if wanted is not None and self.instances.row(wanted) is not None:
            self.instances.select(wanted)
        self._selection_changed()

    def _apply_details(self, details: Details) -> None:
        row = self.selected()
        if row is not None and row.id == details.preview_id:
            self.details.show_details(row, details)

    def _load_failed(self, exc: BaseException) -> None:
        # A background read fails only when the store does (a deleted row mid-read is
        # followed by another read): say it on the page, do not interrupt with a dialog.
        log.warning("preview page could not read: %s", exc)
        self._say(translate("PreviewPage", "Could not read the previews: {error}").format(error=str(exc)))

    def _selection_changed(self) -> None:
        row = self.selected()
        self.chart.set_highlight(row.label if row is not None else None)
        self._update_actions()
        if row is None:
            self.details.show_details(None, None)
            return
        service, preview_id = self._service, row.id

        def load(token: CancelToken) -> Details:
            return load_details(service, preview_id, token)

        self._details_loader.request(load)

    # -- internals ----------------------------------------------------------------------------------------
    def _update_actions(self) -> None:
        row = self.selected()
        replaying = self._replay_job is not None
        mine = row is not None and row.id == self._replay_id
        self.replay_action.setEnabled(row is not None and row.status != "archived" and not replaying)
        self.stop_action.setEnabled(row is not None and row.status == "running" and not mine)
        self.resume_action.setEnabled(row is not None and row.status == "stopped" and not mine)
        self.archive_action.setEnabled(row is not None and row.status != "archived" and not mine)
        self.delete_action.setEnabled(row is not None and not mine)

    def _lifecycle(self, change: Callable[[int], PreviewStrategy], error_title: str, done: str) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            change(row.id)
        except AistockError as exc:
            dialogs.show_error(self, error_title, exc)
            return
        self._say(done.format(name=row.label))
        self.refresh()

    def _replay_finished(self) -> None:
        self._replay_job, self._replay_id = None, None
        self._update_actions()
        self.refresh()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)

    def _create(self, request: CreateRequest) -> PreviewStrategy:
        if request.source_kind == "file":
            path = Path(request.source_ref).expanduser()
            if not request.source_ref or not path.is_file():
                raise PreviewError(
                    f"the signal file {request.source_ref or '(none)'} does not exist",
                    "choose a .parquet, .pkl or .csv file of scores",
                )
            source_ref = str(path.resolve())
        else:
            if not request.source_ref:
                raise PreviewError(
                    "no RD-Agent loop is chosen", "sync an RD-Agent export first, or use a signal file"
                )
            source_ref = request.source_ref
        return self._service.create(
            request.name,
            source_kind=request.source_kind,
            source_ref=source_ref,
            start=request.start,
            initial_capital=request.capital,
            config=request.config(),
            strategy_id=request.strategy_id,
            experiment_id=request.experiment_id,
        )
