"""Jobs: work off the GUI thread whose every signal arrives on the GUI thread, never lost."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from aistock.core.errors import AistockError
from aistock.ui.jobs import CancelToken, JobRunner, ProgressFn, ProgressStrip


class Heard:
    """What a panel's slots heard, and on which thread."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.threads: set[str] = set()

    def slot(self, name: str):  # type: ignore[no-untyped-def]
        def record(*args: object) -> None:
            self.threads.add(threading.current_thread().name)
            self.events.append((name, args[0] if args else None))

        return record


def _listen(job: object, heard: Heard) -> None:
    for name in ("succeeded", "failed", "was_cancelled", "finished", "progressed"):
        getattr(job, name).connect(heard.slot(name))


@pytest.mark.parametrize("outcome", ["succeeded", "failed", "cancelled"])
def test_an_outcome_reached_before_anyone_listened_is_still_heard(qtbot: QtBot, outcome: str) -> None:
    """The race a fast failure used to lose: the work ends before the panel connects its slots."""
    runner = JobRunner()

    def work(progress: ProgressFn, token: CancelToken) -> int:
        if outcome == "failed":
            raise AistockError("no such day", "pick a trading day")
        if outcome == "cancelled":
            token.cancel()
            token.check()
        return 42

    job = runner.start("instant", work)
    assert job.wait(5.0)  # the worker is done: under the old design its signals were already gone
    heard = Heard()
    _listen(job, heard)
    qtbot.waitUntil(lambda: bool(heard.events) and heard.events[-1][0] == "finished", timeout=5000)
    names = [name for name, _ in heard.events]
    expected = {"succeeded": "succeeded", "failed": "failed", "cancelled": "was_cancelled"}[outcome]
    assert names == [expected, "finished"]
    assert heard.threads == {threading.main_thread().name}
    if outcome == "succeeded":
        assert heard.events[0][1] == 42 and job.result == 42
    if outcome == "failed":
        assert isinstance(heard.events[0][1], AistockError) and job.error is heard.events[0][1]
    qtbot.waitUntil(lambda: runner.running() == [] and job not in runner._jobs, timeout=5000)


def test_progress_is_heard_on_the_gui_thread_and_throttled(qtbot: QtBot) -> None:
    runner = JobRunner()
    release = threading.Event()

    def work(progress: ProgressFn, token: CancelToken) -> str:
        for i in range(2000):  # far more reports than a progress bar needs
            progress(i / 2000, f"step {i}")
        progress(1.0, "done")
        release.wait(5.0)
        return "ok"

    job = runner.start("chatty", work)
    heard = Heard()
    _listen(job, heard)
    strip = ProgressStrip("strip")
    qtbot.addWidget(strip)
    strip.bind(job, "Working")
    assert not strip.isHidden()
    qtbot.waitUntil(lambda: job.fraction == 1.0, timeout=5000)
    assert job.text == "done"  # the last report is remembered at once, on the worker side
    release.set()
    qtbot.waitUntil(lambda: bool(heard.events) and heard.events[-1][0] == "finished", timeout=5000)
    reports = [payload for name, payload in heard.events if name == "progressed"]
    assert 1 <= len(reports) < 200  # throttled to one per 40 ms, however fast the work reports
    assert heard.threads == {threading.main_thread().name}
    assert [n for n, _ in heard.events if n != "progressed"] == ["succeeded", "finished"]
    assert strip.isHidden() and strip.job is None


def test_cancel_all_stops_cooperative_work(qtbot: QtBot) -> None:
    runner = JobRunner()
    started = threading.Event()

    def work(progress: ProgressFn, token: CancelToken) -> None:
        started.set()
        while True:
            token.check()
            threading.Event().wait(0.01)

    job = runner.start("endless", work)
    heard = Heard()
    _listen(job, heard)
    assert started.wait(5.0)
    runner.cancel_all(wait_s=5.0)
    assert not job.running and job.cancelled
    qtbot.waitUntil(lambda: [n for n, _ in heard.events] == ["was_cancelled", "finished"], timeout=5000)
