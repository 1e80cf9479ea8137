"""The preview's clock: catch up, rebalance at the set times, refresh every minute, settle at the close.

Session-aware and idempotent: each :meth:`PreviewScheduler.tick` asks the engine to bring every
running instance up to *now* (which after a restart replays the missed opens, rebalances and
settlements in order, so nothing is lost) and, while the market trades, refreshes all marks
in one batch. A tick costs almost nothing outside the session, so a caller may simply tick
every minute — the workstation does so on a background thread, never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aistock.core.calendar import SHANGHAI, SessionPhase
from aistock.core.errors import AistockError
from aistock.trading.preview.service import PreviewService

log = logging.getLogger(__name__)
_TRADING = {SessionPhase.MORNING, SessionPhase.AFTERNOON, SessionPhase.CLOSING_AUCTION}


@dataclass(frozen=True, slots=True)
class TickReport:
    at: dt.datetime
    settled: int
    """Days settled during this tick (a catch-up settles many)."""
    refreshed: int
    """Rows the minute refresh rewrote (0 outside the session)."""
    errors: tuple[str, ...] = ()


class PreviewScheduler:
    def __init__(
        self,
        service: PreviewService,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(SHANGHAI),
        on_tick: Callable[[TickReport], None] | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.on_tick = on_tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> TickReport:
        now = self.clock()
        errors: list[str] = []
        settled = 0
        for row in self.service.instances(statuses=("running",)):
            assert row.id is not None
            try:
                settled += self.service.engine.advance(row.id, now)
            except AistockError as exc:  # one broken instance must not stall the others
                errors.append(f"preview {row.id} ({row.name}): {exc}")
                log.warning("preview %s could not advance: %s", row.id, exc)
        refreshed = 0
        if self.service.calendar.phase_at(now) in _TRADING:
            refreshed = self.service.refresh(now)
        report = TickReport(now, settled, refreshed, tuple(errors))
        if self.on_tick is not None:
            self.on_tick(report)
        return report

    def start(self, interval_s: float = 60.0) -> None:
        """Tick now and then every ``interval_s`` on a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:  # keep the clock alive; the log says what broke
                    log.exception("preview tick failed")
                self._stop.wait(interval_s)

        self._thread = threading.Thread(target=run, name="preview-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
