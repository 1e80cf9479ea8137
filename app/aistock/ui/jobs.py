"""Long work off the GUI thread, with progress and cancel (DESIGN §9).

A panel hands :meth:`JobRunner.start` a function ``work(progress, token)``; it runs on a worker
thread and reports ``progress(fraction, text)``. The :class:`Job` re-emits progress, the result,
an error or the cancellation as Qt signals, which Qt delivers on the GUI thread (the job object
lives there), so slots may touch widgets. Cancelling is cooperative: the work calls
``token.check()`` (or passes ``token.check`` as a callback) between steps and stops with
:class:`JobCancelled`; nothing is killed half-way through a database write.

Progress is throttled to at most one signal per 40 ms, so a replay reporting every minute bar
cannot flood the event loop.

Every public signal is emitted *on the GUI thread*: the worker only posts its progress and its
outcome to the job (queued), and the job re-emits them from there. So a panel that connects to
``succeeded`` or ``finished`` right after :meth:`JobRunner.start` returns never misses an outcome,
however fast the work was — a worker emitting the public signals itself would race those
connections, and a job that failed at once would leave its panel busy forever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from aistock.core.errors import AistockError

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
PROGRESS_INTERVAL_S = 0.04


class JobCancelled(AistockError):
    """The user cancelled the job; whatever it finished before stopping is kept."""


class CancelToken:
    """Set by the GUI, polled by the work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job was cancelled."""
        if self._event.is_set():
            raise JobCancelled("cancelled by the user", "start it again to finish the work")


Work = Callable[[ProgressFn, CancelToken], Any]


class Job(QObject):
    """One piece of work on its own thread. Signals arrive on the GUI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    """The exception the work raised (never :class:`JobCancelled`)."""
    was_cancelled = Signal()
    finished = Signal()
    """Always last, whatever the outcome."""

    # The worker's side: posted to the GUI thread, where the public signals above are emitted.
    _progress_posted = Signal(float, str)
    _outcome_posted = Signal(str, object)

    def __init__(self, name: str, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.result: Any = None
        self.error: BaseException | None = None
        self.fraction = 0.0
        self.text = ""
        self._work = work
        self._done = threading.Event()
        self._last_emit = 0.0
        self._thread = threading.Thread(target=self._run, name=f"job-{name}", daemon=True)
        queued = Qt.ConnectionType.QueuedConnection
        self._progress_posted.connect(self.progressed, queued)
        self._outcome_posted.connect(self._deliver, queued)

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has returned (tests and shutdown); True when it has."""
        return self._done.wait(timeout)

    # -- worker side -------------------------------------------------------------------------------
    def _progress(self, fraction: float, text: str = "") -> None:
        self.token.check()
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_emit < PROGRESS_INTERVAL_S:
            return
        self._last_emit = now
        self.fraction, self.text = max(0.0, min(1.0, float(fraction))), text
        self._progress_posted.emit(self.fraction, text)

    def _run(self) -> None:
        try:
            result = self._work(self._progress, self.token)
        except JobCancelled:
            outcome, payload = _CANCELLED, None
        except BaseException as exc:  # shown to the user by whoever listens to ``failed``
            log.warning("job %s failed: %s", self.name, exc, exc_info=not isinstance(exc, AistockError))
            self.error = exc
            outcome, payload = _FAILED, exc
        else:
            self.result = result
            outcome, payload = _SUCCEEDED, result
        self._done.set()
        self._outcome_posted.emit(outcome, payload)

    def _deliver(self, outcome: str, payload: object) -> None:
        """On the GUI thread: the outcome's signal, then ``finished``."""
        if outcome == _SUCCEEDED:
            self.succeeded.emit(payload)
        elif outcome == _FAILED:
            self.failed.emit(payload)
        else:
            self.was_cancelled.emit()
        self.finished.emit()


_SUCCEEDED, _FAILED, _CANCELLED = "succeeded", "failed", "cancelled"


class JobRunner(QObject):
    """Starts jobs and keeps them alive until they finish; one per window."""

    job_started = Signal(object)
    job_finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []

    def start(self, name: str, work: Work) -> Job:
        job = Job(name, work, self)
        self._jobs.append(job)
        job.finished.connect(lambda: self._forget(job))
        job.start()
        self.job_started.emit(job)
        return job

    def running(self) -> list[Job]:
        return [job for job in self._jobs if job.running]

    def cancel_all(self, wait_s: float = 5.0) -> None:
        """Cancel every job and wait a little for each to stop (window close)."""
        deadline = time.monotonic() + wait_s
        for job in list(self._jobs):
            job.cancel()
        for job in list(self._jobs):
            job.wait(max(0.0, deadline - time.monotonic()))

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        self.job_finished.emit(job)


def error_text(exc: BaseException) -> str:
    """An error as a person should read it: what went wrong, then the fix."""
    if isinstance(exc, AistockError):
        return f"{exc.what}\n\n{exc.fix}" if exc.fix else exc.what
    return f"{type(exc).__name__}: {exc}"


class ProgressStrip(QWidget):
    """Label, progress bar and Cancel button bound to one job at a time; hidden when idle."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(160)
        self.cancel_button = QPushButton(QCoreApplication.translate("Jobs", "Cancel"), self)
        self.cancel_button.setObjectName(f"{name}Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.job: Job | None = None
        self.cancel_button.clicked.connect(self._cancel)
        self.hide()

    def bind(self, job: Job, title: str) -> None:
        self.job = job
        self.label.setText(title)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.cancel_button.setEnabled(True)
        job.progressed.connect(self._on_progress)
        job.finished.connect(self._on_finished)
        self.show()

    def _on_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(fraction * 1000))
        if text:
            self.bar.setFormat(f"{text}  %p%")

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.bar.setFormat(QCoreApplication.translate("Jobs", "Cancelling…"))

    def _on_finished(self) -> None:
        self.job = None
        self.hide()
