"""Sync the RD-Agent catalog from the window: where from, a job with progress, the report.

The source defaults to the last one synced (this session, else the newest successful directory
sync in the history), else the session's own RD-Agent export, so the daily sync is one click.
"Choose…" picks another directory through an injectable chooser (a test passes its own; the
default is the platform's folder dialog). The field also takes a ZIP or the results-API URL,
which ``CatalogSync`` understands.

A source that does not exist is refused here, before ``CatalogSync`` runs, so nothing is
recorded; a directory that exists but holds no catalog is refused by the sync itself, which
records the refusal in the history (by design: the history then says why nothing changed) and
writes nothing to the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from aistock.rdagent.catalog.repository import RdagentRepository
from aistock.rdagent.catalog.sources import CatalogSourceError
from aistock.rdagent.catalog.sync import (
    STAGE_BUNDLES,
    STAGE_OPEN,
    STAGE_READ,
    STAGE_WRITE,
    CatalogSync,
    SyncReport,
)
from aistock.store.store import Store
from aistock.ui import dialogs
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, ProgressStrip

DirectoryChooser = Callable[[QWidget | None, Path | None], Path | None]
"""Asks for a directory (parent, where to start) → the directory, or None when cancelled."""


def choose_directory(parent: QWidget | None, start: Path | None) -> Path | None:
    name = QFileDialog.getExistingDirectory(
        parent,
        QCoreApplication.translate("SyncBar", "RD-Agent folder or its RDagentDB/aistock export"),
        str(start) if start is not None else "",
    )
    return Path(name) if name else None


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _stage_texts() -> dict[str, str]:
    translate = QCoreApplication.translate
    return {
        STAGE_OPEN: translate("SyncBar", "Opening the source…"),
        STAGE_READ: translate("SyncBar", "Reading the catalogs…"),
        STAGE_BUNDLES: translate("SyncBar", "Storing bundles…"),
        STAGE_WRITE: translate("SyncBar", "Writing the catalog…"),
    }


class SyncBar(QWidget):
    """Source field, Choose…, Sync catalog… and the sync's progress, in one strip."""

    synced = Signal(object)
    """A sync wrote the catalog and the bar is idle again: its :class:`SyncReport`."""
    sync_ended = Signal()
    """A sync job ended, whatever the outcome (a refused sync is in the history too)."""

    def __init__(
        self,
        store: Store,
        repository: RdagentRepository,
        jobs: JobRunner,
        rdagent_export: Path | None,
        *,
        chooser: DirectoryChooser = choose_directory,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncBar")
        self._store = store
        self._repository = repository
        self._jobs = jobs
        self._chooser = chooser
        self._export = rdagent_export
        self.last_source: str | None = None
        self._pending_source: str | None = None
        self._done: SyncReport | None = None
        self.report: SyncReport | None = None
        self.job: Job | None = None
        translate = QCoreApplication.translate

        self.sync_action = QAction(translate("SyncBar", "Sync catalog…"), self)
        self.sync_action.setObjectName("syncCatalogAction")
        self.sync_action.setStatusTip(
            translate(
                "SyncBar", "Import RD-Agent's catalogs (factors, strategies, loops, models) from the source"
            )
        )
        self.sync_action.triggered.connect(lambda: self.start_sync())
        self.choose_action = QAction(translate("SyncBar", "Choose…"), self)
        self.choose_action.setObjectName("chooseSyncSourceAction")
        self.choose_action.setStatusTip(translate("SyncBar", "Choose another RD-Agent folder to sync from"))
        self.choose_action.triggered.connect(lambda: self.choose_source())

        self.source_edit = QLineEdit(self)
        self.source_edit.setObjectName("syncSource")
        self.source_edit.setPlaceholderText(
            translate("SyncBar", "RD-Agent folder, its RDagentDB/aistock export, a ZIP or http://HOST:9000")
        )
        self.source_edit.setClearButtonEnabled(True)
        self.source_edit.setText(self.default_source())
        self.last_label = QLabel(self)
        self.last_label.setObjectName("syncLast")
        self.progress = ProgressStrip("syncProgress", self)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(QLabel(translate("SyncBar", "RD-Agent source"), self))
        row.addWidget(self.source_edit, 1)
        for action in (self.choose_action, self.sync_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            row.addWidget(button)
        row.addSpacing(8)
        row.addWidget(self.last_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        self._show_last()

    # -- the source ----------------------------------------------------------------------------------
    def default_source(self) -> str:
        """The last source synced (this session, then the history), else the session's export."""
        if self.last_source:
            return self.last_source
        for run in self._repository.runs(20):
            if run.status != "refused" and run.origin_kind == "dir":
                return run.origin_location
        return str(self._export) if self._export is not None else ""

    def source(self) -> str:
        return self.source_edit.text().strip()

    def choose_source(self) -> Path | None:
        """Ask for a directory; it becomes the source (the sync itself is a separate step)."""
        current = self.source()
        start = Path(current).expanduser() if current and not _is_url(current) else self._export
        chosen = self._chooser(self, start)
        if chosen is not None:
            self.source_edit.setText(str(chosen))
        return chosen

    # -- the sync ------------------------------------------------------------------------------------
    def start_sync(self, source: str | Path | None = None) -> Job | None:
        """Sync from ``source`` (default: the field; asks for a directory when it is empty)."""
        if self.job is not None:
            return None
        if source is not None:
            self.source_edit.setText(str(source))
        text = self.source()
        if not text:
            if self.choose_source() is None:
                return None
            text = self.source()
        if not _is_url(text) and not Path(text).expanduser().exists():
            dialogs.show_error(
                self,
                QCoreApplication.translate("SyncBar", "Sync RD-Agent catalog"),
                CatalogSourceError(
                    QCoreApplication.translate(
                        "SyncBar", "{path} does not exist; nothing was synced."
                    ).format(path=text),
                    QCoreApplication.translate(
                        "SyncBar",
                        "Choose the RD-Agent folder (or its RDagentDB/aistock export, a ZIP of it, or the "
                        "results API as http://HOST:9000).",
                    ),
                ),
            )
            return None
        stages = _stage_texts()
        store = self._store

        def work(progress: ProgressFn, token: CancelToken) -> SyncReport:
            token.check()
            return CatalogSync(store).run(
                text, progress=lambda f, stage: progress(f, stages.get(stage, stage))
            )

        job = self._jobs.start(f"rdagent sync {text}", work)
        self.job = job
        self.progress.bind(job, QCoreApplication.translate("SyncBar", "Syncing the RD-Agent catalog…"))
        self._pending_source = text
        # Bound methods (not lambdas): the worker thread emits, and Qt must queue the call onto
        # this widget's thread.
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.sync_action.setEnabled(False)
        self.choose_action.setEnabled(False)
        return job

    def _succeeded(self, report: object) -> None:
        if not isinstance(report, SyncReport):
            return
        self.report = report
        self.last_source = self._pending_source
        self._done = report

    def _failed(self, exc: object) -> None:
        if isinstance(exc, BaseException):
            dialogs.show_error(self, QCoreApplication.translate("SyncBar", "Sync RD-Agent catalog"), exc)

    def _finished(self) -> None:
        self.job = None
        self.sync_action.setEnabled(True)
        self.choose_action.setEnabled(True)
        self._show_last()
        # Announced only now, when the bar is idle again, so a listener may sync again at once.
        done, self._done = self._done, None
        if done is not None:
            self.synced.emit(done)
        self.sync_ended.emit()

    def _show_last(self) -> None:
        translate = QCoreApplication.translate
        runs = self._repository.runs(1)
        if not runs:
            self.last_label.setText(translate("SyncBar", "Never synced"))
            return
        run = runs[0]
        self.last_label.setText(
            translate("SyncBar", "Last sync #{run}: {status}").format(run=run.id, status=run.status)
        )
        self.last_label.setToolTip(run.origin_location)
