"""A section's jobs, each handled exactly once on the GUI thread when it ends.

``JobRunner.start`` starts the worker before it returns the :class:`~aistock.ui.jobs.Job`, so a
very quick job can emit ``finished`` before the caller has connected to it, and that emission
is lost. The follower closes the gap: it connects to ``finished``, and when the job has already
ended by then it schedules the same sweep itself; the sweep hands every ended job to its
callback once, reading the outcome from the job (``result``, ``error``, ``cancelled``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from aistock.ui.jobs import Job, JobRunner, Work

Done = Callable[[Job], None]


class JobFollower(QObject):
    """Starts a section's jobs and calls back on the GUI thread when each has ended."""

    busy_changed = Signal(bool)

    def __init__(self, jobs: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._pending: dict[Job, Done] = {}

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def start(self, name: str, work: Work, done: Done) -> Job:
        job = self._jobs.start(name, work)
        self._pending[job] = done
        job.finished.connect(self._sweep)
        if not job.running:  # it may have finished before the connection existed
            QTimer.singleShot(0, self._sweep)
        self.busy_changed.emit(True)
        return job

    def _sweep(self) -> None:
        for job, done in list(self._pending.items()):
            if job.running or job not in self._pending:
                continue
            del self._pending[job]
            try:
                done(job)
            finally:
                if not self._pending:
                    self.busy_changed.emit(False)


def was_cancelled(job: Job) -> bool:
    """The job stopped on a cancel (an error or a result means it ran to its end)."""
    return job.error is None and job.cancelled and job.result is None
