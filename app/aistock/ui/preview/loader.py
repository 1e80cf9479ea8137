"""Latest-wins background loads: read on a worker thread, show on the GUI thread.

The page re-reads the store whenever the scheduler ticks (every minute), a box is ticked or a
row is selected. Twenty instances with ten years of days take longer than a frame, so the
reading runs as a :class:`~aistock.ui.jobs.Job`. Requests made while one runs do not queue up:
only the newest is kept and runs next, and a result that a newer request has already outdated
is dropped rather than shown for a moment.

:func:`start_connected` starts a job only after its signals are connected: ``JobRunner.start``
starts the thread before it returns, and a short job can finish — emitting ``finished`` to no
receiver yet — before the caller's ``connect`` runs, which would leave a loader waiting forever.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject

from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, Work

T = TypeVar("T")
Load = Callable[[CancelToken], T]
GATE_TIMEOUT_S = 10.0
"""How long the work waits for its connections before running anyway (a stalled GUI thread)."""


def start_connected(jobs: JobRunner, name: str, work: Work, connect: Callable[[Job], None]) -> Job:
    """Start ``work`` as a job whose signals ``connect`` wires up before the work may emit any."""
    ready = threading.Event()

    def gated(progress: ProgressFn, token: CancelToken) -> Any:
        ready.wait(GATE_TIMEOUT_S)
        return work(progress, token)

    job = jobs.start(name, gated)
    try:
        connect(job)
    finally:
        ready.set()
    return job


class LatestLoader(QObject, Generic[T]):
    """Runs the most recent load request; hands its result to ``apply`` on the GUI thread."""

    def __init__(
        self,
        jobs: JobRunner,
        name: str,
        apply: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._name = name
        self._apply = apply
        self._on_error = on_error
        self._job: Job | None = None
        self._pending: Load[T] | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None or self._pending is not None

    def request(self, load: Load[T]) -> None:
        """Run ``load`` (capture its inputs before calling: it runs on another thread)."""
        if self._job is not None:
            self._pending = load
            return
        self._start(load)

    def cancel(self) -> None:
        self._pending = None
        if self._job is not None:
            self._job.cancel()

    def _start(self, load: Load[T]) -> None:
        def work(_progress: ProgressFn, token: CancelToken) -> Any:
            return load(token)

        def wire(job: Job) -> None:
            job.succeeded.connect(self._succeeded)
            job.failed.connect(self._failed)
            job.finished.connect(self._finished)

        self._job = start_connected(self._jobs, self._name, work, wire)

    def _succeeded(self, result: Any) -> None:
        if self._pending is None:
            self._apply(result)

    def _failed(self, error: object) -> None:
        if self._pending is None and isinstance(error, BaseException):
            self._on_error(error)

    def _finished(self) -> None:
        self._job = None
        if self._pending is not None:
            load, self._pending = self._pending, None
            self._start(load)
