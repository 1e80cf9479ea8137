"""MonitoringService (seed §7.6, §7.9): the record of everything that went wrong or changed.

Risk denials and shrinks, trading-state changes, disconnects and reconnects, stale quotes,
drawdown alerts, rejected orders and reconciliation mismatches are stored as ``monitor_event``
rows with their context as JSON. The rows are the raw material LiveFeedback aggregates
("risk blocks by reason", "rejects") and what the workstation's alert panel lists; nothing here
decides anything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from sqlmodel import col, func, select

from aistock.store import MonitorEvent, Store
from aistock.store.tables import utc_now


class MonitorKind(StrEnum):
    RISK_DENIAL = "risk_denial"
    RISK_SHRINK = "risk_shrink"
    TRADING_STATE = "trading_state"
    KILL_SWITCH = "kill_switch"
    DISCONNECT = "disconnect"
    RECONNECT = "reconnect"
    STALE_QUOTE = "stale_quote"
    DRAWDOWN = "drawdown"
    ORDER_REJECTED = "order_rejected"
    RECONCILE_MISMATCH = "reconcile_mismatch"
    OMS_ALERT = "oms_alert"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


# How the order manager's alert kinds map onto monitoring kinds.
_OMS_KINDS: dict[str, tuple[MonitorKind, Severity]] = {
    "order_rejected": (MonitorKind.ORDER_REJECTED, Severity.WARNING),
    "connection": (MonitorKind.DISCONNECT, Severity.WARNING),
    "reconnected": (MonitorKind.RECONNECT, Severity.INFO),
    "reconcile_mismatch": (MonitorKind.RECONCILE_MISMATCH, Severity.CRITICAL),
}

Listener = Callable[[MonitorEvent], None]


class MonitoringService:
    def __init__(self, store: Store, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.store = store
        self._clock = clock
        self.listeners: list[Listener] = []

    def record(
        self,
        kind: MonitorKind,
        message: str,
        *,
        severity: Severity = Severity.INFO,
        account_id: str = "",
        code: str = "",
        context: Mapping[str, Any] | None = None,
    ) -> MonitorEvent:
        row = MonitorEvent(
            at=self._clock(),
            kind=kind.value,
            severity=severity.value,
            account_id=account_id,
            code=code,
            message=message,
            context_json=json.dumps(dict(context or {}), ensure_ascii=False, sort_keys=True, default=str),
        )
        with self.store.session() as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        for listener in list(self.listeners):
            try:
                listener(row)
            except Exception:  # a view that fails must not lose the record
                continue
        return row

    def oms_listener(self, account_id: str) -> Callable[[str, str, dict[str, str]], None]:
        """A listener for :class:`~aistock.trading.oms.manager.AlertLog` of one account."""

        def listen(kind: str, message: str, context: dict[str, str]) -> None:
            monitor_kind, severity = _OMS_KINDS.get(kind, (MonitorKind.OMS_ALERT, Severity.WARNING))
            self.record(
                monitor_kind,
                message,
                severity=severity,
                account_id=account_id,
                context={"oms_kind": kind, **context},
            )

        return listen

    def events(
        self,
        *,
        kinds: tuple[MonitorKind, ...] = (),
        account_id: str | None = None,
        since_id: int = 0,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[MonitorEvent]:
        query = select(MonitorEvent).where(col(MonitorEvent.id) > since_id)
        if kinds:
            query = query.where(col(MonitorEvent.kind).in_([k.value for k in kinds]))
        if account_id is not None:
            query = query.where(col(MonitorEvent.account_id) == account_id)
        if start is not None:
            query = query.where(col(MonitorEvent.at) >= start)
        if end is not None:
            query = query.where(col(MonitorEvent.at) < end)
        with self.store.session() as session:
            return list(session.exec(query.order_by(col(MonitorEvent.id)).limit(limit)).all())

    def counts(self, *, account_id: str | None = None) -> dict[str, int]:
        """Events per kind (for status lines and LiveFeedback's execution block)."""
        query = select(MonitorEvent.kind, func.count()).group_by(col(MonitorEvent.kind))
        if account_id is not None:
            query = query.where(col(MonitorEvent.account_id) == account_id)
        with self.store.session() as session:
            return {str(kind): int(n) for kind, n in session.exec(query).all()}


def context_of(event: MonitorEvent) -> dict[str, Any]:
    value = json.loads(event.context_json or "{}")
    return value if isinstance(value, dict) else {}
