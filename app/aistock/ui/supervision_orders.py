"""Open orders with their cancels, and the list of what the risk layer refused.

Cancels go through ``OrderRouter.cancel``: paced under the per-second limit, never refused by the
kill-switch (a cancel only lowers risk). They run as a job because the pacing waits for a slot
(ten a second) and "cancel all" over a basket takes seconds. An order that became final in the
meantime is not an error — the trader is told calmly that there was nothing left to cancel.

The risk list holds every denial, shrink, broker rejection and drawdown alert of the account,
newest first. It follows the bridge's ``monitor_event`` but reads the rows from the store
(everything after the last id it holds), so an event that arrived before the panel existed, or
between two signals, is never missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from aistock.core.errors import AistockError
from aistock.core.modes import AccountMode
from aistock.store import MonitorEvent
from aistock.trading.account_service import AccountService, OrderView
from aistock.trading.monitoring import MonitoringService, MonitorKind, Severity, context_of
from aistock.trading.oms.manager import OrderAlreadyFinal
from aistock.trading.risk.router import OrderRouter
from aistock.ui import dialogs
from aistock.ui.account_views import local_datetime, order_colour, order_columns
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, error_text
from aistock.ui.monitor import WARN_COLOUR, Column, Kind, MonitorView
from aistock.ui.supervision_jobs import JobFollower
from aistock.ui.supervision_outcome import FAILED_COLOUR
from aistock.ui.texts import mode_name

RISK_KINDS = (
    MonitorKind.RISK_DENIAL,
    MonitorKind.RISK_SHRINK,
    MonitorKind.ORDER_REJECTED,
    MonitorKind.DRAWDOWN,
)
MAX_RISK_EVENTS = 2000
"""The newest events kept in the list (older ones stay in the store and in LiveFeedback)."""
_PAGE = 1000


# -- cancels (pure) ---------------------------------------------------------------------------------------


@dataclass
class CancelResult:
    """What a batch of cancel requests came to."""

    requested: list[str] = field(default_factory=list)
    already_final: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        """Whole sentences, one per outcome that happened."""
        parts = []
        if self.requested:
            parts.append(
                QCoreApplication.translate(
                    "LiveOrdersSection", "Cancel requested for {count} order(s); the broker confirms it."
                ).format(count=len(self.requested))
            )
        if self.already_final:
            parts.append(
                QCoreApplication.translate(
                    "LiveOrdersSection", "{count} order(s) had already ended ({ids}): nothing left to cancel."
                ).format(count=len(self.already_final), ids=", ".join(self.already_final))
            )
        for client_id, why in self.failed:
            parts.append(
                QCoreApplication.translate("LiveOrdersSection", "Cancel of {id} failed: {why}").format(
                    id=client_id, why=why
                )
            )
        return " ".join(parts)


def cancel_orders(
    router: OrderRouter, client_ids: Sequence[str], progress: ProgressFn | None = None
) -> CancelResult:
    """Ask for each cancel through the router; an order already final is noted, not raised."""
    result = CancelResult()
    for n, client_id in enumerate(client_ids):
        if progress is not None:
            progress(n / max(1, len(client_ids)), client_id)  # raises JobCancelled after a cancel
        try:
            router.cancel(client_id)
        except OrderAlreadyFinal:
            result.already_final.append(client_id)
        except AistockError as exc:
            result.failed.append((client_id, exc.what))
        else:
            result.requested.append(client_id)
    return result


# -- live orders ------------------------------------------------------------------------------------------


class LiveOrdersSection(QWidget):
    """The account's open orders (algo tasks as their parent order); cancel some or all."""

    count_changed = Signal(int)
    cancelled = Signal(object)
    """The :class:`CancelResult` of a cancel batch."""

    def __init__(
        self,
        service: AccountService,
        router: OrderRouter,
        account_id: str,
        bridge: EngineBridge,
        jobs: JobRunner,
        account_mode: AccountMode,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("liveOrdersSection")
        self._service = service
        self._router = router
        self.account_id = account_id
        self._mode = account_mode
        self.follower = JobFollower(jobs, self)
        self.follower.busy_changed.connect(lambda _busy: self._update_actions())
        self.last_result: CancelResult | None = None

        self.cancel_selected_action = QAction(
            QCoreApplication.translate("LiveOrdersSection", "Cancel selected"), self
        )
        self.cancel_selected_action.setObjectName("cancelSelectedAction")
        self.cancel_selected_action.setToolTip(
            QCoreApplication.translate(
                "LiveOrdersSection", "Ask the broker to cancel the selected open orders"
            )
        )
        self.cancel_selected_action.triggered.connect(lambda: self.cancel_selected())
        self.cancel_all_action = QAction(
            QCoreApplication.translate("LiveOrdersSection", "Cancel all orders…"), self
        )
        self.cancel_all_action.setObjectName("cancelAllAction")
        self.cancel_all_action.setToolTip(
            QCoreApplication.translate("LiveOrdersSection", "Cancel every open order of this account")
        )
        self.cancel_all_action.triggered.connect(lambda: self.cancel_all())

        self.view = MonitorView(
            order_columns(include_message=False),
            name="liveOrders",
            row_key=lambda o: o.client_order_id,
            row_colour=lambda o: order_colour(o.status),
            parent=self,
        )
        for section, width in enumerate((70, 110, 84, 44, 60, 70, 80, 70, 76, 100, 90)):
            self.view.table.setColumnWidth(section, width)
        self.view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.view.table.addAction(self.cancel_selected_action)  # in the table's context menu
        self.view.selection_changed.connect(self._update_actions)
        self.show_children = QCheckBox(
            QCoreApplication.translate("LiveOrdersSection", "Algo child orders"), self
        )
        self.show_children.setObjectName("liveOrdersShowChildren")
        self.show_children.setToolTip(
            QCoreApplication.translate(
                "LiveOrdersSection",
                "Also list the orders a smart-algo task placed (cancel the task to stop them)",
            )
        )
        self.show_children.toggled.connect(lambda _on: self.refresh())
        self.status_label = QLabel(self)
        self.status_label.setObjectName("liveOrdersStatus")
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        commands = QHBoxLayout()
        commands.setContentsMargins(0, 0, 0, 0)
        commands.setSpacing(4)
        for made, name in (
            (self.cancel_selected_action, "cancelSelectedButton"),
            (self.cancel_all_action, "cancelAllButton"),
        ):
            button = QToolButton(self)
            button.setObjectName(name)
            button.setDefaultAction(made)
            commands.addWidget(button)
        commands.addStretch(1)
        commands.addWidget(self.show_children)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addLayout(commands)
        layout.addWidget(self.status_label)
        layout.addWidget(self.view, 1)

        bridge.account_changed.connect(self._account_changed)
        self.refresh()

    def refresh(self) -> None:
        orders = self._service.get_open_orders(
            self.account_id, include_children=self.show_children.isChecked()
        )
        self.view.set_records(list(reversed(orders)))
        self._update_actions()
        self.count_changed.emit(len(orders))

    def records(self) -> list[OrderView]:
        return list(self.view.records())

    def cancel_selected(self) -> Job | None:
        """Cancel the selected orders at once (no question: a cancel only lowers risk)."""
        ids = [o.client_order_id for o in self.view.selected_records()]
        return self.cancel(ids) if ids else None

    def cancel_all(self) -> Job | None:
        """Confirm once, naming the count, then cancel every open order of the account."""
        ids = [o.client_order_id for o in self._service.get_open_orders(self.account_id)]
        if not ids:
            self._say(QCoreApplication.translate("LiveOrdersSection", "There are no open orders to cancel."))
            return None
        text = QCoreApplication.translate(
            "LiveOrdersSection", "Cancel all {count} open order(s) of account {account} ({mode})?"
        ).format(count=len(ids), account=self.account_id, mode=mode_name(self._mode))
        action = QCoreApplication.translate("LiveOrdersSection", "Cancel {count} order(s)").format(
            count=len(ids)
        )
        title = QCoreApplication.translate("LiveOrdersSection", "Cancel all orders")
        if not dialogs.confirm(self, title, text, action, danger=self._mode is AccountMode.LIVE):
            return None
        return self.cancel(ids)

    def cancel(self, ids: Sequence[str]) -> Job | None:
        """Ask for these cancels (a job); an order that ended meanwhile is reported, not raised."""
        ids = list(ids)
        if self.follower.busy:
            return None
        router = self._router

        def work(progress: ProgressFn, token: CancelToken) -> CancelResult:
            return cancel_orders(router, ids, progress)

        self._say(
            QCoreApplication.translate("LiveOrdersSection", "Cancelling {count} order(s)…").format(
                count=len(ids)
            )
        )
        return self.follower.start("cancel-orders", work, self._ended)

    def _ended(self, job: Job) -> None:
        self.refresh()
        if job.error is not None:
            self._say(
                QCoreApplication.translate("LiveOrdersSection", "Cancelling failed: {error}").format(
                    error=error_text(job.error)
                ),
                FAILED_COLOUR,
            )
            return
        result = job.result
        if not isinstance(result, CancelResult):
            self._say(QCoreApplication.translate("LiveOrdersSection", "Cancelling stopped."))
            return
        self.last_result = result
        self._say(result.describe(), FAILED_COLOUR if result.failed else None)
        self.cancelled.emit(result)

    def _account_changed(self, account_id: str) -> None:
        if account_id == self.account_id:
            self.refresh()

    def _update_actions(self) -> None:
        idle = not self.follower.busy
        self.cancel_selected_action.setEnabled(idle and bool(self.view.selected_records()))
        self.cancel_all_action.setEnabled(idle and bool(self.view.records()))

    def _say(self, text: str, colour: QColor | None = None) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {colour.name()};" if colour is not None else "")
        self.status_label.show()


# -- risk events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskEventRecord:
    id: int
    at: dt.datetime | None
    kind: str
    severity: str
    code: str
    side: str
    volume: int | None
    reasons: str
    origin: str
    message: str


def risk_event_record(event: MonitorEvent) -> RiskEventRecord:
    context = context_of(event)
    codes = context.get("codes")
    reasons = ", ".join(str(c) for c in codes) if isinstance(codes, list) else ""
    if not reasons and context.get("stage") == "send":
        reasons = "not_sent"
    elif not reasons and event.kind == MonitorKind.ORDER_REJECTED.value:
        reasons = str(context.get("oms_kind", ""))
    volume = context.get("volume")
    return RiskEventRecord(
        id=event.id or 0,
        at=local_datetime(event.at),
        kind=event.kind,
        severity=event.severity,
        code=event.code,
        side=str(context.get("side", "")),
        volume=volume if isinstance(volume, int) and not isinstance(volume, bool) else None,
        reasons=reasons,
        origin=str(context.get("origin", "")),
        message=event.message,
    )


def risk_kind_text(kind: str) -> str:
    if kind == MonitorKind.RISK_DENIAL.value:
        return QCoreApplication.translate("RiskEventsSection", "Denied")
    if kind == MonitorKind.RISK_SHRINK.value:
        return QCoreApplication.translate("RiskEventsSection", "Shrunk")
    if kind == MonitorKind.ORDER_REJECTED.value:
        return QCoreApplication.translate("RiskEventsSection", "Rejected by broker")
    if kind == MonitorKind.DRAWDOWN.value:
        return QCoreApplication.translate("RiskEventsSection", "Drawdown")
    return kind


def _event_colour(record: RiskEventRecord) -> QColor | None:
    if record.severity == Severity.CRITICAL.value:
        return FAILED_COLOUR
    if record.kind == MonitorKind.RISK_SHRINK.value:
        return WARN_COLOUR
    return None


class RiskEventsSection(QWidget):
    """Denials, shrinks, broker rejections and drawdown alerts of one account, newest first."""

    count_changed = Signal(int)

    def __init__(
        self,
        monitoring: MonitoringService,
        account_id: str,
        bridge: EngineBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("riskEventsSection")
        self._monitoring = monitoring
        self.account_id = account_id
        self._last_id = 0
        self._records: list[RiskEventRecord] = []
        columns = [
            Column("at", QCoreApplication.translate("RiskEventsSection", "Time"), Kind.TIME),
            Column(
                "kind",
                QCoreApplication.translate("RiskEventsSection", "Kind"),
                getter=lambda r: risk_kind_text(r.kind),
            ),
            Column("code", QCoreApplication.translate("RiskEventsSection", "Code")),
            Column(
                "side",
                QCoreApplication.translate("RiskEventsSection", "Side"),
                Kind.SIDE,
                getter=lambda r: r.side or None,
            ),
            Column("volume", QCoreApplication.translate("RiskEventsSection", "Volume"), Kind.INT),
            Column("reasons", QCoreApplication.translate("RiskEventsSection", "Reason codes")),
            Column("origin", QCoreApplication.translate("RiskEventsSection", "Origin")),
            Column("message", QCoreApplication.translate("RiskEventsSection", "Message")),
        ]
        self.view = MonitorView(
            columns, name="riskEvents", row_key=lambda r: r.id, row_colour=_event_colour, parent=self
        )
        for section, width in enumerate((140, 90, 84, 44, 80, 120, 90)):
            self.view.table.setColumnWidth(section, width)
        self.view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        bridge.monitor_event.connect(self._event)
        self.refresh()

    def refresh(self) -> None:
        """Read every event after the newest one held (all of them the first time)."""
        fresh: list[MonitorEvent] = []
        while True:
            page = self._monitoring.events(
                kinds=RISK_KINDS, account_id=self.account_id, since_id=self._last_id, limit=_PAGE
            )
            fresh += page
            if page:
                self._last_id = max(self._last_id, max(e.id or 0 for e in page))
            if len(page) < _PAGE:
                break
        if not fresh and self.view.records():
            return
        newest_first = [risk_event_record(e) for e in reversed(fresh)]
        self._records = (newest_first + self._records)[:MAX_RISK_EVENTS]
        self.view.set_records(self._records)
        self.count_changed.emit(len(self._records))

    def records(self) -> list[RiskEventRecord]:
        return list(self._records)

    def _event(self, event: object) -> None:
        if not isinstance(event, MonitorEvent):
            return
        if event.account_id == self.account_id and event.kind in {k.value for k in RISK_KINDS}:
            self.refresh()
