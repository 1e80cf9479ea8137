"""The persisted trading state and the gate every order passes (the kill-switch's half in the OMS).

The state lives in the store (``trading_state``, with a ``trading_state_change`` row for every
move), so a halt survives a crash or a restart until a person releases it. Every order asks the
gate; the gate reads the stored state *each time* (a fraction of a millisecond) so that nothing
can cache a stale ACTIVE, and it also honours a halt *request file* in the home folder: that is
how ``aistock halt`` stops a workstation that is running (and therefore holds the home's lock)
— the file is seen by the very next order, before the workstation has even processed it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from aistock.core.errors import AistockError
from aistock.core.fees import Side
from aistock.core.trading_state import TradingState, stricter
from aistock.store import Store, TradingStateChange, TradingStateRow
from aistock.store.tables import utc_now
from aistock.trading.monitoring import MonitoringService, MonitorKind, Severity

GLOBAL_SCOPE = "global"
HALT_REQUEST_FILE = "KILL_SWITCH.json"
RESUME_REQUEST_FILE = "RESUME.json"


class TradingStateError(AistockError):
    """A trading-state change that is not allowed as asked."""


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    state: TradingState
    reason: str = ""
    changed_by: str = ""
    source: str = ""
    changed_at: dt.datetime | None = None
    version: int = 0
    requested_halt: bool = False
    """True when a halt request file is in force that the store does not show yet."""

    def describe(self) -> str:
        text = self.state.value.upper()
        if self.reason:
            text += f" — {self.reason}"
        if self.changed_by:
            text += f" (by {self.changed_by}"
            text += f", {self.changed_at:%Y-%m-%d %H:%M:%S} UTC)" if self.changed_at else ")"
        return text


def write_request(path: Path, reason: str, by: str, **extra: str) -> None:
    """Write a request file atomically (a reader never sees half of it)."""
    payload = {"reason": reason, "by": by, "at": utc_now().isoformat(), "pid": os.getpid(), **extra}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def read_request(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"reason": f"unreadable request file {path.name}", "by": "unknown"}
    return value if isinstance(value, dict) else {"reason": "malformed request file", "by": "unknown"}


class TradingStateService:
    """Read, change and enforce the trading state of one store."""

    def __init__(
        self,
        store: Store,
        *,
        monitoring: MonitoringService | None = None,
        request_dir: Path | None = None,
        scope: str = GLOBAL_SCOPE,
    ) -> None:
        self.store = store
        self.monitoring = monitoring
        self.scope = scope
        self.request_dir = request_dir
        self._lock = threading.RLock()

    @property
    def halt_request_path(self) -> Path | None:
        return self.request_dir / HALT_REQUEST_FILE if self.request_dir is not None else None

    @property
    def resume_request_path(self) -> Path | None:
        return self.request_dir / RESUME_REQUEST_FILE if self.request_dir is not None else None

    # -- reading -------------------------------------------------------------------------------------
    def stored(self) -> StateSnapshot:
        with self.store.session() as session:
            row = session.get(TradingStateRow, self.scope)
        if row is None:
            return StateSnapshot(TradingState.ACTIVE)
        try:
            state = TradingState(row.state)
        except ValueError:  # a value we do not know is not permission to trade
            state = TradingState.HALTED
        return StateSnapshot(state, row.reason, row.changed_by, row.source, row.changed_at, row.version)

    def current(self) -> StateSnapshot:
        """The stored state, made stricter by a pending halt request file."""
        snapshot = self.stored()
        path = self.halt_request_path
        if path is not None and path.exists():
            request = read_request(path) or {}
            if snapshot.state is not TradingState.HALTED:
                return StateSnapshot(
                    stricter(snapshot.state, TradingState.HALTED),
                    str(request.get("reason", "halt requested")),
                    str(request.get("by", "")),
                    "request-file",
                    snapshot.changed_at,
                    snapshot.version,
                    requested_halt=True,
                )
        return snapshot

    @contextlib.contextmanager
    def admit(self, side: Side) -> Iterator[str]:
        """Hold the gate and say why an order on ``side`` may not go ("" when it may)."""
        with self._lock:
            yield self.current().state.refusal(side)

    # -- changing ------------------------------------------------------------------------------------
    def change(self, to: TradingState, *, reason: str, by: str, source: str) -> StateSnapshot:
        """Move to ``to`` and record who and why; returns once no order is mid-way to the broker."""
        if not reason.strip():
            raise TradingStateError("a trading-state change needs a reason", "say why, e.g. 'broker outage'")
        with self._lock:
            with self.store.write_session() as session:
                row = session.get(TradingStateRow, self.scope)
                before = row.state if row is not None else TradingState.ACTIVE.value
                if row is None:
                    row = TradingStateRow(scope=self.scope, state=to.value)
                row.state = to.value
                row.reason = reason
                row.changed_by = by
                row.source = source
                row.version += 1
                row.changed_at = utc_now()
                session.add(row)
                session.add(
                    TradingStateChange(
                        scope=self.scope,
                        from_state=before,
                        to_state=to.value,
                        reason=reason,
                        changed_by=by,
                        source=source,
                        changed_at=row.changed_at,
                    )
                )
                session.commit()
            if to is not TradingState.HALTED:
                # A person released the halt here: a pending request to halt is settled too.
                for path in (self.halt_request_path, self.resume_request_path):
                    if path is not None:
                        path.unlink(missing_ok=True)
            snapshot = self.stored()
        if self.monitoring is not None:
            self.monitoring.record(
                MonitorKind.TRADING_STATE,
                f"trading state {before.upper()} → {to.value.upper()}: {reason}",
                severity=Severity.CRITICAL if to is TradingState.HALTED else Severity.WARNING,
                context={
                    "from": before,
                    "to": to.value,
                    "by": by,
                    "source": source,
                    "version": snapshot.version,
                },
            )
        return snapshot

    def history(self, limit: int = 50) -> list[TradingStateChange]:
        with self.store.session() as session:
            return list(
                session.exec(
                    select(TradingStateChange)
                    .where(col(TradingStateChange.scope) == self.scope)
                    .order_by(col(TradingStateChange.id).desc())
                    .limit(limit)
                ).all()
            )
