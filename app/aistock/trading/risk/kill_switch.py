"""The kill-switch: HALTED at once, every open order cancelled, the halt kept until a person lifts it.

``engage`` first moves the stored state to HALTED through the same gate every order passes, so
when that step returns no order that was admitted is still on its way to the broker and no new
one can be admitted. Then it asks each account's order manager to cancel every open order —
ours and any placed outside the workstation — paced below the exchanges' high-frequency line.
An order whose broker id is not known yet keeps its cancel request and the manager sends it the
moment the id arrives. A watcher repeats the sweep while HALTED, so orders that surface later
(after a reconnect or a restart) are cancelled too, and picks up halt/resume requests written
by ``aistock halt`` / ``aistock resume`` from another process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aistock.core.errors import AistockError
from aistock.core.risk.limits import MAX_CONFIGURABLE_PER_SECOND
from aistock.core.trading_state import TradingState
from aistock.trading.monitoring import MonitoringService, MonitorKind, Severity
from aistock.trading.oms import rows
from aistock.trading.oms.manager import OrderAlreadyFinal, OrderManager, OrderRefused
from aistock.trading.risk.state import StateSnapshot, TradingStateService, read_request

SWEEP_ATTEMPTS = 6
"""Passes over the cancels that failed before their request was recorded (then: a failure)."""
SWEEP_RETRY_PAUSE_S = 0.1
"""Pause before the second pass; it grows by this much each pass (0.1 + 0.2 + … ≈ 1.5 s in all)."""


class ReleaseNotConfirmed(AistockError):
    """Releasing the kill-switch needs an explicit confirmation."""


@dataclass(frozen=True, slots=True)
class KillReport:
    state: StateSnapshot
    cancels_sent: int = 0
    """Cancel requests handed to the gateway now."""
    cancels_deferred: int = 0
    """Open orders with no broker id yet: their cancel goes out when the id arrives."""
    failures: tuple[str, ...] = ()
    halted_after_s: float = 0.0
    """From the call to the moment no order could be admitted any more."""
    last_cancel_after_s: float = 0.0
    """From the call to the last cancel request handed to a gateway."""

    def describe(self) -> str:
        text = (
            f"HALTED in {self.halted_after_s * 1000:.1f} ms; {self.cancels_sent} cancel(s) sent"
            f" (last after {self.last_cancel_after_s * 1000:.1f} ms)"
        )
        if self.cancels_deferred:
            text += f", {self.cancels_deferred} waiting for a broker id"
        if self.failures:
            text += f", {len(self.failures)} failed: " + "; ".join(self.failures[:3])
        return text


@dataclass
class _Sweep:
    sent: int = 0
    deferred: int = 0
    failures: list[str] = field(default_factory=list)
    last_sent_at: float = 0.0


class KillSwitch:
    """Engage, sweep and release; one per workstation, over all its accounts."""

    def __init__(
        self,
        state: TradingStateService,
        managers: Sequence[OrderManager] = (),
        *,
        monitoring: MonitoringService | None = None,
        cancel_rate_per_second: int = MAX_CONFIGURABLE_PER_SECOND,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.state = state
        self.managers: list[OrderManager] = list(managers)
        self.monitoring = monitoring
        self.cancel_rate_per_second = cancel_rate_per_second
        self._clock = clock
        self._watch_stop = threading.Event()
        self._watch_thread: threading.Thread | None = None
        self._sweep_lock = threading.Lock()

    # -- engage / release ----------------------------------------------------------------------------
    def engage(self, reason: str, *, by: str = "user", source: str = "ui") -> KillReport:
        started = self._clock()
        snapshot = self.state.change(TradingState.HALTED, reason=reason, by=by, source=source)
        halted_after = self._clock() - started
        sweep = self._sweep()
        report = KillReport(
            state=snapshot,
            cancels_sent=sweep.sent,
            cancels_deferred=sweep.deferred,
            failures=tuple(sweep.failures),
            halted_after_s=halted_after,
            last_cancel_after_s=(sweep.last_sent_at - started) if sweep.sent else halted_after,
        )
        if self.monitoring is not None:
            self.monitoring.record(
                MonitorKind.KILL_SWITCH,
                f"kill-switch engaged: {reason} — {report.describe()}",
                severity=Severity.CRITICAL,
                context={
                    "by": by,
                    "source": source,
                    "cancels_sent": report.cancels_sent,
                    "cancels_deferred": report.cancels_deferred,
                    "failures": list(report.failures),
                    "halted_after_ms": round(report.halted_after_s * 1000, 3),
                    "last_cancel_after_ms": round(report.last_cancel_after_s * 1000, 3),
                },
            )
        return report

    def release(
        self,
        *,
        reason: str,
        by: str,
        confirmed: bool,
        to: TradingState = TradingState.ACTIVE,
        source: str = "ui",
    ) -> StateSnapshot:
        """Lift the halt (to ACTIVE, or to REDUCING to allow only sells); needs ``confirmed``."""
        if not confirmed:
            raise ReleaseNotConfirmed(
                "releasing the kill-switch was not confirmed", "confirm it in the dialog, or pass --yes"
            )
        if to is TradingState.HALTED:
            raise ReleaseNotConfirmed("release must go to ACTIVE or REDUCING", "use engage() to halt")
        return self.state.change(to, reason=reason, by=by, source=source)

    # -- sweeping ------------------------------------------------------------------------------------
    def sweep(self) -> int:
        """While HALTED, cancel whatever is still open and not yet asked to cancel; count sent."""
        if self.state.current().state is not TradingState.HALTED:
            return 0
        return self._sweep(only_new=True).sent

    def _sweep(self, *, only_new: bool = False) -> _Sweep:
        result = _Sweep()
        with self._sweep_lock:
            for manager in self.managers:
                with manager.store.session() as session:
                    pending = [
                        # An algo parent is addressed by its task id, not a broker order id.
                        (r.client_order_id, r.broker_order_id or r.algo_task_id)
                        for r in rows.open_orders(session, manager.account_id)
                        if not (only_new and r.cancel_requested)
                    ]
                # A cancel whose request could not even be recorded (the database stayed locked
                # past its busy timeout on a starved machine) is tried again: a sweep must not
                # leave a live order behind because of a moment of contention.
                for attempt in range(1, SWEEP_ATTEMPTS + 1):
                    pending = self._cancel_each(manager, pending, result, final=attempt == SWEEP_ATTEMPTS)
                    if not pending:
                        break
                    time.sleep(SWEEP_RETRY_PAUSE_S * attempt)
        return result

    def _cancel_each(
        self,
        manager: OrderManager,
        orders: Sequence[tuple[str, int | None]],
        result: _Sweep,
        *,
        final: bool,
    ) -> list[tuple[str, int | None]]:
        """Ask for each cancel (paced); returns those to try again (a transient failure)."""
        gap = 1.0 / self.cancel_rate_per_second
        again: list[tuple[str, int | None]] = []
        for client_order_id, broker_id in orders:
            if result.sent and self._clock() - result.last_sent_at < gap:
                time.sleep(max(0.0, gap - (self._clock() - result.last_sent_at)))
            try:
                manager.cancel_order(client_order_id)
            except OrderAlreadyFinal:  # it became final meanwhile: nothing to cancel
                continue
            except OrderRefused as exc:
                result.failures.append(f"{client_order_id}: {exc}")
                continue
            except Exception as exc:
                # cancel_order keeps a gateway failure on the order itself (sent on reconnect), so
                # what reaches here failed before the request was recorded: try it again.
                if final:
                    result.failures.append(f"{client_order_id}: {exc}")
                else:
                    again.append((client_order_id, broker_id))
                continue
            if broker_id is None:
                result.deferred += 1
            else:
                result.sent += 1
                result.last_sent_at = self._clock()
        return again

    # -- requests from other processes ---------------------------------------------------------------
    def poll_requests(self) -> str:
        """Act on halt/resume request files; returns what was done ("" if nothing)."""
        halt_path = self.state.halt_request_path
        resume_path = self.state.resume_request_path
        if halt_path is not None and halt_path.exists():
            request = read_request(halt_path) or {}
            if self.state.stored().state is not TradingState.HALTED:
                self.engage(
                    str(request.get("reason", "halt requested")),
                    by=str(request.get("by", "aistock halt")),
                    source="request-file",
                )
                halt_path.unlink(missing_ok=True)
                return "halted"
            halt_path.unlink(missing_ok=True)
        if resume_path is not None and resume_path.exists():
            request = read_request(resume_path) or {}
            resume_path.unlink(missing_ok=True)
            if self.state.stored().state is not TradingState.ACTIVE:
                target = TradingState.REDUCING if request.get("to") == "reducing" else TradingState.ACTIVE
                self.release(
                    reason=str(request.get("reason", "resume requested")),
                    by=str(request.get("by", "aistock resume")),
                    confirmed=True,
                    to=target,
                    source="request-file",
                )
                return "resumed"
        if self.sweep():
            return "swept"
        return ""

    def start_watch(self, interval_s: float = 0.25) -> None:
        if self._watch_thread is not None:
            return
        self._watch_stop.clear()

        def run() -> None:
            while not self._watch_stop.wait(interval_s):
                try:
                    self.poll_requests()
                except Exception as exc:  # keep watching; say so once per failure
                    if self.monitoring is not None:
                        self.monitoring.record(
                            MonitorKind.KILL_SWITCH,
                            f"kill-switch watcher error: {exc}",
                            severity=Severity.WARNING,
                        )

        self._watch_thread = threading.Thread(target=run, name="kill-switch-watch", daemon=True)
        self._watch_thread.start()

    def stop_watch(self) -> None:
        self._watch_stop.set()
        if self._watch_thread is not None:
            self._watch_thread.join(timeout=5)
            self._watch_thread = None
